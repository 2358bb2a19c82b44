"""Dashboard figures for a topic (or all mentions) over a period, read from the rollup tables.

Every figure here is a sum over rollup rows of the period, never a scan of the mentions: each question
goes to the narrowest rollup table that has its dimensions and filters (``_pick``) — per day when the
period is whole days — so it costs about the same at a thousand mentions or ten million. Mentions
without a known date lie in no period (see ``luister.domain.rollups.UNDATED``); how many the scope has
is said apart (``Overview.undated``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.analysis import SENTIMENT_LABELS
from luister.domain.periods import day_count, previous_period
from luister.domain.rollups import ALL_TOPICS, PROJECTIONS, UNDATED, UNKNOWN
from luister.storage.tables import ROLLUP_TABLES, topic

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
    now: datetime | None = None  # how far the data runs when the period is still going on; None: over
    zone: str | None = None  # a range of whole days in this time zone (IANA name): days and the previous
    # period are counted there; None: UTC

    @property
    def tz(self) -> ZoneInfo | None:
        return ZoneInfo(self.zone) if self.zone else None

    @property
    def days(self) -> int:
        """How many days the period spans (its local days for a range of whole days in ``zone``)."""
        return day_count(self.since, self.until, self.tz)

    @property
    def bucket(self) -> str:
        return "hour" if self.until - self.since <= HOURLY_UP_TO else "day"

    @property
    def running(self) -> bool:
        """Whether the period ends after the data does (today's bucket is still filling)."""
        return self.now is not None and self.since < self.now < self.until

    @property
    def counted_until(self) -> datetime:
        """Where counting stops: the period's end, or now while the period is still going on."""
        return self.now if self.running and self.now is not None else self.until

    def previous(self) -> Scope:
        """The period of the same length just before this one (as many local days for a range of whole
        days in ``zone``); while this one is still going on, only as much of it as has passed of this one
        (like with like: a half day against a half day). See ``domain.periods.previous_period``."""
        since, until = previous_period(self.since, self.until, self.counted_until, self.tz)
        return replace(self, since=since, until=until, now=None)


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
    partial: bool = False  # the bucket is still filling (its end lies after the data's)

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
    undated: int = 0  # the scope's mentions (any time) whose date is unknown: in none of the figures
    previous: Totals | None = None  # the same figures over ``scope.previous()``, to compare with


def net_sentiment(counts: dict[str, int]) -> float | None:
    """(positive − negative) / (positive + negative), −1 … +1; ``None`` without either."""
    positive, negative = counts.get("positive", 0), counts.get("negative", 0)
    return (positive - negative) / (positive + negative) if positive + negative else None


def default_scope(*, engine: Engine, days: int = 30, topic_id: int = ALL_TOPICS) -> Scope:
    """The last ``days`` days up to the newest counted hour (demo data can lie in the past)."""
    with engine.connect() as conn:
        hours = ROLLUP_TABLES["rollup_hour_sentiment"]
        newest = conn.execute(
            sa.select(sa.func.max(hours.c.bucket)).where(hours.c.topic_id == ALL_TOPICS)
        ).scalar()
    now = (newest or datetime.now(UTC).replace(minute=0, second=0, microsecond=0)) + timedelta(hours=1)
    end = now.replace(hour=0) + timedelta(days=1) if days > 3 and now.hour else now  # whole days for charts
    return Scope(since=end - timedelta(days=days), until=end, topic_id=topic_id, now=now)


def overview(*, engine: Engine, scope: Scope) -> Overview:
    with engine.connect() as conn:
        totals = _totals(conn, scope)
        previous = _totals(conn, scope.previous())
        return Overview(
            scope=scope, totals=totals, previous_mentions=previous.mentions, previous=previous,
            series=_series(conn, scope),
            share_of_voice=share_of_voice(conn, scope),
            channels=_grouped(conn, scope, ("channel",)),  # type: ignore[arg-type]
            channel_country=_grouped(conn, scope, ("channel", "country")),  # type: ignore[arg-type]
            languages=_grouped(conn, scope, ("language",)),  # type: ignore[arg-type]
            intents=_intents(conn, scope), undated=undated(conn, scope),
        )  # fmt: skip


FILTERS = ("channel", "country", "language", "sentiment")


def _filters(scope: Scope) -> dict[str, str]:
    return {name: value for name in FILTERS if (value := getattr(scope, name)) is not None}


def _granularity(scope: Scope) -> str:
    """Day tables when the period is whole UTC days, else hour tables."""
    whole = all(t.astimezone(UTC) == t.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
                for t in (scope.since, scope.until))  # fmt: skip
    return "day" if whole else "hour"


def _pick(scope: Scope, dims: set[str], *, intents: bool = False, bucket: str | None = None) -> sa.Table:
    """The narrowest rollup table that has ``dims`` and the scope's filters."""
    wanted = dims | (set() if intents else set(_filters(scope)))
    chosen = bucket or _granularity(scope)
    fitting = [p for p in PROJECTIONS
               if p.intents == intents and p.bucket == chosen and wanted <= set(p.dims)]  # fmt: skip
    return ROLLUP_TABLES[min(fitting, key=lambda p: len(p.dims)).table]


def _where(
    scope: Scope, table: sa.Table, *, topic_ids: list[int] | None = None
) -> list[sa.ColumnElement[bool]]:
    c = table.c
    conditions = [c.bucket >= max(scope.since, UNDATED + timedelta(days=1)), c.bucket < scope.until]
    conditions.append(c.topic_id.in_(topic_ids) if topic_ids is not None else c.topic_id == scope.topic_id)
    for name, value in _filters(scope).items():
        if name in c:
            conditions.append(c[name] == value)
    return conditions


def _totals(conn: Connection, scope: Scope) -> Totals:
    t = _pick(scope, {"sentiment"})
    c = t.c
    rows = conn.execute(
        sa.select(c.sentiment, sa.func.sum(c.mentions), sa.func.sum(c.duplicates), sa.func.sum(c.reach),
                  sa.func.sum(c.engagement)).where(*_where(scope, t)).group_by(c.sentiment)
    ).all()  # fmt: skip
    return Totals(
        mentions=sum(int(row[1]) for row in rows), duplicates=sum(int(row[2]) for row in rows),
        reach=sum(int(row[3]) for row in rows), engagement=sum(int(row[4]) for row in rows),
        sentiment={row[0]: int(row[1]) for row in rows},
    )  # fmt: skip


def _series(conn: Connection, scope: Scope) -> list[Point]:
    """Every bucket of the period, empty ones included (a gap is news too)."""
    bucket = "hour" if scope.bucket == "hour" else _granularity(scope)
    t = _pick(scope, {"sentiment"}, bucket=bucket)
    c = t.c
    rows = conn.execute(
        sa.select(c.bucket, c.sentiment, sa.func.sum(c.mentions)).where(*_where(scope, t))
        .group_by(c.bucket, c.sentiment)
    ).all()  # fmt: skip
    zone = scope.tz if scope.bucket == "day" else None  # days of a local range are local days
    counts: dict[datetime, dict[str, int]] = defaultdict(dict)
    for moment, sentiment, n in rows:
        start = _bucket_start(moment, scope.bucket, zone)
        counts[start][sentiment] = counts[start].get(sentiment, 0) + int(n)
    points = []
    start = _bucket_start(scope.since, scope.bucket, zone)
    while start < scope.until:
        end = _next_bucket(start, scope.bucket, zone)
        points.append(
            Point(start, counts.get(start, {}), partial=scope.running and end > scope.counted_until)
        )
        start = end
    return points


def _bucket_start(moment: datetime, bucket: str, zone: ZoneInfo | None = None) -> datetime:
    if zone is not None:  # the local day's midnight, in UTC
        local = moment.astimezone(zone)
        return datetime(local.year, local.month, local.day, tzinfo=zone).astimezone(UTC)
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment if bucket == "hour" else moment.replace(hour=0)


def _next_bucket(start: datetime, bucket: str, zone: ZoneInfo | None = None) -> datetime:
    if zone is not None:  # 23 or 25 hours on the days the clocks change
        local = start.astimezone(zone).date() + timedelta(days=1)
        return datetime(local.year, local.month, local.day, tzinfo=zone).astimezone(UTC)
    return start + (timedelta(hours=1) if bucket == "hour" else timedelta(days=1))


def share_of_voice(conn: Connection, scope: Scope) -> list[Voice]:
    """The brand and competitor topics side by side (with the scope's channel/country/language)."""
    topics = conn.execute(
        sa.select(topic.c.id, topic.c.name, topic.c.kind)
        .where(topic.c.kind.in_(["brand", "competitor"]), topic.c.enabled)
        .order_by(topic.c.kind, topic.c.name)
    ).all()
    if not topics:
        return []
    unfiltered = replace(scope, sentiment=None)
    t = _pick(unfiltered, {"sentiment"})
    c = t.c
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for topic_id, sentiment, n in conn.execute(
        sa.select(c.topic_id, c.sentiment, sa.func.sum(c.mentions))
        .where(*_where(unfiltered, t, topic_ids=[row.id for row in topics]))
        .group_by(c.topic_id, c.sentiment)
    ):
        counts[topic_id][sentiment] = int(n)
    total = sum(sum(found.values()) for found in counts.values())
    voices = [
        Voice(
            row.id,
            row.name,
            row.kind,
            sum(counts[row.id].values()),
            sum(counts[row.id].values()) / total if total else 0.0,
            dict(counts[row.id]),
        )  # fmt: skip
        for row in topics
    ]
    return sorted(voices, key=lambda v: (v.kind != "brand", -v.mentions, v.name))


def undated(conn: Connection, scope: Scope) -> int:
    """How many of the scope's mentions (its topic and filters, at any time) have no known date: one
    bucket of a day table, however many mentions there are."""
    t = _pick(scope, {"sentiment"}, bucket="day")
    c = t.c
    conditions = [c.bucket == UNDATED, c.topic_id == scope.topic_id]
    conditions += [c[name] == value for name, value in _filters(scope).items()]
    return int(
        conn.execute(sa.select(sa.func.coalesce(sa.func.sum(c.mentions), 0)).where(*conditions)).scalar_one()
    )


def _grouped(conn: Connection, scope: Scope, dims: tuple[str, ...]) -> list[tuple[object, ...]]:
    """Mentions per combination of ``dims``, the largest first."""
    t = _pick(scope, set(dims))
    total = sa.func.sum(t.c.mentions)
    columns = [t.c[d] for d in dims]
    rows = conn.execute(sa.select(*columns, total).where(*_where(scope, t)).group_by(*columns)
                        .order_by(total.desc()))  # fmt: skip
    return [(*row[:-1], int(row[-1])) for row in rows]


def _intents(conn: Connection, scope: Scope) -> list[tuple[str, int]]:
    """Intents per period; only the channel filter applies (intents are counted per channel)."""
    t = _pick(scope, {"channel", "intent"}, intents=True)
    c = t.c
    since = max(scope.since, UNDATED + timedelta(days=1))  # the undated bucket lies in no period
    conditions = [c.topic_id == scope.topic_id, c.bucket >= since, c.bucket < scope.until]
    if scope.channel is not None:
        conditions.append(c.channel == scope.channel)
    total = sa.func.sum(c.mentions)
    rows = conn.execute(
        sa.select(c.intent, total).where(*conditions).group_by(c.intent).order_by(total.desc())
    )
    return [(intent, int(n)) for intent, n in rows]


__all__ = ["UNKNOWN", "Overview", "Point", "Scope", "Totals", "Voice", "default_scope", "overview"]
