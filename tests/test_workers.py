"""Worker processes start with what they inherited frozen: their collector never scans it."""
import gc
import os

from generator.building import workers


def _state(_) -> tuple[int, int, bool]:
    return os.getpid(), gc.get_freeze_count(), gc.isenabled()


def test_a_worker_starts_with_what_it_inherited_frozen():
    with workers.pool(1) as pool:
        pid, frozen, enabled = pool.apply(_state, (None,))
    assert pid != os.getpid()
    assert frozen > 1000  # the modules, classes and data the parent had
    assert enabled == gc.isenabled()  # the collector's switch is the parent's


def _pid(_) -> int:
    return os.getpid()


def test_the_mapper_spreads_several_items_over_processes_and_does_one_here():
    assert set(workers.mapper(2)(_pid, range(8))) - {os.getpid()}
    assert workers.mapper(2)(_pid, [0]) == [os.getpid()]
    assert workers.mapper(1)(_pid, range(3)) == [os.getpid()] * 3
