"""Every change to the policy: write a version (a draft), publish it (it is then in force, asks everyone
to acknowledge it and sets the inbox's approval rules), acknowledge it. Keyword-only, ``actor``, one
transaction with its audit row each; the approval rules are then set through the inbox's own set-up
(:mod:`luister.inbox.approval_rules`, each change audited there)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.inbox import approval_rules
from luister.inbox.approval import ApprovalRuleProblem, RuleKind, clean_value
from luister.organisation.policy import PolicyProblem, clean_text
from luister.organisation.policy_gate import current_version
from luister.organisation.policy_tables import policy_ack, policy_version
from luister.services import audit
from luister.storage.tables import user_account

RULE_PREFIX = "policy: "  # the inbox's approval rules a policy set carry this prefix; the next replaces them


class UnknownVersion(LookupError):
    pass


def clean_rules(rules: Sequence[Mapping[str, Any]]) -> list[dict[str, str | None]]:
    """The approval rules a version carries, checked as the inbox checks its own."""
    if len(rules) > 50:
        raise PolicyProblem("approval_rules", "at most 50 rules", "hoogstens 50 regels")
    cleaned: list[dict[str, str | None]] = []
    for n, rule in enumerate(rules):
        name = " ".join(str(rule.get("name") or "").split())
        kind = str(rule.get("kind") or "")
        if not 0 < len(name) <= 100:
            raise PolicyProblem(f"approval_rules[{n}].name", "a name of 1 to 100 characters",
                                "een naam van 1 tot 100 tekens")  # fmt: skip
        if kind not in RuleKind.__members__:
            kinds = ", ".join(RuleKind.__members__)
            raise PolicyProblem(f"approval_rules[{n}].kind", f"one of {kinds}", f"een van {kinds}")
        raw = rule.get("value")
        try:
            value = clean_value(RuleKind(kind), None if raw is None else str(raw))
        except ApprovalRuleProblem as exc:
            raise PolicyProblem(f"approval_rules[{n}].value", str(exc), exc.nl) from None
        cleaned.append({"name": name, "kind": kind, "value": value})
    return cleaned


def write_version(
    *,
    engine: Engine,
    title: str,
    body: str,
    actor: str,
    now: datetime,
    approval_rules: Sequence[Mapping[str, Any]] = (),
    grace_days: int = 0,
) -> int:
    """A new draft version (the next number); returns its number."""
    title, body = clean_text(title, body)
    rules = clean_rules(approval_rules)
    if not 0 <= grace_days <= 365:
        raise PolicyProblem("grace_days", "0 to 365 days", "0 tot 365 dagen")
    with engine.begin() as conn:
        number = (
            int(
                conn.execute(
                    sa.select(sa.func.coalesce(sa.func.max(policy_version.c.number), 0))
                ).scalar_one()
            )
            + 1
        )
        conn.execute(
            policy_version.insert().values(
                number=number, title=title, body=body, approval_rules=rules, grace_days=grace_days,
                created_by=actor, created_at=now,
            )
        )  # fmt: skip
        audit.record(
            conn, actor=actor, action="policy.write", target=str(number),
            detail={"title": title, "approval_rules": len(rules), "grace_days": grace_days},
        )  # fmt: skip
    return number


def publish(*, engine: Engine, number: int, actor: str, now: datetime) -> list[int]:
    """Put draft ``number`` in force as of ``now``: everyone active is asked to acknowledge it, and the
    inbox's approval rules become the version's (those an earlier version set are removed). Returns the
    ids of the approval rules it set."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(policy_version).where(policy_version.c.number == number)).first()
        if row is None:
            raise UnknownVersion(f"there is no policy version {number}")
        if row.published_at is not None:
            raise PolicyProblem(
                "number", f"version {number} was published on {row.published_at:%Y-%m-%d}",
                f"versie {number} is gepubliceerd op {row.published_at:%Y-%m-%d}",
            )  # fmt: skip
        found = current_version(conn, now=now)
        if found is not None and found[1].number > number:
            raise PolicyProblem(
                "number", f"version {found[1].number} is newer and already in force",
                f"versie {found[1].number} is nieuwer en al van kracht",
            )  # fmt: skip
        conn.execute(
            policy_version.update().where(policy_version.c.id == row.id)
            .values(published_at=now, published_by=actor)
        )  # fmt: skip
        waiting = conn.execute(sa.select(sa.func.count()).where(user_account.c.active)).scalar_one()
        audit.record(
            conn, actor=actor, action="policy.publish", target=str(number),
            detail={"title": row.title, "asked": int(waiting), "approval_rules": row.approval_rules},
        )  # fmt: skip
    for old in approval_rules.list_rules(engine=engine):
        if old.name.startswith(RULE_PREFIX):
            approval_rules.remove_rule(engine, rule_id=old.id, actor=actor)
    return [
        approval_rules.add_rule(
            engine, name=f"{RULE_PREFIX}{rule['name']} (v{number})"[:120], kind=str(rule["kind"]),
            value=rule["value"], actor=actor, now=now,
        ).id
        for rule in row.approval_rules or []
    ]  # fmt: skip


def acknowledge(*, engine: Engine, email: str, number: int, now: datetime) -> bool:
    """``email`` acknowledges version ``number`` (the one in force); recorded in the audit log. Returns
    False when they had already acknowledged it (nothing changes)."""
    with engine.begin() as conn:
        user = conn.execute(
            sa.select(user_account.c.id, user_account.c.active)
            .where(user_account.c.email == email.strip().lower())
        ).first()  # fmt: skip
        if user is None or not user.active:
            raise PolicyProblem(
                "email", f"there is no active account {email!r}", f"er is geen actief account {email!r}"
            )
        found = current_version(conn, now=now)
        if found is None or found[1].number != number:
            raise PolicyProblem(
                "number",
                "there is no policy in force" if found is None
                else f"version {number} is not the one in force (that is version {found[1].number})",
                "er is geen beleid van kracht" if found is None
                else f"versie {number} is niet de versie die van kracht is (dat is versie {found[1].number})",
            )  # fmt: skip
        version_id = found[0]
        done = conn.execute(
            sa.select(policy_ack.c.at).where(
                policy_ack.c.version_id == version_id, policy_ack.c.user_id == user.id
            )
        ).first()
        if done is not None:
            return False
        conn.execute(policy_ack.insert().values(version_id=version_id, user_id=user.id, at=now))
        audit.record(conn, actor=email.strip().lower(), action="policy.acknowledge", target=str(number))
    return True
