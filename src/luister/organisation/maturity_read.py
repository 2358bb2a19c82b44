"""The maturity assessment as the pages, the API and the CLI show it: the latest answers scored, the
evidence beside them with the stage it suggests, the organisation model, the next steps, and the history
month by month (stored snapshots; a month without one is computed from the data as it stood then)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.inbox import organisation_read as inbox
from luister.organisation.maturity import (
    Claim,
    Dimension,
    Evidence,
    Questionnaire,
    Scored,
    Stage,
    Step,
    Suggested,
    month_end,
    months_back,
    next_steps,
    score,
    suggest,
)
from luister.organisation.maturity_evidence import WINDOW, Provider, gather
from luister.organisation.maturity_model import Inferred, infer_model
from luister.organisation.maturity_questions import CURRENT, questionnaire
from luister.organisation.maturity_tables import maturity_assessment, maturity_snapshot


@dataclass(frozen=True, slots=True)
class Answered:
    id: int
    version: str
    answers: dict[str, int]
    scored: Scored
    note: str | None
    answered_by: str
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class Assessment:
    at: datetime
    questionnaire: Questionnaire  # the version the answers were given for, else the current one
    answered: Answered | None
    evidence: list[Evidence]
    suggested: Suggested
    model: Inferred
    claims: tuple[Claim, ...]  # the answers' stage claims, each with the links of its dimension's evidence
    steps: list[Step]  # towards the next stage, from the answers (else from the evidence)


def _answered(row: Any) -> Answered:
    asked = questionnaire(row.version)
    return Answered(
        row.id,
        row.version,
        dict(row.answers),
        score(asked, row.answers),
        row.note,
        row.answered_by,
        row.answered_at,
    )


def latest_answers(conn: Connection, *, at: datetime) -> Answered | None:
    """The newest assessment answered before ``at``."""
    row = conn.execute(
        sa.select(maturity_assessment)
        .where(maturity_assessment.c.answered_at <= at)
        .order_by(maturity_assessment.c.answered_at.desc(), maturity_assessment.c.id.desc())
        .limit(1)
    ).first()
    return _answered(row) if row is not None else None


def model_at(conn: Connection, at: datetime) -> Inferred:
    window = {"since": at - WINDOW, "until": at}
    return infer_model(
        inbox.answers_by_department(conn, **window), inbox.approvals_by_department(conn, **window)
    )


def answer_claims(answered: Answered, evidence: list[Evidence]) -> tuple[Claim, ...]:
    """The answers' stages, overall first, each with the links of the evidence about its dimension."""

    def about(dimension: Dimension | None) -> list[Evidence]:
        return [e for e in evidence if dimension is None or dimension in e.dimensions]

    def claim(dimension: Dimension | None, stage: Stage) -> Claim:
        found = about(dimension)
        return Claim(
            dimension, stage, tuple(dict.fromkeys(e.link for e in found)), tuple(e.key for e in found)
        )

    return (
        claim(None, answered.scored.overall),
        *(
            claim(d, s)
            for d, s in sorted(
                answered.scored.dimensions.items(), key=lambda ds: list(Dimension).index(ds[0])
            )
        ),
    )


def assess(conn: Connection, *, at: datetime, providers: tuple[Provider, ...] | None = None) -> Assessment:
    evidence = gather(conn, at) if providers is None else gather(conn, at, providers)
    suggested = suggest(evidence)
    answered = latest_answers(conn, at=at)
    asked = questionnaire(answered.version) if answered else CURRENT
    if answered is not None:
        stages = answered.scored.dimensions
        claims = answer_claims(answered, evidence)
    else:
        stages = {d: s or Stage.planning for d, s in suggested.dimensions.items()}
        claims = ()
    return Assessment(
        at, asked, answered, evidence, suggested, model_at(conn, at), claims, next_steps(asked, stages)
    )


def assessment(*, engine: Engine, at: datetime) -> Assessment:
    """The assessment as it stands at ``at`` (now, or a moment in the past)."""
    with engine.connect() as conn:
        return assess(conn, at=at)


@dataclass(frozen=True, slots=True)
class MonthRead:
    month: date
    stored: bool  # a snapshot was taken; else computed now from the data as it stood at the month's end
    as_of: datetime
    answered: dict[Dimension, Stage] | None
    answered_overall: Stage | None
    suggested: dict[Dimension, Stage | None]
    suggested_overall: Stage | None
    model: str
    links: tuple[str, ...]


def _stages(values: dict[str, int | None] | None) -> dict[Dimension, Stage | None] | None:
    if values is None:
        return None
    return {Dimension(k): Stage(v) if v else None for k, v in values.items()}


def _stored(row: Any) -> MonthRead:
    answered = _stages(row.answered)
    return MonthRead(
        row.month,
        True,
        row.as_of,
        {d: s for d, s in answered.items() if s is not None} if answered is not None else None,
        Stage(row.answered_overall) if row.answered_overall else None,
        _stages(row.suggested) or {},
        Stage(row.suggested_overall) if row.suggested_overall else None,
        row.model,
        tuple(dict.fromkeys(e["link"] for e in row.evidence)),
    )


def computed_month(conn: Connection, month: date, now: datetime) -> MonthRead:
    at = min(month_end(month), now)
    found = assess(conn, at=at)
    return MonthRead(
        month,
        False,
        at,
        found.answered.scored.dimensions if found.answered else None,
        found.answered.scored.overall if found.answered else None,
        found.suggested.dimensions,
        found.suggested.overall,
        found.model.model.value,
        tuple(dict.fromkeys(e.link for e in found.evidence)),
    )


def history(*, engine: Engine, now: datetime, months: int = 6) -> list[MonthRead]:
    """Month by month, oldest first: the stored snapshot of a month, else the month computed from the data
    as it stood at its end (the current month: at ``now``)."""
    wanted = months_back(now, months)
    with engine.connect() as conn:
        stored = {
            r.month: _stored(r)
            for r in conn.execute(sa.select(maturity_snapshot).where(maturity_snapshot.c.month >= wanted[0]))
        }
        return [stored.get(m) or computed_month(conn, m, now) for m in wanted]
