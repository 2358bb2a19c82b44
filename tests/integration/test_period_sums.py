"""The report reads its mention KPIs' sums for the month and the six chart weeks in one pass (by UTC hour,
folded into the periods): the figures equal those read period by period, on a world whose six weeks hold
the end of summer time (25 Oct 2026, 03:00 CEST → 02:00 CET) and mentions on every edge — local
midnights either side of the change, the repeated hour, the moment the report is taken at."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from kpi_world import goals, world
from luister.domain.accounts import EVERYTHING
from luister.kpis import actions, period_sums, read, report_render
from luister.kpis import formulas as f
from luister.kpis.status import PeriodKind, period_at, periods_until
from luister.storage import rollups
from luister.storage.tables import mention, mention_topic, topic

AT = datetime(2026, 11, 4, 10, 30, tzinfo=UTC)  # inside an hour: the last period ends here
EDGES = (
    datetime(2026, 9, 27, 22, 0, tzinfo=UTC),  # Mon 28 Sep 00:00 CEST: the first chart week starts
    datetime(2026, 10, 18, 21, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 10, 18, 22, 0, tzinfo=UTC),  # Mon 19 Oct 00:00 CEST
    datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST
    datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET: the hour again
    datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC),
    datetime(2026, 10, 25, 23, 0, tzinfo=UTC),  # Mon 26 Oct 00:00 CET
    datetime(2026, 10, 31, 23, 0, tzinfo=UTC),  # 1 Nov 00:00 CET: the month starts
    AT - timedelta(microseconds=1),
    AT,  # not yet counted
)


def _spread(engine: Engine) -> list[int]:
    """Three hundred mentions between 20 Sep and 6 Nov 2026 over three topics, and one on each edge."""
    rng = random.Random(31)
    with engine.begin() as conn:
        ids = [int(row.id) for row in conn.execute(topic.select().order_by(topic.c.id))][:3]
        start = datetime(2026, 9, 20, tzinfo=UTC)
        moments = [start + timedelta(seconds=rng.randrange(47 * 86_400)) for _ in range(300)] + list(EDGES)
        for n, when in enumerate(moments):
            mention_id = conn.execute(mention.insert().values(
                channel="mastodon", external_id=f"d{n}", author_handle=f"h{n % 40}",
                author_followers=rng.choice([None, 0, 7, 1_500, 120_000]), text=f"d{n}", published_at=when,
                fetched_at=when, date_known=n % 50 != 7, raw="{}",
                sentiment=rng.choice(["positive", "neutral", "negative", None]),
                like_count=rng.choice([None, 0, 3, 40]), share_count=rng.randrange(5),
                reply_count=rng.choice([None, 2]))).inserted_primary_key[0]  # fmt: skip
            for topic_id in rng.sample(ids, rng.choice([1, 1, 2])):
                conn.execute(mention_topic.insert().values(mention_id=mention_id, topic_id=topic_id))
    rollups.rebuild(engine)  # the counts the writer keeps with every stored batch
    return ids


def _bounds() -> list[tuple[datetime, datetime]]:
    periods = [period_at(PeriodKind.month, AT), *periods_until(PeriodKind.week, AT, 6)]
    return [(p.since, min(p.until, AT)) for p in periods]


def test_one_pass_sums_equal_each_periods_own_sums(engine: Engine) -> None:
    world(engine)
    ids = _spread(engine)
    bounds = _bounds()
    assert bounds[1][0] < EDGES[3] < bounds[-1][0]  # the change of time lies inside the six weeks
    cache: read.SumsCache = {}
    with engine.connect() as conn:
        period_sums.fill(conn, cache, ids, bounds)
        assert set(cache) == set(bounds) and all(set(cache[b]) == set(ids) for b in bounds)
        for since, until in bounds:
            direct = read.topic_sums(conn, ids, since, until)
            assert read.cached_sums(conn, ids, since, until, cache) == direct
            assert sum(s.mentions for s in direct.values()) > 0
        # a period not on whole hours is left to cached_sums; one already cached stays as it was
        kept = cache[bounds[0]]
        odd = (datetime(2026, 10, 20, 8, 15, tzinfo=UTC), datetime(2026, 10, 21, tzinfo=UTC))
        period_sums.fill(conn, cache, ids, [odd, bounds[0]])
        assert odd not in cache and cache[bounds[0]] is kept


def _scanned(
    engine: Engine, ids: list[int], since: datetime, until: datetime
) -> dict[int, tuple[float, ...]]:
    """The sums read from every mention of the period (the way before the rollups kept squares)."""
    with engine.connect() as conn:
        rows = conn.execute(read.sums_query(ids, since, until))
        return {int(row[0]): _fields(read.sums_of(row)) for row in rows}


def _fields(sums: f.TopicSums) -> tuple[float, ...]:
    return (sums.mentions, sums.reach, sums.reach_squares, sums.engagement, sums.engagement_squares,
            sums.positive, sums.neutral, sums.negative)  # fmt: skip


def test_sums_from_the_rollups_equal_a_scan_of_the_mentions(engine: Engine) -> None:
    """Whole hours come from the rollups (with their squares), part-hours at either end from the mentions:
    together exactly what a scan of the period's mentions adds up to."""
    world(engine)
    ids = _spread(engine)
    odd = [
        (datetime(2026, 10, 20, 8, 15, tzinfo=UTC), datetime(2026, 10, 21, tzinfo=UTC)),
        (datetime(2026, 10, 20, 8, 15, tzinfo=UTC), datetime(2026, 10, 20, 8, 45, tzinfo=UTC)),
        (datetime(2026, 10, 20, 8, 15, tzinfo=UTC), datetime(2026, 10, 20, 9, 45, tzinfo=UTC)),
        (datetime(2026, 9, 1, tzinfo=UTC), AT),
        (EDGES[3], EDGES[4]),
        (EDGES[1], EDGES[2] + timedelta(microseconds=1)),
    ]
    with engine.connect() as conn:
        for since, until in [*_bounds(), *odd]:
            got = {t: _fields(s) for t, s in read.topic_sums(conn, ids, since, until).items() if s.mentions}
            want = _scanned(engine, ids, since, until)
            assert got.keys() == want.keys(), (since, until)
            for t in want:
                assert got[t] == pytest.approx(want[t], rel=1e-12), (since, until, t)
    assert sum(s[0] for s in _scanned(engine, ids, *odd[3]).values()) > 300  # matches of all 300 and more
    with engine.connect() as conn:  # the report's count of all mentions by sentiment: rollups and edges
        for since, until in [*_bounds(), *odd]:
            figures = report_render.mention_figures(conn, since, until, EVERYTHING)
            scanned = {k: v for k, v in report_render._counted(conn, since, until, EVERYTHING).items() if v}
            assert figures.sentiment == scanned and figures.total == sum(scanned.values()), (since, until)


def test_the_report_shows_the_figures_read_period_by_period(engine: Engine) -> None:
    world(engine)
    _spread(engine)
    k = goals(engine)
    g = k["goal"]
    for key, variant in (("pos", "own"), ("gap", "gap")):
        comp = {"topics": ["Voltaro"], "competitors": ["Stroomwijs", "Enerlux"], "variant": variant}
        actions.create_kpi(engine=engine, goal_id=g, key=key, name=key, actor="test",
                           formula="positive_share", params=comp)  # fmt: skip
    polar = {"topics": ["Voltaro", "Enerlux"], "variant": "polar"}
    actions.create_kpi(engine=engine, goal_id=g, key="polar", name="polar", actor="test",
                       formula="net_sentiment", params=polar)  # fmt: skip
    report = report_render.gather(engine=engine, template="weekly_webcare", start=date(2026, 11, 2),
                                  end=date(2026, 11, 9), now=AT)  # fmt: skip
    assert report.at == AT
    lines = [line for block in report.goals for line in block.kpis]
    mention_lines = [line for line in lines if line.card.kpi.formula.source == "mentions"]
    assert len(mention_lines) == 8
    weeks = periods_until(PeriodKind.week, AT, 6)
    rates = report_render.DEFAULT_RATES
    seen_values = 0
    with engine.connect() as conn:
        for line in mention_lines:
            d = line.card.kpi
            alone = read.kpi_value(conn, d, line.card.period, now=AT, scope=EVERYTHING, rates=rates)
            assert line.card.value == alone, d.key
            each = [read.kpi_value(conn, d, p, now=AT, scope=EVERYTHING, rates=rates).value for p in weeks]
            assert [v for _, v in line.weekly] == each, d.key
            seen_values += sum(v is not None for v in each)
    assert seen_values > 30


@pytest.mark.parametrize("moment", ["2026-10-25 01", "2026-03-29 01"])
def test_an_hour_read_back_is_a_utc_moment(moment: str) -> None:
    got = period_sums._moment(moment)
    assert got.tzinfo is UTC and got.strftime("%Y-%m-%d %H") == moment
    assert period_sums._moment(got.replace(tzinfo=None)) == got
