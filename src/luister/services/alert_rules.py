"""Alert rules: what to watch (spikes, queries, intents, influencers, negative share), where to send it,
and the crisis playbook to start when it fires."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.engine import Connection, Engine

from luister.domain.alerting import SPIKE_KINDS, RuleKind, Severity
from luister.domain.analysis import INTENT_LABELS
from luister.domain.queries import QuerySyntaxError, parse_query
from luister.services import audit
from luister.storage.tables import alert_channel, alert_rule, mention, topic


class AlertRuleError(ValueError):
    pass


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


def save_rule(
    *,
    engine: Engine,
    name: str,
    kind: RuleKind,
    topic_name: str | None = None,
    query: str | None = None,
    intent: str | None = None,
    min_followers: int | None = None,
    threshold: float | None = None,
    sensitivity: float = 0.0001,
    min_count: int = 10,
    cooldown_minutes: int = 120,
    severity: Severity = Severity.warning,
    channels: Sequence[str] = (),
    playbook: dict[str, Any] | None = None,
    actor: str = "cli",
) -> RuleRead:
    """Create or replace the rule called ``name``. Event rules start at the newest stored mention: they
    fire on what comes in from now on (``luister alerts replay`` shows what they would have caught)."""
    name = name.strip()
    if not name:
        raise AlertRuleError("a rule needs a name")
    _check_kind_fields(kind, query, intent, min_followers, threshold)
    if not 0 < sensitivity < 1:
        raise AlertRuleError(f"sensitivity is a p-value between 0 and 1, e.g. 0.0001; got {sensitivity}")
    if min_count < 1 or cooldown_minutes < 1:
        raise AlertRuleError("min_count and cooldown_minutes must be at least 1")
    checked_playbook = None
    if playbook is not None:
        try:
            checked_playbook = Playbook.model_validate(playbook)
        except ValidationError as exc:
            raise AlertRuleError(f"invalid playbook: {exc}") from None
    with engine.begin() as conn:
        topic_id = _topic_id(conn, topic_name)
        _check_channels(conn, channels)
        newest = conn.execute(sa.select(sa.func.max(mention.c.id))).scalar_one()
        values = {
            "kind": kind.value, "topic_id": topic_id, "query": query, "intent": intent,
            "min_followers": min_followers, "threshold": threshold, "sensitivity": sensitivity,
            "min_count": min_count, "cooldown_minutes": cooldown_minutes, "severity": severity.value,
            "channels": list(channels), "enabled": True,
            "playbook": checked_playbook.model_dump() if checked_playbook else None,
            "last_mention_id": None if kind in SPIKE_KINDS else newest,
        }  # fmt: skip
        existing = conn.execute(sa.select(alert_rule.c.id).where(alert_rule.c.name == name)).scalar()
        if existing is None:
            conn.execute(alert_rule.insert().values(name=name, **values))
        else:
            conn.execute(alert_rule.update().where(alert_rule.c.id == existing).values(**values))
        detail = {"kind": kind.value, "topic": topic_name, "channels": list(channels)}
        audit.record(conn, actor=actor, action="alert_rule.save", target=name, detail=detail)
    return get_rule(engine=engine, name=name)


def _check_kind_fields(
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


def _topic_id(conn: Connection, name: str | None) -> int | None:
    if name is None:
        return None
    found = conn.execute(sa.select(topic.c.id).where(topic.c.name == name)).scalar()
    if found is None:
        raise AlertRuleError(f"no topic named {name!r}")
    return int(found)


def _check_channels(conn: Connection, channels: Sequence[str]) -> None:
    known = set(conn.execute(sa.select(alert_channel.c.name)).scalars())
    if missing := [c for c in channels if c not in known]:
        raise AlertRuleError(f"no alert channel named {', '.join(map(repr, missing))}; add it first")


def list_rules(*, engine: Engine, enabled_only: bool = False) -> list[RuleRead]:
    query = sa.select(alert_rule, topic.c.name.label("topic_name")).outerjoin(
        topic, topic.c.id == alert_rule.c.topic_id
    )
    if enabled_only:
        query = query.where(alert_rule.c.enabled)
    with engine.connect() as conn:
        return [_read(row) for row in conn.execute(query.order_by(alert_rule.c.name))]


def get_rule(*, engine: Engine, name: str) -> RuleRead:
    for rule in list_rules(engine=engine):
        if rule.name == name:
            return rule
    raise AlertRuleError(f"no alert rule named {name!r}")


def remove_rule(*, engine: Engine, name: str, actor: str = "cli") -> None:
    with engine.begin() as conn:
        if not conn.execute(alert_rule.delete().where(alert_rule.c.name == name)).rowcount:
            raise AlertRuleError(f"no alert rule named {name!r}")
        audit.record(conn, actor=actor, action="alert_rule.remove", target=name)


def _read(row: Any) -> RuleRead:
    return RuleRead(
        id=row.id, name=row.name, kind=RuleKind(row.kind), topic_id=row.topic_id, topic=row.topic_name,
        query=row.query, intent=row.intent, min_followers=row.min_followers, threshold=row.threshold,
        sensitivity=row.sensitivity, min_count=row.min_count, cooldown_minutes=row.cooldown_minutes,
        severity=Severity(row.severity), channels=tuple(row.channels or ()),
        playbook=Playbook.model_validate(row.playbook) if row.playbook else None, enabled=row.enabled,
        last_mention_id=row.last_mention_id,
    )  # fmt: skip
