"""Where a site build after a one-file edit spends its time, phase by phase.

    .venv/bin/python benchmarks/edit_phases.py [--size 10000] [--rounds 5] [--project DIR]

A synthetic project of --size evaluations (benchmarks/synthetic.py; or --project, a
project built already) is built once; then, --rounds times, one file is edited (a space
toggled, as in against_revision.py) and the site built again (after one edit not counted:
the first after a cold build), each time in a fresh
process that reports how long it took to start, to import the commands, and each phase
of the build (`SiteBuilder.timings`: prepare, evaluations, kept pages, listing pages,
downloads, search index, commit). Prints the medians, with each phase's share of
the whole run: what a change to one stage could save, before it is made.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
from against_revision import toggle  # noqa: E402
from measure import jixiao_environment  # noqa: E402
from synthetic import write_content  # noqa: E402

# Run in the project; prints one JSON line. `started` is the parent's clock when it
# launched the process (time.time: the same clock in both processes).
BUILD = """
import json, os, sys, time
entered = time.time()
from generator.commands.build import build_site
from generator.commands.common import site_project
from generator.render import site
imported = time.time()
builders = []
init = site.SiteBuilder.__init__
def keep(self, *args, **kwargs):
    init(self, *args, **kwargs)
    builders.append(self)
site.SiteBuilder.__init__ = keep
build_site(site_project(None, None), None, None, False, echo=lambda *a, **k: None)
done = time.time()
print(json.dumps({"start": entered - float(sys.argv[1]), "import": imported - entered, "build": done - imported,
                  **builders[0].timings}))
sys.stdout.flush()
os._exit(0)
"""


def build_once(project: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", BUILD, repr(time.time())], cwd=project, capture_output=True,
                          text=True, env=jixiao_environment(ROOT), check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(runs: list[dict[str, float]]) -> list[str]:
    """Each phase's median seconds and share of the whole run, as lines of a table."""
    phases = {name: statistics.median(run.get(name, 0.0) for run in runs) for name in runs[0]}
    whole = phases["start"] + phases["import"] + phases["build"]
    timed = sum(value for name, value in phases.items() if name not in ("start", "import", "build"))
    rows = [*((name, value) for name, value in phases.items() if name != "build"),
            ("between phases", phases["build"] - timed), ("whole run", whole)]
    return [f"{name:<16}{value:>8.3f} s{value / whole:>7.1%}" for name, value in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--project", type=Path, help="a synthetic project built already (its first file is edited)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jixiao-edit-") as scratch:
        project = args.project or Path(scratch)
        if args.project is None:
            write_content(project, args.size)
        edited = sorted(project.glob("content/*/*/[0-9]*.yml"))[0]
        build_once(project)  # the build the edits follow (cold, or bringing --project up to date)
        toggle(edited)
        build_once(project)  # the first edit after a cold build has no spare tree to patch: not counted
        runs = []
        for _ in range(args.rounds):
            toggle(edited)
            runs.append(build_once(project))
        count = len(list(project.glob("content/*/*/[0-9]*.yml")))
        print(f"One edited file among {count} evaluations: medians of {args.rounds} builds")
        print("\n".join(report(runs)))


if __name__ == "__main__":
    main()
