"""Bulk ingest settles the heap once: what is loaded leaves the cyclic collector's reach."""

from __future__ import annotations

import gc
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
