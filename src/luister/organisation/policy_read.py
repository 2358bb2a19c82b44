"""Reading the policy: its versions, one rendered, the diff between two, who acknowledged the one in
force (and who has not yet), and the caller's own standing (for the banner)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.organisation.policy import DiffLine, acknowledge_by, diff, render
from luister.organisation.policy_actions import UnknownVersion
from luister.organisation.policy_gate import current_version, policy_refusal
from luister.organisation.policy_tables import policy_ack, policy_version
from luister.storage.tables import user_account


@dataclass(frozen=True, slots=True)
class VersionRead:
    number: int
    title: str
    state: str  # draft, in_force, superseded
    published_at: datetime | None
    published_by: str | None
    grace_days: int
    approval_rules: list[dict[str, Any]]
    acknowledged: int


@dataclass(frozen=True, slots=True)
class VersionDetail:
    version: VersionRead
    body: str
    html: str


@dataclass(frozen=True, slots=True)
class AckRead:
    email: str
    name: str
    department: str | None
    acknowledged_at: datetime | None  # None: pending
    due: datetime | None


@dataclass(frozen=True, slots=True)
class Standing:
    """One person and the policy in force: the banner shows while ``pending``; ``refusal`` once late."""

    number: int | None
    pending: bool
    due: datetime | None
    refusal: str | None


def _state(row: Any, current: int | None) -> str:
    if row.published_at is None:
        return "draft"
    return "in_force" if row.number == current else "superseded"


def list_versions(*, engine: Engine, now: datetime) -> list[VersionRead]:
    with engine.connect() as conn:
        found = current_version(conn, now=now)
        current = found[1].number if found else None
        acks = (
            sa.select(sa.func.count()).where(policy_ack.c.version_id == policy_version.c.id).scalar_subquery()
        )
        rows = conn.execute(
            sa.select(policy_version, acks.label("acks")).order_by(policy_version.c.number.desc())
        )
        return [
            VersionRead(r.number, r.title, _state(r, current), r.published_at, r.published_by, r.grace_days,
                        list(r.approval_rules or []), int(r.acks))
            for r in rows
        ]  # fmt: skip


def version(*, engine: Engine, number: int, now: datetime) -> VersionDetail:
    with engine.connect() as conn:
        row = conn.execute(sa.select(policy_version).where(policy_version.c.number == number)).first()
        if row is None:
            raise UnknownVersion(f"there is no policy version {number}")
        found = current_version(conn, now=now)
        acks = conn.execute(sa.select(sa.func.count()).where(policy_ack.c.version_id == row.id)).scalar_one()
    state = _state(row, found[1].number if found else None)
    read = VersionRead(row.number, row.title, state, row.published_at, row.published_by, row.grace_days,
                       list(row.approval_rules or []), int(acks))  # fmt: skip
    return VersionDetail(read, row.body, render(row.body))


def version_diff(*, engine: Engine, old: int, new: int) -> list[DiffLine]:
    with engine.connect() as conn:
        bodies = dict(
            conn.execute(
                sa.select(policy_version.c.number, policy_version.c.body).where(
                    policy_version.c.number.in_((old, new))
                )
            ).all()
        )
    for number in (old, new):
        if number not in bodies:
            raise UnknownVersion(f"there is no policy version {number}")
    return diff(bodies[old], bodies[new])


def acknowledgements(*, engine: Engine, now: datetime, scope: Scope = EVERYTHING) -> list[AckRead]:
    """Every active person in ``scope`` (their department's people, or everyone across departments) and
    whether they acknowledged the version in force (pending first)."""
    with engine.connect() as conn:
        found = current_version(conn, now=now)
        if found is None:
            return []
        version_id, current = found
        query = (
            sa.select(user_account.c.email, user_account.c.name, user_account.c.department,
                      user_account.c.created_at, policy_ack.c.at)
            .outerjoin(policy_ack, sa.and_(policy_ack.c.user_id == user_account.c.id,
                                           policy_ack.c.version_id == version_id))
            .where(user_account.c.active)
            .order_by(user_account.c.email)
        )  # fmt: skip
        if scope.department is not None:
            query = query.where(user_account.c.department == scope.department)
        rows = list(conn.execute(query))
    found_rows = [
        AckRead(r.email, r.name, r.department, r.at,
                None if r.at else acknowledge_by(current, user_since=r.created_at))
        for r in rows
    ]  # fmt: skip
    return sorted(found_rows, key=lambda a: (a.acknowledged_at is not None, a.email))


def standing(*, engine: Engine, user_id: int, now: datetime) -> Standing:
    with engine.connect() as conn:
        found = current_version(conn, now=now)
        if found is None:
            return Standing(None, False, None, None)
        version_id, current = found
        acked = conn.execute(
            sa.select(policy_ack.c.at).where(
                policy_ack.c.version_id == version_id, policy_ack.c.user_id == user_id
            )
        ).first()
        since = conn.execute(
            sa.select(user_account.c.created_at).where(user_account.c.id == user_id)
        ).scalar()
        refused = policy_refusal(conn, user_id=user_id, now=now)
    due = None if acked or since is None else acknowledge_by(current, user_since=since)
    return Standing(current.number, acked is None, due, refused)


def refusal_for(*, engine: Engine, user_id: int, now: datetime) -> str | None:
    """The policy gate (:func:`luister.organisation.policy_gate.policy_refusal`) for the edges."""
    with engine.connect() as conn:
        return policy_refusal(conn, user_id=user_id, now=now)


@dataclass(frozen=True, slots=True)
class PolicyEvidence:
    """What the maturity assessment counts: a policy in force and how many people acknowledged it."""

    version: int | None  # the version in force at ``now``
    people: int  # active people who had joined by ``now``
    acknowledged: int  # of them, who had acknowledged that version by ``now``


def evidence(conn: Connection, now: datetime) -> PolicyEvidence:
    people = int(
        conn.execute(
            sa.select(sa.func.count()).where(user_account.c.active, user_account.c.created_at <= now)
        ).scalar_one()
    )
    found = current_version(conn, now=now)
    if found is None:
        return PolicyEvidence(None, people, 0)
    version_id, current = found
    acknowledged = conn.execute(
        sa.select(sa.func.count())
        .select_from(policy_ack.join(user_account, user_account.c.id == policy_ack.c.user_id))
        .where(policy_ack.c.version_id == version_id, policy_ack.c.at <= now, user_account.c.active)
    ).scalar_one()
    return PolicyEvidence(current.number, people, int(acknowledged))
