"""Worker processes that never outlive the build that started them.

A build killed at any moment (Ctrl+C, SIGKILL, the machine's out-of-memory killer)
must not leave workers that go on writing: each worker asks the kernel to kill it
when its parent dies (Linux's PR_SET_PDEATHSIG), and checks that the parent is still
the one that started it (it may have died before the request took effect). A build
that stops on an error terminates its workers before it removes what they wrote.

Workers start with the cyclic garbage collector paused (as the build is, see
`pipeline.gc_paused`) and with what they inherited frozen: a collection in a worker
never scans it (scanning writes to, and so copies, every inherited page).
"""
from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """A worker's initializer: killed with its parent, or exits at once if the parent is gone."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the pool is still terminated on every exit path
        pass
    if os.getppid() != parent:
        os._exit(1)


def start(parent: int) -> None:
    """A worker's initializer."""
    die_with_parent(parent)
    gc.freeze()


@contextmanager
def pool(jobs: int):
    """A pool of `jobs` processes, terminated (their work abandoned) however the block ends."""
    workers = multiprocessing.Pool(jobs, initializer=start, initargs=(os.getpid(),))
    try:
        yield workers
    finally:
        workers.terminate()
        workers.join()


def mapper(jobs: int | None):
    """A `map` that spreads its items over `jobs` processes when there are several (a pool
    costs a fork: one item is done here)."""
    jobs = jobs or os.cpu_count() or 1

    def map_(function, items) -> list:
        items = list(items)
        if jobs == 1 or len(items) < 2:
            return list(map(function, items))
        with pool(min(jobs, len(items))) as workers:
            return workers.map(function, items, chunksize=1)
    return map_
