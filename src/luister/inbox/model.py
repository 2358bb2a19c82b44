"""The inbox's errors, events and the record of a routing decision (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACTION_INTENTS = ("complaint", "question", "lead", "churn", "crisis", "feedback")  # become conversations


class InboxError(ValueError):
    """A change the inbox refuses; the edges answer 4xx with the message."""


class UnknownConversation(InboxError):
    """No such conversation, or one outside the reader's departments (as unknown: no probing)."""


class UnknownDepartment(InboxError):
    pass


class NotAMember(InboxError):
    """Someone who is not in the conversation's department cannot be assigned it."""


class NotYours(InboxError):
    """Another department's set-up: someone of a department changes only their own (the API answers 403)."""


class Refused(NotYours):
    """A gate of the organisation refuses the person (the policy not acknowledged): 403, saying why."""


class Conflict(InboxError):
    """The change does not fit the conversation's state (the API answers 409)."""


@dataclass(frozen=True, slots=True)
class Route:
    """Why a conversation went where it went: ``by`` rule (with its id and name), model (the triage's
    label, evidence and score), transfer (someone moved it, with their reason), or none."""

    by: str
    department: str | None
    because: str = ""
    evidence: tuple[str, ...] = ()
    score: float | None = None
    rule_id: int | None = None
    rule_name: str | None = None
    actor: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "by": self.by,
            "department": self.department,
            "because": self.because,
            "evidence": list(self.evidence),
            "score": self.score,
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "actor": self.actor,
        }
        return {key: value for key, value in data.items() if value not in (None, "", [])}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Route:
        data = data or {}
        return cls(
            by=str(data.get("by", "none")),
            department=data.get("department"),
            because=str(data.get("because", "")),
            evidence=tuple(data.get("evidence", ())),
            score=data.get("score"),
            rule_id=data.get("rule_id"),
            rule_name=data.get("rule_name"),
            actor=data.get("actor"),
        )


@dataclass(frozen=True, slots=True)
class ConversationChanged:
    """Emitted after a change to a conversation is committed."""

    conversation_id: int
    action: str
    actor: str
    detail: dict[str, Any] = field(default_factory=dict)
