"""The topic sums of many periods from one pass: a report shows each mention KPI for the month so far and
for six weeks, which read one by one visit each period's hours (the month and the weeks overlap). Here the
hours of all the periods together are read once from the hourly rollups (counts, reach and engagement with
their squares, sentiment counts: all of them add up; see :mod:`luister.kpis.rolled_sums`), and the hours
are folded into the periods in Python.

Hours, not local days, because the rollups count UTC hours and the result is the same: every local
midnight of Europe/Amsterdam (also across a change to or from summer time) falls on
a whole UTC hour, so each hour lies wholly inside or outside a period. The last period may end at a moment
inside an hour (``now``); that part-hour is read from the mentions, up to that moment.
Periods whose bounds are not whole hours are left to :func:`luister.kpis.read.cached_sums`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.kpis import formulas as f
from luister.kpis import rolled_sums
from luister.kpis.read import SumsCache, sums_of, sums_query
from luister.storage.tables import mention

Bounds = tuple[datetime, datetime]  # [since, until) of a period, as far as it had passed


def _hour(conn: Connection) -> sa.ColumnElement[Any]:
    if conn.dialect.name == "sqlite":  # stored as text "YYYY-MM-DD HH:MM:SS…" in UTC
        return sa.func.substr(mention.c.published_at, 1, 13)
    return sa.func.date_trunc("hour", sa.func.timezone("UTC", mention.c.published_at))


def _moment(value: Any) -> datetime:
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=UTC)
    moment: datetime = value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _whole_hour(moment: datetime) -> bool:
    return moment.minute == 0 and moment.second == 0 and moment.microsecond == 0


def hourly_sums(
    conn: Connection, ids: Sequence[int], since: datetime, until: datetime
) -> dict[tuple[int, datetime], f.TopicSums]:
    """Per (topic, UTC hour): what its mentions published in [since, until) add up to; ``since`` is a
    whole hour. The whole hours come from the rollups, a last part-hour (``until`` inside an hour) from
    the mentions."""
    if not ids:
        return {}
    whole, parts = rolled_sums.cut(since, until)
    rolled = rolled_sums.hour_sums(conn, ids, *whole, by_hour=True) if whole else {}
    sums = {(t, h): s for (t, h), s in rolled.items() if h is not None}
    for part_since, part_until in parts:  # only the last hour's part: ``since`` is a whole hour
        for row in conn.execute(sums_query(ids, part_since, part_until, _hour(conn))):
            sums[(int(row[0]), _moment(row[9]))] = sums_of(row)
    return sums


def fill(conn: Connection, cache: SumsCache, ids: Sequence[int], periods: Sequence[Bounds]) -> None:
    """Put each period's sums of the topics ``ids`` into ``cache`` (as :func:`luister.kpis.read.cached_sums`
    keeps them) from one pass over the mentions of all the periods. Sums already in the cache stay."""
    wanted = sorted({(s, u) for s, u in periods if u > s})
    if not ids or not wanted:
        return
    hi = max(u for _, u in wanted)
    wanted = [(s, u) for s, u in wanted if _whole_hour(s) and (_whole_hour(u) or u == hi)]
    if not wanted:
        return
    lo = min(s for s, _ in wanted)
    hours = sorted(hourly_sums(conn, ids, lo, hi).items(), key=lambda item: item[0][1])
    for since, until in wanted:
        totals = {i: f.TopicSums() for i in ids}
        for (topic_id, hour), sums in hours:
            if since <= hour < until:
                totals[topic_id] = totals[topic_id] + sums
        known = cache.setdefault((since, until), {})
        for topic_id in ids:
            known.setdefault(topic_id, totals[topic_id])
