"""Instructions per file of validate+score on one core, counted by valgrind's callgrind.

    .venv/bin/python benchmarks/instructions.py [--files 200]

Unlike seconds, an instruction count does not change with what else the machine is
doing, so it shows the effect of a small change to the per-file work. It runs
what a worker does with a chunk of synthetic files (`process_many`, no cache) twice under
callgrind, with and without the files, and prints the difference per file (needs Debian's valgrind).
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


def instructions(content: Path, which: str) -> int:
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          sys.executable, "-c", WORK, str(content), which],
                         capture_output=True, text=True, check=True, env=ENVIRONMENT)
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


# This checkout's generator, whatever the venv points at, with its modules compiled once
# beforehand (`compile_modules`): a module compiled in one run and not the other would
# count as per-file work.
ENVIRONMENT = jixiao_environment(ROOT)


def compile_modules(content: Path) -> None:
    subprocess.run([sys.executable, "-c", WORK, str(content), "none"], check=True, env=ENVIRONMENT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed: apt-get install valgrind")
    root = Path(tempfile.mkdtemp(prefix="jixiao-instructions-"))
    try:
        write_content(root, args.files + 1)
        content = root / "content"
        compile_modules(content)
        per_file = (instructions(content, "all") - instructions(content, "none")) / args.files
        print(json.dumps({"files": args.files, "million_instructions_per_file": round(per_file / 1e6, 2)}))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
