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
