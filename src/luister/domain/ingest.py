"""What flows through ingest: raw items as received, and rejections with where and why."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, NamedTuple, TypeVar

from luister.domain.mentions import Mention

T = TypeVar("T")


class RawItem(NamedTuple):
    """One item exactly as a source gave it.

    ``raw`` is the text received (a JSON line, a CSV row as JSON); ``data`` its parsed form, or ``None``
    with ``error`` set when the reader could not parse it. ``position`` says where it came from.
    A named tuple, not a frozen dataclass: one is made per item read, at half the cost.
    """

    raw: str
    position: str
    data: Any = None
    error: str | None = None


@dataclass(slots=True, frozen=True)
class Rejection:
    """A raw item that could not become a mention, quarantined with its origin, position and reason."""

    origin: str
    position: str
    reason: str
    raw: str
    source_id: int | None = None


class StoredMention(NamedTuple):
    """A mention that is now in the database under ``id``; ``duplicate_of`` names an earlier near-copy.
    A named tuple, as :class:`RawItem`: one is made per mention stored."""

    id: int
    mention: Mention
    duplicate_of: int | None = None


class Stored(list[StoredMention]):
    """What one write stored, and how many of its rejections were new to the quarantine (one read
    again, by a rerun or the next poll, is there already and counts once)."""

    __slots__ = ("quarantined",)

    def __init__(self, stored: Iterable[StoredMention] = (), *, quarantined: int = 0) -> None:
        super().__init__(stored)
        self.quarantined = quarantined


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read as they are needed."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
