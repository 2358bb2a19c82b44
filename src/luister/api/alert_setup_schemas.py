"""Bodies of ``/alert-rules`` and ``/alert-channels`` (``XCreate``/``XUpdate``/``XRead``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from luister.alerts import read as alert_service
from luister.alerts.model import RuleKind, Severity
from luister.alerts.rules import RuleRead
from luister.api.schemas import NO_NUL, Intent, Name, QueryText, _no_nul

ChannelName = Annotated[
    str, StringConstraints(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")
]
Options = Annotated[dict[str, Any], AfterValidator(_no_nul)]
PlaybookBody = Annotated[
    dict[str, Any] | None,
    AfterValidator(_no_nul),
    Field(description="A crisis playbook: {name, steps: [{title, owner, due_minutes, statements}]}."),
]
NOT_NULL = ("name", "kind", "sensitivity", "min_count", "cooldown_minutes", "severity", "channels")


class AlertRuleUpdate(BaseModel):
    """What to change; a field left out keeps its value (``topic`` null: over all mentions)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(None, description="A new name (409 when another rule has it); alerts stay.")
    kind: RuleKind | None = Field(None, description="What fires the rule.")
    topic: Name | None = Field(None, description="Only this topic's mentions (one the caller sees).")
    query: QueryText | None = Field(None, description="query rules: e.g. `storing OR lek OR boycot`.")
    intent: Intent | None = Field(None, description="intent rules: the intent that fires it.")
    min_followers: int | None = Field(None, ge=1, le=10**12, description="influencer rules: the reach.")
    threshold: float | None = Field(None, gt=0, le=1, description="negative_share rules: e.g. 0.6.")
    sensitivity: float | None = Field(None, gt=0, lt=1, description="Spike rules: p-value.")
    min_count: int | None = Field(None, ge=1, le=1_000_000, description="Never fire on fewer mentions.")
    cooldown_minutes: int | None = Field(None, ge=1, le=525_600, description="Quiet before a new alert.")
    severity: Severity | None = None
    channels: list[ChannelName] | None = Field(None, max_length=50, description="Alert channels to tell.")
    playbook: PlaybookBody = None

    def changes(self) -> dict[str, Any]:
        """The given fields as :func:`luister.alerts.actions.update_rule` takes them."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        if "topic" in given:
            given["topic_name"] = given.pop("topic")
        return given


class AlertRuleCreate(AlertRuleUpdate):
    name: Name = Field(description="The rule's name.")
    kind: RuleKind = Field(description="What fires the rule.")
    sensitivity: float = Field(0.0005, gt=0, lt=1, description="Spike rules: p-value; lower fires less.")
    min_count: int = Field(10, ge=1, le=1_000_000, description="Never fire on fewer mentions in the hour.")
    cooldown_minutes: int = Field(120, ge=1, le=525_600, description="Minutes of quiet before a new alert.")
    severity: Severity = Severity.warning
    channels: list[ChannelName] = Field(default_factory=list, max_length=50)


class AlertRuleRead(BaseModel):
    name: str
    kind: RuleKind
    topic: str | None
    query: str | None
    intent: str | None
    min_followers: int | None
    threshold: float | None
    sensitivity: float
    min_count: int
    cooldown_minutes: int
    severity: Severity
    channels: list[str]
    playbook: dict[str, Any] | None
    enabled: bool
    note: str | None = Field(description="Spike rules: why the last check judged nothing.")

    @classmethod
    def of(cls, r: RuleRead) -> AlertRuleRead:
        return cls(
            name=r.name, kind=r.kind, topic=r.topic, query=r.query, intent=r.intent,
            min_followers=r.min_followers, threshold=r.threshold, sensitivity=r.sensitivity,
            min_count=r.min_count, cooldown_minutes=r.cooldown_minutes, severity=r.severity,
            channels=list(r.channels), playbook=r.playbook.model_dump() if r.playbook else None,
            enabled=r.enabled, note=r.note,
        )  # fmt: skip


class AlertChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ChannelName = Field(description="Letters, digits, '.', '_' and '-', e.g. `webcare-mail`.")
    kind: Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=NO_NUL)] = Field(
        description="The channel kind: `email` or `webhook` (see GET /alert-channel-kinds)."
    )
    options: Options = Field(default_factory=dict, description="The kind's options; secrets are sealed.")


class AlertChannelUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    options: Options = Field(
        description="The kind's options, all of them as when adding; a secret left out, empty or `***` "
        "keeps its sealed value, one given anew replaces it."
    )


class AlertChannelRead(BaseModel):
    name: str
    kind: str
    options: dict[str, Any] = Field(description="Secrets and URLs never come back: they read `***`.")
    enabled: bool
    created_at: datetime
    pending: int = Field(description="Deliveries waiting.")
    failed: int = Field(description="Deliveries that failed for good.")
    last_sent_at: datetime | None

    @classmethod
    def of(cls, c: alert_service.ChannelRead) -> AlertChannelRead:
        return cls(name=c.name, kind=c.kind, options=c.options, enabled=c.enabled, created_at=c.created_at,
                   pending=c.pending, failed=c.failed, last_sent_at=c.last_sent_at)  # fmt: skip


class ChannelOption(BaseModel):
    name: str
    required: bool
    secret: bool = Field(description="Sealed at rest and never shown back.")
    description: str


class AlertChannelKind(BaseModel):
    kind: str
    options: list[ChannelOption]
