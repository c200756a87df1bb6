"""Throughput of `validate + score` on synthetic content, cold and warm.

    .venv/bin/python benchmarks/validate_score.py [--sizes 1000 10000] [--repeat 3] [--stages]
    .venv/bin/python benchmarks/validate_score.py --sizes --stages   # the stages only
    .venv/bin/python benchmarks/validate_score.py --sizes 10000 --drop-caches   # cold from disk (root)

Cold: nothing cached (the cache file is deleted before each run). Warm: one
file changed since the previous run. Each run is a fresh process, so its peak
memory, summed over it and its worker processes (measure.py), is measured on its
own, with the CPU time of all of them and the load average at the start. Beside jixiao's
rate it prints PyYAML's own rate (C loader, one core) on the same files, and the
workers' CPU time per file with the share of two cores they got (a busy machine
lowers the share, not the CPU per file); with --stages, the CPU time per file of each
stage in one process (best of 5), process_many in chunks of 100 as a worker is given them.
With --drop-caches, the files are out of memory before each cold run, as after a pause on
a machine that reclaims idle memory (this one does, after a minute), or after a reboot.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(Path(__file__).parent), str(ROOT)]  # this checkout's generator, whatever the venv points at
from measure import jixiao_environment, run as run_measured  # noqa: E402
from synthetic import write_content  # noqa: E402

TRIAL = """
import json, resource, sys, time
from generator.building.pipeline import run
start = time.perf_counter()
report = run([sys.argv[1]])
seconds = time.perf_counter() - start
own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": seconds, "files": len(report.results), "failed": sum(not r.ok for r in report.results),
                  "worker_cpu_seconds": workers.ru_utime + workers.ru_stime}))
"""


def trial(content: Path) -> dict:
    measured = run_measured([sys.executable, "-c", TRIAL, str(content)], content.parent,
                           jixiao_environment(ROOT))
    result = {**json.loads(measured.output), "peak_mb_all_processes": measured.peak_mb_all_processes,
              "cpu_seconds": measured.cpu_seconds, "load_average": measured.load_average}
    if result["failed"]:  # a file stopped by an error is cheap: the figures would flatter
        sys.exit(f"{result['failed']} synthetic files did not validate; run jixiao validate on {content}")
    return result


def loader_rate(paths: list[Path], sample: int = 1000) -> float:
    chosen = paths[:sample]
    texts = [p.read_text(encoding="utf-8") for p in chosen]
    start = time.perf_counter()
    for text in texts:
        yaml.load(text, Loader=yaml.CSafeLoader)
    return len(texts) / (time.perf_counter() - start)


def stage_times(paths: list[Path]) -> dict:
    """Milliseconds per file of each stage, on one core, with the collector paused as in the pipeline."""
    import gc

    from generator.building import pipeline
    from generator.checking import checks
    from generator.checking.limits import check_evaluation
    from generator.checking.scoring import score
    from generator.checking.summary import indicator_table, summary
    from generator.loading import loader
    from generator.loading.model import Evaluation
    from generator.loading.schema import Converter
    from generator.rules import registry

    sources = [p.read_bytes() for p in paths]
    texts = [s.decode("utf-8") for s in sources]
    rules = registry.activate(())
    forms, schemes = rules.forms, rules.schemes
    files = [str(p) for p in paths]
    nodes = [pipeline._merged_node(s, f) for s, f in zip(sources, files)]
    converters = [Converter(rules.choices) for _ in nodes]
    evaluations = [converter.to_object(Evaluation, n) for converter, n in zip(converters, nodes)]
    tallies = [converter.tally for converter in converters]  # what the pipeline gives the bounds
    scores = [score(e, forms[e.form], schemes[e.scheme]) for e in evaluations]
    pairs = list(zip(evaluations, scores))
    counts = {"error": 0, "warning": 0, "info": 0}

    def compose(text):
        composer = loader._Composer(text)
        composer.get_single_node()
        composer.dispose()

    # Each stage's result is dropped at once, as the pipeline drops a file's model: a list of
    # 1,000 models kept alive would cost twice the time (new memory, not memory reused).
    stages = {
        "libyaml_compose": (compose, texts),
        "load_checked_nodes": (lambda t: loader.parse(t, "f.yml"), texts),
        "merge_defaults": (lambda pair: pipeline._merged_node(*pair), list(zip(sources, files))),
        "convert_to_model": (lambda n: Converter(rules.choices).to_object(Evaluation, n), nodes),
        "limits": (lambda pair: check_evaluation(*pair), list(zip(evaluations, tallies))),
        "score": (lambda e: score(e, forms[e.form], schemes[e.scheme]), evaluations),
        "check": (lambda pair: checks.check(pair[0], forms[pair[0].form], schemes[pair[0].scheme], pair[1], forms),
                  pairs),
        "summary_and_packed_rows": (lambda pair: (summary("f.yml", *pair, counts, rows=False),
                                                  pipeline.pack_table(*indicator_table(pair[1]))), pairs),
        "process_file_whole": (lambda p: pipeline.process_file(p, (), True).light(), paths),
    }
    gc.disable()
    try:
        times = {name: min(_cpu_seconds(function, items) for _ in range(5)) / len(paths) * 1000
                 for name, (function, items) in stages.items()}
        times["process_many"] = min(_cpu_seconds(lambda chunk: pipeline.process_many(chunk, (), False),
                                                 [paths[i:i + 100] for i in range(0, len(paths), 100)])
                                    for _ in range(5)) / len(paths) * 1000
        return {name: round(ms, 3) for name, ms in times.items()}
    finally:
        gc.enable()


def _cpu_seconds(function, items) -> float:
    """CPU seconds (of this process: another's load changes it less than wall time) for each item."""
    start = time.process_time()
    for item in items:
        function(item)
    return time.process_time() - start


def drop_page_cache() -> None:
    """The system's cached file contents dropped (Linux, root only)."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("1\n", encoding="ascii")
    except OSError as exc:
        sys.exit(f"--drop-caches needs root on Linux: {exc}")


def measure(size: int, repeat: int, from_disk: bool = False) -> dict:
    root = Path(tempfile.mkdtemp(prefix=f"jixiao-bench-{size}-"))
    try:
        paths = write_content(root, size)
        content = root / "content"
        cache = root / ".cache"
        cold, warm = [], []
        for round_number in range(repeat):
            shutil.rmtree(cache, ignore_errors=True)
            if from_disk:
                drop_page_cache()
            cold.append(trial(content))
            changed = paths[round_number * 7 % len(paths)]
            changed.write_text(changed.read_text(encoding="utf-8").replace("year: 2024", "year: 2024 "),
                               encoding="utf-8")
            warm.append(trial(content))
        return {
            "files": size,
            "cold_from_disk": from_disk,
            "kb_per_file": round(sum(p.stat().st_size for p in paths) / len(paths) / 1024, 1),
            "cold_files_per_s": round(statistics.median(size / t["seconds"] for t in cold)),
            "warm_files_per_s": round(statistics.median(size / t["seconds"] for t in warm)),
            "cold_seconds": round(statistics.median(t["seconds"] for t in cold), 2),
            "warm_seconds": round(statistics.median(t["seconds"] for t in warm), 2),
            # CPU the workers used per file, and how much of two cores' time they got: when the
            # machine is busy, files/s falls while the CPU per file stays, and the share drops.
            "cold_worker_cpu_ms_per_file": round(
                statistics.median(t["worker_cpu_seconds"] for t in cold) / size * 1000, 3),
            "cold_share_of_two_cores": round(
                statistics.median(t["worker_cpu_seconds"] / (2 * t["seconds"]) for t in cold), 2),
            "cold_cpu_seconds_all_processes": round(statistics.median(t["cpu_seconds"] for t in cold), 2),
            "warm_cpu_seconds_all_processes": round(statistics.median(t["cpu_seconds"] for t in warm), 2),
            # memory summed over the process and its workers (measure.py), at its largest
            "peak_mb_all_processes_cold": round(max(t["peak_mb_all_processes"] for t in cold)),
            "peak_mb_all_processes_warm": round(max(t["peak_mb_all_processes"] for t in warm)),
            "load_average": round(statistics.median(t["load_average"] for t in cold + warm), 2),
            "pyyaml_cloader_files_per_s_one_core": round(loader_rate(paths)),
            # A Python built without optimisation (pyenv's default build) is a fifth slower.
            "python": f"{platform.python_version()} {os.path.realpath(sys.executable)}",
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000], help="none: only --stages")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stages", action="store_true", help="also time each stage on 1,000 files, one core")
    parser.add_argument("--drop-caches", action="store_true", help="cold runs read the files from disk (root)")
    args = parser.parse_args()
    for size in args.sizes:
        row = measure(size, args.repeat, args.drop_caches)
        row["cold_ratio_to_pyyaml"] = round(row["cold_files_per_s"] / row["pyyaml_cloader_files_per_s_one_core"], 2)
        print(json.dumps(row, ensure_ascii=False))
    if args.stages:  # last: a trial forked from this process would count its memory as the trial's peak
        root = Path(tempfile.mkdtemp(prefix="jixiao-bench-stages-"))
        try:
            print(json.dumps({"ms_per_file_one_core": stage_times(write_content(root, 1000))}))
        finally:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
