"""Every change to reverse mentoring: pairs made and ended, sessions recorded. Keyword arguments only, an
explicit ``actor``, one transaction with its audit row."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.organisation.knowledge_tables import mentoring_pair, mentoring_session
from luister.organisation.mentoring import MentoringProblem, check_person, check_topics
from luister.organisation.mentoring_read import UnknownPair
from luister.services import audit
from luister.storage.unique import insert_new


def create_pair(
    *,
    engine: Engine,
    actor: str,
    now: datetime,
    mentor: str,
    mentee: str,
    started_on: date,
    mentor_role: str = "",
    mentee_role: str = "",
    goal: str = "",
) -> int:
    """A pair: ``mentor`` (often a younger, social-savvy colleague) mentors ``mentee`` (an executive)."""
    who, whom = check_person(mentor, "mentor"), check_person(mentee, "mentee")
    if who.lower() == whom.lower():
        raise MentoringProblem(
            "mentee", "a mentor cannot mentor themselves", "een mentor coacht zichzelf niet"
        )
    if len(mentor_role) > 120 or len(mentee_role) > 120 or len(goal) > 5000:
        raise MentoringProblem(
            "goal",
            "roles: at most 120 characters; goal: at most 5000",
            "rollen: hoogstens 120 tekens; doel: hoogstens 5000",
        )
    with engine.begin() as conn:
        made = insert_new(
            conn,
            mentoring_pair.insert()
            .values(
                mentor=who,
                mentee=whom,
                mentor_role=mentor_role.strip(),
                mentee_role=mentee_role.strip(),
                goal=goal.strip(),
                started_on=started_on,
                created_by=actor,
                created_at=now,
            )
            .returning(mentoring_pair.c.id),
        )
        if made is None:
            raise MentoringProblem(
                "mentee",
                f"{who} mentors {whom} from {started_on} already",
                f"{who} coacht {whom} al vanaf {started_on}",
            )
        pair_id = int(made[0][0])
        audit.record(
            conn,
            actor=actor,
            action="mentoring.pair.create",
            target=str(pair_id),
            detail={"mentor": who, "mentee": whom, "started_on": started_on.isoformat()},
        )
    return pair_id


def end_pair(*, engine: Engine, actor: str, pair_id: int, ended_on: date) -> None:
    with engine.begin() as conn:
        row = conn.execute(sa.select(mentoring_pair).where(mentoring_pair.c.id == pair_id)).first()
        if row is None:
            raise UnknownPair(f"no mentoring pair #{pair_id}")
        if ended_on < row.started_on:
            raise MentoringProblem(
                "ended_on",
                f"the pair started on {row.started_on}: it cannot end before",
                f"het koppel begon op {row.started_on}: het kan niet eerder eindigen",
            )
        conn.execute(mentoring_pair.update().where(mentoring_pair.c.id == pair_id).values(ended_on=ended_on))
        audit.record(
            conn,
            actor=actor,
            action="mentoring.pair.end",
            target=str(pair_id),
            detail={"ended_on": ended_on.isoformat()},
        )


def record_session(
    *,
    engine: Engine,
    actor: str,
    now: datetime,
    pair_id: int,
    held_on: date,
    topics: Iterable[str],
    notes: str = "",
    minutes: int | None = None,
) -> int:
    """A session the pair held; it must fall within the pair's time and not in the future."""
    checked = check_topics(topics)
    if len(notes) > 20_000 or "\x00" in notes:
        raise MentoringProblem(
            "notes", "notes: at most 20000 characters, no NUL", "notities: hoogstens 20000 tekens, geen NUL"
        )
    if minutes is not None and not 1 <= minutes <= 600:
        raise MentoringProblem("minutes", "minutes: 1 to 600", "minuten: 1 tot 600")
    if held_on > now.date():
        raise MentoringProblem(
            "held_on",
            f"{held_on} is in the future: record a session once it was held",
            f"{held_on} ligt in de toekomst: leg een sessie vast als ze gehouden is",
        )
    with engine.begin() as conn:
        row = conn.execute(sa.select(mentoring_pair).where(mentoring_pair.c.id == pair_id)).first()
        if row is None:
            raise UnknownPair(f"no mentoring pair #{pair_id}")
        if held_on < row.started_on or (row.ended_on is not None and held_on > row.ended_on):
            raise MentoringProblem(
                "held_on",
                f"{held_on} is outside the pair's time ({row.started_on} – {row.ended_on or '…'})",
                f"{held_on} valt buiten de tijd van het koppel ({row.started_on} – {row.ended_on or '…'})",
            )
        session_id = int(
            conn.execute(
                mentoring_session.insert()
                .values(
                    pair_id=pair_id,
                    held_on=held_on,
                    topics=checked,
                    notes=notes.strip(),
                    minutes=minutes,
                    recorded_by=actor,
                    recorded_at=now,
                )
                .returning(mentoring_session.c.id)
            ).scalar_one()
        )
        audit.record(
            conn,
            actor=actor,
            action="mentoring.session.record",
            target=str(pair_id),
            detail={"session": session_id, "held_on": held_on.isoformat(), "topics": checked},
        )
    return session_id
