"""Trending terms and reach over stored mentions, per topic or overall."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.analysis.terms import Burst, document_frequencies, find_bursts
from luister.domain.mentions import full_text
from luister.storage.tables import ENGAGEMENT, mention, mention_topic

MAX_TEXTS = 100_000  # per window; a larger window is read as its newest MAX_TEXTS mentions
ORGANIC_REACH = 0.2  # share of an author's followers assumed to see a post when the platform gives no views


def _within(start: datetime, end: datetime) -> sa.ColumnElement[bool]:
    """Said in [start, end): a mention without a known date was only fetched then, so it is left out."""
    return sa.and_(
        mention.c.published_at >= start, mention.c.published_at < end, mention.c.date_known.is_(True)
    )


def _texts(engine: Engine, *, topic_id: int | None, start: datetime, end: datetime) -> list[str]:
    query = (
        sa.select(mention.c.title, mention.c.text)
        .where(_within(start, end), mention.c.duplicate_of.is_(None))
        .order_by(mention.c.published_at.desc())
        .limit(MAX_TEXTS)
    )
    if topic_id is not None:
        query = query.join(mention_topic, mention_topic.c.mention_id == mention.c.id).where(
            mention_topic.c.topic_id == topic_id
        )
    with engine.connect() as conn:
        return [full_text(title, text) for title, text in conn.execute(query)]


@dataclass(frozen=True, slots=True)
class Trends:
    start: datetime
    end: datetime
    mentions: int
    baseline_mentions: int
    bursts: list[Burst]


def trending_terms(
    *,
    engine: Engine,
    now: datetime,
    topic_id: int | None = None,
    hours: int = 24,
    baseline_days: int = 7,
    min_mentions: int = 3,
    limit: int = 20,
) -> Trends:
    """Terms bursting in the last ``hours`` against the ``baseline_days`` before. Near-duplicates count
    once: a thousand reposts of one text are one voice."""
    start = now - timedelta(hours=hours)
    current, current_total = document_frequencies(_texts(engine, topic_id=topic_id, start=start, end=now))
    baseline, baseline_total = document_frequencies(
        _texts(engine, topic_id=topic_id, start=start - timedelta(days=baseline_days), end=start)
    )
    bursts = find_bursts(
        current, current_total, baseline, baseline_total, min_mentions=min_mentions, limit=limit
    )
    return Trends(start, now, current_total, baseline_total, bursts)


@dataclass(frozen=True, slots=True)
class AuthorReach:
    channel: str
    handle: str
    name: str | None
    followers: int
    mentions: int
    engagement: int  # likes + shares + replies
    impressions: int  # estimated: views where known, else followers × ORGANIC_REACH per mention
    negative: int


def estimated_impressions(*, followers: int | None, views: int | None) -> int:
    """Views when the platform reports them, otherwise the followers' organic share."""
    if views is not None:
        return views
    return round((followers or 0) * ORGANIC_REACH)


def top_authors(
    *,
    engine: Engine,
    start: datetime,
    end: datetime,
    topic_id: int | None = None,
    limit: int = 20,
) -> list[AuthorReach]:
    """Authors ranked by estimated impressions in ``[start, end)``."""
    impressions = sa.func.sum(
        sa.func.coalesce(
            mention.c.view_count, sa.func.coalesce(mention.c.author_followers, 0) * ORGANIC_REACH
        )
    )
    engagement = sa.func.sum(ENGAGEMENT)
    negative = sa.func.sum(sa.case((mention.c.sentiment == "negative", 1), else_=0))
    query = (
        sa.select(
            mention.c.channel, mention.c.author_handle, sa.func.max(mention.c.author_name),
            sa.func.coalesce(sa.func.max(mention.c.author_followers), 0), sa.func.count(), engagement,
            impressions, negative,
        )
        .where(_within(start, end), mention.c.author_handle.is_not(None))
        .group_by(mention.c.channel, mention.c.author_handle)
        .order_by(impressions.desc(), sa.func.count().desc(), mention.c.author_handle)
        .limit(limit)
    )  # fmt: skip
    if topic_id is not None:
        query = query.join(mention_topic, mention_topic.c.mention_id == mention.c.id).where(
            mention_topic.c.topic_id == topic_id
        )
    with engine.connect() as conn:
        return [
            AuthorReach(
                row[0],
                row[1],
                row[2],
                int(row[3]),
                int(row[4]),
                int(row[5] or 0),
                round(row[6] or 0),
                int(row[7] or 0),
            )  # fmt: skip
            for row in conn.execute(query)
        ]
