"""``luister stats``: how many mentions per channel, language, country, topic and day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.analysis import INTENT_LABELS
from luister.storage.tables import mention, mention_topic, rejected, topic


@dataclass(slots=True)
class Stats:
    mentions: int
    near_duplicates: int
    rejected: int
    first: date | None
    last: date | None
    by_channel: list[tuple[str, int]]
    by_language: list[tuple[str, int]]
    by_country: list[tuple[str, int]]
    by_topic: list[tuple[str, int]]
    by_day: list[tuple[date, int]]
    by_sentiment: list[tuple[str, int]] = field(default_factory=list)
    by_intent: list[tuple[str, int]] = field(default_factory=list)  # a mention counts once per intent


def day_of(engine: Engine, column: sa.ColumnElement[object]) -> sa.ColumnElement[object]:
    """The UTC calendar day of a timestamp column, on SQLite and PostgreSQL."""
    if engine.dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone("UTC", column))
    return sa.func.date(column)


def count_mentions(*, engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(mention)).scalar_one())


def latest_published(*, engine: Engine) -> datetime | None:
    """When the newest stored mention was published."""
    with engine.connect() as conn:  # max() keeps the column's type: an aware UTC datetime
        latest: datetime | None = conn.execute(sa.select(sa.func.max(mention.c.published_at))).scalar_one()
    return latest


def collect_stats(*, engine: Engine, days: int = 14) -> Stats:
    """Totals, breakdowns, and the last ``days`` days that have mentions."""
    count = sa.func.count()
    day = day_of(engine, mention.c.published_at).label("day")
    with engine.connect() as conn:
        total, dups, first, last = conn.execute(
            sa.select(
                count,
                sa.func.count(mention.c.duplicate_of),
                sa.func.min(mention.c.published_at),
                sa.func.max(mention.c.published_at),
            )
        ).one()

        def grouped(column: sa.ColumnElement[object]) -> list[tuple[str, int]]:
            query = sa.select(column, count).group_by(column).order_by(count.desc(), column)
            return [(str(key) if key is not None else "–", n) for key, n in conn.execute(query)]

        by_topic = conn.execute(
            sa.select(topic.c.name, sa.func.count(mention_topic.c.mention_id))
            .select_from(topic.outerjoin(mention_topic, mention_topic.c.topic_id == topic.c.id))
            .group_by(topic.c.name)
            .order_by(sa.func.count(mention_topic.c.mention_id).desc(), topic.c.name)
        ).all()
        recent = conn.execute(sa.select(day, count).group_by(day).order_by(day.desc()).limit(days)).all()
        stats = Stats(
            mentions=total,
            near_duplicates=dups,
            rejected=conn.execute(sa.select(sa.func.count()).select_from(rejected)).scalar_one(),
            first=first.date() if first else None,
            last=last.date() if last else None,
            by_channel=grouped(mention.c.channel),
            by_language=grouped(mention.c.language),
            by_country=grouped(mention.c.country),
            by_topic=[(name, n) for name, n in by_topic],
            by_day=[(_as_date(d), n) for d, n in reversed(recent)],
            by_sentiment=[(key, n) for key, n in grouped(mention.c.sentiment) if key != "–"],
            by_intent=_intent_counts(conn),
        )
    return stats


def _intent_counts(conn: sa.Connection) -> list[tuple[str, int]]:
    """Mentions per intent (the column holds comma-joined labels, none a substring of another)."""
    counts = conn.execute(
        sa.select(*(sa.func.count().filter(mention.c.intents.contains(label)) for label in INTENT_LABELS))
    ).one()
    return sorted(
        ((label, n) for label, n in zip(INTENT_LABELS, counts, strict=True) if n), key=lambda x: -x[1]
    )


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
