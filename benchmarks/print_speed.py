"""Speed and size of the printed outputs (PDF and XLSX per table, unit bundles).

    .venv/bin/python benchmarks/print_speed.py [--synthetic 1000] [--jobs 2]

For the seed tables (content/) and for synthetic evaluations: tables per second
cold (nothing printed before) and warm (one file changed since: only its table and
its unit's bundle are printed again), on every core, and the mean size of a
one-table PDF and of a bundle (a synthetic unit holds 100 tables). Each run is a
fresh process, as `jixiao print` would be; the time is that of `print_outputs`
(validation and scoring are measured by validate_score.py), the peak memory summed
over the process and its workers (measure.py). The CPU time per table (all
processes) tells what the cores would do if nothing else ran:
`jobs / cold_cpu_seconds_per_table` tables per second at best.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).parent), str(ROOT)]  # this checkout's generator, whatever the venv points at
from measure import jixiao_environment, run as run_measured  # noqa: E402
from synthetic import write_content  # noqa: E402

TRIAL = """
import json, resource, sys, time
from pathlib import Path
from generator.building.pipeline import run
from generator.render.printing import print_outputs
content, out, jobs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
report = run([content], use_cache=False, full=True)
def cpu():
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
cpu_before = cpu()
figures = print_outputs(report, content, out, jobs)
figures["cpu_seconds"] = cpu() - cpu_before
print(json.dumps(figures))
"""


def trial(content: Path, out: Path, jobs: int) -> dict:
    measured = run_measured([sys.executable, "-c", TRIAL, str(content), str(out), str(jobs)], content.parent,
                           jixiao_environment(ROOT))
    return {**json.loads(measured.output), "peak_mb_all_processes": measured.peak_mb_all_processes,
            "load_average": measured.load_average}


def touch_one(content: Path, number: int) -> None:
    files = sorted(p for p in content.rglob("*.yml") if not p.name.startswith("_"))
    changed = files[number * 7 % len(files)]
    changed.write_text(changed.read_text(encoding="utf-8") + f"# 改动 {number}\n", encoding="utf-8")


def measure(name: str, make_content, jobs: int, repeat: int) -> dict:
    root = Path(tempfile.mkdtemp(prefix="jixiao-print-"))
    try:
        (root / "site_config.yml").write_text("site_name: 基准测试\n", encoding="utf-8")
        content = make_content(root)
        cold, warm = [], []
        for number in range(repeat):
            out = root / f"out-{number}"
            cold.append(trial(content, out, jobs))
            touch_one(content, number)
            warm.append(trial(content, out, jobs))
        pdfs = list((root / "out-0").rglob("table.pdf"))
        bundles = [p.stat().st_size for p in (root / "out-0").rglob("bundle.pdf")]
        tables = cold[0]["tables"]
        return {
            "content": name, "tables": tables, "bundles": cold[0]["bundles"], "jobs": jobs,
            "cold_seconds": statistics.median(t["seconds"] for t in cold),
            "cold_tables_per_s": round(statistics.median(tables / t["seconds"] for t in cold), 2),
            "cold_cpu_seconds_per_table": round(statistics.median(t["cpu_seconds"] / tables for t in cold), 3),
            "warm_seconds": statistics.median(t["seconds"] for t in warm),
            "warm_cpu_seconds": round(statistics.median(t["cpu_seconds"] for t in warm), 2),
            "warm_rendered": f"{warm[0]['tables_rendered']} 表 + {warm[0]['bundles_rendered']} 汇编",
            "mean_bundle_pdf_kb": round(sum(bundles) / len(bundles) / 1024, 1) if bundles else None,
            "max_bundle_pdf_kb": round(max(bundles) / 1024, 1) if bundles else None,
            "mean_table_pdf_kb": round(sum(p.stat().st_size for p in pdfs) / len(pdfs) / 1024, 1),
            "max_table_pdf_kb": round(max(p.stat().st_size for p in pdfs) / 1024, 1),
            "peak_mb_all_processes": round(max(t["peak_mb_all_processes"] for t in cold + warm)),
            "load_average": round(statistics.median(t["load_average"] for t in cold + warm), 2),
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def seeds(root: Path) -> Path:
    shutil.copytree(ROOT / "content", root / "content")
    return root / "content"


def synthetic(count: int):
    def make(root: Path) -> Path:
        write_content(root, count)
        return root / "content"
    return make


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=1000, help="synthetic evaluations (0: seeds only)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(measure("seeds", seeds, args.jobs, max(args.repeat, 3)), ensure_ascii=False), flush=True)
    if args.synthetic:
        row = measure(f"synthetic-{args.synthetic}", synthetic(args.synthetic), args.jobs, args.repeat)
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
