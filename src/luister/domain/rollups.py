"""Rollups: what one mention adds to the hourly counts that dashboards, KPIs and alerts read (pure).

Every mention counts once for "all mentions" (topic 0) and once for each topic it matched, in the hour
it was published, under its channel, country, language and sentiment; intents are counted apart
because one mention can carry several. A mention whose date is unknown (``date_known`` false: its
``published_at`` is only when it was fetched) has no hour: it is counted in the :data:`UNDATED` bucket,
which lies before any period a reader asks for, so that it adds to totals (a topic's mentions) but to
no time series (an import of old undated items is no spike today). Adding and removing are the same
sums with opposite signs, so a change to stored mentions (a correction, a re-analysis, a re-match) is
"remove what they added, change them, add again".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from luister.domain.mentions import Mention

ALL_TOPICS = 0  # the rollup rows of every mention, matched or not
UNKNOWN = ""  # a text dimension without a value (no country, not analysed, …)
ONE_HOUR = timedelta(hours=1)
# the bucket (hour and day) of mentions without a known date; before timestamps.EARLIEST, so no real hour
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)

HourKey = tuple[int, datetime, str, str, str, str]  # topic, hour, channel, country, language, sentiment
IntentKey = tuple[int, datetime, str, str]  # topic, hour, channel, intent


@dataclass(slots=True)
class RollupInput:
    """The fields of a stored mention that the rollups count."""

    published_at: datetime
    channel: str
    country: str | None
    language: str | None
    sentiment: str | None
    sentiment_score: float | None
    intents: tuple[str, ...]
    engagement: int
    followers: int
    duplicate: bool
    topic_ids: tuple[int, ...]
    date_known: bool

    def __init__(
        self,
        published_at: datetime,
        channel: str,
        country: str | None,
        language: str | None,
        sentiment: str | None,
        sentiment_score: float | None,
        intents: tuple[str, ...],
        engagement: int,
        followers: int,
        duplicate: bool,
        topic_ids: tuple[int, ...],
        date_known: bool = True,
    ) -> None:
        """Written out so that, compiled, one is made natively (see ``Mention.__init__``)."""
        self.published_at = published_at
        self.channel = channel
        self.country = country
        self.language = language
        self.sentiment = sentiment
        self.sentiment_score = sentiment_score
        self.intents = intents
        self.engagement = engagement
        self.followers = followers
        self.duplicate = duplicate
        self.topic_ids = topic_ids
        self.date_known = date_known


@dataclass(slots=True)
class Rollup:
    """Sums per key: ``hours`` maps to [mentions, duplicates, sentiment_sum, engagement, reach,
    engagement_squares, reach_squares] (the squares: per mention, for the KPIs' intervals)."""

    hours: dict[HourKey, list[float]] = field(default_factory=dict)
    intents: dict[IntentKey, int] = field(default_factory=dict)
    # the hour last counted, and the next: a batch's mentions mostly come in order of time
    _hour: tuple[datetime, datetime] | None = field(default=None, compare=False, repr=False)

    def add(self, item: RollupInput, sign: int = 1) -> None:
        moment = item.published_at
        last = self._hour
        if not item.date_known:
            hour = UNDATED
        elif last is not None and last[0].tzinfo is moment.tzinfo and last[0] <= moment < last[1]:
            hour = last[0]
        else:
            hour = hour_of(moment)
            self._hour = (hour, hour + ONE_HOUR)
        dims = (item.channel, item.country or UNKNOWN, item.language or UNKNOWN, item.sentiment or UNKNOWN)
        duplicate, score = sign * int(item.duplicate), sign * (item.sentiment_score or 0.0)
        engaged, reach = sign * item.engagement, sign * item.followers
        engaged_squared = float(sign * item.engagement * item.engagement)
        reach_squared = float(sign * item.followers * item.followers)
        for topic_id in (ALL_TOPICS, *item.topic_ids):
            at = (topic_id, hour, *dims)
            sums = self.hours.get(at)
            if sums is None:
                self.hours[at] = [sign, duplicate, score, engaged, reach, engaged_squared, reach_squared]
            else:
                sums[0] += sign
                sums[1] += duplicate
                sums[2] += score
                sums[3] += engaged
                sums[4] += reach
                sums[5] += engaged_squared
                sums[6] += reach_squared
            for intent in item.intents:
                key = (topic_id, hour, item.channel, intent)
                self.intents[key] = self.intents.get(key, 0) + sign

    def __bool__(self) -> bool:
        return bool(self.hours)


@dataclass(frozen=True, slots=True)
class Projection:
    """One rollup table: counts per topic and time bucket (an hour or a UTC day) over ``dims``.

    Narrow projections answer the common dashboard questions from a few rows; the full ones (all
    dimensions) answer any combination of filters."""

    table: str
    bucket: str  # "hour" or "day"
    dims: tuple[str, ...]
    intents: bool = False  # counts intents (mentions only) instead of the seven sums


FULL = ("channel", "country", "language", "sentiment")
PROJECTIONS = (
    Projection("rollup_hour", "hour", FULL),
    Projection("rollup_day", "day", FULL),
    Projection("rollup_hour_sentiment", "hour", ("sentiment",)),
    Projection("rollup_day_sentiment", "day", ("sentiment",)),
    Projection("rollup_day_place", "day", ("channel", "country")),
    Projection("rollup_day_language", "day", ("language",)),
    Projection("rollup_intent_hour", "hour", ("channel", "intent"), intents=True),
    Projection("rollup_intent_day", "day", ("channel", "intent"), intents=True),
)


def project(counts: Rollup, projection: Projection) -> dict[tuple[object, ...], list[float]]:
    """``counts`` summed over ``projection``'s dimensions and bucket (intents: [mentions]); read only."""
    out: dict[tuple[object, ...], list[float]] = {}
    if projection.intents:
        positions = [("channel", "intent").index(d) for d in projection.dims]
        bucket_of = _buckets(counts.intents, projection)
        for (topic_id, hour, *dims), n in counts.intents.items():
            key = (topic_id, bucket_of[hour], *[dims[i] for i in positions])
            out.setdefault(key, [0])[0] += n
        return out
    places = tuple(2 + FULL.index(d) for d in projection.dims)  # where each dimension sits in a key
    if projection.bucket == "hour" and places == (2, 3, 4, 5):
        return cast(dict[tuple[object, ...], list[float]], counts.hours)  # the counts are this projection
    bucket_of = _buckets(counts.hours, projection)
    for full, sums in counts.hours.items():
        bucket = bucket_of[full[1]]
        if len(places) == 1:
            at: tuple[object, ...] = (full[0], bucket, full[places[0]])
        elif len(places) == 2:
            at = (full[0], bucket, full[places[0]], full[places[1]])
        else:
            at = (full[0], bucket, *[full[i] for i in places])
        total = out.get(at)
        if total is None:
            out[at] = list(sums)
        else:
            total[0] += sums[0]
            total[1] += sums[1]
            total[2] += sums[2]
            total[3] += sums[3]
            total[4] += sums[4]
            total[5] += sums[5]
            total[6] += sums[6]
    return out


def table_rows(
    counts: Rollup, projection: Projection, stored_time: Callable[[datetime], Any], *, ordered: bool
) -> list[tuple[Any, ...]]:
    """The upsert rows of ``projection``: topic, bucket (as ``stored_time`` gives it), dims…, sums.

    ``ordered`` sorts them by key, so concurrent writers take row locks in the same order (PostgreSQL).
    """
    projected = project(counts, projection)
    keys: Iterable[tuple[object, ...]] = sorted(projected) if ordered else projected
    times: dict[object, Any] = {}  # a batch spans a few buckets: each is converted once
    rows: list[tuple[Any, ...]] = []
    for key in keys:
        bucket = key[1]
        at = times.get(bucket)
        if at is None:
            at = times[bucket] = stored_time(cast(datetime, bucket))
        sums = projected[key]
        if projection.intents:
            rows.append((key[0], at, *key[2:], int(sums[0])))
        else:
            rows.append((key[0], at, *key[2:], int(sums[0]), int(sums[1]), float(sums[2]), int(sums[3]),
                         int(sums[4]), float(sums[5]), float(sums[6])))  # fmt: skip
    return rows


def _buckets(keys: Iterable[tuple[Any, ...]], projection: Projection) -> dict[datetime, datetime]:
    """Each hour in ``keys`` (topic, hour, …) → its bucket in ``projection``: a batch spans a few hours."""
    hours = {key[1] for key in keys}
    return {hour: hour if projection.bucket == "hour" else day_of(hour) for hour in hours}


def day_of(hour: datetime) -> datetime:
    return hour.replace(hour=0)


def mention_input(m: Mention, *, duplicate: bool = False) -> RollupInput:
    """What a mention counts; ``duplicate`` when it is a near-copy of an earlier one."""
    return RollupInput(
        published_at=m.published_at,
        channel=m.channel,
        country=m.country,
        language=m.language,
        sentiment=m.sentiment,
        sentiment_score=m.sentiment_score,
        intents=m.intents,
        engagement=engagement(m.like_count, m.share_count, m.reply_count),
        followers=m.author_followers or 0,
        duplicate=duplicate,
        topic_ids=tuple(sorted(set(m.topic_ids))),
        date_known=m.date_known,
    )


def batch_counts(mentions: Iterable[Mention]) -> Rollup:
    """What a batch adds when every mention in it is new and none is a near-copy (the common case);
    :func:`correct` takes out what the writer found otherwise."""
    return rollup(mention_input(m) for m in mentions)


def correct(counts: Rollup, *, known: Iterable[Mention], duplicates: Iterable[Mention]) -> None:
    """Correct :func:`batch_counts` in place: ``known`` were stored before (they add nothing),
    ``duplicates`` turned out to be near-copies. Keys left without mentions are dropped."""
    changed = False
    for m in known:
        counts.add(mention_input(m), -1)
        changed = True
    for m in duplicates:
        counts.add(mention_input(m), -1)
        counts.add(mention_input(m, duplicate=True))
    if changed:
        counts.hours = {key: sums for key, sums in counts.hours.items() if sums[0]}
        counts.intents = {key: n for key, n in counts.intents.items() if n}


def rollup(items: Iterable[RollupInput], sign: int = 1) -> Rollup:
    result = Rollup()
    for item in items:
        result.add(item, sign)
    return result


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def engagement(likes: int | None, shares: int | None, replies: int | None) -> int:
    return (likes or 0) + (shares or 0) + (replies or 0)
