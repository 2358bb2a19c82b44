"""Reads for training: whether belts gate permissions, a person's standing (belt, certificates, modules),
and the training report per department (share of people per belt). Department scope is applied here:
someone of a department sees their own department's report; admins and people without one see all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.organisation import belts, training
from luister.organisation.belts import Belt, Certificate
from luister.organisation.training_tables import training_attempt, training_setting
from luister.storage.tables import UtcDateTime, user_account

NO_DEPARTMENT = ""  # the report's key for people without a department


class UnknownPerson(LookupError):
    """No active account with that e-mail address or id."""


@dataclass(frozen=True, slots=True)
class ModuleStatus:
    slug: str
    title: str
    belt: Belt
    minutes: int
    passed_at: datetime | None  # the newest valid pass
    expires_at: datetime | None
    attempts: int


@dataclass(frozen=True, slots=True)
class Standing:
    user_id: int
    email: str
    name: str
    department: str | None
    belt: Belt | None
    certificates: list[Certificate]
    modules: list[ModuleStatus]
    next_belt: Belt | None  # the belt to work towards (None: black already)
    gates_on: bool


@dataclass(frozen=True, slots=True)
class DepartmentRow:
    department: str  # NO_DEPARTMENT for people without one
    people: int
    counts: dict[Belt | None, int]
    shares: dict[Belt | None, float]
    expiring: int  # people whose highest certificate expires within belts.SOON


@dataclass(frozen=True, slots=True)
class AttemptRead:
    id: int
    module: str
    language: str
    correct: int
    total: int
    passed: bool
    at: datetime


def gates_query() -> sa.ScalarSelect[Any]:
    return sa.select(training_setting.c.gates_on).where(training_setting.c.id == 1).scalar_subquery()


def gates_on(conn: Connection) -> bool:
    """Whether belts gate permissions (off until someone switches training on)."""
    return bool(
        conn.execute(sa.select(training_setting.c.gates_on).where(training_setting.c.id == 1)).scalar()
    )


def passes_of(
    conn: Connection, user_ids: Iterable[int] | None = None, *, now: datetime | None = None
) -> dict[int, list[tuple[str, datetime]]]:
    """The passing attempts, per person: (module, when). With ``now``: only the newest pass per module
    made by then (the only one a belt can rest on: if it has expired, every older one has too)."""
    at = training_attempt.c.at if now is None else sa.func.max(training_attempt.c.at)
    query = sa.select(training_attempt.c.user_id, training_attempt.c.module, at.label("at")).where(
        training_attempt.c.passed
    )
    if now is not None:
        query = query.where(training_attempt.c.at <= now).group_by(
            training_attempt.c.user_id, training_attempt.c.module
        )
    if user_ids is not None:
        ids = list(user_ids)
        if not ids:
            return {}
        column = training_attempt.c.user_id
        query = query.where(column == ids[0] if len(ids) == 1 else column.in_(ids))
    found: dict[int, list[tuple[str, datetime]]] = {}
    for r in conn.execute(query):
        moment = (
            r.at if isinstance(r.at, datetime) else UtcDateTime().process_result_value(r.at, conn.dialect)
        )
        assert moment is not None
        found.setdefault(int(r.user_id), []).append((r.module, moment))
    return found


def belt_of(conn: Connection, user_id: int, now: datetime) -> Belt | None:
    """The belt someone holds at ``now`` (certificates expired by then no longer count)."""
    return belts.belt_at(training.by_belt(), passes_of(conn, [user_id], now=now).get(user_id, []), now)


def _person(conn: Connection, email: str) -> Any:
    row = conn.execute(sa.select(user_account).where(user_account.c.email == email.strip().lower())).first()
    if row is None or not row.active:
        raise UnknownPerson(f"there is no active account {email!r}")
    return row


def standing(*, engine: Engine, email: str, now: datetime, language: str = "en") -> Standing:
    """Someone's belt, certificates (with when they expire) and every module with its newest valid pass."""
    with engine.connect() as conn:
        person = _person(conn, email)
        passes = passes_of(conn, [person.id], now=now).get(person.id, [])
        tries: dict[str, int] = dict(
            conn.execute(
                sa.select(training_attempt.c.module, sa.func.count())
                .where(training_attempt.c.user_id == person.id)
                .group_by(training_attempt.c.module)
            ).all()
        )
        on = gates_on(conn)
    valid = belts.valid_passes(passes, now)
    held = belts.certificates(training.by_belt(), passes, now)
    belt = held[-1].belt if held else None
    modules = [
        ModuleStatus(
            m.slug, m.title, m.belt, m.minutes, valid.get(m.slug),
            belts.expires(valid[m.slug]) if m.slug in valid else None, int(tries.get(m.slug, 0)),
        )
        for m in training.modules(language)
    ]  # fmt: skip
    following = (
        Belt(belt + 1) if belt is not None and belt < Belt.black else (Belt.white if belt is None else None)
    )
    return Standing(person.id, person.email, person.name or person.email, person.department, belt, held,
                    modules, following, on)  # fmt: skip


def attempts(*, engine: Engine, email: str, module: str | None = None, limit: int = 50) -> list[AttemptRead]:
    """Someone's attempts, newest first."""
    with engine.connect() as conn:
        person = _person(conn, email)
        query = sa.select(training_attempt).where(training_attempt.c.user_id == person.id)
        if module is not None:
            query = query.where(training_attempt.c.module == module)
        rows = conn.execute(
            query.order_by(training_attempt.c.at.desc(), training_attempt.c.id.desc()).limit(limit)
        )
        return [AttemptRead(r.id, r.module, r.language, r.correct, r.total, r.passed, r.at) for r in rows]


def department_report(*, engine: Engine, now: datetime, scope: Scope = EVERYTHING) -> list[DepartmentRow]:
    """Per department (in scope), the active people and the share of them per belt at ``now``."""
    with engine.connect() as conn:
        people = conn.execute(
            sa.select(user_account.c.id, user_account.c.department).where(user_account.c.active)
        ).all()
        people = [p for p in people if scope.department is None or p.department == scope.department]
        passes = passes_of(conn, [p.id for p in people], now=now)
    modules = training.by_belt()
    grouped: dict[str, list[list[Certificate]]] = {}
    for p in people:
        grouped.setdefault(p.department or NO_DEPARTMENT, []).append(
            belts.certificates(modules, passes.get(p.id, []), now)
        )
    rows = []
    for key in sorted(grouped):
        held = grouped[key]
        top = [h[-1].belt if h else None for h in held]
        counts = {b: top.count(b) for b in [None, *Belt] if b in top}
        expiring = sum(1 for h in held if h and h[-1].expiring(now))
        rows.append(DepartmentRow(key, len(held), counts, belts.shares(top), expiring))
    return rows


@dataclass(frozen=True, slots=True)
class TrainingEvidence:
    """What the maturity assessment counts: people with a valid belt at ``now``, and whether belts gate."""

    people: int  # active people who had joined by ``now``
    belted: int  # of them, with a belt whose certificate is valid at ``now``
    green_or_higher: int
    gates_on: bool


def evidence(conn: Connection, now: datetime) -> TrainingEvidence:
    people = [
        row.id
        for row in conn.execute(
            sa.select(user_account.c.id).where(user_account.c.active, user_account.c.created_at <= now)
        )
    ]
    passes = passes_of(conn, people, now=now)
    modules = training.by_belt()
    top = [held[-1].belt for p in people if (held := belts.certificates(modules, passes.get(p, []), now))]
    return TrainingEvidence(
        len(people), len(top), sum(1 for belt in top if belt >= Belt.green), gates_on(conn)
    )
