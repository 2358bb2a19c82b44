"""Setting up approval rules (:mod:`luister.inbox.approval`): add, switch off and on, remove, list.
Each change is one transaction with its audit row; the edges ask ``manage`` permission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.inbox.approval import ApprovalRuleProblem, RuleKind, clean_value
from luister.inbox.tables import approval_rule
from luister.services import audit


class UnknownRule(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class ApprovalRuleRead:
    id: int
    name: str
    kind: str
    value: str | None
    active: bool


def add_rule(
    engine: Engine, *, name: str, kind: str, value: str | None, actor: str, now: datetime, active: bool = True
) -> ApprovalRuleRead:
    """A new rule; :class:`ApprovalRuleProblem` when its kind or value cannot hold."""
    name = " ".join(name.split())
    if not 0 < len(name) <= 120:
        raise ApprovalRuleProblem(
            "name",
            "a rule has a name of 1 to 120 characters",
            "een regel heeft een naam van 1 tot 120 tekens",
        )
    if kind not in RuleKind.__members__:
        kinds = ", ".join(RuleKind.__members__)
        raise ApprovalRuleProblem(
            "kind", f"a rule's kind is one of {kinds}", f"de soort van een regel is een van {kinds}"
        )
    stored = clean_value(RuleKind(kind), value)
    with engine.begin() as conn:
        rule_id = int(
            conn.execute(
                approval_rule.insert()
                .values(name=name, kind=kind, value=stored, active=active, created_at=now)
                .returning(approval_rule.c.id)
            ).scalar_one()
        )
        audit.record(
            conn, actor=actor, action="approval_rule.add", target=str(rule_id),
            detail={"name": name, "kind": kind, "value": stored},
        )  # fmt: skip
    return ApprovalRuleRead(rule_id, name, kind, stored, active)


def set_active(engine: Engine, *, rule_id: int, active: bool, actor: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            approval_rule.update().where(approval_rule.c.id == rule_id).values(active=active)
        ).rowcount
        if not done:
            raise UnknownRule(f"no approval rule #{rule_id}")
        audit.record(
            conn, actor=actor, action="approval_rule.active", target=str(rule_id), detail={"active": active}
        )


def remove_rule(engine: Engine, *, rule_id: int, actor: str) -> None:
    with engine.begin() as conn:
        if not conn.execute(approval_rule.delete().where(approval_rule.c.id == rule_id)).rowcount:
            raise UnknownRule(f"no approval rule #{rule_id}")
        audit.record(conn, actor=actor, action="approval_rule.remove", target=str(rule_id))


def list_rules(*, engine: Engine) -> list[ApprovalRuleRead]:
    with engine.connect() as conn:
        return [
            ApprovalRuleRead(r.id, r.name, r.kind, r.value, r.active)
            for r in conn.execute(sa.select(approval_rule).order_by(approval_rule.c.id))
        ]
