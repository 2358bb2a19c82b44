"""The overview's ranges of dates: whole local days, and the previous period to compare with (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from luister.domain.periods import (
    MAX_RANGE_DAYS,
    RangeError,
    checked_range,
    day_count,
    is_midnight,
    local_days,
    local_today,
    midnight,
    picked_range,
    previous_period,
    read_date,
)
from luister.services.analytics import Scope
from luister.web.ranges import Change, compared_with, percent_change, point_change, spell_days

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_a_week_of_local_days_in_utc_and_the_week_before() -> None:
    since, until = local_days(date(2026, 12, 1), date(2026, 12, 7), AMSTERDAM)
    assert since == datetime(2026, 11, 30, 23, tzinfo=UTC) and until == datetime(2026, 12, 7, 23, tzinfo=UTC)
    assert day_count(since, until, AMSTERDAM) == 7
    assert previous_period(since, until, until, AMSTERDAM) == (datetime(2026, 11, 23, 23, tzinfo=UTC), since)


def test_the_week_with_the_clock_change_is_compared_with_seven_whole_days() -> None:
    since, until = local_days(date(2026, 3, 29), date(2026, 4, 4), AMSTERDAM)  # summer time from 29 March
    assert until - since == timedelta(days=7, hours=-1)
    before = previous_period(since, until, until, AMSTERDAM)
    assert before == (datetime(2026, 3, 21, 23, tzinfo=UTC), datetime(2026, 3, 28, 23, tzinfo=UTC))
    assert before[1] - before[0] == timedelta(days=7)


def test_a_running_range_is_compared_with_as_much_of_the_previous_one() -> None:
    since, until = local_days(date(2026, 12, 1), date(2026, 12, 7), AMSTERDAM)
    now = until - timedelta(hours=10)  # the last day has 14 hours to go
    start, end = previous_period(since, until, now, AMSTERDAM)
    assert end - start == now - since and end < since


def test_a_period_that_is_not_whole_days_is_compared_with_the_same_duration() -> None:
    since = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    until = since + timedelta(hours=24)
    assert previous_period(since, until, until, AMSTERDAM) == (since - timedelta(hours=24), since)
    assert day_count(since, until, AMSTERDAM) == 1


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        (date(2026, 12, 7), date(2026, 12, 1), "the end date lies before the start date"),
        (
            date(2024, 1, 1),
            date(2026, 1, 2),
            f"a range of dates is at most {MAX_RANGE_DAYS} days (two years)",
        ),
        (date(1, 1, 1), date(1, 1, 2), "choose dates between 1970 and 2200"),
        (date(9999, 12, 30), date(9999, 12, 31), "choose dates between 1970 and 2200"),
    ],
)
def test_ranges_that_cannot_be_shown_say_why(first: date, last: date, message: str) -> None:
    with pytest.raises(RangeError) as refused:
        checked_range(first, last, AMSTERDAM)
    assert str(refused.value) == message and refused.value.text % refused.value.values == message


def test_an_unreadable_date_is_named() -> None:
    with pytest.raises(RangeError, match="from: “7 december” is not a date"):
        read_date("7 december", "from")
    assert read_date(" 2026-12-07 ", "to") == date(2026, 12, 7)
    assert checked_range(date(2025, 1, 1), date(2026, 12, 31), AMSTERDAM)  # 730 days: allowed


def test_a_range_as_typed_fills_in_a_missing_end() -> None:
    today = date(2026, 12, 7)
    assert picked_range("", "", days=7, today=today, zone=AMSTERDAM) == local_days(
        date(2026, 12, 1), today, AMSTERDAM
    )
    assert picked_range("2026-12-05", "", days=7, today=today, zone=AMSTERDAM)[0] == midnight(
        date(2026, 12, 5), AMSTERDAM
    )
    with pytest.raises(RangeError, match="choose dates between"):
        picked_range("", "0001-01-01", days=30, today=today, zone=AMSTERDAM)


def test_today_is_the_local_day_of_the_newest_counted_hour() -> None:
    assert local_today(datetime(2026, 12, 7, 23, tzinfo=UTC), AMSTERDAM) == date(2026, 12, 7)  # ends 00:00
    assert local_today(datetime(2026, 12, 7, 23, 1, tzinfo=UTC), AMSTERDAM) == date(2026, 12, 8)


@given(
    first=st.dates(min_value=date(1971, 1, 1), max_value=date(2150, 1, 1)),
    days=st.integers(min_value=1, max_value=MAX_RANGE_DAYS),
    zone=st.sampled_from(["Europe/Amsterdam", "UTC", "America/Sao_Paulo", "Australia/Lord_Howe"]),
)
def test_the_previous_period_is_as_many_whole_local_days_just_before(
    first: date, days: int, zone: str
) -> None:
    tz = ZoneInfo(zone)
    last = first + timedelta(days=days - 1)
    since, until = checked_range(first, last, tz)
    start, end = previous_period(since, until, until, tz)
    assert end == since and is_midnight(start, tz)
    assert start.astimezone(tz).date() == first - timedelta(days=days)
    assert day_count(start, end, tz) == days == day_count(since, until, tz)
    assert abs((end - start) - (until - since)) <= timedelta(hours=2)  # clock changes only


@given(
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    days=st.integers(min_value=1, max_value=60),
    elapsed=st.floats(min_value=0, max_value=1),
)
def test_while_running_the_previous_period_is_cut_like_with_like(
    first: date, days: int, elapsed: float
) -> None:
    since, until = local_days(first, first + timedelta(days=days - 1), AMSTERDAM)
    now = since + (until - since) * elapsed
    start, end = previous_period(since, until, now, AMSTERDAM)
    assert start < since and end <= since
    if now < until:
        assert end - start == min(now - since, since - start)


def test_ranges_are_spelled_as_people_write_them() -> None:
    assert spell_days(date(2026, 12, 1), date(2026, 12, 7), "nl") == "1–7 december 2026"
    assert spell_days(date(2026, 12, 1), date(2026, 12, 7), "en") == "1–7 December 2026"
    assert spell_days(date(2026, 11, 28), date(2026, 12, 7), "nl") == "28 november – 7 december 2026"
    assert spell_days(date(2025, 12, 28), date(2026, 1, 3), "en") == "28 December 2025 – 3 January 2026"
    assert spell_days(date(2026, 12, 7), date(2026, 12, 7), "nl") == "7 december 2026"


def test_each_figure_against_the_previous_period() -> None:
    assert percent_change(112, 100) == Change("+12 %", "up")
    assert percent_change(88, 100).direction == "down"  # type: ignore[union-attr]
    assert percent_change(5, 0).text == "+5" and percent_change(0, 0) is None  # type: ignore[union-attr]
    assert point_change(0.2, 0.25).text == "−5" and point_change(None, 0.1) is None  # type: ignore[union-attr]
    since, until = local_days(date(2026, 12, 1), date(2026, 12, 7), AMSTERDAM)
    week = Scope(since=since, until=until, zone="Europe/Amsterdam")
    assert compared_with(week, lambda text: text) == "vs the previous 7 days"
    running = Scope(since=since, until=until, zone="Europe/Amsterdam", now=until - timedelta(hours=3))
    assert compared_with(running, lambda text: text) == "vs the same hours of the previous 7 days"
