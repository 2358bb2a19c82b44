"""Keeping the rollup tables in step with the mentions (see ``luister.domain.rollups``).

The batch writer adds each new batch's counts in its own transaction. Code that changes stored
mentions wraps the change in :func:`changing`, which takes out what those mentions counted before and
adds what they count after, in the same transaction. :func:`rebuild` recounts from scratch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.analysis import parse_intents
from luister.domain.rollups import ALL_TOPICS, Rollup, RollupInput, engagement, rollup
from luister.storage.tables import mention, mention_topic, rollup_hour, rollup_intent_hour

HOUR_KEY = ("topic_id", "hour", "channel", "country", "language", "sentiment")
HOUR_SUMS = ("mentions", "duplicates", "sentiment_sum", "engagement", "reach")
INTENT_KEY = ("topic_id", "hour", "channel", "intent")
_READ = (
    mention.c.id, mention.c.published_at, mention.c.channel, mention.c.country, mention.c.language,
    mention.c.sentiment, mention.c.sentiment_score, mention.c.intents, mention.c.like_count,
    mention.c.share_count, mention.c.reply_count, mention.c.author_followers, mention.c.duplicate_of,
)  # fmt: skip


def upsert_statements(mark: str) -> tuple[str, str]:
    """``INSERT … ON CONFLICT DO UPDATE`` adding to the stored sums (SQLite ≥ 3.24 and PostgreSQL)."""
    hour_columns = HOUR_KEY + HOUR_SUMS
    add = ", ".join(f"{c} = rollup_hour.{c} + excluded.{c}" for c in HOUR_SUMS)
    hours = (
        f"INSERT INTO rollup_hour ({', '.join(hour_columns)}) "
        f"VALUES ({', '.join([mark] * len(hour_columns))}) "
        f"ON CONFLICT ({', '.join(HOUR_KEY)}) DO UPDATE SET {add}"
    )
    intent_columns = (*INTENT_KEY, "mentions")
    intents = (
        f"INSERT INTO rollup_intent_hour ({', '.join(intent_columns)}) "
        f"VALUES ({', '.join([mark] * len(intent_columns))}) "
        f"ON CONFLICT ({', '.join(INTENT_KEY)}) DO UPDATE SET mentions = rollup_intent_hour.mentions + "
        "excluded.mentions"
    )
    return hours, intents


def rows_of(
    counts: Rollup, *, hour_text: Callable[[Any], Any]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Parameter rows in key order (the same order in every transaction: no deadlocks between writers)."""
    hours = [(t, hour_text(h), *dims, int(s[0]), int(s[1]), float(s[2]), int(s[3]), int(s[4]))
             for (t, h, *dims), s in sorted(counts.hours.items())]  # fmt: skip
    intents = [(t, hour_text(h), channel, intent, n)
               for (t, h, channel, intent), n in sorted(counts.intents.items())]  # fmt: skip
    return hours, intents


def apply(conn: Connection, counts: Rollup) -> None:
    """Add ``counts`` (negative sums subtract) through ``conn``; rows that reach zero are dropped."""
    if not counts:
        return
    sqlite = conn.dialect.name == "sqlite"
    from luister.storage.writer import sqlite_time  # the writer's text form of times on SQLite

    hours_sql, intents_sql = upsert_statements("?" if sqlite else "%s")
    hours, intents = rows_of(counts, hour_text=sqlite_time if sqlite else (lambda h: h))
    conn.exec_driver_sql(hours_sql, hours)
    if intents:
        conn.exec_driver_sql(intents_sql, intents)
    touched = sorted({(t, h) for t, h, *_ in counts.hours})
    conn.execute(
        rollup_hour.delete().where(
            rollup_hour.c.mentions <= 0, rollup_hour.c.topic_id == sa.bindparam("t"),
            rollup_hour.c.hour == sa.bindparam("h"),
        ), [{"t": t, "h": h} for t, h in touched],
    )  # fmt: skip
    conn.execute(
        rollup_intent_hour.delete().where(
            rollup_intent_hour.c.mentions <= 0, rollup_intent_hour.c.topic_id == sa.bindparam("t"),
            rollup_intent_hour.c.hour == sa.bindparam("h"),
        ), [{"t": t, "h": h} for t, h in touched],
    )  # fmt: skip


def read_inputs(conn: Connection, condition: sa.ColumnElement[bool]) -> list[RollupInput]:
    """What the mentions selected by ``condition`` count, with the topics they are matched to now."""
    rows = conn.execute(sa.select(*_READ).where(condition)).all()
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
        )  # fmt: skip
        for row in rows
    ]


@contextmanager
def changing(conn: Connection, condition: sa.ColumnElement[bool]) -> Iterator[None]:
    """Around a change to the mentions selected by ``condition`` (their labels, their topics)."""
    apply(conn, rollup(read_inputs(conn, condition), sign=-1))
    yield
    apply(conn, rollup(read_inputs(conn, condition)))


def forget_topic(conn: Connection, topic_id: int) -> None:
    """A deleted topic's rows."""
    if topic_id == ALL_TOPICS:
        raise ValueError("topic 0 holds all mentions")
    conn.execute(rollup_hour.delete().where(rollup_hour.c.topic_id == topic_id))
    conn.execute(rollup_intent_hour.delete().where(rollup_intent_hour.c.topic_id == topic_id))


def rebuild(
    engine: Engine, *, batch_size: int = 20_000, on_batch: Callable[[int], None] | None = None
) -> int:
    """Count every stored mention again (to repair or check); returns how many were counted."""
    with engine.begin() as conn:
        conn.execute(rollup_hour.delete())
        conn.execute(rollup_intent_hour.delete())
        return count_all(conn, batch_size=batch_size, on_batch=on_batch)


def count_all(
    conn: Connection, *, batch_size: int = 20_000, on_batch: Callable[[int], None] | None = None
) -> int:
    """Add every stored mention to the (empty) rollups, in id ranges of ``batch_size``."""
    counted, after = 0, 0
    while True:
        last = conn.execute(
            sa.select(mention.c.id).where(mention.c.id > after).order_by(mention.c.id)
            .offset(batch_size - 1).limit(1)
        ).scalar()  # fmt: skip
        condition = mention.c.id > after if last is None else mention.c.id.between(after + 1, last)
        inputs = read_inputs(conn, condition)
        apply(conn, rollup(inputs))
        counted += len(inputs)
        if on_batch is not None and inputs:
            on_batch(len(inputs))
        if last is None:
            return counted
        after = last


def write_with(cursor: Any, counts: Rollup, *, sqlite: bool, hour_text: Callable[[Any], Any]) -> None:
    """The batch writer's path: add ``counts`` through a driver cursor (only additions: no zero rows)."""
    hours_sql, intents_sql = upsert_statements("?" if sqlite else "%s")
    hours, intents = rows_of(counts, hour_text=hour_text)
    if hours:
        cursor.executemany(hours_sql, hours)
    if intents:
        cursor.executemany(intents_sql, intents)


def inputs_of(stored: Sequence[Any]) -> list[RollupInput]:
    """Rollup inputs of the writer's newly stored mentions (``StoredMention``)."""
    return [
        RollupInput(
            published_at=s.mention.published_at,
            channel=s.mention.channel,
            country=s.mention.country,
            language=s.mention.language,
            sentiment=s.mention.sentiment,
            sentiment_score=s.mention.sentiment_score,
            intents=s.mention.intents,
            engagement=engagement(s.mention.like_count, s.mention.share_count, s.mention.reply_count),
            followers=s.mention.author_followers or 0,
            duplicate=s.duplicate_of is not None,
            topic_ids=tuple(sorted(set(s.mention.topic_ids))),
        )  # fmt: skip
        for s in stored
    ]
