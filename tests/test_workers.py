"""Worker processes: their collector never scans what they inherited, and the garbage
cycles of each batch of work are freed (rendering pages leaves many)."""
import gc
import weakref

from generator.building import workers


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


def _cycles_left(count: int) -> dict:
    """In a worker: make `count` cycles, drop them, collect, and say what is left."""
    frozen_before = gc.get_freeze_count()
    alive = []
    for _ in range(count):
        node = Node()
        alive.append(weakref.ref(node))
        del node
    before = sum(ref() is not None for ref in alive)
    workers.collect_garbage()
    return {"before": before, "after": sum(ref() is not None for ref in alive), "enabled": gc.isenabled(),
            "frozen_before": frozen_before, "frozen": gc.get_freeze_count()}


def test_a_worker_frees_the_cycles_of_a_batch_and_never_scans_what_it_inherited():
    was_enabled = gc.isenabled()
    gc.disable()  # as a build is while its workers start (pipeline.gc_paused)
    try:
        with workers.pool(1) as pool:
            outcomes = pool.map(_cycles_left, [500, 500])
    finally:
        if was_enabled:
            gc.enable()
    for outcome in outcomes:
        assert outcome["before"] == 500 and outcome["after"] == 0
        assert not outcome["enabled"]
    # The parent's objects, inherited by the fork, are frozen from the start; the survivors
    # of each batch join them.
    first = outcomes[0]
    assert first["frozen_before"] > 1000 and first["frozen"] > first["frozen_before"]
