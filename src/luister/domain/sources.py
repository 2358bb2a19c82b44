"""Sources: when to poll next, how healthy a source is, and which options must never be shown."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

MAX_BACKOFF = timedelta(hours=6)
HEALTH_WINDOW = timedelta(hours=24)
DRIFT_MIN_RATIO = 0.2  # at least this share of items rejected recently …
DRIFT_FACTOR = 3.0  # … and this many times the share before: the platform changed its format
_SECRET_NAME = re.compile(r"token|secret|password|passwd|key|auth|credential|cookie|client_id", re.IGNORECASE)


class SourceStatus(StrEnum):
    new = "new"  # never ran
    ok = "ok"
    failing = "failing"  # the last run failed
    drifting = "drifting"  # mapping failures jumped: format drift
    silent = "silent"  # runs succeed but nothing arrived for a long time


@dataclass(slots=True, frozen=True)
class Run:
    started_at: datetime
    fetched: int
    stored: int
    rejected: int
    error: str | None


@dataclass(slots=True, frozen=True)
class Health:
    status: SourceStatus
    items_per_hour: float
    rejected_ratio: float
    detail: str
    undated: int = 0  # mentions stored in the health window whose date the source did not give

    @property
    def warnings(self) -> tuple[str, ...]:
        """What is worth knowing but no fault: the source works, yet part of what it gives is incomplete."""
        if not self.undated:
            return ()
        mentions = "1 mention" if self.undated == 1 else f"{self.undated:,} mentions"
        return (f"{mentions} without a date in the last 24 hours: dated when fetched",)


def next_run(
    *,
    now: datetime,
    poll_interval: timedelta,
    failures: int,
    rng: random.Random,
    retry_after: float | None = None,
) -> datetime:
    """After success: one poll interval. After failures: exponential backoff with full jitter, at least
    a minute and at most :data:`MAX_BACKOFF`, never sooner than the poll interval. Never sooner than
    a platform's ``Retry-After`` (``retry_after`` seconds), however long it asks for."""
    if failures <= 0:
        due = now + poll_interval
    else:
        ceiling = min(MAX_BACKOFF, poll_interval * (2 ** min(failures, 16)))
        delay = max(poll_interval, timedelta(seconds=rng.uniform(60, max(60.0, ceiling.total_seconds()))))
        due = now + delay
    if retry_after is not None:
        due = max(due, now + timedelta(seconds=min(retry_after, 366 * 86400)))  # a year at most
    return due


def assess(runs: Sequence[Run], *, now: datetime, poll_interval: timedelta, undated: int = 0) -> Health:
    """Health from the run history, newest first; ``undated``: the mentions stored in the last
    :data:`HEALTH_WINDOW` without a date (a warning in every status, never a fault)."""
    return replace(_assess(runs, now=now, poll_interval=poll_interval), undated=undated)


def _assess(runs: Sequence[Run], *, now: datetime, poll_interval: timedelta) -> Health:
    if not runs:
        return Health(SourceStatus.new, 0.0, 0.0, "has not run yet")
    recent = [r for r in runs if now - r.started_at <= HEALTH_WINDOW]
    earlier = [r for r in runs if now - r.started_at > HEALTH_WINDOW]
    per_hour = sum(r.stored for r in recent) / (HEALTH_WINDOW.total_seconds() / 3600)
    ratio = _rejected_ratio(recent)
    if runs[0].error:
        return Health(SourceStatus.failing, per_hour, ratio, runs[0].error)
    baseline = _rejected_ratio(earlier)
    if ratio >= DRIFT_MIN_RATIO and ratio >= DRIFT_FACTOR * max(baseline, 0.01):
        detail = f"{ratio:.0%} of items could not be mapped (before: {baseline:.0%}); did the format change?"
        return Health(SourceStatus.drifting, per_hour, ratio, detail)
    last_item = next((r.started_at for r in runs if r.stored or r.fetched), None)
    quiet_for = max(HEALTH_WINDOW, poll_interval * 10)
    if len(runs) >= 3 and (last_item is None or now - last_item > quiet_for):
        return Health(SourceStatus.silent, per_hour, ratio, "no items arrived for a long time")
    return Health(SourceStatus.ok, per_hour, ratio, "")


def _rejected_ratio(runs: Sequence[Run]) -> float:
    fetched = sum(r.fetched for r in runs)
    return sum(r.rejected for r in runs) / fetched if fetched else 0.0


def is_secret_name(name: str) -> bool:
    """Whether an option called ``name`` holds a secret (a token, password, key …): masked when shown,
    encrypted at rest."""
    return _SECRET_NAME.search(name) is not None


def masked(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options safe to show or log: secret-looking values keep only their last two characters."""
    return {
        name: _mask(value) if is_secret_name(name) and isinstance(value, str) and value else value
        for name, value in options.items()
    }


def _mask(value: str) -> str:
    return "***" + value[-2:] if len(value) > 8 else "***"
