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
import multiprocessing.connection
import os
import signal
import sys
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


def each_in_own_process(function, items, jobs: int, follow=None):
    """`function(item)` for each item, yielded as each is done, each computed in a process
    forked for it alone (at most `jobs` at once) that exits as soon as it has sent its result.
    `follow(outcome)`, if given, names the items that an outcome makes ready, run after the others.

    A task that leaves millions of objects (a unit's laid-out pages) would spend a tenth of
    its time freeing them and collecting their cycles; a process that exits frees nothing.
    The processes are forked from this thread: a pool's are forked by its handler thread, to
    whose end (not the build's) PR_SET_PDEATHSIG would tie them."""
    context = multiprocessing.get_context("fork")
    pending, running = list(items), {}
    try:
        while pending or running:
            while pending and len(running) < jobs:
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_run_and_exit, args=(function, pending.pop(0), send, os.getpid()),
                                          daemon=True)
                process.start()
                send.close()
                running[receive] = process
            for ready in multiprocessing.connection.wait(list(running)):
                outcome = _outcome(ready, running.pop(ready))
                pending += follow(outcome) if follow is not None else []
                yield outcome
    finally:
        for process in running.values():
            process.kill()
            process.join()


def _outcome(receive, process):
    try:
        done, value = receive.recv()
    except EOFError:
        process.join()
        raise RuntimeError(f"工作进程意外退出（退出码 {process.exitcode}）") from None
    finally:
        receive.close()
    process.join()
    if not done:
        raise value
    return value


def _run_and_exit(function, item, send, parent: int) -> None:
    die_with_parent(parent)
    gc.disable()  # for good: the first collection, even of the youngest generation, would scan all it made
    try:
        outcome = (True, function(item))
    except BaseException as exc:  # noqa: BLE001 - raised again in the parent
        outcome = (False, exc)
    try:
        send.send(outcome)
    except Exception as exc:  # noqa: BLE001 - an exception that does not pickle
        send.send((False, RuntimeError(repr(outcome[1] if not outcome[0] else exc))))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
