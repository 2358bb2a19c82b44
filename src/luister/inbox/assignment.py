"""Who in a department takes a conversation (pure): round-robin or least-loaded, among the members who
are available, below their capacity and speak the conversation's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

_NEVER = datetime.min.replace(tzinfo=UTC)


class Strategy(StrEnum):
    manual = "manual"  # nobody is chosen: people take conversations from the queue
    round_robin = "round_robin"  # the one who got a conversation longest ago
    least_loaded = "least_loaded"  # the one with the fewest open conversations


class Availability(StrEnum):
    available = "available"
    away = "away"
    off = "off"


@dataclass(frozen=True, slots=True)
class Agent:
    user_id: int
    languages: tuple[str, ...]
    availability: Availability
    capacity: int
    open_count: int
    last_assigned_at: datetime | None = None

    def can_take(self, language: str | None) -> bool:
        known = bool(language) and language != "und"  # undetermined: anyone may try
        speaks = not known or not self.languages or language in self.languages
        return self.availability is Availability.available and self.open_count < self.capacity and speaks


def choose_agent(agents: Sequence[Agent], *, language: str | None, strategy: Strategy) -> int | None:
    """The member who gets the conversation, or None (manual, or nobody can take it now: it waits in
    the department's queue until someone becomes available)."""
    if strategy is Strategy.manual:
        return None
    able = [agent for agent in agents if agent.can_take(language)]
    if not able:
        return None
    if strategy is Strategy.round_robin:
        chosen = min(able, key=lambda a: (a.last_assigned_at or _NEVER, a.user_id))
    else:
        chosen = min(able, key=lambda a: (a.open_count, a.last_assigned_at or _NEVER, a.user_id))
    return chosen.user_id


def parse_languages(value: str | Sequence[str]) -> tuple[str, ...]:
    """``"nl, en"`` → ``("nl", "en")``: two-letter codes, lower-case, without duplicates."""
    items = value.split(",") if isinstance(value, str) else value
    codes = dict.fromkeys(item.strip().lower() for item in items if item.strip())
    for code in codes:
        if len(code) != 2 or not code.isalpha():
            raise ValueError(f"{code!r} is not a two-letter language code")
    return tuple(codes)
