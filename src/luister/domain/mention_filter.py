"""The mention list's filters as one value: what the list, its count and the dashboards' drill-downs pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class MentionFilter:
    """Which mentions a list shows (None: no filter). ``country`` and ``language`` take ``""`` for
    "unknown" (as the dashboards count it); the period is [since, until)."""

    topic_id: int | None = None
    sentiment: str | None = None
    intent: str | None = None  # one of the mention's intents
    primary_intent: str | None = None  # its most urgent intent, what routing goes by
    channel: str | None = None
    country: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    tag: str | None = None  # a label people put on mentions


NO_FILTER = MentionFilter()
