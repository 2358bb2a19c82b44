"""Keeping the rollup tables in step with the mentions (see ``luister.domain.rollups``).

The batch writer adds each new batch's counts in its own transaction. Code that changes stored
mentions wraps the change in :func:`changing`, which takes out what those mentions counted before and
adds what they count after, in the same transaction. :func:`rebuild` recounts from scratch, and
:func:`recount` says what differed. Retention (``luister.privacy``) deletes old mentions but keeps their
counts: buckets before :func:`final_line` are left as they are by a recount — except the bucket of
mentions without a known date (:data:`~luister.domain.rollups.UNDATED`), which belongs to no period: it
is always recounted, and retention takes out what the undated mentions it deletes counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.analysis import parse_intents
from luister.domain.rollups import (
    ALL_TOPICS,
    PROJECTIONS,
    UNDATED,
    Projection,
    Rollup,
    RollupInput,
    day_of,
    engagement,
    mention_input,
    rollup,
    table_rows,
)
from luister.storage.sql_time import sqlite_time
from luister.storage.tables import ROLLUP_TABLES, mention, mention_topic, rollup_final

SUMS = ("mentions", "duplicates", "sentiment_sum", "engagement", "reach", "engagement_squares",
        "reach_squares")  # fmt: skip
_BEFORE_SQUARES = 5  # the sums the tables had before migration 0033 (a migration before it counts only those)
_READ = (
    mention.c.id, mention.c.published_at, mention.c.channel, mention.c.country, mention.c.language,
    mention.c.sentiment, mention.c.sentiment_score, mention.c.intents, mention.c.like_count,
    mention.c.share_count, mention.c.reply_count, mention.c.author_followers, mention.c.duplicate_of,
)  # fmt: skip
_DATE_KNOWN = mention.c.date_known
_ALL_DATED = sa.true().label("date_known")  # before migration 0012 every stored mention had its date


def upsert_statement(projection: Projection, mark: str, *, before_squares: bool = False) -> str:
    """``INSERT … ON CONFLICT DO UPDATE`` adding to the stored sums (SQLite ≥ 3.24 and PostgreSQL)."""
    key = ("topic_id", "bucket", *projection.dims)
    sums = ("mentions",) if projection.intents else SUMS[:_BEFORE_SQUARES] if before_squares else SUMS
    columns = key + sums
    add = ", ".join(f"{c} = {projection.table}.{c} + excluded.{c}" for c in sums)
    return (
        f"INSERT INTO {projection.table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {add}"
    )


def write_with(
    cursor: Any,
    counts: Rollup,
    *,
    sqlite: bool,
    time_value: Callable[[Any], Any],
    before_squares: bool = False,
) -> None:
    """Add ``counts`` to every rollup table through a driver cursor (the batch writer's path).

    SQLite has one writer at a time; PostgreSQL writers take row locks in key order (no deadlocks).
    ``before_squares``: the tables have no squares yet (a migration before 0033 counts)."""
    for projection in PROJECTIONS:
        if rows := table_rows(counts, projection, time_value, ordered=not sqlite):
            if before_squares and not projection.intents:
                width = 2 + len(projection.dims) + _BEFORE_SQUARES
                rows = [row[:width] for row in rows]
            statement = upsert_statement(projection, "?" if sqlite else "%s", before_squares=before_squares)
            cursor.executemany(statement, rows)


def apply(conn: Connection, counts: Rollup, *, before_squares: bool = False) -> None:
    """Add ``counts`` (negative sums subtract) through ``conn``; rows that reach zero are dropped."""
    if not counts:
        return
    sqlite = conn.dialect.name == "sqlite"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        time_value = sqlite_time if sqlite else _same
        write_with(cursor, counts, sqlite=sqlite, time_value=time_value, before_squares=before_squares)
    finally:
        cursor.close()
    hours = sorted({(t, h) for t, h, *_ in counts.hours})
    buckets = {"hour": hours, "day": sorted({(t, day_of(h)) for t, h in hours})}
    for projection in PROJECTIONS:
        table = ROLLUP_TABLES[projection.table]
        conn.execute(
            table.delete().where(table.c.mentions <= 0, table.c.topic_id == sa.bindparam("t"),
                                 table.c.bucket == sa.bindparam("b")),
            [{"t": t, "b": b} for t, b in buckets[projection.bucket]],
        )  # fmt: skip


def _same(value: Any) -> Any:
    return value


def read_inputs(
    conn: Connection, condition: sa.ColumnElement[bool], *, before_date_known: bool = False
) -> list[RollupInput]:
    """What the mentions selected by ``condition`` count, with the topics they are matched to now.
    ``before_date_known``: the mention table has no ``date_known`` column yet (a migration before 0012)."""
    date_known = _ALL_DATED if before_date_known else _DATE_KNOWN
    rows = conn.execute(sa.select(*_READ, date_known).where(condition)).all()
    if not rows:
        return []
    topics: dict[int, list[int]] = {}
    ids = [row.id for row in rows]
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for mention_id, topic_id in conn.execute(
            sa.select(mention_topic.c.mention_id, mention_topic.c.topic_id).where(
                mention_topic.c.mention_id.in_(chunk)
            )
        ):
            topics.setdefault(mention_id, []).append(topic_id)
    return [
        RollupInput(
            published_at=row.published_at,
            channel=row.channel,
            country=row.country,
            language=row.language,
            sentiment=row.sentiment,
            sentiment_score=row.sentiment_score,
            intents=parse_intents(row.intents),
            engagement=engagement(row.like_count, row.share_count, row.reply_count),
            followers=row.author_followers or 0,
            duplicate=row.duplicate_of is not None,
            topic_ids=tuple(sorted(topics.get(row.id, ()))),
            date_known=bool(row.date_known),
        )  # fmt: skip
        for row in rows
    ]


COUNTS_LOCK = 0x6C756973  # "luis": PostgreSQL's advisory lock key for changes to the counts


def lock_counts(conn: Connection) -> None:
    """Hold the counts for this transaction: changes that subtract and re-add counts (re-matching,
    corrections, re-analysis) run one at a time, each reading what the one before it committed. Without
    it two re-matches of overlapping mentions each subtract the same old counts and add the other's new
    ones, and a topic is counted twice. PostgreSQL: a transaction advisory lock; SQLite: the write lock,
    taken now (an empty write) so that every read after it is inside the locked transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": COUNTS_LOCK})
    else:
        conn.execute(sa.text("UPDATE topic SET id = id WHERE 0 = 1"))


@contextmanager
def changing(conn: Connection, condition: sa.ColumnElement[bool]) -> Iterator[None]:
    """Around a change to the mentions selected by ``condition`` (their labels, their topics); holds
    the counts (:func:`lock_counts`) until the transaction ends."""
    lock_counts(conn)
    apply(conn, rollup(read_inputs(conn, condition), sign=-1))
    yield
    apply(conn, rollup(read_inputs(conn, condition)))


def forget_topic(conn: Connection, topic_id: int) -> None:
    """A deleted topic's rows."""
    if topic_id == ALL_TOPICS:
        raise ValueError("topic 0 holds all mentions")
    for table in ROLLUP_TABLES.values():
        conn.execute(table.delete().where(table.c.topic_id == topic_id))


def final_line(conn: Connection) -> datetime | None:
    """The UTC midnight before which rollup buckets are final (retention deleted mentions they count),
    or ``None`` while nothing was deleted by retention."""
    before: datetime | None = conn.execute(
        sa.select(rollup_final.c.before).where(rollup_final.c.id == 1)
    ).scalar()
    if before is None:
        return None
    midnight = before.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight if midnight == before else midnight + timedelta(days=1)


def mark_final(conn: Connection, before: datetime) -> None:
    """Retention deleted mentions published before ``before``: their buckets keep the counts for good."""
    current = conn.execute(sa.select(rollup_final.c.before).where(rollup_final.c.id == 1)).scalar()
    if current is None:
        conn.execute(rollup_final.insert().values(id=1, before=before))
    elif before > current:
        conn.execute(rollup_final.update().where(rollup_final.c.id == 1).values(before=before))


def _recounted(table: sa.Table, line: datetime | None) -> sa.ColumnElement[bool] | None:
    """The rows of ``table`` a recount replaces: all, or those after the final line and the undated."""
    if line is None:
        return None
    return sa.or_(table.c.bucket >= line, table.c.bucket == UNDATED)


def _clear(conn: Connection, line: datetime | None) -> None:
    for table in ROLLUP_TABLES.values():
        rows = _recounted(table, line)
        conn.execute(table.delete() if rows is None else table.delete().where(rows))


def rebuild(
    engine: Engine, *, batch_size: int = 20_000, on_batch: Callable[[int], None] | None = None
) -> int:
    """Count every stored mention again (to repair or check); returns how many were counted. Buckets
    before the final line (see :func:`final_line`) keep their counts."""
    with engine.begin() as conn:
        return rebuild_on(conn, batch_size=batch_size, on_batch=on_batch)


def rebuild_on(
    conn: Connection, *, batch_size: int = 20_000, on_batch: Callable[[int], None] | None = None
) -> int:
    """:func:`rebuild` in the caller's transaction (a migration's)."""
    line = final_line(conn)
    _clear(conn, line)
    return count_all(conn, batch_size=batch_size, on_batch=on_batch, since=line)


@dataclass(frozen=True, slots=True)
class Drift:
    """One rollup row that differs from a recount: ``stored`` or ``recounted`` is ``None`` when the row
    is missing on that side."""

    table: str
    key: tuple[Any, ...]
    stored: tuple[float, ...] | None
    recounted: tuple[float, ...] | None


@dataclass(frozen=True, slots=True)
class Recount:
    counted: int  # mentions counted
    drift: list[Drift]  # rows that differed before the recount (repaired unless only checked)
    repaired: bool


def recount(
    engine: Engine,
    *,
    repair: bool = True,
    batch_size: int = 20_000,
    on_batch: Callable[[int], None] | None = None,
) -> Recount:
    """Count every stored mention again and say which rollup rows differed (drift); keep the recount
    when ``repair``, else roll it back: the check changes nothing."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            line = final_line(conn)
            before = _rows(conn, line)
            _clear(conn, line)
            counted = count_all(conn, batch_size=batch_size, on_batch=on_batch, since=line)
            drift = _differences(before, _rows(conn, line))
        except BaseException:
            transaction.rollback()
            raise
        if repair:
            transaction.commit()
        else:
            transaction.rollback()
    return Recount(counted=counted, drift=drift, repaired=repair)


def _rows(conn: Connection, line: datetime | None) -> dict[tuple[str, tuple[Any, ...]], tuple[float, ...]]:
    rows: dict[tuple[str, tuple[Any, ...]], tuple[float, ...]] = {}
    for projection in PROJECTIONS:
        table = ROLLUP_TABLES[projection.table]
        width = 2 + len(projection.dims)
        recounted = _recounted(table, line)
        query = sa.select(table) if recounted is None else sa.select(table).where(recounted)
        for row in conn.execute(query):
            rows[(projection.table, tuple(row[:width]))] = tuple(float(v) for v in row[width:])
    return rows


def _differences(
    stored: dict[tuple[str, tuple[Any, ...]], tuple[float, ...]],
    recounted: dict[tuple[str, tuple[Any, ...]], tuple[float, ...]],
) -> list[Drift]:
    found = []
    for name, key in sorted(stored.keys() | recounted.keys(), key=repr):
        was, now = stored.get((name, key)), recounted.get((name, key))
        if was is None or now is None or not all(map(_close, was, now)):
            found.append(Drift(name, key, was, now))
    return found


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))  # sums of sentiment scores differ in the last digits


def count_all(
    conn: Connection,
    *,
    batch_size: int = 20_000,
    on_batch: Callable[[int], None] | None = None,
    since: datetime | None = None,
    before_date_known: bool = False,
    before_squares: bool = False,
) -> int:
    """Add every stored mention (published ``since``, if given, or without a known date) to the (empty)
    rollups, in id ranges of ``batch_size``. ``before_date_known``: run by a migration before 0012, when
    every mention had its date (see :func:`read_inputs`); ``before_squares``: before 0033."""
    counted, after = 0, 0
    while True:
        last = conn.execute(
            sa.select(mention.c.id).where(mention.c.id > after).order_by(mention.c.id)
            .offset(batch_size - 1).limit(1)
        ).scalar()  # fmt: skip
        condition = mention.c.id > after if last is None else mention.c.id.between(after + 1, last)
        if since is not None:
            condition = sa.and_(
                condition, sa.or_(mention.c.published_at >= since, mention.c.date_known.is_(False))
            )
        inputs = read_inputs(conn, condition, before_date_known=before_date_known)
        apply(conn, rollup(inputs), before_squares=before_squares)
        counted += len(inputs)
        if on_batch is not None and inputs:
            on_batch(len(inputs))
        if last is None:
            return counted
        after = last


def inputs_of(stored: Sequence[Any]) -> list[RollupInput]:
    """Rollup inputs of the writer's newly stored mentions (``StoredMention``)."""
    return [mention_input(s.mention, duplicate=s.duplicate_of is not None) for s in stored]
