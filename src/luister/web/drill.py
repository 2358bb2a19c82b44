"""The filters a dashboard figure stands for, as the query string of the mention list behind it.

Every chart point links to ``/mentions?…`` with the same topic, period and breakdown values it counted,
so clicking it shows exactly those mentions. ``-`` stands for "unknown" (no country, no language).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time
from urllib.parse import urlencode

from luister.domain.addressing import UNKNOWN_VALUE, unknown_as_empty
from luister.domain.mention_filter import MentionFilter


class DrillError(ValueError):
    """A filter value in the address cannot be read; the message names it."""


class DateError(DrillError):
    """``since`` or ``until`` is not a date (or lies outside 1970–2999); ``name`` says which."""

    def __init__(self, message: str, name: str, value: str) -> None:
        super().__init__(message)
        self.name, self.value = name, value


@dataclass(frozen=True, slots=True)
class Drill:
    topic: str = ""
    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    country: str | None = None  # "" = unknown
    language: str | None = None  # "" = unknown
    sentiment: str | None = None
    intent: str | None = None
    tag: str | None = None  # a tag people put on mentions (the mention list only)

    def with_(self, **changes: object) -> Drill:
        return replace(self, **changes)  # type: ignore[arg-type]

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in asdict(self).items():
            if value is None or (name == "topic" and not value):
                continue
            if isinstance(value, datetime):
                out[name] = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
            else:
                out[name] = value or UNKNOWN_VALUE
        return out

    def url(self) -> str:
        return "/mentions?" + urlencode(self.params())

    def mention_filter(self, topic_id: int | None = None) -> MentionFilter:
        """The mention list's filter of this drill (the caller looks the topic's id up)."""
        return MentionFilter(topic_id=topic_id, channel=self.channel, country=self.country,
                             language=self.language, sentiment=self.sentiment, intent=self.intent,
                             since=self.since, until=self.until, tag=self.tag)  # fmt: skip


def read_drill(params: dict[str, str]) -> Drill:
    """The filters of a ``/mentions`` address (empty values mean "no filter")."""

    def text(name: str) -> str | None:
        return unknown_as_empty(params.get(name))

    return Drill(topic=params.get("topic", ""), since=_moment(params, "since"),
                 until=_moment(params, "until"), channel=text("channel"), country=text("country"),
                 language=text("language"), sentiment=text("sentiment"), intent=text("intent"),
                 tag=params.get("tag", "").strip() or None)  # fmt: skip


def _moment(params: dict[str, str], name: str) -> datetime | None:
    value = params.get(name, "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value) if "T" in value or " " in value else None
        if moment is None:
            moment = datetime.combine(date.fromisoformat(value), time())
    except ValueError:
        message = f"{name}: {value!r} is not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM)"
        raise DateError(message, name, value) from None
    if not 1970 <= moment.year <= 2999:  # periods are computed around it: keep far from datetime's ends
        raise DateError(f"{name}: {value!r} lies outside 1970–2999", name, value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
