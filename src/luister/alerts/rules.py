"""Alert rules: what to watch (spikes, queries, intents, influencers, negative share), where to send it,
and the crisis playbook to start when it fires (pure: the checks a rule passes before it is saved)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from luister.alerts.model import AlertRuleError, RuleKind, Severity
from luister.domain.analysis import INTENT_LABELS
from luister.domain.queries import QuerySyntaxError, parse_query


class PlaybookStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1)
    owner: str | None = Field(None, description="The department or role: communications, legal, webcare, …")
    due_minutes: int | None = Field(None, ge=0, description="Deadline after the alert opened.")
    statements: dict[str, str] = Field(default_factory=dict, description="Holding statements per language.")


class Playbook(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    steps: list[PlaybookStep] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class RuleRead:
    id: int
    name: str
    kind: RuleKind
    topic_id: int | None
    topic: str | None
    query: str | None
    intent: str | None
    min_followers: int | None
    threshold: float | None
    sensitivity: float
    min_count: int
    cooldown_minutes: int
    severity: Severity
    channels: tuple[str, ...]
    playbook: Playbook | None
    enabled: bool
    last_mention_id: int | None
    note: str | None = None  # spike rules: why the last check judged nothing (too little history, no data)


def check_rule(
    *,
    name: str,
    kind: RuleKind,
    query: str | None,
    intent: str | None,
    min_followers: int | None,
    threshold: float | None,
    sensitivity: float,
    min_count: int,
    cooldown_minutes: int,
    playbook: Mapping[str, Any] | None,
) -> Playbook | None:
    """Raise :class:`AlertRuleError` saying what is wrong with a rule; return its checked playbook."""
    if not name:
        raise AlertRuleError("a rule needs a name")
    check_kind_fields(kind, query, intent, min_followers, threshold)
    if not 0 < sensitivity < 1:
        raise AlertRuleError(f"sensitivity is a p-value between 0 and 1, e.g. 0.0001; got {sensitivity}")
    if min_count < 1 or cooldown_minutes < 1:
        raise AlertRuleError("min_count and cooldown_minutes must be at least 1")
    if playbook is None:
        return None
    try:
        return Playbook.model_validate(playbook)
    except ValidationError as exc:
        raise AlertRuleError(f"invalid playbook: {exc}") from None


def check_kind_fields(
    kind: RuleKind, query: str | None, intent: str | None, min_followers: int | None, threshold: float | None
) -> None:
    if kind is RuleKind.query:
        if not query:
            raise AlertRuleError("a query rule needs --query, e.g. 'storing OR lek OR boycot'")
        try:
            parse_query(query)
        except QuerySyntaxError as exc:
            raise AlertRuleError(f"invalid query: {exc}\n{exc.caret()}") from None
    if kind is RuleKind.intent and intent not in INTENT_LABELS:
        raise AlertRuleError(f"an intent rule needs --intent, one of {', '.join(INTENT_LABELS)}")
    if kind is RuleKind.influencer and (min_followers is None or min_followers < 1):
        raise AlertRuleError("an influencer rule needs --min-followers, e.g. 10000")
    if kind is RuleKind.negative_share and (threshold is None or not 0 < threshold <= 1):
        raise AlertRuleError("a negative_share rule needs --threshold between 0 and 1, e.g. 0.6")
