"""Dashboard figures for a topic (or all mentions) over a period, read from the rollup tables.

Every figure here is a sum over ``rollup_hour`` / ``rollup_intent_hour`` rows of the period (hours ×
the few channel/country/language/sentiment combinations that occur), never a scan of the mentions, so
it costs the same at a thousand mentions or ten million.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.analysis import SENTIMENT_LABELS
from luister.domain.rollups import ALL_TOPICS, UNKNOWN
from luister.storage.tables import rollup_hour, rollup_intent_hour, topic

HOURLY_UP_TO = timedelta(days=3)  # longer periods are shown per day


@dataclass(frozen=True, slots=True)
class Scope:
    """Which mentions a dashboard counts: a topic (0 = all), a period [since, until), optional filters."""

    since: datetime
    until: datetime
    topic_id: int = ALL_TOPICS
    channel: str | None = None
    country: str | None = None
    language: str | None = None
    sentiment: str | None = None

    @property
    def bucket(self) -> str:
        return "hour" if self.until - self.since <= HOURLY_UP_TO else "day"

    def previous(self) -> Scope:
        """The period of the same length just before this one."""
        length = self.until - self.since
        return replace(self, since=self.since - length, until=self.since)


@dataclass(frozen=True, slots=True)
class Totals:
    mentions: int
    duplicates: int
    reach: int
    engagement: int
    sentiment: dict[str, int]  # negative/neutral/positive and '' for not analysed

    @property
    def net_sentiment(self) -> float | None:
        return net_sentiment(self.sentiment)


@dataclass(frozen=True, slots=True)
class Point:
    """One bucket (an hour or a UTC day) of the volume series."""

    start: datetime
    sentiment: dict[str, int]

    @property
    def mentions(self) -> int:
        return sum(self.sentiment.values())

    @property
    def net_sentiment(self) -> float | None:
        return net_sentiment(self.sentiment)


@dataclass(frozen=True, slots=True)
class Voice:
    """A brand or competitor topic's share of voice and sentiment in the period."""

    topic_id: int
    name: str
    kind: str
    mentions: int
    share: float  # of all brand and competitor mentions, 0–1
    sentiment: dict[str, int]

    @property
    def net_sentiment(self) -> float | None:
        return net_sentiment(self.sentiment)

    @property
    def positive_share(self) -> float | None:
        labelled = sum(self.sentiment.get(label, 0) for label in SENTIMENT_LABELS)
        return self.sentiment.get("positive", 0) / labelled if labelled else None


@dataclass(frozen=True, slots=True)
class Overview:
    scope: Scope
    totals: Totals
    previous_mentions: int
    series: list[Point]
    share_of_voice: list[Voice]
    channels: list[tuple[str, int]]
    channel_country: list[tuple[str, str, int]]  # channel, country ('' unknown), mentions
    languages: list[tuple[str, int]]
    intents: list[tuple[str, int]] = field(default_factory=list)


def net_sentiment(counts: dict[str, int]) -> float | None:
    """(positive − negative) / (positive + negative), −1 … +1; ``None`` without either."""
    positive, negative = counts.get("positive", 0), counts.get("negative", 0)
    return (positive - negative) / (positive + negative) if positive + negative else None


def default_scope(*, engine: Engine, days: int = 30, topic_id: int = ALL_TOPICS) -> Scope:
    """The last ``days`` days up to the newest counted hour (demo data can lie in the past)."""
    with engine.connect() as conn:
        newest = conn.execute(
            sa.select(sa.func.max(rollup_hour.c.hour)).where(rollup_hour.c.topic_id == ALL_TOPICS)
        ).scalar()
    end = (newest or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)) + timedelta(hours=1)
    end = end.replace(hour=0) + timedelta(days=1) if days > 3 else end  # whole days for daily charts
    return Scope(since=end - timedelta(days=days), until=end, topic_id=topic_id)


def overview(*, engine: Engine, scope: Scope) -> Overview:
    with engine.connect() as conn:
        totals = _totals(conn, scope)
        previous = _totals(conn, scope.previous()).mentions
        return Overview(
            scope=scope, totals=totals, previous_mentions=previous, series=_series(conn, scope),
            share_of_voice=share_of_voice(conn, scope), channels=_by(conn, scope, rollup_hour.c.channel),
            channel_country=_channel_country(conn, scope), languages=_by(conn, scope, rollup_hour.c.language),
            intents=_intents(conn, scope),
        )  # fmt: skip


def _where(scope: Scope, *, topic_ids: list[int] | None = None) -> list[sa.ColumnElement[bool]]:
    r = rollup_hour.c
    conditions = [r.hour >= scope.since, r.hour < scope.until]
    conditions.append(r.topic_id.in_(topic_ids) if topic_ids is not None else r.topic_id == scope.topic_id)
    for column, value in ((r.channel, scope.channel), (r.country, scope.country),
                          (r.language, scope.language), (r.sentiment, scope.sentiment)):  # fmt: skip
        if value is not None:
            conditions.append(column == value)
    return conditions


def _totals(conn: Connection, scope: Scope) -> Totals:
    r = rollup_hour.c
    rows = conn.execute(
        sa.select(r.sentiment, sa.func.sum(r.mentions), sa.func.sum(r.duplicates), sa.func.sum(r.reach),
                  sa.func.sum(r.engagement)).where(*_where(scope)).group_by(r.sentiment)
    ).all()  # fmt: skip
    return Totals(
        mentions=sum(int(row[1]) for row in rows), duplicates=sum(int(row[2]) for row in rows),
        reach=sum(int(row[3]) for row in rows), engagement=sum(int(row[4]) for row in rows),
        sentiment={row[0]: int(row[1]) for row in rows},
    )  # fmt: skip


def _series(conn: Connection, scope: Scope) -> list[Point]:
    """Every bucket of the period, empty ones included (a gap is news too)."""
    r = rollup_hour.c
    rows = conn.execute(
        sa.select(r.hour, r.sentiment, sa.func.sum(r.mentions))
        .where(*_where(scope))
        .group_by(r.hour, r.sentiment)
    ).all()
    step = timedelta(hours=1) if scope.bucket == "hour" else timedelta(days=1)
    counts: dict[datetime, dict[str, int]] = defaultdict(dict)
    for hour, sentiment, n in rows:
        start = _bucket_start(hour, scope.bucket)
        counts[start][sentiment] = counts[start].get(sentiment, 0) + int(n)
    points = []
    start = _bucket_start(scope.since, scope.bucket)
    while start < scope.until:
        points.append(Point(start, counts.get(start, {})))
        start += step
    return points


def _bucket_start(moment: datetime, bucket: str) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment if bucket == "hour" else moment.replace(hour=0)


def share_of_voice(conn: Connection, scope: Scope) -> list[Voice]:
    """The brand and competitor topics side by side (with the scope's channel/country/language)."""
    topics = conn.execute(
        sa.select(topic.c.id, topic.c.name, topic.c.kind)
        .where(topic.c.kind.in_(["brand", "competitor"]), topic.c.enabled)
        .order_by(topic.c.kind, topic.c.name)
    ).all()
    if not topics:
        return []
    r = rollup_hour.c
    unfiltered = replace(scope, sentiment=None)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for topic_id, sentiment, n in conn.execute(
        sa.select(r.topic_id, r.sentiment, sa.func.sum(r.mentions))
        .where(*_where(unfiltered, topic_ids=[t.id for t in topics]))
        .group_by(r.topic_id, r.sentiment)
    ):
        counts[topic_id][sentiment] = int(n)
    total = sum(sum(c.values()) for c in counts.values())
    voices = [
        Voice(
            t.id,
            t.name,
            t.kind,
            sum(counts[t.id].values()),
            sum(counts[t.id].values()) / total if total else 0.0,
            dict(counts[t.id]),
        )  # fmt: skip
        for t in topics
    ]
    return sorted(voices, key=lambda v: (v.kind != "brand", -v.mentions, v.name))


def _by(conn: Connection, scope: Scope, column: sa.ColumnElement[str]) -> list[tuple[str, int]]:
    total = sa.func.sum(rollup_hour.c.mentions)
    rows = conn.execute(
        sa.select(column, total).where(*_where(scope)).group_by(column).order_by(total.desc())
    )
    return [(str(value), int(n)) for value, n in rows]


def _channel_country(conn: Connection, scope: Scope) -> list[tuple[str, str, int]]:
    r = rollup_hour.c
    total = sa.func.sum(r.mentions)
    rows = conn.execute(
        sa.select(r.channel, r.country, total).where(*_where(scope)).group_by(r.channel, r.country)
        .order_by(total.desc())
    )  # fmt: skip
    return [(channel, country, int(n)) for channel, country, n in rows]


def _intents(conn: Connection, scope: Scope) -> list[tuple[str, int]]:
    """Intents per period; only the channel filter applies (intents are counted per channel)."""
    i = rollup_intent_hour.c
    conditions = [i.topic_id == scope.topic_id, i.hour >= scope.since, i.hour < scope.until]
    if scope.channel is not None:
        conditions.append(i.channel == scope.channel)
    total = sa.func.sum(i.mentions)
    rows = conn.execute(
        sa.select(i.intent, total).where(*conditions).group_by(i.intent).order_by(total.desc())
    )
    return [(intent, int(n)) for intent, n in rows]


__all__ = ["UNKNOWN", "Overview", "Point", "Scope", "Totals", "Voice", "default_scope", "overview"]
