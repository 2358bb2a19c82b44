"""Reads of reverse mentoring: the pairs with their sessions, and the evidence the maturity assessment
counts (:func:`evidence`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.organisation.knowledge_tables import mentoring_pair, mentoring_session
from luister.organisation.mentoring import active_on

RECENT_DAYS = 90


class UnknownPair(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    held_on: date
    topics: list[str]
    notes: str
    minutes: int | None
    recorded_by: str


@dataclass(frozen=True, slots=True)
class Pair:
    id: int
    mentor: str
    mentor_role: str
    mentee: str
    mentee_role: str
    goal: str
    started_on: date
    ended_on: date | None
    sessions: list[Session]  # the newest first

    def active(self, day: date) -> bool:
        return active_on(day, self.started_on, self.ended_on)


@dataclass(frozen=True, slots=True)
class MentoringEvidence:
    """What the maturity assessment counts: reverse mentoring is set up and practised."""

    pairs: int
    active_pairs: int  # active today
    executives_mentored: int  # distinct mentees of active pairs
    sessions: int
    recent_sessions: int  # in the last 90 days, today included
    last_session_on: date | None


def _session(r: Any) -> Session:
    return Session(r.id, r.held_on, list(r.topics), r.notes, r.minutes, r.recorded_by)


def pairs(*, engine: Engine) -> list[Pair]:
    """Every pair with its sessions, the active (then newest) first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(mentoring_pair).order_by(mentoring_pair.c.started_on.desc(), mentoring_pair.c.id)
        ).all()
        held = conn.execute(
            sa.select(mentoring_session).order_by(
                mentoring_session.c.held_on.desc(), mentoring_session.c.id.desc()
            )
        ).all()
    by_pair: dict[int, list[Session]] = {}
    for r in held:
        by_pair.setdefault(r.pair_id, []).append(_session(r))
    return [
        Pair(
            r.id,
            r.mentor,
            r.mentor_role,
            r.mentee,
            r.mentee_role,
            r.goal,
            r.started_on,
            r.ended_on,
            by_pair.get(r.id, []),
        )
        for r in rows
    ]


def pair(*, engine: Engine, pair_id: int) -> Pair:
    for p in pairs(engine=engine):
        if p.id == pair_id:
            return p
    raise UnknownPair(f"no mentoring pair #{pair_id}")


def evidence(conn: Connection, now: datetime) -> MentoringEvidence:
    """Reverse mentoring as evidence on ``now``'s day: pairs, the active ones, the executives they
    mentor, sessions in all and in the last 90 days (sessions after ``now``'s day do not count)."""
    today = now.date()
    rows = conn.execute(
        sa.select(mentoring_pair.c.mentee, mentoring_pair.c.started_on, mentoring_pair.c.ended_on)
    ).all()
    active = [r for r in rows if active_on(today, r.started_on, r.ended_on)]
    held = mentoring_session.c.held_on
    total, recent, last = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(held > today - timedelta(days=RECENT_DAYS)),
            sa.func.max(held),
        ).where(held <= today)
    ).one()
    return MentoringEvidence(
        pairs=len(rows),
        active_pairs=len(active),
        executives_mentored=len({r.mentee.lower() for r in active}),
        sessions=int(total),
        recent_sessions=int(recent),
        last_session_on=last,
    )
