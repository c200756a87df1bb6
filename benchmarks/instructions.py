"""Instructions per file of validate+score on one core (with `--pages`, and of rendering
its page, as a build's worker does), or of a site build after a one-file edit, counted by
valgrind's callgrind.

    .venv/bin/python benchmarks/instructions.py [--files 200] [--pages]
    .venv/bin/python benchmarks/instructions.py --edit 10000 [--against 2bd08da]

Unlike seconds, an instruction count does not change with what else the machine is
doing, so it shows the effect of a small change to the per-file work. It runs
what a worker does with a chunk of synthetic files (`process_many`, no cache) twice under
callgrind, with and without the files, and prints the difference per file (needs Debian's valgrind).
With `--pages`, each file's page is rendered too (into a scratch directory): a cold build's
work per evaluation.

With `--edit N`, a site of N synthetic evaluations is built, one file is edited, and the
build after the edit (one process: the edited file is read in it) runs under callgrind;
with `--against`, an earlier revision's does too, on the same files. What it leaves out is
the time the system spends for the build (file times, links, writes): the seconds of
`against_revision.py` hold it.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
from against_revision import toggle, worktree  # noqa: E402
from measure import jixiao_environment  # noqa: E402
from synthetic import write_content  # noqa: E402

WORK = """
import gc, sys
from generator.building import pipeline
paths = pipeline.discover([sys.argv[1]])
pipeline.registry.activate(())
pipeline.process_many(paths[:1], (), False)  # imports, forms and schemes: not per-file work
pipeline.process_many(paths[1:] if sys.argv[2] == "all" else [], (), False)
"""

PAGES_WORK = """
import sys, tempfile
from pathlib import Path
from generator.building import pipeline
from generator.project.project import Project
from generator.render import site
project = Project.find(content=Path(sys.argv[1]))
config = project.site()
paths = pipeline.discover([sys.argv[1]])
nav, names = site.navigation(config, paths)
inputs = dict.fromkeys(("code", "rules", "config", "site_templates", "print_templates", "navigation"), "x")
renderer = site.EvaluationRenderer(config, tempfile.mkdtemp(), nav, names, "x", inputs)
pipeline.process_many(paths[:1], project.extension_roots, False, renderer)  # templates and theme: not per page
pipeline.process_many(paths[1:] if sys.argv[2] == "all" else [], project.extension_roots, False, renderer)
"""


def instructions(content: Path, which: str, work: str = WORK) -> int:
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-c", work, str(content), which],
                         capture_output=True, text=True, check=True, env=ENVIRONMENT)
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


# This checkout's generator, whatever the venv points at, with its modules compiled once
# beforehand (`compile_modules`): a module compiled in one run and not the other would
# count as per-file work.
ENVIRONMENT = jixiao_environment(ROOT)


def compile_modules(content: Path, work: str = WORK) -> None:
    subprocess.run([sys.executable, "-c", work, str(content), "none"], check=True, env=ENVIRONMENT)


def edit_instructions(checkout: Path, project: Path, edited: Path) -> int:
    """The instructions of `checkout`'s site build after an edit to one file of `project`."""
    environment = jixiao_environment(checkout)
    build = [sys.executable, "-m", "generator", "build"]
    subprocess.run(build, cwd=project, env=environment, check=True, capture_output=True)  # its cache and output
    toggle(edited)
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *build], cwd=project,
                         env=environment, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


def compare_edits(files: int, revision: str | None) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="jixiao-instructions-"))
    checkouts = {"this": ROOT}
    try:
        if revision:
            checkouts[revision] = worktree(revision, scratch / "revision")
        figures = {"files": files}
        for name, checkout in checkouts.items():
            project = scratch / f"project-{len(figures)}"
            edited = write_content(project, files)[files // 2]
            figures[name] = round(edit_instructions(checkout, project, edited) / 1e6)
        if revision:
            figures["ratio_this_to_revision"] = round(figures["this"] / figures[revision], 2)
        return {"million_instructions_one_edit_build": figures}
    finally:
        if revision:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(scratch / "revision")],
                           capture_output=True)
        shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--pages", action="store_true", help="render each file's page too, as a build's worker does")
    parser.add_argument("--edit", type=int, metavar="N", help="instructions of a site build after a one-file edit of N")
    parser.add_argument("--against", metavar="REVISION", help="with --edit: an earlier revision's too")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: apt-get install valgrind")
    if args.edit:
        print(json.dumps(compare_edits(args.edit, args.against)))
        return
    root = Path(tempfile.mkdtemp(prefix="jixiao-instructions-"))
    try:
        write_content(root, args.files + 1)
        content = root / "content"
        work = PAGES_WORK if args.pages else WORK
        compile_modules(content, work)
        per_file = (instructions(content, "all", work) - instructions(content, "none", work)) / args.files
        print(json.dumps({"files": args.files, "pages": args.pages,
                          "million_instructions_per_file": round(per_file / 1e6, 2)}))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
