"""Inbox SLA breaches through the alert channels: an ``sla_breach`` rule turns the inbox's
:class:`~luister.inbox.timers.SlaCrossed` events into alerts, delivered (and retried) like every other
alert, to the channels the rule names. Within the rule's cooldown further breaches update the open alert."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.engine import Connection, Engine

from luister.alerts import texts
from luister.alerts.actions import raise_alert
from luister.alerts.model import Finding, Outcome, RuleKind
from luister.alerts.read import list_rules
from luister.inbox.timers import SlaCrossed
from luister.services.events import EventBus

log = logging.getLogger(__name__)
ACTOR = "inbox"
SUBJECT_CHARS = 80


def breach_finding(event: SlaCrossed) -> Finding:
    subject = " ".join(event.subject.split())[:SUBJECT_CHARS] or f"#{event.conversation_id}"
    due = event.due_at.strftime("%Y-%m-%d %H:%M") if event.due_at else "–"
    return Finding(
        count=1,
        message=texts.message("sla_breach", subject=subject, conversation=event.conversation_id),
        summary=texts.summary(
            "sla_breach", conversation=event.conversation_id, department=event.department or "–", due=due
        ),
        sample_ids=(),
    )


class SlaEscalation:
    """An ``EventBus`` subscriber for :class:`SlaCrossed`."""

    def __init__(self, *, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine, self.clock = engine, clock
        self.bus: EventBus | None = None

    def subscribe(self, events: EventBus) -> EventBus:
        events.subscribe(SlaCrossed, self)
        self.bus = events
        return events

    def __call__(self, event: SlaCrossed) -> None:
        if event.state != "breached":
            return
        rules = [
            r for r in list_rules(engine=self.engine, enabled_only=True) if r.kind is RuleKind.sla_breach
        ]
        finding = breach_finding(event)

        def find(_conn: Connection) -> Outcome:
            return Outcome(finding)

        for rule in rules:
            raise_alert(engine=self.engine, actor=ACTOR, rule=rule, now=self.clock(), find=find, bus=self.bus)
