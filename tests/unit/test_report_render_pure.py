"""The report's pure parts: the SVG chart, the Dutch and English words, and which days a run reports on."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from luister.kpis.report_chart import sparkline
from luister.kpis.report_render import last_week, window_of
from luister.kpis.report_texts import TEXTS, text
from luister.kpis.reports import Due

values = st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), max_size=12)


@given(values, st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)))
def test_a_point_per_known_value_and_a_dashed_target(
    points: list[float | None], target: float | None
) -> None:
    svg = sparkline(points, target)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<circle") == sum(v is not None for v in points)
    assert ("stroke-dasharray" in svg) == (target is not None)
    assert "nan" not in svg and "inf" not in svg


def test_both_languages_have_every_text() -> None:
    assert set(TEXTS["nl"]) == set(TEXTS["en"])
    assert text("nl", "target") == "Streefcijfer" and text("de", "target") == "Target"
    assert text("en", "attributed", share="3", total="9") == "3 of 9 attributed"


@given(st.dates(date(2020, 1, 1), date(2035, 12, 31)))
def test_a_run_reports_on_the_week_or_month_before_it(day: date) -> None:
    due = Due(1, "r", "weekly_webcare", "nl", [], day, datetime(2026, 1, 1, tzinfo=UTC))
    assert window_of(due) == (day - timedelta(days=7), day)
    first, end = window_of(Due(1, "r", "monthly_management", "nl", [], day, datetime(2026, 1, 1, tzinfo=UTC)))
    assert first.day == 1 and end == day.replace(day=1) and (end - first).days in (28, 29, 30, 31)


@given(st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1), timezones=st.just(UTC)))
def test_the_download_defaults_to_the_last_full_week(now: datetime) -> None:
    first, end = last_week(now)
    assert first.weekday() == 0 and (end - first).days == 7
    local = now.astimezone(ZoneInfo("Europe/Amsterdam")).date()
    assert end <= local < end + timedelta(days=7)
