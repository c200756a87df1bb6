"""Worker processes that never outlive the build that started them.

A build killed at any moment (Ctrl+C, SIGKILL, the machine's out-of-memory killer)
must not leave workers that go on writing: each worker asks the kernel to kill it
when its parent dies (Linux's PR_SET_PDEATHSIG), and checks that the parent is still
the one that started it (it may have died before the request took effect). A build
that stops on an error terminates its workers before it removes what they wrote.

Workers start with the cyclic garbage collector paused (as the build is, see
`pipeline.gc_paused`) and with what they inherited frozen: a collection in a worker
never scans it (scanning writes to, and so copies, every inherited page). Each frees
the garbage of a batch of work with `collect_garbage`: rendering a page leaves ~1,500
objects in reference cycles (Jinja's macros and contexts, and the table grids they
hold), ~250 KB a page that nothing else would free (over 1 GB a worker at 10,000
pages). Freeing them costs CPU time (a tenth to a fifth of a worker's); ending
workers instead and forking new ones would be free, but a pool forks its replacements
from a thread, and a fork from a thread can inherit a lock held for good (it hung).
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


def collect_garbage() -> None:
    """Free the cycles left since the last call; what survives is frozen, so that the next
    call scans only what is new."""
    gc.collect()
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
