"""Which hours luister has data for (pure): an hour without data is unknown, never a quiet hour.

Data starts with the first source run, or with the first mention that came without a polled source
(an import, the push API). After that an hour is unknown while a source was failing (from its last
success until it succeeds again) or silent for longer than it should be (paused, or luister was not
running: no run for three poll intervals and at least an hour). A source that is switched off now
does not make the hours since unknown: it is no longer part of the mix, and the rhythm adapts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
TOLERANCE = timedelta(minutes=10)  # an hour missing at most this much of its data still counts


@dataclass(frozen=True, slots=True)
class RunRecord:
    started_at: datetime
    finished_at: datetime
    failed: bool


@dataclass(frozen=True, slots=True)
class SourceRuns:
    runs: Sequence[RunRecord]  # oldest first
    poll_interval: timedelta
    enabled: bool


Gap = tuple[datetime, datetime]


def silence_allowed(poll_interval: timedelta) -> timedelta:
    return max(3 * poll_interval, HOUR)


def source_gaps(source: SourceRuns, *, now: datetime) -> list[Gap]:
    """The stretches in which this source's mentions may be missing."""
    gaps: list[Gap] = []
    allowed = silence_allowed(source.poll_interval)
    last_success: datetime | None = None
    failing_since: datetime | None = None
    previous: RunRecord | None = None
    for run in source.runs:
        if previous is not None and run.started_at - previous.finished_at > allowed:
            gaps.append((previous.finished_at + source.poll_interval, run.started_at))
        if run.failed:
            if failing_since is None:
                failing_since = last_success or run.started_at
        else:
            if failing_since is not None:
                gaps.append((failing_since, run.finished_at))
                failing_since = None
            last_success = run.finished_at
        previous = run
    if failing_since is not None:
        gaps.append((failing_since, now))
    elif previous is not None and source.enabled and now - previous.finished_at > allowed:
        gaps.append((previous.finished_at + source.poll_interval, now))
    return gaps


def data_start(
    *, first_run: datetime | None, first_unpolled_mention: datetime | None, first_mention: datetime | None
) -> datetime | None:
    """When data begins: the first source run or the first mention that came another way; the first
    mention at all when neither is known (mentions of sources whose runs were removed)."""
    candidates = [t for t in (first_run, first_unpolled_mention) if t is not None]
    return min(candidates) if candidates else first_mention


def known_hours(*, end: datetime, hours: int, start: datetime | None, gaps: Sequence[Gap]) -> list[bool]:
    """For each hour ``[end − (hours − i) h, end − (hours − i − 1) h)``, oldest first: whether it has data.
    Without a start (no data at all) nothing is known."""
    if start is None:
        return [False] * hours
    first = end - hours * HOUR
    missing = [(first - HOUR, start), *gaps]
    known = []
    for i in range(hours):
        lo, hi = first + i * HOUR, first + (i + 1) * HOUR
        lost = sum(((min(hi, b) - max(lo, a)) for a, b in missing if a < hi and b > lo), timedelta())
        known.append(lost <= TOLERANCE)
    return known
