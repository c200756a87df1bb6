"""Worker processes start with what they inherited frozen: their collector never scans it."""
import gc
import os

import pytest

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


def _fail_on_odd(number: int) -> int:
    if number % 2:
        raise ValueError(f"奇数 {number}")
    return os.getpid()


def test_each_item_runs_in_a_process_of_its_own():
    pids = list(workers.each_in_own_process(_pid, range(4), 2))
    assert len(set(pids)) == 4 and os.getpid() not in pids


def test_an_error_in_a_process_is_raised_here():
    with pytest.raises(ValueError, match="奇数 1"):
        list(workers.each_in_own_process(_fail_on_odd, range(4), 2))


def _exit_abruptly(_) -> None:
    os._exit(3)


def test_a_process_that_dies_without_a_result_is_an_error():
    with pytest.raises(RuntimeError, match="退出码 3"):
        list(workers.each_in_own_process(_exit_abruptly, [0], 1))



def test_a_process_of_its_own_never_collects():
    [(pid, _, enabled)] = list(workers.each_in_own_process(_state, [None], 1))
    assert pid != os.getpid() and not enabled


def _double(number: int) -> int:
    return number * 2


def test_an_outcome_can_make_more_items_ready():
    """1 → 2, which makes 3 ready → 6, which makes 7 ready → 14; 5 → 10 makes none ready."""
    follow = lambda outcome: [outcome + 1] if outcome < 10 else []  # noqa: E731
    assert sorted(workers.each_in_own_process(_double, [1, 5], 2, follow)) == [2, 6, 10, 14]
