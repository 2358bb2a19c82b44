"""When a reply waits for an approver (pure): the approval rules and what they ask of one reply.

A rule holds for every reply (``all``), for replies in a conversation on a topic (``topic``, value: the
topic's id, through its mentions), with an intent (``intent``, value: a label of
:data:`luister.domain.analysis.PRIMARY_ORDER`), of a department (``department``, value: its key), of a
priority (``priority``), or for the first N replies an agent sends (``new_agent``, value: N)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from luister.domain.analysis import PRIMARY_ORDER
from luister.domain.said import Said
from luister.inbox.status import Priority

MAX_NEW_AGENT = 10_000


class RuleKind(StrEnum):
    all = "all"
    topic = "topic"
    intent = "intent"
    department = "department"
    priority = "priority"
    new_agent = "new_agent"


class ApprovalRuleProblem(Said, ValueError):
    """A rule that cannot hold (a value of the wrong kind), said in English and Dutch."""


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    id: int
    name: str
    kind: RuleKind
    value: str | None = None
    active: bool = True

    def describe(self) -> str:
        """What the rule asks, in words (English: the pages translate the kinds)."""
        if self.kind is RuleKind.all:
            return "every reply"
        if self.kind is RuleKind.new_agent:
            return f"the first {self.value} replies of an agent"
        return f"{self.kind.value} {self.value}"

    def reason(self) -> str:
        return f"{self.name}: {self.describe()}" if self.name else self.describe()


@dataclass(frozen=True, slots=True)
class ApprovalContext:
    """What the rules look at: the conversation's topics (ids, through its mentions), its intent,
    department key and priority, and how many replies the author has sent so far."""

    topics: frozenset[int] = field(default_factory=frozenset)
    intent: str | None = None
    department: str | None = None
    priority: str = Priority.normal.value
    sent_by_author: int = 0


def clean_value(kind: RuleKind, value: str | None) -> str | None:
    """The rule's value as stored, or :class:`ApprovalRuleProblem` saying what it must be."""
    text = (value or "").strip()
    if kind is RuleKind.all:
        if text:
            raise ApprovalRuleProblem(
                "value",
                "a rule for every reply takes no value",
                "een regel voor elk antwoord heeft geen waarde",
            )
        return None
    if not text:
        raise ApprovalRuleProblem(
            "value", f"a {kind.value} rule needs a value", f"een {kind.value}-regel heeft een waarde nodig"
        )
    if kind is RuleKind.topic and not (text.isdigit() and int(text) > 0):
        raise ApprovalRuleProblem(
            "value",
            "a topic rule's value is the topic's id (a positive number)",
            "de waarde van een onderwerpregel is het id van het onderwerp (een positief getal)",
        )
    if kind is RuleKind.intent and text not in PRIMARY_ORDER:
        raise ApprovalRuleProblem(
            "value",
            f"an intent rule's value is one of {', '.join(PRIMARY_ORDER)}",
            f"de waarde van een intentieregel is een van {', '.join(PRIMARY_ORDER)}",
        )
    if kind is RuleKind.priority and text not in Priority.__members__:
        raise ApprovalRuleProblem(
            "value",
            f"a priority rule's value is one of {', '.join(Priority.__members__)}",
            f"de waarde van een prioriteitsregel is een van {', '.join(Priority.__members__)}",
        )
    if kind is RuleKind.new_agent and not (text.isdigit() and 0 < int(text) <= MAX_NEW_AGENT):
        raise ApprovalRuleProblem(
            "value",
            f"a new-agent rule's value is a number of replies, 1 to {MAX_NEW_AGENT}",
            f"de waarde van een regel voor nieuwe medewerkers: een aantal antwoorden, 1 tot {MAX_NEW_AGENT}",
        )
    if len(text) > 255:
        raise ApprovalRuleProblem(
            "value",
            "a rule's value has at most 255 characters",
            "de waarde van een regel heeft hoogstens 255 tekens",
        )
    return str(int(text)) if kind in (RuleKind.topic, RuleKind.new_agent) else text


def holds(rule: ApprovalRule, context: ApprovalContext) -> bool:
    """Whether ``rule`` asks for approval of a reply in ``context`` (an inactive rule never does)."""
    if not rule.active:
        return False
    value = rule.value or ""
    match rule.kind:
        case RuleKind.all:
            return True
        case RuleKind.topic:
            return value.isdigit() and int(value) in context.topics
        case RuleKind.intent:
            return context.intent == value
        case RuleKind.department:
            return context.department == value
        case RuleKind.priority:
            return context.priority == value
        case RuleKind.new_agent:
            return value.isdigit() and context.sent_by_author < int(value)
    return False  # pragma: no cover - every kind is matched above


def needs_approval(rules: Iterable[ApprovalRule], context: ApprovalContext) -> tuple[str, ...]:
    """Why a reply in ``context`` waits for an approver: the reasons of the rules that hold, in the rules'
    order (by id), each once; empty: it may go out at once."""
    reasons = (rule.reason() for rule in sorted(rules, key=lambda r: r.id) if holds(rule, context))
    return tuple(dict.fromkeys(reasons))
