"""A goal-tree KPI day by day, for the attribution of projects: the same library formula applied to each UTC
day's sums from the rollups (``rollup_day`` for mentions, reach and engagement, ``rollup_day_sentiment`` for
the sentiment counts), or an imported series' points. Days that a share cannot be computed on (no mentions
at all) take the day before's value, so the series has no holes; a series without a point on a day takes
the last point (a level) or 0 (a count or an amount).

Inbox KPIs and department volume have no daily sums yet and are refused with the reason."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.domain.accounts import Scope
from luister.kpis import formulas as f
from luister.kpis.read import KpiDef, kpi_by_id, series_points, topic_ids
from luister.storage.tables import ROLLUP_TABLES

MENTION_FORMULAS = frozenset({"share_of_voice", "net_sentiment", "positive_share"})


class NoDailyValues(ValueError):
    pass


@dataclass(frozen=True)
class DailyKpi:
    """What attribution needs of a KPI: its name, the topics it reads (never a control of itself), the
    days it has data for, and its value on each day of a range."""

    label: str
    topics: frozenset[int]
    span: tuple[date, date] | None
    values: Callable[[Connection, date, date], list[float]]


def _bounds(since: date, until: date) -> tuple[datetime, datetime]:
    return datetime.combine(since, time(), UTC), datetime.combine(until + timedelta(days=1), time(), UTC)


def daily_sums(
    conn: Connection, ids: Sequence[int], since: date, until: date
) -> dict[tuple[int, date], f.TopicSums]:
    """Per (topic, UTC day) in [since, until]: mentions, reach, engagement and the sentiment counts."""
    if not ids:
        return {}
    start, end = _bounds(since, until)
    day, senti = ROLLUP_TABLES["rollup_day"], ROLLUP_TABLES["rollup_day_sentiment"]
    totals = conn.execute(
        sa.select(day.c.topic_id, day.c.bucket, sa.func.sum(day.c.mentions), sa.func.sum(day.c.reach),
                  sa.func.sum(day.c.engagement))
        .where(day.c.topic_id.in_(list(ids)), day.c.bucket >= start, day.c.bucket < end)
        .group_by(day.c.topic_id, day.c.bucket)
    ).all()  # fmt: skip
    moods: dict[tuple[int, date], dict[str, int]] = {}
    for topic_id, bucket, label, count in conn.execute(
        sa.select(senti.c.topic_id, senti.c.bucket, senti.c.sentiment, sa.func.sum(senti.c.mentions))
        .where(senti.c.topic_id.in_(list(ids)), senti.c.bucket >= start, senti.c.bucket < end)
        .group_by(senti.c.topic_id, senti.c.bucket, senti.c.sentiment)
    ):  # fmt: skip
        moods.setdefault((int(topic_id), bucket.astimezone(UTC).date()), {})[label] = int(count)
    out = {}
    for topic_id, bucket, mentions, reach, engagement in totals:
        key = (int(topic_id), bucket.astimezone(UTC).date())
        mood = moods.get(key, {})
        p, u, n = (mood.get(label, 0) for label in ("positive", "neutral", "negative"))
        out[key] = f.TopicSums(int(mentions), float(reach), 0.0, float(engagement), 0.0, p, u, n)
    return out


def value_of(d: KpiDef, ours: f.TopicSums, theirs: list[f.TopicSums]) -> float | None:
    """The KPI's formula over one day's sums (no interval: attribution uses the point value)."""
    key, variant = d.formula.key, d.formula.variant
    if key == "share_of_voice":
        return f.share_of_voice(ours, theirs, f.SovWeight(variant)).value
    if key == "net_sentiment":
        return f.net_sentiment(ours.positive, ours.neutral, ours.negative, f.NetVariant(variant)).value
    if variant == "gap":
        return f.positive_against(ours, [(str(i), t) for i, t in enumerate(theirs)]).value
    return f.positive_share(ours).value


def _filled(raw: list[float | None], carry: bool) -> list[float]:
    out: list[float] = []
    first = next((v for v in raw if v is not None), 0.0)
    for v in raw:
        out.append(v if v is not None else (out[-1] if out and carry else (first if carry else 0.0)))
    return out


def _days(since: date, until: date) -> list[date]:
    return [since + timedelta(days=i) for i in range((until - since).days + 1)]


def _span(conn: Connection, ids: Sequence[int]) -> tuple[date, date] | None:
    day = ROLLUP_TABLES["rollup_day"]
    first, last = conn.execute(
        sa.select(sa.func.min(day.c.bucket), sa.func.max(day.c.bucket)).where(day.c.topic_id.in_(list(ids)))
    ).one()  # fmt: skip
    if first is None or last is None:
        return None
    return first.astimezone(UTC).date(), last.astimezone(UTC).date()


def daily_kpi(conn: Connection, kpi_id: int, scope: Scope) -> DailyKpi:
    """KPI ``kpi_id`` of the goal tree (one ``scope`` sees) as a daily series; :class:`NoDailyValues`
    when its formula has no daily values, :class:`luister.kpis.read.UnknownKpi` when there is none."""
    d = kpi_by_id(conn, kpi_id, scope)
    label = f"{d.name} ({d.formula.name})"
    if d.series_key is not None:
        key = d.series_key
        points = series_points(conn, key, date.min, date.max)

        def series(conn: Connection, since: date, until: date) -> list[float]:
            got = dict(series_points(conn, key, since, until + timedelta(days=1)))
            return _filled([got.get(day) for day in _days(since, until)], carry=not d.cumulative)

        return DailyKpi(label, frozenset(), (points[0][0], points[-1][0]) if points else None, series)
    if d.formula.key not in MENTION_FORMULAS:
        raise NoDailyValues(
            f"KPI #{kpi_id} ({d.formula.name}) has no daily values to attribute yet; "
            "use a share-of-voice, sentiment or positive-share KPI, or mentions:<topic id>"
        )
    ours_names, their_names = list(d.params.get("topics", [])), list(d.params.get("competitors", []))
    ids = topic_ids(conn, ours_names + their_names, scope)
    ours_ids = [ids[n] for n in ours_names if n in ids]
    theirs_ids = [ids[n] for n in their_names if n in ids]
    if not ours_ids:
        raise NoDailyValues(f"KPI #{kpi_id} names no topic you see")

    def values(conn: Connection, since: date, until: date) -> list[float]:
        sums = daily_sums(conn, ours_ids + theirs_ids, since, until)
        raw = []
        for day in _days(since, until):
            ours = sum((sums.get((t, day), f.TopicSums()) for t in ours_ids), f.TopicSums())
            raw.append(value_of(d, ours, [sums.get((t, day), f.TopicSums()) for t in theirs_ids]))
        return _filled(raw, carry=True)

    return DailyKpi(label, frozenset(ours_ids + theirs_ids), _span(conn, ours_ids), values)
