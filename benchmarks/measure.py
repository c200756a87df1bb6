"""One command timed as a person would see it: wall time, CPU time and memory of the
command and every process it starts.

Memory is sampled from /proc while the command runs (every `SAMPLE_SECONDS`, which
costs the machine a few per cent of a core): the peak, over the run, of the sum over
the whole process tree of each process's proportional set size (PSS: a page shared by
n processes counts 1/n in each, so forked workers' shared pages count once), beside
the largest single process's resident size and the peak sum of resident sizes (shared
pages counted in every process: an upper bound). `ru_maxrss` from `wait4` is not used:
it counts the benchmark's own memory, which the command's process holds between fork
and exec. A process that lives shorter than a sample may be missed; a build's workers
live for many samples.

CPU time is the user and system time of the command and of every descendant it waited
for (`wait4`); the load average at the start is recorded beside it, since wall time on
a shared machine depends on it and CPU time much less.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.05


def jixiao_environment(checkout: Path) -> dict[str, str]:
    """The environment to run a checkout's jixiao in, as a user's would be: that checkout's
    code first on the path, and Python free to keep compiled modules (PYTHONDONTWRITEBYTECODE,
    set on some shared machines, would compile every module afresh in every run: 0.15 s of
    a one-file rebuild here; pip compiles them when it installs)."""
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


@dataclass
class Measured:
    seconds: float
    cpu_seconds: float
    peak_mb_all_processes: float  # the peak of the tree's summed PSS
    peak_mb_rss_sum: float  # the peak of the tree's summed RSS (shared pages in each)
    peak_mb_largest: float  # the largest single process's RSS
    processes: int  # the most processes seen at once
    load_average: float
    output: str = ""  # what the command printed

    def as_dict(self) -> dict:
        return {name: round(value, 3) if isinstance(value, float) else value for name, value in vars(self).items()
                if name != "output"}


def run(command: list[str], cwd: Path | None = None, env: dict | None = None) -> Measured:
    """Run `command` to completion; raise if it fails."""
    load = os.getloadavg()[0]
    started = time.perf_counter()
    # Files, not pipes: a pipe nobody reads while the command runs could fill and stop it.
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=errors)
        sampler = _Sampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        errors.seek(0)
        printed, message = (f.read().decode("utf-8", "replace") for f in (output, errors))
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed in {cwd} ({process.returncode}):\n{message[-2000:]}")
    return Measured(seconds, usage.ru_utime + usage.ru_stime, sampler.peak_pss / 1024, sampler.peak_rss / 1024,
                    sampler.largest / 1024, sampler.most_processes, load, printed)


class _Sampler(threading.Thread):
    def __init__(self, root: int):
        super().__init__(daemon=True)
        self.root = root
        self.peak_pss = self.peak_rss = self.largest = 0  # kB
        self.most_processes = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            pss = rss = 0
            tree = _tree(self.root)
            for pid in tree:
                sizes = _sizes(pid)
                pss += sizes.get("Pss", 0)
                rss += sizes.get("Rss", 0)
                self.largest = max(self.largest, sizes.get("Rss", 0))
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self.most_processes = max(self.most_processes, len(tree))
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(root: int) -> list[int]:
    """The process and its descendants (children of any of their threads)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
            except OSError:
                pass
    return found


def _sizes(pid: int) -> dict[str, int]:
    """Rss and Pss of a process, in kB (empty once it has exited)."""
    sizes = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in ("Rss", "Pss"):
                    sizes[name] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return sizes
