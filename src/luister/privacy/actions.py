"""Privacy's state changes: erasing one person's data, and the retention job. Each writes its audit row
in the same transaction; the audit row records what was done, never whom it was about."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.rollups import rollup
from luister.inbox import privacy as inbox_privacy
from luister.privacy.read import alerts_showing, chunks, mention_ids, quarantine_ids
from luister.privacy.retention import RetentionPolicy, cutoff, mention_cutoff
from luister.privacy.subjects import Subject
from luister.services.audit import record
from luister.storage import rollups, search_index
from luister.storage.tables import (
    alert,
    alert_delivery,
    audit_log,
    correction,
    erased_mention,
    mention,
    mention_topic,
    rejected,
    source,
    source_run,
)

RETENTION_CHUNK = 2_000  # mentions per transaction: a long job never holds the writer for long
Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class Erasure:
    mentions: int
    quarantine: int
    corrections: int
    alerts: int  # alerts that lost an example
    conversations: int = 0  # inbox conversations they opened


def erase(
    *, engine: Engine, subject: Subject, actor: str, now: datetime, reference: str | None = None
) -> Erasure:
    """Delete everything luister holds about ``subject`` in one transaction: their mentions (raw
    payloads, topic matches, corrections with them), the quarantined rows that name them, their place
    among alert examples; the rollups lose their counts, and their posts are never stored again.
    Running it again finds nothing and changes nothing but its audit row."""
    with engine.begin() as conn:
        ids = mention_ids(conn, subject)
        quarantined = quarantine_ids(conn, subject)
        corrections = _count(conn, correction, correction.c.mention_id, ids)
        erased_keys = _keys(conn, ids)
        alerts = _forget_examples(conn, set(ids))
        conversations = inbox_privacy.erase(conn, ids)
        _delete_mentions(conn, ids, keep_counts=False)
        _suppress(conn, erased_keys, now)
        for chunk in chunks(quarantined):
            conn.execute(rejected.delete().where(rejected.c.id.in_(chunk)))
        done = Erasure(
            mentions=len(ids),
            quarantine=len(quarantined),
            corrections=corrections,
            alerts=alerts,
            conversations=conversations,
        )
        detail = {"subject": subject.kind, "channel": subject.channel, **_as_dict(done)}
        record(conn, actor=actor, action="privacy.erase", target=reference, detail=detail)
    return done


@dataclass(slots=True)
class RetentionReport:
    """How many records of each kind the job removed (raw: payloads emptied, their mentions kept)."""

    removed: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int) -> None:
        self.removed[kind] = self.removed.get(kind, 0) + n


def enforce_retention(
    *, engine: Engine, policy: RetentionPolicy, now: datetime, actor: str = "system",
    on_progress: Progress | None = None, chunk: int = RETENTION_CHUNK,
) -> RetentionReport:  # fmt: skip
    """Remove what is older than ``policy`` allows at ``now``, a chunk per transaction (a crash loses
    nothing but the work left; run again, it goes on). Mentions go whole but their counts stay in the
    rollups, whose buckets before the cutoff become final."""
    report = RetentionReport()

    def progress(kind: str, n: int) -> None:
        report.add(kind, n)
        if on_progress is not None and n:
            on_progress(kind, n)

    with engine.connect() as conn:
        query = sa.select(source.c.id, source.c.retention_days).where(source.c.retention_days.is_not(None))
        own_days: dict[int, int] = {row.id: row.retention_days for row in conn.execute(query)}
    for source_id, days in sorted(own_days.items()):
        if (moment := mention_cutoff(now, policy, days)) is not None:
            _expire_mentions(engine, mention.c.source_id == source_id, moment, chunk, progress)
    if (moment := cutoff(now, policy.mentions)) is not None:
        others = sa.or_(mention.c.source_id.is_(None), mention.c.source_id.not_in(own_days or [-1]))
        _expire_mentions(engine, others, moment, chunk, progress)
    if (moment := cutoff(now, policy.raw)) is not None:
        _empty_raw(engine, moment, chunk, progress)
    old: list[tuple[str, sa.Table, Any, int | None, Any]] = [
        ("quarantine", rejected, rejected.c.created_at, policy.quarantine, None),
        ("runs", source_run, source_run.c.finished_at, policy.runs, None),
        ("deliveries", alert_delivery, alert_delivery.c.created_at, policy.deliveries,
         alert_delivery.c.status != "pending"),
        ("audit", audit_log, audit_log.c.at, policy.audit, None),
    ]  # fmt: skip
    for kind, table, at, kept_days, also in old:
        if (moment := cutoff(now, kept_days)) is not None:
            condition = at < moment if also is None else sa.and_(at < moment, also)
            _delete_rows(engine, kind, table, condition, chunk, progress)
    with engine.begin() as conn:
        record(
            conn, actor=actor, action="privacy.retention", detail={"now": now.isoformat(), **report.removed}
        )
    return report


def _expire_mentions(
    engine: Engine, which: sa.ColumnElement[bool], moment: datetime, chunk: int, progress: Progress
) -> None:
    while True:
        with engine.begin() as conn:
            ids = list(conn.execute(sa.select(mention.c.id).where(which, mention.c.published_at < moment)
                                    .order_by(mention.c.id).limit(chunk)).scalars())  # fmt: skip
            if not ids:
                return
            rollups.mark_final(conn, moment)  # before the rows go: a recount never sees the gap
            _forget_examples(conn, set(ids))
            _delete_mentions(conn, ids, keep_counts=True)
        progress("mentions", len(ids))


def _empty_raw(engine: Engine, moment: datetime, chunk: int, progress: Progress) -> None:
    while True:
        with engine.begin() as conn:
            old = sa.and_(mention.c.published_at < moment, mention.c.raw != "")
            ids = list(
                conn.execute(sa.select(mention.c.id).where(old).order_by(mention.c.id).limit(chunk)).scalars()
            )
            if not ids:
                return
            conn.execute(mention.update().where(mention.c.id.in_(ids)).values(raw=""))
        progress("raw", len(ids))


def _delete_rows(
    engine: Engine, kind: str, table: sa.Table, condition: sa.ColumnElement[bool], chunk: int,
    progress: Progress,
) -> None:  # fmt: skip
    while True:
        with engine.begin() as conn:
            ids = list(
                conn.execute(
                    sa.select(table.c.id).where(condition).order_by(table.c.id).limit(chunk)
                ).scalars()
            )
            if not ids:
                return
            conn.execute(table.delete().where(table.c.id.in_(ids)))
        progress(kind, len(ids))


def _delete_mentions(conn: Connection, ids: Sequence[int], *, keep_counts: bool) -> None:
    """Delete mentions with their topic matches and corrections. Unless ``keep_counts``, the rollups lose
    what they counted (and even then what the undated ones counted: that bucket is never final). Their
    near-copies point at the earliest remaining copy instead (as the writer would have marked them), with
    the rollups corrected for any that is now an original."""
    for part in chunks(ids):
        gone = mention.c.id.in_(part)
        copies = list(
            conn.execute(sa.select(mention.c.id).where(mention.c.duplicate_of.in_(part), ~gone)).scalars()
        )
        if not keep_counts:
            rollups.apply(conn, rollup(rollups.read_inputs(conn, gone), sign=-1))
        else:  # the undated bucket belongs to no period, so it never becomes final: it loses them
            undated = sa.and_(gone, mention.c.date_known.is_(False))
            rollups.apply(conn, rollup(rollups.read_inputs(conn, undated), sign=-1))
        with rollups.changing(conn, mention.c.id.in_(copies or [-1])):
            conn.execute(sa.update(mention).where(mention.c.id.in_(copies or [-1])).values(duplicate_of=None))
            conn.execute(mention_topic.delete().where(mention_topic.c.mention_id.in_(part)))
            conn.execute(correction.delete().where(correction.c.mention_id.in_(part)))
            search_index.unindex(conn, part)  # the erased words leave the search index too
            conn.execute(mention.delete().where(gone))
            if copies:
                earlier = mention.alias("earlier")
                first = (
                    sa.select(sa.func.min(earlier.c.id))
                    .where(earlier.c.fingerprint == mention.c.fingerprint, earlier.c.id < mention.c.id)
                    .scalar_subquery()
                )
                conn.execute(sa.update(mention).where(mention.c.id.in_(copies)).values(duplicate_of=first))


def _forget_examples(conn: Connection, ids: set[int]) -> int:
    """Take ``ids`` out of the alerts' example mentions; how many alerts changed."""
    changed = alerts_showing(conn, ids)
    for row, _shown in changed:
        kept = [i for i in row.sample_ids or [] if int(i) not in ids]
        conn.execute(alert.update().where(alert.c.id == row.id).values(sample_ids=kept))
    return len(changed)


def _suppress(conn: Connection, keys: list[tuple[str, str]], now: datetime) -> None:
    """Add ``keys`` to the erased mentions the writer never stores again (each once)."""
    if not keys:
        return
    known = erased_mention.c.external_id.in_(sorted({external_id for _, external_id in keys}))
    query = sa.select(erased_mention.c.channel, erased_mention.c.external_id).where(known)
    existing = {(row.channel, row.external_id) for row in conn.execute(query)}
    new = [key for key in dict.fromkeys(keys) if key not in existing]
    if new:
        conn.execute(
            erased_mention.insert(), [{"channel": c, "external_id": e, "erased_at": now} for c, e in new]
        )


def _keys(conn: Connection, ids: Sequence[int]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    for part in chunks(ids):
        query = sa.select(mention.c.channel, mention.c.external_id).where(mention.c.id.in_(part))
        keys.extend((row.channel, row.external_id) for row in conn.execute(query))
    return keys


def _count(conn: Connection, table: sa.Table, column: Any, ids: Sequence[int]) -> int:
    return sum(
        conn.execute(sa.select(sa.func.count()).select_from(table).where(column.in_(part))).scalar_one()
        for part in chunks(ids)
    )


def _as_dict(done: Erasure) -> dict[str, int]:
    return {"mentions": done.mentions, "quarantine": done.quarantine, "corrections": done.corrections,
            "alerts": done.alerts}  # fmt: skip
