"""What the alerts capability tells subscribers, after the change is committed (see ``actions``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AlertChanged:
    """An alert was opened, updated, acknowledged, had a step ticked off, was resolved, or had its failed
    deliveries queued again (``action`` as in its timeline: opened, updated, acknowledged, step_done,
    resolved, delivery_retried)."""

    alert_id: int
    action: str
    actor: str


@dataclass(frozen=True, slots=True)
class RuleChanged:
    """An alert rule was saved (created or replaced) or removed."""

    name: str
    action: str  # saved, renamed (told under the old name), removed, noted (why a spike rule judged nothing)
    actor: str


@dataclass(frozen=True, slots=True)
class ChannelChanged:
    """An alert channel was added, changed (its options) or removed."""

    name: str
    action: str  # added, changed, removed
    actor: str
