"""KPI periods (Europe/Amsterdam), forecasts and status: property-tested, periods against brute force."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from luister.kpis.formulas import Direction
from luister.kpis.status import (
    ZONE,
    PeriodKind,
    Status,
    forecast,
    least_squares_at,
    local_midnight,
    period_at,
    period_of,
    periods_until,
    status,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
kinds = st.sampled_from(list(PeriodKind))
moments = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2090, 12, 30), timezones=st.just(UTC)
)
numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def brute_start(kind: PeriodKind, day: date) -> date:
    """Walk back one day at a time until the day that starts the period."""
    at = day
    while True:
        if kind is PeriodKind.week and at.weekday() == 0:
            return at
        if kind is PeriodKind.month and at.day == 1:
            return at
        if kind is PeriodKind.quarter and at.day == 1 and at.month in (1, 4, 7, 10):
            return at
        if kind is PeriodKind.year and at.day == 1 and at.month == 1:
            return at
        at -= timedelta(days=1)


@given(kinds, days)
def test_a_period_starts_where_walking_back_finds_its_start(kind: PeriodKind, day: date) -> None:
    period = period_of(kind, day)
    assert period.start == brute_start(kind, day)
    assert period.start <= day < period.end
    assert brute_start(kind, period.end) == period.end  # the next period starts where this one ends
    assert period.end - timedelta(days=1) >= day


@given(kinds, moments)
def test_the_period_at_a_moment_holds_it_in_amsterdam(kind: PeriodKind, now: datetime) -> None:
    period = period_at(kind, now)
    assert period.since <= now < period.until
    assert period.since.astimezone(ZONE).hour == 0 and period.since.astimezone(ZONE).minute == 0
    assert 0 <= period.elapsed(now) < 1


@given(kinds, moments, st.integers(min_value=1, max_value=30))
def test_periods_until_tile_without_gaps(kind: PeriodKind, now: datetime, count: int) -> None:
    found = periods_until(kind, now, count)
    assert len(found) == count and found[-1] == period_at(kind, now)
    assert all(a.end == b.start for a, b in zip(found, found[1:], strict=False))


def test_a_month_with_the_change_to_summer_time_is_an_hour_short() -> None:
    march = period_of(PeriodKind.month, date(2026, 3, 15))
    assert march.until - march.since == timedelta(days=31, hours=-1)
    assert local_midnight(date(2026, 3, 1)) == datetime(2026, 2, 28, 23, tzinfo=UTC)
    assert period_of(PeriodKind.quarter, date(2026, 11, 20)).label() == "2026-Q4"
    assert period_of(PeriodKind.week, date(2026, 1, 1)).label() == "2026-W01"


@given(numbers, st.floats(min_value=0.01, max_value=0.99))
def test_a_cumulative_forecast_keeps_the_pace(value: float, elapsed: float) -> None:
    expected = forecast(value, elapsed, cumulative=True)
    assert expected is not None and abs(expected * elapsed - value) <= 1e-6 * max(1.0, abs(value))


@given(numbers, numbers, st.lists(st.floats(min_value=0, max_value=0.9), min_size=2, max_size=8, unique=True))
def test_the_level_forecast_continues_an_exact_line(a: float, b: float, xs: list[float]) -> None:
    points = [(x, a + b * x) for x in xs]
    if max(xs) - min(xs) < 1e-3:
        return
    assert abs(least_squares_at(points, 1.0) - (a + b)) <= 1e-6 * max(1.0, abs(a) + abs(b)) * 100


def test_a_level_with_one_value_stays_and_an_ended_period_is_final() -> None:
    assert forecast(42.0, 0.5, cumulative=False) == 42.0
    assert forecast(10.0, 1.0, cumulative=True) == 10.0
    assert forecast(None, 0.5, cumulative=True) is None


@given(numbers, numbers, st.sampled_from(list(Direction)))
def test_status_is_the_mirror_image_for_down(expected: float, target: float, direction: Direction) -> None:
    other = Direction.down if direction is Direction.up else Direction.up
    assert status(expected, target, direction) == status(-expected, -target, other)


@given(numbers, numbers, numbers)
def test_a_better_forecast_never_has_a_worse_status(low: float, high: float, target: float) -> None:
    low, high = min(low, high), max(low, high)
    rank = {Status.off_track: 0, Status.at_risk: 1, Status.on_track: 2}
    assert rank[status(high, target, Direction.up)] >= rank[status(low, target, Direction.up)]
    assert rank[status(low, target, Direction.down)] >= rank[status(high, target, Direction.down)]


def test_status_by_hand() -> None:
    # target 100, up: 100 reached; 95 misses by 5 ≤ 10 % of 100 → at risk; 80 → off track
    assert status(100, 100, Direction.up) is Status.on_track
    assert status(95, 100, Direction.up) is Status.at_risk
    assert status(80, 100, Direction.up) is Status.off_track
    # with a baseline of 90 the distance is 10: 99.5 misses by .5 ≤ 1 → at risk, 98 → off track
    assert status(99.5, 100, Direction.up, baseline=90) is Status.at_risk
    assert status(98, 100, Direction.up, baseline=90) is Status.off_track
    # response time in hours, down: 3.8 ≤ 4 on track
    assert status(3.8, 4, Direction.down) is Status.on_track
    assert status(None, 4, Direction.down) is Status.no_data
    assert status(3.0, None, Direction.down) is Status.no_target
