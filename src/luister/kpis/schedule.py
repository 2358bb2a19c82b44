"""When a scheduled report runs: "weekly on Monday at 08:00 Europe/Amsterdam" as a pure rule of ``now``.

Local wall-clock times are kept across daylight-saving changes (08:00 stays 08:00, so the run moves an hour
in UTC twice a year). A local time that does not exist on a spring-forward day (02:30) runs an hour later
(03:30, as the clock would have shown without the change); one that exists twice in autumn runs at the
first (``fold=0``). A run is identified by its local date (the period it opens): one per week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Weekly:
    weekday: int  # 0 Monday … 6 Sunday
    at: time  # local wall-clock time
    zone: str = "Europe/Amsterdam"

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday: 0 (Monday) to 6 (Sunday)")
        ZoneInfo(self.zone)  # an unknown zone fails here, not at the first tick

    def moment(self, day: date) -> datetime:
        """The run of local date ``day`` in UTC."""
        zone = ZoneInfo(self.zone)
        local = datetime.combine(day, self.at, tzinfo=zone)
        # fold=0: the first of a doubled autumn time; in a spring gap, zoneinfo reads it with the offset
        # before the change, which lands an hour later (02:30 → 03:30 CEST, 01:30 UTC; see the tests)
        return local.astimezone(UTC)


def _local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def latest_run(rule: Weekly, now: datetime) -> tuple[date, datetime]:
    """The last run at or before ``now``: its local date (the period it opens) and its moment in UTC."""
    day = _local_day(now, rule.zone)
    day -= timedelta(days=(day.weekday() - rule.weekday) % 7)
    if rule.moment(day) > now:
        day -= timedelta(days=7)
    return day, rule.moment(day)


def next_run(rule: Weekly, now: datetime) -> datetime:
    """The first run strictly after ``now``, in UTC."""
    day, _ = latest_run(rule, now)
    return rule.moment(day + timedelta(days=7))
