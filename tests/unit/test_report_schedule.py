"""The weekly report schedule against brute force, across both daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from luister.kpis.schedule import Weekly, latest_run, next_run

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY_8 = Weekly(0, time(8, 0))


def brute_next(rule: Weekly, now: datetime) -> datetime:
    """Walk minute by minute in UTC until the local wall clock shows the rule's weekday and time."""
    moment = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while True:
        local = moment.astimezone(ZoneInfo(rule.zone))
        if local.weekday() == rule.weekday and local.time() == rule.at:
            return moment
        moment += timedelta(minutes=1)


def test_monday_eight_across_both_changes_of_2026() -> None:
    # 29 March 2026 (Sunday) clocks go forward; 25 October 2026 back
    assert next_run(MONDAY_8, datetime(2026, 3, 28, 12, tzinfo=UTC)) == datetime(2026, 3, 30, 6, tzinfo=UTC)
    assert next_run(MONDAY_8, datetime(2026, 3, 23, 7, tzinfo=UTC)) == datetime(2026, 3, 30, 6, tzinfo=UTC)
    assert next_run(MONDAY_8, datetime(2026, 3, 22, 12, tzinfo=UTC)) == datetime(2026, 3, 23, 7, tzinfo=UTC)
    assert next_run(MONDAY_8, datetime(2026, 10, 20, tzinfo=UTC)) == datetime(2026, 10, 26, 7, tzinfo=UTC)
    assert latest_run(MONDAY_8, datetime(2026, 10, 26, 7, tzinfo=UTC))[1] == datetime(
        2026, 10, 26, 7, tzinfo=UTC
    )


@settings(max_examples=150, deadline=None)
@given(
    now=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    weekday=st.integers(0, 6),
    hour=st.sampled_from([0, 2, 3, 8, 23]),  # 02:xx: the spring gap
    minute=st.sampled_from([0, 30]),
)
def test_next_run_is_the_brute_force_answer(now: datetime, weekday: int, hour: int, minute: int) -> None:
    rule = Weekly(weekday, time(hour, minute))
    found = next_run(rule, now)
    assert found > now and found - now <= timedelta(days=7, hours=1)
    local = found.astimezone(AMS)
    assert local.weekday() == weekday
    if local.time() == rule.at:  # the wall-clock time exists that day: the first such minute
        assert found == brute_next(rule, now)
    else:  # 02:xx on a spring-forward Sunday: an hour later, 03:xx
        assert (hour, local.hour, local.minute) == (2, 3, minute)
        assert found == brute_next(Weekly(weekday, time(3, minute)), now)
    day, moment = latest_run(rule, found)
    assert moment == found and day == local.date()


def test_a_time_in_the_spring_gap_runs_an_hour_later() -> None:
    sunday = Weekly(6, time(2, 30))
    assert next_run(sunday, datetime(2026, 3, 28, tzinfo=UTC)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert next_run(sunday, datetime(2026, 10, 24, tzinfo=UTC)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
