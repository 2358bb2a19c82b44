"""Bulk ingest settles the heap once: what is loaded leaves the cyclic collector's reach."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from luister import heap


@pytest.fixture
def collector() -> Iterator[None]:
    """A process that has not settled yet; the collector's state as it was after the test."""
    threshold, settled = gc.get_threshold(), heap._settled
    heap._settled = False
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    heap._settled = settled


def test_settling_freezes_what_is_loaded_and_collects_less_often(collector: None) -> None:
    loaded = [[index] for index in range(1000)]  # stands for the models and topics
    heap.settle_for_bulk_work()
    assert gc.get_freeze_count() >= len(loaded)
    assert gc.get_threshold()[0] == heap.YOUNG_GENERATION_THRESHOLD


def test_only_the_first_call_settles(collector: None) -> None:
    heap.settle_for_bulk_work()
    frozen = gc.get_freeze_count()
    later = [[index] for index in range(1000)]  # a reloaded matcher: must stay collectable
    heap.settle_for_bulk_work()
    # nothing more was frozen (frozen objects may still be freed meanwhile: the count can only fall)
    assert gc.get_freeze_count() <= frozen and later


class _Node:
    """Something the cyclic collector must free: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def test_a_batch_loop_collects_after_each_batch_not_in_between() -> None:
    assert gc.isenabled()
    with heap.collected_per_batch():
        assert not gc.isenabled()  # forked workers inherit this
        cycle = weakref.ref(_Node())
        kept = [[] for _ in range(100_000)]  # far more than would start an automatic collection
        assert cycle() is not None and kept
        heap.collect_after_batch()
        assert cycle() is None
    assert gc.isenabled()


def test_nested_loops_and_a_collector_switched_off_elsewhere_are_left_alone() -> None:
    with heap.collected_per_batch():
        with heap.collected_per_batch():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner loop's end does not restart automatic collection
    assert gc.isenabled()
    gc.disable()
    try:
        with heap.collected_per_batch():
            cycle = weakref.ref(_Node())
            heap.collect_after_batch()  # not ours to manage: nothing collected here
            assert cycle() is not None
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_when_the_loop_fails() -> None:
    with pytest.raises(RuntimeError), heap.collected_per_batch():
        raise RuntimeError("a batch failed")
    assert gc.isenabled()
