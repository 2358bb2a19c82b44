"""Business hours: examples (split shifts, Dutch and Belgian holidays, both DST changes, another zone) and
properties against a brute-force minute counter that converts every UTC minute to local time on its own."""

from __future__ import annotations

import functools
import inspect
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from luister.inbox import calendar as calendar_module
from luister.inbox.calendar import BusinessCalendar, Shift

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEBCARE = {  # the customer-service calendar migration 0015 seeds
    "zone": "Europe/Amsterdam",
    "holidays": ["NL"],
    "shifts": [
        *([day, "08:00", "12:30"] for day in range(5)),
        *([day, "13:00", "21:00"] for day in range(5)),
        [5, "09:00", "13:00"],
    ],
}


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: ZoneInfo = AMSTERDAM, fold: int = 0
) -> datetime:
    """A local time as UTC: aware datetimes in a repeated hour never compare equal across zones (PEP 495)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone, fold=fold).astimezone(UTC)


def hours(amount: float) -> timedelta:
    return timedelta(hours=amount)


def every_day(start: str, end: str, **options: object) -> BusinessCalendar:
    shifts = [[day, start, end] for day in range(7)]
    return BusinessCalendar.from_json({"shifts": shifts, **options})


# -- examples ---------------------------------------------------------------------------------------------


def test_split_shifts() -> None:
    webcare = BusinessCalendar.from_json(WEBCARE)
    monday = local(2026, 6, 1)
    assert webcare.working_time(monday, monday + timedelta(days=1)) == hours(12.5)
    assert webcare.is_open(local(2026, 6, 1, 12, 29))
    assert not webcare.is_open(local(2026, 6, 1, 12, 30))  # the end of a shift is not in it
    assert not webcare.is_open(local(2026, 6, 1, 12, 45))
    assert webcare.is_open(local(2026, 6, 1, 13))
    assert webcare.add_working_time(local(2026, 6, 1, 12), hours(1)) == local(2026, 6, 1, 13, 30)
    # running out exactly at a shift's end gives that end, not the next shift's start
    assert webcare.add_working_time(local(2026, 6, 1, 12), hours(0.5)) == local(2026, 6, 1, 12, 30)
    # Saturday 09:00-13:00 only, nothing on Sunday
    assert webcare.add_working_time(local(2026, 6, 5, 20), hours(2)) == local(2026, 6, 6, 10)
    assert webcare.add_working_time(local(2026, 6, 6, 12), hours(2)) == local(2026, 6, 8, 9)


def test_overlapping_shifts_count_once() -> None:
    calendar = BusinessCalendar.from_json({"shifts": [[0, "08:00", "12:00"], [0, "10:00", "14:00"]]})
    assert calendar.working_time(local(2026, 6, 1), local(2026, 6, 2)) == hours(6)


def test_dutch_holiday_koningsdag() -> None:
    webcare = BusinessCalendar.from_json(WEBCARE)
    koningsdag = local(2026, 4, 27)  # a Monday
    assert webcare.is_holiday(date(2026, 4, 27))
    assert webcare.working_time(koningsdag, koningsdag + timedelta(days=1)) == timedelta(0)
    assert not webcare.is_open(local(2026, 4, 27, 10))
    assert webcare.add_working_time(local(2026, 4, 25, 12, 30), hours(1)) == local(2026, 4, 28, 8, 30)
    belgian = BusinessCalendar.from_json({**WEBCARE, "holidays": ["BE"]})
    assert belgian.working_time(koningsdag, koningsdag + timedelta(days=1)) == hours(12.5)


def test_belgian_holiday_national_day() -> None:
    brussels = ZoneInfo("Europe/Brussels")
    calendar = BusinessCalendar.from_json({**WEBCARE, "zone": "Europe/Brussels", "holidays": ["BE"]})
    national_day = local(2026, 7, 21, zone=brussels)  # a Tuesday
    assert calendar.working_time(national_day, national_day + timedelta(days=1)) == timedelta(0)
    dutch = BusinessCalendar.from_json(WEBCARE)
    assert dutch.working_time(national_day, national_day + timedelta(days=1)) == hours(12.5)
    both = BusinessCalendar.from_json({**WEBCARE, "holidays": ["NL", "BE"]})
    assert both.working_time(local(2026, 4, 27), local(2026, 4, 28)) == timedelta(0)
    assert both.working_time(national_day, national_day + timedelta(days=1)) == timedelta(0)


def test_summer_time_night_counts_the_real_hours() -> None:
    night = every_day("01:00", "04:00")
    assert night.working_time(local(2026, 3, 29), local(2026, 3, 29, 12)) == hours(
        2
    )  # 02:00-03:00 is skipped
    assert night.working_time(local(2026, 3, 28), local(2026, 3, 28, 12)) == hours(3)
    assert night.add_working_time(local(2026, 3, 29, 1), hours(1.5)) == local(2026, 3, 29, 3, 30)
    # a shift that starts at a local time that does not exist starts when the clock does
    gap = every_day("02:30", "04:00")
    assert gap.working_time(local(2026, 3, 29), local(2026, 3, 30)) == hours(1)
    assert not gap.is_open(datetime(2026, 3, 29, 0, 45, tzinfo=UTC))  # 01:45 CET
    assert gap.is_open(datetime(2026, 3, 29, 1, 0, tzinfo=UTC))  # 03:00 CEST


def test_winter_time_night_counts_the_hour_twice() -> None:
    night = every_day("01:00", "04:00")
    assert night.working_time(local(2026, 10, 25), local(2026, 10, 25, 12)) == hours(4)
    twice = every_day("02:30", "02:45")
    assert twice.working_time(local(2026, 10, 25), local(2026, 10, 26)) == hours(0.5)
    assert twice.is_open(local(2026, 10, 25, 2, 40, fold=0))  # 00:40 UTC, summer time
    assert twice.is_open(local(2026, 10, 25, 2, 40, fold=1))  # 01:40 UTC, winter time
    assert twice.add_working_time(local(2026, 10, 25, 2, 30), hours(0.25)) == local(2026, 10, 25, 2, 45)
    assert twice.add_working_time(local(2026, 10, 25, 2, 30), hours(0.5)) == local(
        2026, 10, 25, 2, 45, fold=1
    )


def test_another_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    office = BusinessCalendar.from_json({"zone": "America/New_York", "shifts": [[0, "09:00", "17:00"]]})
    winter = office.spans_of(date(2026, 1, 5))
    assert winter == ((datetime(2026, 1, 5, 14, tzinfo=UTC), datetime(2026, 1, 5, 22, tzinfo=UTC)),)
    summer = office.spans_of(date(2026, 7, 6))
    assert summer == ((datetime(2026, 7, 6, 13, tzinfo=UTC), datetime(2026, 7, 6, 21, tzinfo=UTC)),)
    # Amsterdam changes on 29 March, New York on 8 March: on 23 March the gap is 5 hours
    assert office.is_open(local(2026, 3, 23, 14, 30))  # 09:30 in New York
    assert not office.is_open(local(2026, 3, 23, 13, 30))
    assert office.add_working_time(local(2026, 3, 23, 21, zone=new_york), hours(1)) == datetime(
        2026, 3, 30, 14, tzinfo=UTC
    )


def test_around_the_clock() -> None:
    always = BusinessCalendar.from_json({})
    assert always.around_the_clock and always.to_json() == {}
    start = local(2026, 3, 28, 12)
    assert always.working_time(start, start + timedelta(days=2)) == timedelta(days=2)
    assert always.add_working_time(start, hours(30)) == start + hours(30)
    assert always.is_open(start)
    dutch = BusinessCalendar.from_json({"holidays": ["NL"]})
    assert dutch.working_time(local(2026, 4, 26), local(2026, 4, 29)) == timedelta(days=2)
    assert dutch.to_json() == {"holidays": ["NL"]}


def test_json_round_trip() -> None:
    webcare = BusinessCalendar.from_json(WEBCARE)
    assert webcare.to_json() == WEBCARE
    assert BusinessCalendar.from_json(webcare.to_json()) == webcare
    late = BusinessCalendar.from_json({"shifts": [[4, "18:00", "24:00"]]})
    assert late.to_json()["shifts"] == [[4, "18:00", "24:00"]]
    assert late.working_time(local(2026, 6, 5), local(2026, 6, 6)) == hours(6)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"shifts": [[0, "08:00", "12:00"], [1, "08:00", "12:00"], [2, "13:00", "12:00"]]},
         "shift 3: end 12:00 is not after start 13:00"),
        ({"shifts": [[0, "22:00", "06:00"]]}, "shift 1: end 06:00 is not after start 22:00"),
        ({"zone": "Europe/Atlantis", "shifts": [[0, "08:00", "12:00"]]},
         "zone: unknown time zone 'Europe/Atlantis'"),
        ({"holidays": ["NL", "XX"]}, "holidays: unknown country code 'XX'"),
        ({"holidays": "NL"}, "holidays: expected a list"),
        ({"shifts": []}, "shifts: the list is empty"),
        ({"shifts": [[7, "08:00", "12:00"]]}, "shift 1: weekday 7 is not 0 (Monday) to 6 (Sunday)"),
        ({"shifts": [[0, "8:00", "12:00"]]}, "shift 1: start '8:00' is not a time"),
        ({"shifts": [[0, "08:00", "25:00"]]}, "shift 1: end '25:00' is not a time"),
        ({"shifts": [[0, "08:00"]]}, "shift 1: expected [weekday, 'HH:MM', 'HH:MM']"),
        ({"zone": 3}, "zone: expected a time zone name"),
        ({"hours": []}, "calendar: unknown key 'hours'"),
        ([], "calendar: expected an object"),
    ],
)  # fmt: skip
def test_invalid_calendars_say_where(data: object, message: str) -> None:
    with pytest.raises(
        ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        BusinessCalendar.from_json(data)


def test_refuses_naive_datetimes_and_negative_amounts() -> None:
    webcare = BusinessCalendar.from_json(WEBCARE)
    with pytest.raises(ValueError, match="no time zone"):
        webcare.is_open(datetime(2026, 6, 1, 10))
    with pytest.raises(ValueError, match="negative"):
        webcare.add_working_time(local(2026, 6, 1), -hours(1))
    assert webcare.working_time(local(2026, 6, 2), local(2026, 6, 1)) == timedelta(0)
    with pytest.raises(ValueError, match="at least one shift"):
        BusinessCalendar(shifts=())
    with pytest.raises(ValueError, match="end 08:00 is not after start 08:00"):
        Shift(0, time(8), time(8))


def test_a_year_is_fast_and_holidays_are_cached() -> None:
    webcare = BusinessCalendar.from_json(WEBCARE)
    total = webcare.working_time(local(2026, 1, 1), local(2027, 1, 1))
    # 261 weekdays of 12.5 hours and 52 Saturdays of 4, less seven holidays on weekdays and one on Saturday
    assert total == hours(261 * 12.5 + 52 * 4 - 7 * 12.5 - 4)
    before = calendar_module._holidays_of.cache_info()
    BusinessCalendar.from_json(WEBCARE).working_time(local(2026, 1, 1), local(2027, 1, 1))  # days not cached
    assert calendar_module._holidays_of.cache_info().misses == before.misses


def test_no_clock_is_read() -> None:
    from luister.inbox import sla

    for module in (calendar_module, sla):
        source = inspect.getsource(module)
        assert "now()" not in source and "time.time" not in source and "today()" not in source


# -- properties against a brute-force minute counter --------------------------------------------------------

DST_DATES = {  # the zones generated, with the dates their clocks change in 2026
    "Europe/Amsterdam": [date(2026, 3, 29), date(2026, 10, 25)],
    "Europe/Brussels": [date(2026, 3, 29), date(2026, 10, 25)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 10, 4)],  # half an hour
    "Asia/Kolkata": [],
}
HOLIDAY_DATES = [
    date(2026, 4, 27),  # Koningsdag (NL)
    date(2026, 7, 21),  # national day (BE)
    date(2026, 4, 3),  # Good Friday (NL)
    date(2026, 12, 25),
    date(2026, 12, 31),  # the year changes: holidays of two years
    date(2026, 6, 10),  # an ordinary Wednesday
]
NEAR_CHANGES = [0, 60, 90, 105, 120, 135, 150, 165, 180, 210, 240]  # local minutes around the clock changes


@functools.cache
def _local_minute(zone: str, minute: int) -> tuple[date, int, int]:
    """Epoch minute → local date, weekday and minute of the day, by the standard library on its own."""
    moment = datetime.fromtimestamp(minute * 60, ZoneInfo(zone))
    return moment.date(), moment.weekday(), moment.hour * 60 + moment.minute


@functools.cache
def _is_holiday(countries: tuple[str, ...], day: date) -> bool:
    return any(day in holidays_lib.country_holidays(country, years=day.year) for country in countries)


class BruteForce:
    """Is a UTC minute business time? Its local time must lie in a shift of its local date, no holiday."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.zone, self.countries = calendar.zone, calendar.holidays
        self.week = [bytearray(1440) for _ in range(7)]  # per weekday, per minute of the day: in a shift?
        for shift in calendar.shifts:
            end = 1440 if shift.end == time(0) else shift.end.hour * 60 + shift.end.minute
            self.week[shift.weekday][shift.start.hour * 60 + shift.start.minute : end] = b"\x01" * (
                end - shift.start.hour * 60 - shift.start.minute
            )
        if calendar.around_the_clock:
            self.week = [bytearray(b"\x01" * 1440) for _ in range(7)]

    def open(self, minute: int) -> bool:
        day, weekday, of_day = _local_minute(self.zone, minute)
        return bool(self.week[weekday][of_day]) and not (self.countries and _is_holiday(self.countries, day))


def _minute(moment: datetime) -> int:
    return int(moment.timestamp()) // 60


def _moment(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def _shift(weekday: int, start: int, length: int) -> Shift:
    end = min(start + length, 1440)
    as_time = [time(0) if minute == 1440 else time(minute // 60, minute % 60) for minute in (start, end)]
    return Shift(weekday, as_time[0], as_time[1])


# strategies built once: hypothesis validates a strategy the first time it draws from it
_SHIFT_STARTS = st.integers(-1440, 1439).map(lambda m: NEAR_CHANGES[m % len(NEAR_CHANGES)] if m < 0 else m)
_SHIFTS = st.lists(
    st.builds(
        _shift,
        st.integers(0, 12).map(lambda day: min(day, 6)),  # half of them on Sundays, when the clocks change
        _SHIFT_STARTS,  # half of them near the clock changes
        st.one_of(st.sampled_from([15, 30, 45, 60, 120]), st.integers(1, 1440)),  # within the hour, often
    ),
    min_size=1,
    max_size=6,
)
_ZONES = st.sampled_from(sorted(DST_DATES))
_COUNTRIES = st.sampled_from([(), ("NL",), ("BE",), ("NL", "BE")])
_AROUND_THE_CLOCK = st.integers(0, 9).map(lambda tenth: tenth == 0)
_NEAR = st.integers(-720, 1440)
_LENGTHS = st.integers(-5, 1440)
_AMOUNTS = st.integers(0, 480)
_ANCHOR = st.integers(0, 99)  # an index into the zone's dates: strategies drawn directly are cheaper


def calendar_of(
    zone: str, countries: tuple[str, ...], shifts: list[Shift], around_the_clock: bool
) -> BusinessCalendar:
    if around_the_clock:
        return BusinessCalendar(zone, holidays=countries, around_the_clock=True)
    return BusinessCalendar(zone, tuple(shifts), countries)


def start_near(zone: str, anchor: int, near: int) -> int:
    """An epoch minute from half a day before to the end of a date where something happens in the zone."""
    dates = DST_DATES[zone] + HOLIDAY_DATES
    return _minute(datetime.combine(dates[anchor % len(dates)], time(0), ZoneInfo(zone))) + near


CASES = {
    "zone": _ZONES,
    "countries": _COUNTRIES,
    "shifts": _SHIFTS,
    "around_the_clock": _AROUND_THE_CLOCK,
    "anchor": _ANCHOR,
    "near": _NEAR,
}


@settings(max_examples=3000)
@given(**CASES, length=_LENGTHS, in_utc=st.booleans())
def test_working_time_counts_the_open_minutes(
    zone: str,
    countries: tuple[str, ...],
    shifts: list[Shift],
    around_the_clock: bool,
    anchor: int,
    near: int,
    length: int,
    in_utc: bool,
) -> None:
    calendar = calendar_of(zone, countries, shifts, around_the_clock)
    start = start_near(zone, anchor, near)
    brute = BruteForce(calendar)
    expected = sum(brute.open(minute) for minute in range(start, start + length))
    given_in = ZoneInfo("UTC" if in_utc else zone)  # inputs in any zone
    begin, end = _moment(start).astimezone(given_in), _moment(start + length).astimezone(given_in)
    assert calendar.working_time(begin, end) == timedelta(minutes=expected)
    assert calendar.is_open(begin) == brute.open(start)
    assert calendar.is_open(end) == brute.open(start + length)


@settings(max_examples=2500)
@given(**CASES, amount=_AMOUNTS)
def test_add_working_time_finds_the_first_moment(
    zone: str,
    countries: tuple[str, ...],
    shifts: list[Shift],
    around_the_clock: bool,
    anchor: int,
    near: int,
    amount: int,
) -> None:
    calendar = calendar_of(zone, countries, shifts, around_the_clock)
    start = start_near(zone, anchor, near)
    brute = BruteForce(calendar)
    horizon = start + 2 * 1440  # the brute force looks two days ahead; the calendar must agree so far
    found, counted, minute = start, 0, start
    while counted < amount and minute < horizon:
        if brute.open(minute):
            counted += 1
            found = minute + 1
        minute += 1
    try:
        result = calendar.add_working_time(_moment(start), timedelta(minutes=amount))
    except ValueError:  # a calendar of a few minutes a week gives up after 400 days
        assert counted < amount
        return
    if counted == amount:
        assert result == _moment(found)
        assert calendar.working_time(_moment(start), result) == timedelta(minutes=amount)  # the inverse
    else:
        assert result > _moment(horizon)
