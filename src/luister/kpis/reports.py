"""Scheduled reports: the tick that, for every active schedule whose latest run is due, records the run
and plans its e-mail in the effects ledger (kind ``email``, lane ``mail``) in one transaction. The UNIQUE
(schedule_id, period_start) of ``report_run`` decides between schedulers ticking at the same moment: the
one whose insert wins plans the e-mail, the other rolls back, so each period's report is sent once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from luister.effects import actions as effects
from luister.kpis.report_tables import report_run, report_schedule
from luister.kpis.schedule import Weekly, latest_run


@dataclass(frozen=True, slots=True)
class Due:
    schedule_id: int
    name: str
    template: str
    language: str
    recipients: list[str]
    period_start: date
    due_at: datetime


Render = Callable[[Due], tuple[str, str]]  # the report's subject and body (HTML) for a due run


def plain_render(due: Due) -> tuple[str, str]:
    return f"{due.name} — {due.period_start.isoformat()}", f"<p>{due.name}</p>"


def _rule(row: Any) -> Weekly:
    hour, minute = (int(part) for part in row.at_time.split(":"))
    return Weekly(row.weekday, time(hour, minute), row.zone)


def tick(*, engine: Engine, now: datetime, render: Render = plain_render) -> list[int]:
    """Plan the e-mail of every schedule's latest run that is due and not yet recorded; returns the
    planned effects' ids. A run missed while no scheduler ran is sent once, late; older ones are skipped."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(report_schedule).where(report_schedule.c.active)).all()
    planned: list[int] = []
    for row in rows:
        period, due_at = latest_run(_rule(row), now)
        if due_at < row.created_at:
            continue  # scheduled after that moment
        due = Due(row.id, row.name, row.template, row.language, list(row.recipients), period, due_at)
        with engine.connect() as conn:
            taken = conn.execute(sa.select(report_run.c.id).where(
                report_run.c.schedule_id == row.id, report_run.c.period_start == period)).first()  # fmt: skip
        if taken is not None:
            continue
        subject, body = render(due)
        try:
            with engine.begin() as conn:
                run_id = conn.execute(
                    report_run.insert()
                    .values(schedule_id=row.id, period_start=period, due_at=due_at, created_at=now)
                    .returning(report_run.c.id)  # fmt: skip
                ).scalar_one()
                effect_id = effects.plan(
                    conn, kind="email", lane="mail",
                    target={"to": due.recipients, "subject": subject, "report_run": run_id},
                    body=body, origin=f"report_run:{run_id}", actor_id=None, now=now,
                )  # fmt: skip
                conn.execute(report_run.update().where(report_run.c.id == run_id).values(effect_id=effect_id))
        except IntegrityError:
            continue  # another scheduler recorded this period first
        planned.append(effect_id)
    return planned


def add_schedule(
    *, engine: Engine, name: str, recipients: list[str], weekday: int, at: str, now: datetime,
    template: str = "weekly_webcare", language: str = "nl", zone: str = "Europe/Amsterdam", actor: str,
) -> int:  # fmt: skip
    hour, minute = (int(part) for part in at.split(":"))
    Weekly(weekday, time(hour, minute), zone)  # refuses a bad weekday or zone
    with engine.begin() as conn:
        return int(conn.execute(report_schedule.insert().values(
            name=name, template=template, language=language, recipients=recipients, weekday=weekday,
            at_time=f"{hour:02d}:{minute:02d}", zone=zone, active=True, created_by=actor, created_at=now,
        ).returning(report_schedule.c.id)).scalar_one())  # fmt: skip


__all__ = ["Due", "add_schedule", "plain_render", "tick"]
