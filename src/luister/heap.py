"""The cyclic garbage collector's settings for a process that ingests in bulk.

Ingest allocates and frees many small objects per mention (records, mentions, rows, matcher state), and
hardly any of them form reference cycles (the matcher's tests check it leaves none), so reference counting
frees them. CPython's collector still walks the young objects every 700 net allocations and, now and then,
every object the process holds: the loaded models, the compiled topics and their caches. With 1,000
topics that was 13 % of ingest time (BENCHMARKS.md). Once those long-lived objects are loaded,
:func:`settle_for_bulk_work` moves them out of the collector's reach (``gc.freeze``: reference counting
still frees them) and lets the young generation grow larger between passes. ``luister import`` and the
listening loop (``luister listen``, and ``luister serve`` beside the web app) call it.

A file import knows where its batches end, so it does better still (:func:`collected_per_batch`):
automatic collection is paused and one collection runs after each batch, when the batch is let go and
the young objects are few; otherwise every pass met a batch half built (tens of thousands of live
records and mentions) and moved it up a generation, to be walked again (15 % of an import's CPU time).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_GENERATION_THRESHOLD = 20_000  # CPython's default is 700
_settled = False
_paused = False


def settle_for_bulk_work() -> None:
    """Call when the models and the topic matcher are loaded, before the first batch; only the first call
    of a process does anything (a listening loop reloads topics: freezing each would keep what they drop)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_GENERATION_THRESHOLD), middle, old)


@contextmanager
def collected_per_batch() -> Iterator[None]:
    """Within: no automatic collection; the batch loops call :func:`collect_after_batch` (forked
    workers inherit the pause). Reference counting still frees nearly everything at once."""
    global _paused
    if _paused or not gc.isenabled():  # nested, or somebody else manages the collector
        yield
        return
    _paused = True
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        _paused = False


def collect_after_batch() -> None:
    """Between two batches of a :func:`collected_per_batch` loop: collect what cycles there are."""
    if _paused:
        gc.collect()
