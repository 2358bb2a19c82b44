"""Every change to the maturity assessment: answers to the questionnaire, and the month's snapshot for the
history. Keyword arguments only, an explicit ``actor``; one transaction with its audit row. The
assessment is the company's: only someone who works across departments answers it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from luister.domain.accounts import EVERYTHING, Scope
from luister.domain.said import Said
from luister.organisation.maturity import AnswerProblem, month_start, score
from luister.organisation.maturity_questions import CURRENT, VERSIONS
from luister.organisation.maturity_read import assess
from luister.organisation.maturity_tables import maturity_assessment, maturity_snapshot
from luister.services import audit
from luister.storage.unique import is_unique_violation

MAX_NOTE = 4000


class NotAcrossDepartments(Said, PermissionError):
    """Someone of one department tried to change the company's assessment."""


def _across(scope: Scope) -> None:
    if scope.department is not None:
        raise NotAcrossDepartments(
            "scope", "the maturity assessment is the company's: someone across departments answers it",
            "de volwassenheidsmeting is van het hele bedrijf: iemand over de afdelingen heen vult haar in",
        )  # fmt: skip


def answer(
    *,
    engine: Engine,
    actor: str,
    answers: Mapping[str, object],
    now: datetime,
    version: str = CURRENT.version,
    note: str | None = None,
    scope: Scope = EVERYTHING,
) -> int:
    """Store answers (question key → stage 1-6) to questionnaire ``version``, scored; the month's
    snapshot is taken again with them. Returns the assessment's id."""
    _across(scope)
    if version not in VERSIONS:
        raise AnswerProblem(
            "version",
            f"no questionnaire version {version!r}: known are {', '.join(VERSIONS)}",
            f"geen vragenlijst met versie {version!r}: bekend zijn {', '.join(VERSIONS)}",
        )
    scored = score(VERSIONS[version], answers)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise AnswerProblem(
            "note",
            f"a note has at most {MAX_NOTE} characters",
            f"een notitie heeft hoogstens {MAX_NOTE} tekens",
        )
    with engine.begin() as conn:
        new = conn.execute(
            maturity_assessment.insert()
            .values(
                version=version,
                answers=dict(answers),
                note=note,
                answered_by=actor,
                answered_at=now,
                stages={d.value: int(s) for d, s in scored.dimensions.items()},
                overall=int(scored.overall),
            )
            .returning(maturity_assessment.c.id)
        ).scalar_one()
        audit.record(
            conn,
            actor=actor,
            action="maturity.answer",
            target=f"maturity_assessment:{new}",
            detail={"version": version, "overall": int(scored.overall)},
        )
        _snapshot(conn, actor=actor, now=now)
    return int(new)


def take_snapshot(*, engine: Engine, actor: str, now: datetime, scope: Scope = EVERYTHING) -> int:
    """Store the month of ``now``: the latest answers and the evidence as it stands at ``now`` (a month's
    snapshot is replaced by a later one of the same month). Returns the snapshot's id."""
    _across(scope)
    for attempt in (1, 2):  # two taking the first snapshot of a month at once: the second replaces it
        try:
            with engine.begin() as conn:
                return _snapshot(conn, actor=actor, now=now)
        except IntegrityError as exc:
            if attempt == 2 or not is_unique_violation(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _snapshot(conn: Connection, *, actor: str, now: datetime) -> int:
    found = assess(conn, at=now)
    month = month_start(now)
    scored = found.answered.scored if found.answered else None
    values = {
        "assessment_id": found.answered.id if found.answered else None,
        "answered": {d.value: int(s) for d, s in scored.dimensions.items()} if scored else None,
        "answered_overall": int(scored.overall) if scored else None,
        "suggested": {d.value: int(s) if s else None for d, s in found.suggested.dimensions.items()},
        "suggested_overall": int(found.suggested.overall) if found.suggested.overall else None,
        "evidence": [
            {
                "key": e.key,
                "stage": int(e.stage) if e.stage else None,
                "link": e.link,
                "figures": {f.key: f.value for f in e.figures},
            }
            for e in found.evidence
        ],
        "model": found.model.model.value,
        "as_of": now,
        "taken_by": actor,
        "taken_at": now,
    }
    existing = conn.execute(
        sa.select(maturity_snapshot.c.id).where(maturity_snapshot.c.month == month)
    ).scalar()
    if existing is None:
        snapshot = conn.execute(
            maturity_snapshot.insert().values(month=month, **values).returning(maturity_snapshot.c.id)
        ).scalar_one()
    else:
        snapshot = existing
        conn.execute(maturity_snapshot.update().where(maturity_snapshot.c.id == existing).values(**values))
    audit.record(
        conn,
        actor=actor,
        action="maturity.snapshot",
        target=f"maturity_snapshot:{snapshot}",
        detail={
            "month": month.isoformat(),
            "suggested_overall": values["suggested_overall"],
            "answered_overall": values["answered_overall"],
        },
    )
    return int(snapshot)
