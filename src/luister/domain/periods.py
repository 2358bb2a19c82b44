"""The periods dashboards and reports may ask for: one rule for the web pages, the API and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
