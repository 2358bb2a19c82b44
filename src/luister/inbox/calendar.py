"""Business hours: when a department is at work, and how much working time lies between two moments (pure).

A :class:`BusinessCalendar` is a week of shifts in local wall-clock time in one zone, minus the public
holidays of the countries it names. A moment is *open* when its local time falls in a shift of its local
date (start included, end excluded) and that date is no holiday. Everything follows from that one rule,
also on the nights the clocks change: a shift 01:00–04:00 on the night of summer time lasts 2 real hours,
on the night of winter time 4 (the hour 02:00–03:00 happens twice and counts twice); a local time that
does not exist is skipped.

The work is done in shift intervals per local day (converted to UTC once and cached), never minute by minute.
Results are aware datetimes in UTC; inputs may be aware datetimes in any zone, naive ones are refused."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

_T = TypeVar("_T", timedelta, datetime)

DEFAULT_ZONE = "Europe/Amsterdam"
MIDNIGHT = time(0)  # as a shift's end: midnight at the end of the day, written "24:00"
_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_FULL_DAY = ((_ZERO, _DAY),)
_SEARCH_DAYS = 400  # add_working_time gives up after this many days without enough business time
_CACHE_DAYS = 4096  # day intervals cached per calendar before the cache starts afresh
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")

Span = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True, slots=True)
class Shift:
    """One block of working time on a weekday (0 = Monday), local wall-clock time, ``end`` excluded.

    An ``end`` of 00:00 means midnight at the end of the day; a shift over midnight is two shifts."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday {self.weekday!r} is not 0 (Monday) to 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("shift times are local wall-clock times without a zone")
        if self.end != MIDNIGHT and self.end <= self.start:
            raise ValueError(
                f"end {_format_time(self.end)} is not after start {_format_time(self.start)}"
                " (a shift over midnight is two shifts)"
            )

    @property
    def bounds(self) -> tuple[timedelta, timedelta]:
        """Start and end as time since local midnight (the end of a shift to midnight is 24 h)."""
        end = _DAY if self.end == MIDNIGHT else _since_midnight(self.end)
        return _since_midnight(self.start), end


@dataclass(frozen=True)
class BusinessCalendar:
    """Shifts per weekday in ``zone``, no business time on the public holidays of ``holidays`` (ISO country
    codes, resolved with the ``holidays`` library). ``around_the_clock``: every moment of every day (bar the
    holidays, if any are named); ``shifts`` must then be empty. Overlapping shifts on a day count once."""

    zone: str = DEFAULT_ZONE
    shifts: tuple[Shift, ...] = ()
    holidays: tuple[str, ...] = ()
    around_the_clock: bool = False
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _week: tuple[tuple[tuple[timedelta, timedelta], ...], ...] = field(init=False, repr=False, compare=False)
    _days: dict[date, tuple[Span, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shifts", tuple(self.shifts))
        object.__setattr__(self, "holidays", tuple(self.holidays))
        object.__setattr__(self, "_tz", _zone(self.zone))
        for code in self.holidays:
            if code not in _supported_countries():
                raise ValueError(f"holidays: unknown country code {code!r}")
        week: tuple[tuple[tuple[timedelta, timedelta], ...], ...]
        if self.around_the_clock:
            if self.shifts:
                raise ValueError("a calendar around the clock has no shifts")
            week = (_FULL_DAY,) * 7
        else:
            if not self.shifts:
                raise ValueError("a calendar needs at least one shift (or is around the clock)")
            week = tuple(
                _merge(sorted(s.bounds for s in self.shifts if s.weekday == day)) for day in range(7)
            )
        object.__setattr__(self, "_week", week)
        object.__setattr__(self, "_days", {})

    # -- the stored shape ---------------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: object) -> BusinessCalendar:
        """The calendar stored in ``department.calendar``:
        ``{"zone": "Europe/Amsterdam", "holidays": ["NL"], "shifts": [[0, "08:00", "12:30"], ...]}``.
        Without ``shifts`` (``{}`` in particular) the calendar runs around the clock. Raises ``ValueError``
        saying what is wrong and where."""
        if not isinstance(data, Mapping):
            raise ValueError("calendar: expected an object")
        unknown = sorted(str(key) for key in data if key not in ("zone", "holidays", "shifts"))
        if unknown:
            raise ValueError(f"calendar: unknown key {unknown[0]!r} (expected zone, holidays, shifts)")
        zone = data.get("zone", DEFAULT_ZONE)
        if not isinstance(zone, str):
            raise ValueError("zone: expected a time zone name such as 'Europe/Amsterdam'")
        countries = data.get("holidays", [])
        if not isinstance(countries, list) or not all(isinstance(code, str) for code in countries):
            raise ValueError("holidays: expected a list of country codes such as ['NL']")
        if "shifts" not in data:
            return cls(zone=zone, holidays=tuple(countries), around_the_clock=True)
        rows = data["shifts"]
        if not isinstance(rows, list):
            raise ValueError("shifts: expected a list of [weekday, 'HH:MM', 'HH:MM']")
        if not rows:
            raise ValueError("shifts: the list is empty (leave shifts out for a calendar around the clock)")
        return cls(
            zone=zone,
            holidays=tuple(countries),
            shifts=tuple(_parse_shift(n, row) for n, row in enumerate(rows, 1)),
        )

    def to_json(self) -> dict[str, object]:
        """The stored shape; :meth:`from_json` reads it back to an equal calendar."""
        data: dict[str, object] = {}
        if self.zone != DEFAULT_ZONE or not self.around_the_clock:
            data["zone"] = self.zone
        if self.holidays or not self.around_the_clock:
            data["holidays"] = list(self.holidays)
        if not self.around_the_clock:
            data["shifts"] = [[s.weekday, _format_time(s.start), _format_end(s.end)] for s in self.shifts]
        return data

    # -- questions ---------------------------------------------------------------------------------------

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` is business time."""
        at = _utc(moment)
        return any(start <= at < end for start, end in self.spans_of(self._local_date(at)))

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """The business time between ``start`` and ``end`` (zero when ``end`` is not after ``start``)."""
        begin, finish = _utc(start), _utc(end)
        if finish <= begin:
            return _ZERO
        if self.around_the_clock and not self.holidays:
            return finish - begin
        total = _ZERO
        for span_start, span_end in self.spans_between(begin, finish):
            total += min(span_end, finish) - max(span_start, begin)
        return total

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The first moment (UTC) at which ``amount`` of business time has passed since ``start``.

        When the amount runs out exactly at the end of a shift, that end is the answer (not the start of the
        next shift); an amount of zero gives ``start`` itself."""
        if amount < _ZERO:
            raise ValueError("amount of working time must not be negative")
        begin = _utc(start)
        if amount == _ZERO:
            return begin
        if self.around_the_clock and not self.holidays:
            return begin + amount
        remaining = amount
        day = self._local_date(begin)
        for _ in range(_SEARCH_DAYS):
            for span_start, span_end in self.spans_of(day):
                if span_end <= begin:
                    continue
                span_start = max(span_start, begin)
                if span_end - span_start >= remaining:
                    return span_start + remaining
                remaining -= span_end - span_start
            day += _DAY
        raise ValueError(f"not enough business time within {_SEARCH_DAYS} days of {begin.isoformat()}")

    def spans_between(self, start: datetime, end: datetime) -> Iterator[Span]:
        """The business-time intervals (UTC, end excluded) that overlap [start, end), unclipped."""
        begin, finish = _utc(start), _utc(end)
        day, last = self._local_date(begin), self._local_date(finish)
        while day <= last:
            for span in self.spans_of(day):
                if span[1] > begin and span[0] < finish:
                    yield span
            day += _DAY

    def spans_of(self, day: date) -> tuple[Span, ...]:
        """The business-time intervals (UTC, end excluded) of one local date, in order."""
        if not self._week[day.weekday()]:
            return ()  # no shift on this weekday: nothing to convert or look up
        spans = self._days.get(day)
        if spans is None:
            spans = () if self.is_holiday(day) else self._spans_of(day)
            if len(self._days) >= _CACHE_DAYS:
                self._days.clear()
            self._days[day] = spans
        return spans

    def is_holiday(self, day: date) -> bool:
        """Whether ``day`` is a public holiday in one of the calendar's countries."""
        return any(day in _holidays_of(code, day.year) for code in self.holidays)

    def _spans_of(self, day: date) -> tuple[Span, ...]:
        midnight = datetime.combine(day, MIDNIGHT)
        spans: list[Span] = []
        for start, end in self._week[day.weekday()]:
            spans.extend(_utc_spans(self._tz, midnight + start, midnight + end))
        return tuple(_merge(sorted(spans)))

    def _local_date(self, moment: datetime) -> date:
        return moment.astimezone(self._tz).date()


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)


def _utc_spans(tz: ZoneInfo, start: datetime, end: datetime) -> list[Span]:
    """The UTC intervals whose local time lies in the naive local [start, end).

    A local time maps to ``utc + offset``; per stretch of constant offset the local interval is one UTC
    interval, clipped to the stretch. That skips local times that do not exist and counts twice those
    that exist twice, with no special cases."""
    offsets = {tz.utcoffset(moment.replace(fold=fold)) for moment in (start, end) for fold in (0, 1)}
    known = [offset for offset in offsets if offset is not None]
    low = (start - max(known)).replace(tzinfo=UTC)
    high = (end - min(known)).replace(tzinfo=UTC)
    spans: list[Span] = []
    for piece_start, piece_end, offset in _constant_offsets(tz, low, high):
        span_start = max(piece_start, (start - offset).replace(tzinfo=UTC))
        span_end = min(piece_end, (end - offset).replace(tzinfo=UTC))
        if span_start < span_end:
            spans.append((span_start, span_end))
    return spans


def _constant_offsets(
    tz: ZoneInfo, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime, timedelta]]:
    """[start, end) (UTC) cut where the zone's offset changes: (from, to, offset) pieces.

    A change is found by bisection to the second (zones change on whole seconds); a span is assumed to hold
    no change that comes back to the same offset within it, which holds for spans of about a day."""
    while start < end:
        first = _offset_at(tz, start)
        last = _offset_at(tz, end - timedelta(microseconds=1))
        if first == last:
            yield start, end, first
            return
        latest = end - timedelta(microseconds=1)
        low, high = 0, math.ceil((latest - start).total_seconds())  # offset(low) == first != offset(high)
        while high - low > 1:
            middle = (low + high) // 2
            if _offset_at(tz, min(start + timedelta(seconds=middle), latest)) == first:
                low = middle
            else:
                high = middle
        change = min(start + timedelta(seconds=high), end)
        yield start, change, first
        start = change


def _offset_at(tz: ZoneInfo, moment: datetime) -> timedelta:
    offset = moment.astimezone(tz).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset for an aware moment
    return offset


def _merge(intervals: list[tuple[_T, _T]]) -> tuple[tuple[_T, _T], ...]:
    merged: list[tuple[_T, _T]] = []
    for start, end in intervals:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


@functools.cache
def _supported_countries() -> frozenset[str]:
    return frozenset(holidays_lib.list_supported_countries())


@functools.lru_cache(maxsize=512)
def _holidays_of(country: str, year: int) -> frozenset[date]:
    # the library computes a year's holidays on first use; looked up per day, so cached per country and year
    return frozenset(holidays_lib.country_holidays(country, years=year))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"zone: unknown time zone {name!r}") from None


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour, minutes=moment.minute, seconds=moment.second, microseconds=moment.microsecond
    )


def _parse_shift(number: int, row: object) -> Shift:
    where = f"shift {number}"
    if not isinstance(row, list) or len(row) != 3:
        raise ValueError(f"{where}: expected [weekday, 'HH:MM', 'HH:MM']")
    weekday, start, end = row
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValueError(f"{where}: weekday {weekday!r} is not 0 (Monday) to 6 (Sunday)")
    try:
        return Shift(weekday, _parse_time(start, end=False), _parse_time(end, end=True))
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _parse_time(text: object, *, end: bool) -> time:
    label = "end" if end else "start"
    if not isinstance(text, str) or not _TIME.fullmatch(text):
        raise ValueError(f"{label} {text!r} is not a time such as '08:30'")
    if end and text in ("24:00", "24:00:00"):
        return MIDNIGHT
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{label} {text!r} is not a time such as '08:30'") from None


def _format_time(moment: time) -> str:
    return moment.strftime("%H:%M:%S" if moment.second or moment.microsecond else "%H:%M")


def _format_end(moment: time) -> str:
    return "24:00" if moment == MIDNIGHT else _format_time(moment)
