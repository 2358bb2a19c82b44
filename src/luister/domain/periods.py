"""The periods dashboards and reports may ask for: one rule for the web pages, the API and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

MAX_DAYS = 3660  # ten years: rollups answer that from day tables as fast as a month
MAX_PERIOD = timedelta(days=MAX_DAYS)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class PeriodError(ValueError):
    """A period that cannot be shown; the message says why and what is allowed."""


def checked_days(days: int) -> int:
    """``days`` counted back from now, when it lies between 1 and :data:`MAX_DAYS`."""
    if not 1 <= days <= MAX_DAYS:
        raise PeriodError(f"days: choose between 1 and {MAX_DAYS}")
    return days


def checked_period(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """``since`` up to ``until`` (exclusive), when it is a real period of at most :data:`MAX_DAYS` days."""
    if until <= since:
        raise PeriodError("until must come after since")
    if not EARLIEST <= since < until <= LATEST:
        raise PeriodError(f"choose dates between {EARLIEST:%Y} and {LATEST:%Y}")
    if until - since > MAX_PERIOD:
        raise PeriodError(f"a period is at most {MAX_DAYS} days long")
    return since, until


# --- ranges of whole days in a person's time zone (the overview's date picker) ---------------------------

MAX_RANGE_DAYS = 731  # a picked range of dates: two years at most (longer ones are reports, not a dashboard)


class RangeError(PeriodError):
    """A range of dates that cannot be shown. ``text`` is an English sentence that is also the key of its
    translation, ``values`` fill it in (``text % values``)."""

    def __init__(self, text: str, **values: object) -> None:
        super().__init__(text % values)
        self.text = text
        self.values = values


def midnight(day: date, zone: tzinfo) -> datetime:
    """The start of ``day`` in ``zone``, in UTC."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def is_midnight(moment: datetime, zone: tzinfo) -> bool:
    local = moment.astimezone(zone)
    return midnight(local.date(), zone) == moment


def local_days(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The days ``first`` … ``last`` (both included) in ``zone`` as a period [since, until) in UTC."""
    return midnight(first, zone), midnight(last + timedelta(days=1), zone)


def day_count(since: datetime, until: datetime, zone: tzinfo | None = None) -> int:
    """How many days a period spans: its local days when it runs from midnight to midnight in ``zone``,
    else its length in days, rounded (at least 1)."""
    if zone is not None and is_midnight(since, zone) and is_midnight(until, zone):
        return (until.astimezone(zone).date() - since.astimezone(zone).date()).days
    return max(1, round((until - since) / timedelta(days=1)))


def previous_period(
    since: datetime, until: datetime, counted_until: datetime, zone: tzinfo | None = None
) -> tuple[datetime, datetime]:
    """The period of the same length just before [since, until), to compare with. A range of whole days
    in ``zone`` is compared with as many whole days there (a week with a clock change against a week
    without one); else the same duration. While the period is still going on (``counted_until`` before
    ``until``), only as much of the previous one as has passed of this one: like with like."""
    if zone is not None and is_midnight(since, zone) and is_midnight(until, zone):
        days = day_count(since, until, zone)
        start = midnight(since.astimezone(zone).date() - timedelta(days=days), zone)
    else:
        start = since - (until - since)
    if counted_until >= until:
        return start, since
    return start, min(since, start + max(counted_until - since, timedelta(0)))


def read_date(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RangeError("%(name)s: “%(value)s” is not a date; write it as YYYY-MM-DD",
                         name=name, value=value[:40]) from None  # fmt: skip


def checked_range(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The days ``first`` … ``last`` in ``zone`` as [since, until) in UTC, when they make a range to show."""
    if last < first:
        raise RangeError("the end date lies before the start date")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise RangeError("a range of dates is at most %(days)s days (two years)", days=MAX_RANGE_DAYS)
    if not (EARLIEST.date() < first and last < LATEST.date() - timedelta(days=1)):
        raise RangeError("choose dates between %(first)s and %(last)s", first=EARLIEST.year, last=LATEST.year)
    return local_days(first, last, zone)


def picked_range(first: str, last: str, *, days: int, today: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """A range of dates as typed (``from``/``to``, YYYY-MM-DD, either may be empty): without ``to`` up to
    ``today``, without ``from`` ``days`` days up to ``to``. As [since, until) in UTC, or ``RangeError``."""
    end = read_date(last, "to") if last else today
    try:
        start = read_date(first, "from") if first else end - timedelta(days=days - 1)
    except OverflowError:
        raise RangeError("choose dates between %(first)s and %(last)s", first=EARLIEST.year,
                         last=LATEST.year) from None  # fmt: skip
    return checked_range(start, end, zone)


def local_today(now: datetime, zone: tzinfo) -> date:
    """The day ``now`` lies in, in ``zone`` (the end of the newest counted hour counts to the hour before)."""
    return (now - timedelta(microseconds=1)).astimezone(zone).date()
