"""This checkout against an earlier revision of jixiao, on the same machine and the same files.

    .venv/bin/python benchmarks/against_revision.py 2bd08da [--size 10000] [--rounds 3]

Targets set on one machine (issue 13's, measured on the reviewer's) cannot be checked on
another by their seconds; as ratios to the code they were set against they can. The
revision is checked out into a temporary worktree and run on this checkout's virtual
environment (the revision's own dependencies must be installed there). The two take
turns in every round, cold validate+score first, then cold site builds, the first build
after a one-file edit (it has no spare tree to patch: output.py), two more such builds
and a build with nothing changed, each a fresh process on its own copy of
the same synthetic content (`synthetic.py`). It prints the medians of each (wall time,
CPU time of all processes, memory summed over them: see measure.py) and, for each, this
checkout's figure divided by the revision's; then that ratio of wall times run by run
(`ratio_by_run`: each pair ran back to back, so a machine that grows busier or quieter
between rounds weighs on both alike, and the spread of the pairs shows how far one
measurement can be trusted: on a shared machine, a tenth either way).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).parent)]
import measure  # noqa: E402
from site_build import set_aside  # noqa: E402
from synthetic import write_content  # noqa: E402

# Cold validate+score timed inside the process, as benchmarks/validate_score.py does; the
# pipeline's module moved in the redesign of issue 13, so either place is tried.
VALIDATE = """
import json, sys, time
try:
    from generator.building.pipeline import run
except ImportError:
    from generator.pipeline import run
start = time.perf_counter()
run([sys.argv[1]])
print(json.dumps(time.perf_counter() - start))
"""
OUTPUTS = ("site", ".site.spare", ".site.spare.state", ".cache")


def worktree(revision: str, into: Path) -> Path:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(into), revision], check=True,
                   capture_output=True)
    return into


def validate_cold(checkout: Path, project: Path) -> tuple[float, float]:
    set_aside(project / ".cache")
    measured = measure.run([sys.executable, "-c", VALIDATE, str(project / "content")], project,
                           measure.jixiao_environment(checkout))
    return json.loads(measured.output), measured.cpu_seconds


def build(checkout: Path, project: Path, cold: bool = False) -> measure.Measured:
    if cold:
        for name in OUTPUTS:
            set_aside(project / name)
    return measure.run([sys.executable, "-m", "generator", "build"], project, measure.jixiao_environment(checkout))


def toggle(path: Path) -> None:
    """An edit that changes the file's bytes and nothing it means: a space after the year, or none."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("year: 2024 \n", "year: 2024\n") if "year: 2024 \n" in text
                    else text.replace("year: 2024\n", "year: 2024 \n"), encoding="utf-8")
    time.sleep(0.2)  # past the cache's moment of doubt (cache.RACY_NS)


def _seconds(run) -> float:
    return run[0] if isinstance(run, tuple) else run.seconds


def summary(runs: list) -> dict:
    if runs and isinstance(runs[0], tuple):  # validate: (seconds timed inside, CPU of all processes)
        return {"seconds": round(statistics.median(r[0] for r in runs), 2),
                "cpu_seconds": round(statistics.median(r[1] for r in runs), 2)}
    return {"seconds": round(statistics.median(r.seconds for r in runs), 2),
            "cpu_seconds": round(statistics.median(r.cpu_seconds for r in runs), 2),
            "peak_mb_all_processes": round(max(r.peak_mb_all_processes for r in runs))}


def compare(revision: str, size: int, rounds: int) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="jixiao-against-"))
    try:
        checkouts = {"this": ROOT, revision: worktree(revision, scratch / "revision")}
        files = write_content(scratch / "content-source", size)
        edited = [path.relative_to(scratch / "content-source") for path in files[::max(1, size // 7)]]
        projects = {}
        for name in checkouts:
            projects[name] = scratch / f"project-{len(projects)}"
            shutil.copytree(scratch / "content-source", projects[name])
        runs = {name: {"validate_cold": [], "build_cold": [], "first_edit_after_cold_build": [],
                       "one_file_changed": [], "unchanged": []} for name in checkouts}
        for round_number in range(rounds):
            order = list(checkouts) if round_number % 2 == 0 else list(reversed(checkouts))
            for name in order:
                runs[name]["validate_cold"].append(validate_cold(checkouts[name], projects[name]))
            for name in order:
                runs[name]["build_cold"].append(build(checkouts[name], projects[name], cold=True))
            for edit in range(3):
                kind = "one_file_changed" if edit else "first_edit_after_cold_build"
                for name in order:
                    toggle(projects[name] / edited[(round_number * 3 + edit) % len(edited)])
                    runs[name][kind].append(build(checkouts[name], projects[name]))
            for name in order:
                runs[name]["unchanged"].append(build(checkouts[name], projects[name]))
            print(f"round {round_number + 1} of {rounds} done", file=sys.stderr)
        figures = {name: {kind: summary(found) for kind, found in kinds.items()} for name, kinds in runs.items()}
        figures["ratio_this_to_revision"] = {
            kind: {figure: round(figures["this"][kind][figure] / figures[revision][kind][figure], 2)
                   for figure in ("seconds", "cpu_seconds")} for kind in runs["this"]}
        figures["ratio_by_run"] = {kind: [round(_seconds(mine) / _seconds(theirs), 2)
                                          for mine, theirs in zip(runs["this"][kind], runs[revision][kind])]
                                   for kind in runs["this"]}
        figures["files"] = size
        return figures
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(scratch / "revision")],
                       capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revision", help="the git revision to measure against (issue 13 was set against 2bd08da)")
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    print(json.dumps(compare(arguments.revision, arguments.size, arguments.rounds), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
