"""Every change training makes: a quiz attempt (scored on the server, stored, audited) and switching the
belt gates on or off. Keyword arguments only, an explicit ``actor``, one transaction with its audit row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.organisation import training
from luister.organisation.belts import Belt
from luister.organisation.training_read import UnknownPerson, belt_of
from luister.organisation.training_tables import training_attempt, training_setting
from luister.services import audit
from luister.storage.tables import user_account


@dataclass(frozen=True, slots=True)
class AttemptResult:
    attempt_id: int
    module: str
    correct: int
    total: int
    percent: int
    passed: bool
    right: tuple[bool, ...]  # per question, whether it was answered right (not which option is right)
    belt_before: Belt | None
    belt_after: Belt | None


def submit_attempt(
    *, engine: Engine, actor: str, module: str, language: str, answers: Sequence[int | None], now: datetime
) -> AttemptResult:
    """Score ``actor``'s answers to ``module``'s quiz on the server and store the attempt. Refusals:
    :class:`~luister.organisation.training.UnknownModule`, :class:`~luister.organisation.training.BadAnswers`,
    :class:`UnknownPerson`."""
    found = training.module(module, language)
    result = training.check(module, found.language, answers)
    passed = training.passes(result, module, found.language)
    with engine.begin() as conn:
        person = conn.execute(
            sa.select(user_account).where(user_account.c.email == actor.strip().lower())
        ).first()
        if person is None or not person.active:
            raise UnknownPerson(f"there is no active account {actor!r}")
        before = belt_of(conn, person.id, now)
        attempt_id = int(
            conn.execute(
                training_attempt.insert().values(
                    user_id=person.id, module=module, language=found.language, answers=list(answers),
                    correct=result.correct, total=result.total, passed=passed, at=now,
                ).returning(training_attempt.c.id)
            ).scalar_one()
        )  # fmt: skip
        after = belt_of(conn, person.id, now)
        audit.record(
            conn, actor=person.email, action="training.attempt", target=module,
            detail={"attempt_id": attempt_id, "correct": result.correct, "total": result.total,
                    "passed": passed, "belt": after.name if after else None},
        )  # fmt: skip
        if after != before and after is not None:
            audit.record(conn, actor=person.email, action="training.belt", target=after.name,
                         detail={"before": before.name if before else None})  # fmt: skip
    return AttemptResult(attempt_id, module, result.correct, result.total, result.percent, passed,
                         result.right, before, after)  # fmt: skip


def set_gates(*, engine: Engine, actor: str, on: bool, now: datetime) -> bool:
    """Switch the belt gates on (belts decide who drafts, sends and approves) or off. Returns the state."""
    with engine.begin() as conn:
        done = conn.execute(
            training_setting.update().where(training_setting.c.id == 1)
            .values(gates_on=on, changed_by=actor, changed_at=now)
        ).rowcount  # fmt: skip
        if not done:
            conn.execute(
                training_setting.insert().values(id=1, gates_on=on, changed_by=actor, changed_at=now)
            )
        audit.record(conn, actor=actor, action="training.gates", target="on" if on else "off")
    return on
