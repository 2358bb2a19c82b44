"""The SLA clock: examples (automated messages, pause and resume, reopening, warning and breach, business
hours, the report figures) and a property against a minute-by-minute simulation of the events."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib
from hypothesis import given, settings
from hypothesis import strategies as st

from luister.inbox.calendar import BusinessCalendar, Shift
from luister.inbox.sla import (
    ClockEvent,
    ClockState,
    EventKind,
    SlaClock,
    SlaPolicy,
    Span,
    Target,
    TargetKind,
    response_times,
    sla_clock,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEBCARE = BusinessCalendar.from_json(
    {
        "zone": "Europe/Amsterdam",
        "holidays": ["NL"],
        "shifts": [
            *([day, "08:00", "12:30"] for day in range(5)),
            *([day, "13:00", "21:00"] for day in range(5)),
            [5, "09:00", "13:00"],
        ],
    }
)
POLICY = SlaPolicy(
    first_response=timedelta(minutes=30),
    next_response=timedelta(minutes=60),
    resolution=timedelta(minutes=240),
    warn_before=timedelta(minutes=15),
)
C, A, AUTO, ELSEWHERE = EventKind.customer, EventKind.agent, EventKind.automated, EventKind.elsewhere
WAIT, RESUME, RESOLVE, REOPEN = (
    EventKind.waiting_customer,
    EventKind.resumed,
    EventKind.resolved,
    EventKind.reopened,
)


def at(hour: int, minute: int = 0, day: int = 1, month: int = 6) -> datetime:
    """A moment in 2026, Amsterdam time, as UTC (1 June is a Monday)."""
    return datetime(2026, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def minutes(amount: int) -> timedelta:
    return timedelta(minutes=amount)


def clock(events: list[tuple[datetime, EventKind]], now: datetime, policy: SlaPolicy = POLICY) -> SlaClock:
    return sla_clock([ClockEvent(moment, kind) for moment, kind in events], policy, WEBCARE, now)


def target(result: SlaClock, kind: TargetKind) -> Target:
    (found,) = [item for item in result.targets if item.kind is kind]
    return found


# -- examples ---------------------------------------------------------------------------------------------


def test_automated_message_is_no_first_response() -> None:
    events = [(at(9), C), (at(9, 1), AUTO)]
    running = target(clock(events, at(9, 10)), TargetKind.first_response)
    assert (running.state, running.spent, running.due, running.met_at) == ("ok", minutes(10), at(9, 30), None)
    answered = target(clock([*events, (at(9, 12), A)], at(9, 20)), TargetKind.first_response)
    assert (answered.state, answered.met_at, answered.spent, answered.breached) == (
        "met",
        at(9, 12),
        minutes(12),
        False,
    )


def test_warning_then_breach_then_met_late() -> None:
    events = [(at(9), C)]
    warning = clock(events, at(9, 20))
    assert warning.state == ClockState.warning and warning.next_due == at(9, 30)
    assert clock(events, at(9, 30)).state == "warning"  # due is the last moment in time
    breached = clock(events, at(9, 31))
    first = target(breached, TargetKind.first_response)
    assert (breached.state, first.state, first.breached, first.due) == (
        "breached",
        "breached",
        True,
        at(9, 30),
    )
    assert breached.next_due == at(9, 30)  # overdue first
    late = clock([*events, (at(9, 40), A)], at(10))
    first = target(late, TargetKind.first_response)
    assert (first.state, first.breached, first.due, first.met_at) == ("met", True, at(9, 30), at(9, 40))
    assert late.state == "ok"  # the resolution clock runs on
    assert late.next_due == at(13, 30)  # 240 minutes: 09:00-12:30 and 13:00-13:30


def test_answered_elsewhere_counts_as_a_response() -> None:
    result = clock([(at(9), C), (at(9, 5), ELSEWHERE)], at(9, 40))
    assert target(result, TargetKind.first_response).met_at == at(9, 5)


def test_pause_and_resume() -> None:
    events = [(at(9), C), (at(9, 10), WAIT)]
    paused = clock(events, at(10))
    first = target(paused, TargetKind.first_response)
    assert (paused.state, first.state, first.due, first.spent) == ("paused", "paused", None, minutes(10))
    assert paused.next_due is None
    resumed = clock([*events, (at(10), RESUME)], at(10, 10))
    first = target(resumed, TargetKind.first_response)
    assert (first.state, first.spent, first.due) == ("warning", minutes(20), at(10, 20))
    # the customer writing ends waiting on the customer too
    wrote = clock([*events, (at(9, 40), C)], at(9, 50))
    assert target(wrote, TargetKind.first_response).spent == minutes(20)


def test_a_breach_is_not_undone_by_a_pause() -> None:
    result = clock([(at(9), C), (at(9, 40), WAIT)], at(10))
    first = target(result, TargetKind.first_response)
    assert (first.state, first.breached, first.due) == ("breached", True, at(9, 30))


def test_reopening_restarts_the_first_response() -> None:
    answered = [(at(9), C), (at(9, 5), A), (at(9, 30), RESOLVE)]
    resolved = clock(answered, at(10))
    assert resolved.state == "met" and resolved.next_due is None
    for again in ([(at(11), C)], [(at(11), REOPEN)]):
        result = clock([*answered, *again], at(11, 10))
        first = target(result, TargetKind.first_response)
        assert result.cycle_started_at == at(11)
        assert (first.state, first.spent, first.due, first.met_at) == ("ok", minutes(10), at(11, 30), None)
        assert target(result, TargetKind.resolution).spent == minutes(10)
    # an agent's message after resolving starts nothing
    assert clock([*answered, (at(11), A)], at(11, 10)).state == "met"


def test_next_response_starts_at_the_first_unanswered_customer_message() -> None:
    events = [(at(9), C), (at(9, 5), A), (at(9, 20), C), (at(9, 25), C)]
    result = clock(events, at(9, 50))
    following = target(result, TargetKind.next_response)
    assert (following.started_at, following.spent, following.due, following.state) == (
        at(9, 20), minutes(30), at(10, 20), "ok"
    )  # fmt: skip
    answered = clock([*events, (at(9, 55), A)], at(10))
    assert target(answered, TargetKind.next_response).met_at == at(9, 55)


def test_business_hours_and_the_wall_clock() -> None:
    events = [(at(20, 50, day=5), C)]  # Friday 20:50; the shift ends at 21:00, Saturday 09:00-13:00
    first = target(clock(events, at(9, 5, day=6)), TargetKind.first_response)
    assert (first.spent, first.due, first.state) == (minutes(15), at(9, 20, day=6), "warning")
    wall = SlaPolicy(minutes(30), None, None, minutes(15), business_hours=False)
    first = target(clock(events, at(9, 5, day=6), wall), TargetKind.first_response)
    assert (first.spent, first.due, first.state) == (minutes(735), at(21, 20, day=5), "breached")


def test_resolving_meets_what_runs() -> None:
    result = clock([(at(9), C), (at(9, 45), RESOLVE)], at(10))
    first = target(result, TargetKind.first_response)
    assert (first.met_at, first.breached, result.state) == (at(9, 45), True, "met")


def test_only_events_until_now_in_any_order() -> None:
    events = [(at(9, 10), A), (at(9), C), (at(11), RESOLVE)]
    result = clock(events, at(9, 5))
    assert target(result, TargetKind.first_response).state == "ok"
    assert clock(events, at(8)).state == "none"
    assert clock([(at(9), A)], at(10)).state == "none"
    nothing = SlaPolicy(None, None, None, minutes(15))
    assert clock([(at(9), C)], at(10), nothing) == SlaClock(ClockState.none, cycle_started_at=at(9))


def test_response_times_for_the_reports() -> None:
    events = [
        (at(9), C), (at(9, 10), A), (at(9, 20), C), (at(9, 25), WAIT), (at(9, 35), RESUME),
        (at(9, 50), A), (at(10), RESOLVE),
        (at(20, 50, day=5), C), (at(9, 10, day=6), A),
    ]  # fmt: skip
    first, second = response_times([ClockEvent(moment, kind) for moment, kind in events], WEBCARE)
    assert first.first_response == Span(minutes(10), minutes(10))
    assert first.next_responses == (Span(minutes(20), minutes(30)),)  # the pause left out of business time
    assert first.resolution == Span(minutes(50), minutes(60))
    assert second.started_at == at(20, 50, day=5)
    assert second.first_response == Span(minutes(20), minutes(740))
    assert (second.next_responses, second.resolution) == ((), None)


# -- the property: against a minute-by-minute simulation ----------------------------------------------------

ANCHORS = {  # zones generated, with dates their clocks change in 2026, and holidays
    "Europe/Amsterdam": [date(2026, 3, 29), date(2026, 10, 25), date(2026, 4, 27), date(2026, 7, 21)],
    "America/New_York": [date(2026, 3, 8), date(2026, 11, 1), date(2026, 7, 21)],
    "Australia/Lord_Howe": [date(2026, 4, 5), date(2026, 4, 27)],
}
NEAR_CHANGES = [0, 60, 90, 105, 120, 135, 150, 165, 180, 210, 240]  # local minutes around the clock changes


@functools.cache
def _local_minute(zone: str, minute: int) -> tuple[date, int, int]:
    moment = datetime.fromtimestamp(minute * 60, ZoneInfo(zone))
    return moment.date(), moment.weekday(), moment.hour * 60 + moment.minute


@functools.cache
def _is_holiday(countries: tuple[str, ...], day: date) -> bool:
    return any(day in holidays_lib.country_holidays(country, years=day.year) for country in countries)


def open_minutes(calendar: BusinessCalendar, first: int, end: int) -> bytearray:
    """Per epoch minute in [first, end): business time? Each minute converted to local time on its own."""
    week = [bytearray(1440) for _ in range(7)]
    for shift in calendar.shifts:
        start = shift.start.hour * 60 + shift.start.minute
        stop = 1440 if shift.end == time(0) else shift.end.hour * 60 + shift.end.minute
        week[shift.weekday][start:stop] = b"\x01" * (stop - start)
    result = bytearray(end - first)
    for index in range(end - first):
        day, weekday, of_day = _local_minute(calendar.zone, first + index)
        result[index] = week[weekday][of_day] and not (
            calendar.holidays and _is_holiday(calendar.holidays, day)
        )
    return result


@dataclass
class Simulated:
    kind: TargetKind
    start: int
    limit: int
    counted: int = 0
    due: int | None = None
    met: int | None = None
    spent: int | None = None

    def __post_init__(self) -> None:
        if self.limit == 0:
            self.due = self.start

    def meet(self, minute: int) -> None:
        self.met, self.spent = minute, self.counted


@dataclass
class Cycle:
    first: Simulated | None
    resolution: Simulated | None
    following: Simulated | None = None
    responded_at: int | None = None
    window_open: bool = False
    resolved: bool = False
    paused: bool = False

    def running(self) -> list[Simulated]:
        targets = (self.first, self.following, self.resolution)
        return [item for item in targets if item is not None and item.met is None]


def simulate(
    events: list[tuple[int, EventKind]],
    limits: dict[TargetKind, int | None],
    now: int,
    horizon: int,
    counts: bytearray | None,
    base: int,
) -> Cycle | None:
    """Walk the minutes: apply a minute's events, then count the minute for every target still running when
    it is business time (``counts``; None: the wall clock) and no pause holds. The walk goes on past ``now``
    without events until each running target is due, or ``horizon``."""
    by_minute: dict[int, list[EventKind]] = defaultdict(list)
    for minute, kind in sorted(events, key=lambda event: event[0]):
        if minute <= now:
            by_minute[minute].append(kind)
    if not by_minute:
        return None

    def new(kind: TargetKind, minute: int) -> Simulated | None:
        limit = limits[kind]
        return None if limit is None else Simulated(kind, minute, limit)

    cycle: Cycle | None = None
    for minute in range(min(by_minute), horizon):
        for kind in by_minute.get(minute, ()):
            if kind is REOPEN or (kind is C and (cycle is None or cycle.resolved)):
                cycle = Cycle(new(TargetKind.first_response, minute), new(TargetKind.resolution, minute))
            elif cycle is None or cycle.resolved:
                continue
            elif kind is C:
                cycle.paused = False
                if cycle.responded_at is not None and minute > cycle.responded_at and not cycle.window_open:
                    cycle.window_open, cycle.following = True, new(TargetKind.next_response, minute)
            elif kind in (A, ELSEWHERE):
                if cycle.responded_at is None:
                    if cycle.first is not None:
                        cycle.first.meet(minute)
                elif cycle.window_open:
                    cycle.window_open = False
                    if cycle.following is not None:
                        cycle.following.meet(minute)
                cycle.responded_at = minute
            elif kind is WAIT:
                cycle.paused = True
            elif kind is RESUME:
                cycle.paused = False
            elif kind is RESOLVE:
                cycle.paused, cycle.resolved = False, True
                for item in cycle.running():
                    item.meet(minute)
        if cycle is None:
            continue
        running = cycle.running()
        if minute == now:
            for item in running:
                item.spent = item.counted
        elif minute > now and (cycle.paused or all(item.due is not None for item in running)):
            break
        if not cycle.paused and (counts is None or counts[minute - base]):
            for item in running:
                item.counted += 1
                if item.counted == item.limit and item.due is None:
                    item.due = minute + 1
    return cycle


def _moment(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def _shift(weekday: int, start: int, length: int) -> Shift:
    end = min(start + length, 1440)
    as_time = [time(0) if minute == 1440 else time(minute // 60, minute % 60) for minute in (start, end)]
    return Shift(weekday, as_time[0], as_time[1])


_SHIFT_STARTS = st.integers(-1440, 1439).map(lambda m: NEAR_CHANGES[m % len(NEAR_CHANGES)] if m < 0 else m)
_SHIFTS = st.lists(
    st.builds(
        _shift,
        st.integers(0, 12).map(lambda day: min(day, 6)),
        _SHIFT_STARTS,  # half of them near the clock changes
        st.one_of(st.sampled_from([15, 30, 45, 60, 120]), st.integers(1, 1440)),  # within the hour, often
    ),
    min_size=1,
    max_size=8,
)
_ZONES = st.sampled_from(sorted(ANCHORS))
_COUNTRIES = st.sampled_from([(), ("NL",), ("BE",)])
_ANCHOR = st.integers(0, 99)  # an index into the zone's dates
_KINDS = st.sampled_from([C, C, C, A, A, A, AUTO, ELSEWHERE, WAIT, WAIT, RESUME, RESOLVE, REOPEN])
# on a five-minute grid half of the time, so that replies fall exactly due and pauses start as limits run out
_OFFSETS = st.one_of(st.integers(0, 120).map(lambda five: 5 * five), st.integers(0, 600))
_EVENTS = st.lists(st.tuples(_OFFSETS, _KINDS), max_size=10)
_LIMIT = st.one_of(st.none(), st.sampled_from([0, 5, 10, 15, 30, 60]), st.integers(0, 240))
_START = st.integers(-360, 1080)
_WARN = st.sampled_from([0, 5, 15, 30, 45])
_NOW = st.one_of(st.integers(0, 144).map(lambda five: 5 * five), st.integers(0, 720))


@settings(max_examples=4500)
@given(
    zone=_ZONES, countries=_COUNTRIES, shifts=_SHIFTS, anchor=_ANCHOR, events=_EVENTS, opening=st.booleans(),
    first=_LIMIT, following=_LIMIT, resolution=_LIMIT, warn=_WARN, business=st.booleans(), now=_NOW,
    start=_START,
)  # fmt: skip
def test_sla_clock_matches_a_minute_by_minute_simulation(
    zone: str, countries: tuple[str, ...], shifts: list[Shift], anchor: int,
    events: list[tuple[int, EventKind]], opening: bool, first: int | None, following: int | None,
    resolution: int | None, warn: int, business: bool, now: int, start: int,
) -> None:  # fmt: skip
    calendar = BusinessCalendar(zone, tuple(shifts), countries)
    midnight = datetime.combine(ANCHORS[zone][anchor % len(ANCHORS[zone])], time(0), ZoneInfo(zone))
    base = int(midnight.timestamp()) // 60 + start
    if opening:
        events = [(0, C), *events]  # most conversations start with the customer
    events = [(base + offset, kind) for offset, kind in events]
    now += base
    horizon = now + 1440  # the simulation looks a day past now; the clock must agree so far
    policy = SlaPolicy(
        first_response=None if first is None else minutes(first),
        next_response=None if following is None else minutes(following),
        resolution=None if resolution is None else minutes(resolution),
        warn_before=minutes(warn),
        business_hours=business,
    )
    limits = {
        TargetKind.first_response: first,
        TargetKind.next_response: following,
        TargetKind.resolution: resolution,
    }
    counts = open_minutes(calendar, base, horizon) if business else None
    cycle = simulate(events, limits, now, horizon, counts, base)

    result = sla_clock(
        [ClockEvent(_moment(minute), kind) for minute, kind in events], policy, calendar, _moment(now)
    )

    expected = [] if cycle is None else [t for t in (cycle.first, cycle.following, cycle.resolution) if t]
    assert [item.kind for item in result.targets] == [item.kind for item in expected]
    for got, want in zip(result.targets, expected, strict=True):
        assert got.started_at == _moment(want.start)
        assert got.limit == minutes(want.limit)
        assert got.spent == minutes(want.spent or 0)
        if want.met is not None:
            late = want.due is not None and want.due < want.met
            assert (got.state, got.met_at, got.breached) == ("met", _moment(want.met), late)
            assert got.due == (_moment(want.due) if late and want.due is not None else None)
        elif want.due is not None and want.due < now:
            assert (got.state, got.due, got.breached) == ("breached", _moment(want.due), True)
        elif cycle is not None and cycle.paused:
            assert (got.state, got.due, got.breached) == ("paused", None, False)
        else:
            assert got.state == ("warning" if want.limit - (want.spent or 0) <= warn else "ok")
            assert not got.breached
            if want.due is None:  # past the simulation's horizon (None: over 400 days away)
                assert got.due is None or got.due >= _moment(horizon)
            else:
                assert got.due == _moment(want.due)
    states = [item.state for item in result.targets]
    order = ["breached", "warning", "ok", "paused", "met"]
    assert result.state == (min(states, key=order.index) if states else "none")
    running = [
        item.due for item in result.targets if item.state in ("ok", "warning", "breached") and item.due
    ]
    assert result.next_due == min(running, default=None)
