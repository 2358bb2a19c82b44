"""The ingest pipeline: raw items → map → normalise → dedup → enrich → count → store → emit.

:func:`ingest_batch` is the one step every runner calls (the scheduler, webhook pushes, a future
Redis Streams worker): :func:`prepare_batch`, which any process may run (``luister import`` runs it in
worker processes, see :mod:`luister.services.ingest_workers`), then :func:`store_batch` through the one
writer. It never raises for bad input: what cannot be mapped is quarantined with where and why, and the
good items of the same batch are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem, Rejection, StoredMention, batches
from luister.domain.mentions import GENERATED_ID_PREFIX, Mention
from luister.domain.rollups import Rollup, batch_counts
from luister.domain.timestamps import AMBIGUOUS, NAIVE
from luister.heap import collect_after_batch
from luister.services.events import EventBus, MentionsStored

log = logging.getLogger(__name__)

Mapper = Callable[[RawItem, datetime], Mention]
KEEP_REJECTED = 1000  # a summary lists this many; the quarantine table keeps every one


class MentionStore(Protocol):
    def write_batch(
        self, mentions: Sequence[Mention], rejections: Sequence[Rejection] = (), counts: Rollup | None = None
    ) -> list[StoredMention]:
        """``counts``: what the mentions add to the rollups if all are new and none is a near-copy."""
        ...


class Enricher(Protocol):
    """An analyser run on each batch before it is stored; it sets fields on the mentions in place."""

    name: str

    def enrich(self, mentions: list[Mention]) -> None: ...


@dataclass(slots=True)
class BatchResult:
    stored: list[StoredMention]
    rejected: list[Rejection]
    known: int  # already stored before (same channel and external id)
    enricher_errors: list[str] = field(default_factory=list)
    quarantined: int = 0  # rejections new to the quarantine (a rerun finds the earlier ones there)
    gaps: InputGaps | None = None

    @property
    def near_duplicates(self) -> int:
        return sum(1 for s in self.stored if s.duplicate_of is not None)


@dataclass(slots=True)
class InputGaps:
    """What the input lacked, counted over the mentions made from it (the summary tells people)."""

    undated: int = 0  # no date given: kept, dated when fetched and marked ``date_known=False``
    generated_ids: int = 0  # no id given: one derived from the link, or from the content
    dropped: dict[str, int] = field(default_factory=dict)  # optional values left out, per field
    naive_dates: int = 0  # dates written without a zone: read in the mapping's zone (UTC unless told)
    ambiguous_dates: int = 0  # 07/01/2021: day and month could be swapped; read as the mapping says

    def count(self, mentions: Iterable[Mention]) -> None:
        for m in mentions:
            if not m.date_known:
                self.undated += 1
            if m.external_id.startswith(GENERATED_ID_PREFIX):
                self.generated_ids += 1
            if m.extra:
                for note in m.extra.get("dropped", ()):
                    name = note.split(" ", 1)[0]
                    self.dropped[name] = self.dropped.get(name, 0) + 1
                flags = m.extra.get("date_flags", 0)
                self.naive_dates += flags & NAIVE
                self.ambiguous_dates += (flags & AMBIGUOUS) >> 1

    def add(self, other: InputGaps) -> None:
        self.undated += other.undated
        self.generated_ids += other.generated_ids
        self.naive_dates += other.naive_dates
        self.ambiguous_dates += other.ambiguous_dates
        for name, count in other.dropped.items():
            self.dropped[name] = self.dropped.get(name, 0) + count


@dataclass(slots=True)
class IngestSummary:
    read: int = 0
    stored: int = 0
    known: int = 0
    near_duplicates: int = 0
    rejected_count: int = 0
    quarantined: int = 0  # of the rejected, how many were not in the quarantine yet
    rejected: list[Rejection] = field(
        default_factory=list
    )  # the first KEEP_REJECTED; all are in the quarantine
    enricher_errors: list[str] = field(default_factory=list)
    gaps: InputGaps = field(default_factory=InputGaps)

    def add(self, batch: BatchResult, size: int) -> None:
        self.read += size
        if batch.gaps is not None:
            self.gaps.add(batch.gaps)
        self.stored += len(batch.stored)
        self.known += batch.known
        self.near_duplicates += batch.near_duplicates
        self.rejected_count += len(batch.rejected)
        self.quarantined += batch.quarantined
        self.rejected.extend(batch.rejected[: max(0, KEEP_REJECTED - len(self.rejected))])
        self.enricher_errors.extend(
            batch.enricher_errors[: max(0, KEEP_REJECTED - len(self.enricher_errors))]
        )


def ingest_batch(
    items: Sequence[RawItem],
    *,
    mapper: Mapper,
    store: MentionStore,
    origin: str,
    source_id: int | None = None,
    enrichers: Sequence[Enricher] = (),
    events: EventBus | None = None,
    fetched_at: datetime | None = None,
) -> BatchResult:
    """Map, dedup, enrich and store one batch; return what was stored, known and rejected."""
    prepared = prepare_batch(
        items, mapper=mapper, origin=origin, source_id=source_id, enrichers=enrichers, fetched_at=fetched_at
    )
    return store_batch(prepared, store=store, origin=origin, events=events)


@dataclass(slots=True)
class PreparedBatch:
    """A batch mapped, deduplicated within itself and enriched: ready for the one writer."""

    mentions: list[Mention]
    rejections: list[Rejection]
    read: int  # items read, rejected ones included
    enricher_errors: list[str]
    counts: Rollup  # what the mentions add to the rollups if all are new originals (the writer corrects)
    gaps: InputGaps | None = None

    def __reduce__(self) -> tuple[Callable[..., PreparedBatch], tuple[Any, ...]]:
        """Pickled (from an import worker to the writer) with its mentions as tuples of their fields:
        half the pickling of the mentions as objects, and the writer's unpickling costs the same."""
        fields = [m.astuple() for m in self.mentions]
        return (
            _unpickle_prepared,
            (fields, self.rejections, self.read, self.enricher_errors, self.counts, self.gaps),
        )


def _unpickle_prepared(
    fields: list[tuple[Any, ...]],
    rejections: list[Rejection],
    read: int,
    errors: list[str],
    counts: Rollup,
    gaps: InputGaps | None,
) -> PreparedBatch:
    return PreparedBatch([Mention(*each) for each in fields], rejections, read, errors, counts, gaps)


def prepare_batch(
    items: Iterable[RawItem],
    *,
    mapper: Mapper,
    origin: str,
    source_id: int | None = None,
    enrichers: Sequence[Enricher] = (),
    fetched_at: datetime | None = None,
) -> PreparedBatch:
    """Everything of ingest but the write, counts included (pure but for the enrichers' models): any
    process may run it."""
    fetched = fetched_at or datetime.now(UTC)
    mentions: dict[tuple[str, str], Mention] = {}
    rejections: list[Rejection] = []
    read = 0
    for item in items:
        read += 1
        if item.error is not None:
            rejections.append(Rejection(origin, item.position, item.error, item.raw, source_id))
            continue
        try:
            found = mapper(item, fetched)
        except MappingError as exc:
            rejections.append(Rejection(origin, item.position, str(exc), item.raw, source_id))
            continue
        except Exception as exc:  # a mapper bug must not lose the rest of the batch
            log.exception("mapper failed at %s %s", origin, item.position)
            reason = f"mapper error {type(exc).__name__}: {exc}"
            rejections.append(Rejection(origin, item.position, reason, item.raw, source_id))
            continue
        found.source_id = source_id
        mentions.setdefault(found.key, found)
    batch = list(mentions.values())
    errors = _enrich(batch, enrichers)
    gaps = InputGaps()
    gaps.count(batch)
    return PreparedBatch(
        mentions=batch,
        rejections=rejections,
        read=read,
        enricher_errors=errors,
        counts=batch_counts(batch),
        gaps=gaps,
    )


def store_batch(
    prepared: PreparedBatch, *, store: MentionStore, origin: str, events: EventBus | None = None
) -> BatchResult:
    """Write a prepared batch through the one writer and tell the subscribers what is new."""
    stored = store.write_batch(prepared.mentions, prepared.rejections, prepared.counts)
    if events is not None and stored:
        events.emit(MentionsStored(mentions=stored, origin=origin))
    return BatchResult(
        stored=stored,
        rejected=prepared.rejections,
        known=prepared.read - len(prepared.rejections) - len(stored),
        enricher_errors=prepared.enricher_errors,
        quarantined=getattr(stored, "quarantined", len(prepared.rejections)),  # a store that cannot tell
        gaps=prepared.gaps,
    )


def _enrich(batch: list[Mention], enrichers: Sequence[Enricher]) -> list[str]:
    errors = []
    for enricher in enrichers:
        try:
            enricher.enrich(batch)
        except Exception as exc:  # analysis is an extra: the mentions are stored without it
            log.exception("enricher %s failed", enricher.name)
            errors.append(f"{enricher.name}: {type(exc).__name__}: {exc}")
    return errors


@dataclass(slots=True)
class Pipeline:
    """The ingest context of one source or file, bound once and run over any number of items."""

    mapper: Mapper
    store: MentionStore
    origin: str
    source_id: int | None = None
    enrichers: Sequence[Enricher] = ()
    events: EventBus | None = None

    def run_batch(self, items: Sequence[RawItem]) -> BatchResult:
        return self.store_prepared(self.prepare(items))

    def prepare(self, items: Iterable[RawItem]) -> PreparedBatch:
        return prepare_batch(
            items, mapper=self.mapper, origin=self.origin, source_id=self.source_id, enrichers=self.enrichers
        )

    def store_prepared(self, prepared: PreparedBatch) -> BatchResult:
        return store_batch(prepared, store=self.store, origin=self.origin, events=self.events)

    def run(
        self,
        items: Iterable[RawItem],
        *,
        batch_size: int,
        on_batch: Callable[[BatchResult, int], None] | None = None,
    ) -> IngestSummary:
        """Ingest an iterable of any size, ``batch_size`` items at a time."""
        return self.run_prepared(map(self.prepare, batches(items, batch_size)), on_batch=on_batch)

    def run_prepared(
        self,
        ready: Iterable[PreparedBatch],
        *,
        on_batch: Callable[[BatchResult, int], None] | None = None,
    ) -> IngestSummary:
        """Store batches prepared elsewhere (see :mod:`luister.services.ingest_workers`), in order."""
        summary = IngestSummary()
        for prepared in ready:
            result = self.store_prepared(prepared)
            summary.add(result, prepared.read)
            if on_batch is not None:
                on_batch(result, prepared.read)
            del prepared, result  # let the batch go before collecting
            collect_after_batch()
        return summary
