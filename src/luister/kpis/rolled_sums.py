"""Topic sums read from the hourly rollups instead of from the mentions themselves.

The rollup ``rollup_hour_sentiment`` keeps, per topic, UTC hour and sentiment, the count, reach and
engagement of the mentions and (since migration 0033) their squares: everything
:class:`luister.kpis.formulas.TopicSums` holds. A period of whole UTC hours is therefore a few thousand
rows, however many mentions it had. Every local midnight of Europe/Amsterdam is a whole UTC hour, so KPI
periods are; what a period has of a part-hour at either end (``now`` inside an hour) is read from the
mentions by the caller. Mentions without a known date sit in a bucket before every period, as in the
mention query they are left out of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.kpis import formulas as f
from luister.storage.tables import ROLLUP_TABLES

_HOURS = ROLLUP_TABLES["rollup_hour_sentiment"]
_SENTIMENTS = ("positive", "neutral", "negative")
_ONE_HOUR = timedelta(hours=1)


def floor_hour(moment: datetime) -> datetime:
    """The UTC hour ``moment`` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    """The first whole UTC hour at or after ``moment``."""
    floor = floor_hour(moment)
    return floor if floor == moment else floor + _ONE_HOUR


Bounds = tuple[datetime, datetime]


def cut(since: datetime, until: datetime) -> tuple[Bounds | None, list[Bounds]]:
    """[since, until) as its whole UTC hours (None: not one) and the part-hours at either end (the
    whole span when it holds no whole hour), for reading the one from the rollups and the rest from the
    mentions."""
    first, last = ceil_hour(since), floor_hour(until)
    if first >= last:
        return None, [(since, until)]
    return (first, last), [(a, b) for a, b in ((since, first), (last, until)) if a < b]


def hour_sums(
    conn: Connection, ids: Sequence[int], since: datetime, until: datetime, *, by_hour: bool
) -> dict[tuple[int, datetime | None], f.TopicSums]:
    """What the mentions of each topic in ``ids`` published in the whole UTC hours [since, until) add up
    to, per topic and (``by_hour``) hour; the hour is ``None`` when not ``by_hour``."""
    if not ids or until <= since:
        return {}
    by: list[Any] = [_HOURS.c.bucket] if by_hour else []
    query = (
        sa.select(
            _HOURS.c.topic_id,
            _HOURS.c.sentiment,
            sa.func.sum(_HOURS.c.mentions),
            sa.func.sum(_HOURS.c.reach),
            sa.func.sum(_HOURS.c.reach_squares),
            sa.func.sum(_HOURS.c.engagement),
            sa.func.sum(_HOURS.c.engagement_squares),
            *by,
        )  # fmt: skip
        .where(_HOURS.c.topic_id.in_(list(ids)), _HOURS.c.bucket >= since, _HOURS.c.bucket < until)
        .group_by(_HOURS.c.topic_id, _HOURS.c.sentiment, *by)
    )
    sums: dict[tuple[int, datetime | None], f.TopicSums] = {}
    for row in conn.execute(query):
        hour = _utc(row[7]) if by_hour else None
        counted = int(row[2] or 0)
        feeling = [counted if row[1] == label else 0 for label in _SENTIMENTS]
        part = f.TopicSums(counted, float(row[3] or 0), float(row[4] or 0), float(row[5] or 0),
                           float(row[6] or 0), *feeling)  # fmt: skip
        key = (int(row[0]), hour)
        sums[key] = sums[key] + part if key in sums else part
    return sums


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
