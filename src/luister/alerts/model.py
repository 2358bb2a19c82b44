"""What alerts are made of: rule kinds, statuses, severities, and the message a channel delivers (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from luister.alerts import texts
from luister.domain.said import Said


class RuleKind(StrEnum):
    volume_spike = "volume_spike"  # mentions per hour far above the expected rhythm
    negative_spike = "negative_spike"  # negative mentions per hour likewise
    query = "query"  # any new mention matching a query (storing OR lek OR boycot)
    intent = "intent"  # any new mention with an intent (crisis, churn)
    influencer = "influencer"  # a mention by an author with at least N followers
    negative_share = "negative_share"  # share of negative mentions in the window above X %
    sla_breach = "sla_breach"  # an inbox conversation breached its SLA (the inbox tells; nothing is scanned)


class AlertStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    resolved = "resolved"


class Severity(StrEnum):
    info = "info"
    warning = "warning"
    critical = "critical"


SPIKE_KINDS = frozenset({RuleKind.volume_spike, RuleKind.negative_spike})
EVENT_KINDS = frozenset({RuleKind.query, RuleKind.intent, RuleKind.influencer})
INBOX_KINDS = frozenset({RuleKind.sla_breach})  # raised by the inbox's events, not by checking mentions


@dataclass(frozen=True, slots=True)
class SampleMention:
    id: int
    channel: str
    author: str | None
    text: str
    url: str | None
    published_at: datetime


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """What a delivery channel sends: everything a person needs to act, as plain values.

    Mention text is hostile: channels must escape it for their format (HTML mail, Slack mrkdwn, …).
    """

    alert_id: int
    rule: str
    kind: RuleKind
    severity: Severity
    status: AlertStatus
    title: str
    summary: str
    topic: str | None
    opened_at: datetime
    updated_at: datetime
    mentions: int  # mentions that triggered it so far
    expected: float | None = None  # for spikes
    samples: tuple[SampleMention, ...] = ()
    steps: tuple[str, ...] = ()  # the playbook's first steps, when a playbook is attached
    update: bool = False  # an update of an alert delivered before (grouping), not a new one
    links: dict[str, str] = field(default_factory=dict)


class AlertError(ValueError):
    """An alert cannot be found or cannot make this change (e.g. resolving a resolved alert)."""


class AlertRuleError(ValueError):
    """A rule cannot be saved or found; the message says why."""


class UnknownRule(AlertRuleError):
    """No rule by that name (or none the asker may see)."""


class RuleNameTaken(AlertRuleError):
    """A new rule's name is taken already."""


class ChannelError(Said, ValueError):
    """A channel cannot be saved, found, built or reached; the message says why, in English
    (``str(error)``, for the API and the command line) and in Dutch (:meth:`said`, for the pages)."""

    def __init__(self, message: str, nl: str | None = None, *, field: str = "") -> None:
        super().__init__(field, message, nl)


class UnknownChannel(ChannelError):
    """No channel by that name."""


class ChannelNameTaken(ChannelError):
    """A new channel's name is taken already."""


class InvalidChannelOptions(ChannelError):
    """Options the kind's options model refuses: ``problems`` by option name (pydantic's messages, in
    English; a page reads each in the reader's language through ``web.option_problems``)."""

    def __init__(self, kind: str, problems: dict[str, str]) -> None:
        listed = "; ".join(f"{name or 'options'}: {problem}" for name, problem in problems.items())
        super().__init__(f"invalid options for {kind}: {listed}", f"ongeldige opties voor {kind}: {listed}")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule found now: how much evidence, against what expectation, and examples."""

    count: int
    message: dict[str, Any]  # the title as key + values (luister.alerts.texts)
    summary: str
    sample_ids: tuple[int, ...]
    expected: float | None = None

    @property
    def title(self) -> str:
        return texts.render(self.message)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A rule's check: what it found (if anything) and, for a spike rule that could not judge, why."""

    finding: Finding | None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class AlertChange:
    alert_id: int
    rule: str
    opened: bool  # a new alert (else an update of an open one)
    notified: bool  # deliveries were queued
    mentions: int
