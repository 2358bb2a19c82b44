"""KPI periods, forecasts and status (pure; ``now`` is always an argument).

Periods are calendar weeks (Monday first), months, quarters and years in Europe/Amsterdam: a period runs
from local midnight of its first day to local midnight of the first day of the next, so a day in it may
be 23 or 25 hours long (daylight saving time) and the UTC bounds follow.

The forecast is simple and linear, and says which kind it is: a KPI that adds up over the period (leads,
volume, euros saved) is extrapolated at its pace so far (value ÷ elapsed share); a level (a share, a
sentiment, a response time) follows the least-squares line through its values so far to the period's end,
or stays where it is with fewer than two values. The status compares the forecast with the target:
reached → on track; missed by at most :data:`AT_RISK_MARGIN` of the distance from the baseline to the
target (of the target itself without a baseline) → at risk; else off track."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from luister.kpis.formulas import Direction

ZONE = ZoneInfo("Europe/Amsterdam")
AT_RISK_MARGIN = 0.1


class PeriodKind(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


class Status(StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    no_target = "no_target"
    no_data = "no_data"


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    start: date  # the first local day
    end: date  # the first local day of the next period

    @property
    def since(self) -> datetime:
        return local_midnight(self.start)

    @property
    def until(self) -> datetime:
        return local_midnight(self.end)

    def elapsed(self, now: datetime) -> float:
        """The share of the period's wall-clock time passed at ``now``, 0–1."""
        total = (self.until - self.since).total_seconds()
        return min(1.0, max(0.0, (now - self.since).total_seconds() / total))

    def label(self) -> str:
        if self.kind is PeriodKind.week:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.month:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind is PeriodKind.quarter:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)


def local_midnight(day: date) -> datetime:
    """The UTC moment local midnight of ``day`` in Europe/Amsterdam starts."""
    return datetime.combine(day, time(0), tzinfo=ZONE).astimezone(UTC)


def local_day(moment: datetime) -> date:
    return moment.astimezone(ZONE).date()


def period_start(kind: PeriodKind, day: date) -> date:
    """The first day of the ``kind`` period that holds ``day``."""
    if kind is PeriodKind.week:
        return day - timedelta(days=day.weekday())
    if kind is PeriodKind.month:
        return day.replace(day=1)
    if kind is PeriodKind.quarter:
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_start(kind: PeriodKind, start: date) -> date:
    """The first day of the period after the one starting on ``start``."""
    if kind is PeriodKind.week:
        return start + timedelta(days=7)
    months = {PeriodKind.month: 1, PeriodKind.quarter: 3, PeriodKind.year: 12}[kind]
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_of(kind: PeriodKind, day: date) -> Period:
    start = period_start(kind, day)
    return Period(kind, start, next_start(kind, start))


def period_at(kind: PeriodKind, now: datetime) -> Period:
    """The period that holds the moment ``now`` (local time decides)."""
    return period_of(kind, local_day(now))


def periods_until(kind: PeriodKind, now: datetime, count: int) -> list[Period]:
    """The ``count`` periods up to and including the current one, oldest first."""
    found = [period_at(kind, now)]
    while len(found) < count:
        found.insert(0, period_of(kind, found[0].start - timedelta(days=1)))
    return found


def is_period_start(kind: PeriodKind, day: date) -> bool:
    return period_start(kind, day) == day


# --- forecast and status ----------------------------------------------------------------------------------


def least_squares_at(points: Sequence[tuple[float, float]], x: float) -> float:
    """The least-squares line through ``points`` (at least two distinct x) evaluated at ``x``."""
    n = len(points)
    mean_x = sum(p[0] for p in points) / n
    mean_y = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mean_x) ** 2 for p in points)
    if sxx == 0:
        return mean_y
    slope = sum((p[0] - mean_x) * (p[1] - mean_y) for p in points) / sxx
    return mean_y + slope * (x - mean_x)


def forecast(
    so_far: float | None, elapsed: float, *, cumulative: bool, trend: Sequence[tuple[float, float]] = ()
) -> float | None:
    """The value expected at the period's end. ``elapsed``: share of the period passed (0–1); ``trend``:
    (elapsed share, value) pairs so far, for a level."""
    if so_far is None:
        return None
    if elapsed >= 1:
        return so_far
    if cumulative:
        return so_far / elapsed if elapsed > 0 else None
    if len({x for x, _ in trend}) >= 2:
        return least_squares_at(trend, 1.0)
    return so_far


def status(
    expected: float | None, target: float | None, direction: Direction, baseline: float | None = None
) -> Status:
    """On track, at risk or off track: ``expected`` (the forecast) against ``target``."""
    if target is None:
        return Status.no_target
    if expected is None:
        return Status.no_data
    short = target - expected if direction is Direction.up else expected - target
    if short <= 0:
        return Status.on_track
    reference = abs(target - baseline) if baseline is not None and baseline != target else abs(target)
    return Status.at_risk if short <= AT_RISK_MARGIN * reference else Status.off_track
