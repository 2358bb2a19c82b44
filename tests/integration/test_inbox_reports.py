"""Inbox reports on known history (tests/inbox_report_data.py), on SQLite and PostgreSQL: the figures worked
out by hand, business hours against the wall clock over a weekend, and every figure equal to the list of
conversations it opens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from inbox_report_data import NOW, SINCE, H, M, seed
from luister.domain.accounts import Scope
from luister.domain.periods import PeriodError
from luister.inbox.bookkeeping import clock_events
from luister.inbox.reports import (
    Dimension,
    Figure,
    Group,
    clock_events_of,
    conversations_by_id,
    median,
    p90,
    parse_period,
    report,
)

D = timedelta(days=1)


def _durations(group: Group, figure: Figure, clock: str) -> list[timedelta]:
    return [getattr(m, clock) for m in getattr(group, figure.value).items]


def test_figures_worked_out_by_hand(engine: Engine) -> None:
    ids = seed(engine).ids
    found = report(engine=engine, since=SINCE, until=NOW, now=NOW)
    total = found.total
    assert total.volume == tuple(sorted(ids[n] for n in ("weekend", "quick", "late", "unanswered", "twice")))
    first = total.first_response
    assert sorted(_durations(total, Figure.first_response, "business")) == [30 * M, H, 2 * H, 10 * H]
    assert (first.median_business, first.p90_business) == (90 * M, 10 * H)
    assert (first.median_wall, first.p90_wall) == (13 * H + 30 * M, 66 * H)
    assert [(m.business, m.wall) for m in total.next_response.items] == [(2 * H, 2 * H)]
    assert (total.resolution.median_business, total.resolution.median_wall) == (2 * H, 34 * H)
    # decided targets: weekend (first, resolution), quick (first, resolution), twice (first, next) in time;
    # late's first response came after 10 business hours, unanswered was never answered
    assert (total.attainment.met, total.attainment.count, total.attainment.share) == (6, 8, 0.75)
    missed = {(t.conversation_id, t.target) for t in total.attainment.items if not t.in_time}
    assert missed == {(ids["late"], "first_response"), (ids["unanswered"], "first_response")}
    backlog = total.backlog
    assert set(backlog.ids) == {ids[n] for n in ("late", "unanswered", "twice", "old")}
    assert (backlog.median, backlog.p90, backlog.max) == (3 * D + 15 * H, 14 * D + 2 * H, 14 * D + 2 * H)


def test_business_hours_and_the_wall_clock_differ_over_a_weekend(engine: Engine) -> None:
    ids = seed(engine).ids
    found = report(engine=engine, since=SINCE, until=NOW, now=NOW)
    weekend = next(m for m in found.total.first_response.items if m.conversation_id == ids["weekend"])
    assert (weekend.business, weekend.wall) == (2 * H, 66 * H)  # Friday 16–17 and Monday 9–10 local


def test_every_figure_equals_the_list_it_opens(engine: Engine) -> None:
    seed(engine)
    found = report(engine=engine, since=SINCE, until=NOW, now=NOW)
    groups = [(None, found.total)] + [(d, g) for d, gs in found.groups.items() for g in gs]
    assert {g.key for g in found.groups[Dimension.department]} == {"sales", "product"}
    for dimension, group in groups:
        assert found.group(dimension, group.key) == group
        for figure in Figure:
            listed = conversations_by_id(engine=engine, ids=group.ids(figure))
            assert [c.id for c in listed] == group.ids(figure)  # every id opens a conversation
        assert len(conversations_by_id(engine=engine, ids=group.ids(Figure.volume))) == len(group.volume)
        assert len(group.ids(Figure.backlog)) == group.backlog.count
        for figure in (Figure.first_response, Figure.next_response, Figure.resolution):
            shown = getattr(group, figure.value)
            assert {m.conversation_id for m in shown.items} == set(group.ids(figure))
            for clock in ("business", "wall"):
                durations = _durations(group, figure, clock)
                assert getattr(shown, f"median_{clock}") == median(durations)
                assert getattr(shown, f"p90_{clock}") == p90(durations)
        met = [t for t in group.attainment.items if t.in_time]
        assert group.attainment.met == len(met) and group.attainment.count == len(group.attainment.items)
    # the dimensions split the total: volume per department adds up
    assert sum(len(g.volume) for g in found.groups[Dimension.department]) == len(found.total.volume)
    assert sum(len(g.volume) for g in found.groups[Dimension.agent]) == len(found.total.volume)


def test_a_department_sees_its_own_figures_only(engine: Engine) -> None:
    ids = seed(engine).ids
    found = report(engine=engine, since=SINCE, until=NOW, now=NOW, scope=Scope("product"))
    assert found.total.volume == (ids["unanswered"],)
    assert [g.key for g in found.groups[Dimension.department]] == ["product"]
    listed = conversations_by_id(
        engine=engine, ids=[ids["weekend"], ids["unanswered"]], scope=Scope("product")
    )
    assert [c.id for c in listed] == [ids["unanswered"]]


def test_periods() -> None:
    assert parse_period("7d", NOW) == (NOW - 7 * D, NOW)
    assert parse_period("2026-11-01..2026-12-01", NOW)[1].isoformat() == "2026-12-01T00:00:00+00:00"
    for bad in ("0d", "x", "2026-12-01..2026-11-01", "soon..later"):
        with pytest.raises(ValueError):
            parse_period(bad, NOW)
    with pytest.raises(PeriodError):
        parse_period("99999d", NOW)


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40))
def test_median_and_p90_against_their_definitions(seconds: list[int]) -> None:
    values = [timedelta(seconds=s) for s in seconds]
    ordered = sorted(values)
    middle = median(values)
    assert middle is not None
    assert sum(v <= middle for v in values) >= len(values) / 2 <= sum(v >= middle for v in values)
    high = p90(values)
    assert high in values
    assert sum(v <= high for v in values) >= 0.9 * len(values)
    assert all(sum(v <= lower for v in values) < 0.9 * len(values) for lower in ordered if lower < high)


def test_the_batched_history_reads_as_the_clock_reads_it(engine: Engine) -> None:
    ids = seed(engine).ids
    with engine.connect() as conn:
        batched = clock_events_of(conn, sorted(ids.values()))
        for conversation_id in ids.values():
            assert batched.get(conversation_id, []) == clock_events(conn, conversation_id)
