"""Scheduled reports: the tick that, for every active schedule whose latest run is due, records the run
and plans its e-mail in the effects ledger (kind ``email``, lane ``mail``) in one transaction. The UNIQUE
(schedule_id, period_start) of ``report_run`` decides between schedulers ticking at the same moment: the
one whose insert wins plans the e-mail, the other rolls back, so each period's report is sent once.
A department's schedule renders what that department sees (``Due.scope``) and mails those who may see it
now (:func:`luister.kpis.report_actions.deliverable`); when none may, the run waits and is not recorded."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from luister.domain.accounts import EVERYTHING, Scope
from luister.kpis.report_actions import (
    Due,
    Render,
    ScheduleInput,
    create_schedule,
    deliverable,
    due_of,
    plain_render,
    record_run,
)
from luister.kpis.report_tables import report_run, report_schedule
from luister.kpis.schedule import Weekly, latest_run


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
        with engine.connect() as conn:
            taken = conn.execute(sa.select(report_run.c.id).where(
                report_run.c.schedule_id == row.id, report_run.c.period_start == period,
                report_run.c.requested_by.is_(None))).first()  # fmt: skip
            recipients = deliverable(conn, row)
        if taken is not None or not recipients:
            continue
        subject, body = render(due_of(row, period, due_at))
        try:
            with engine.begin() as conn:
                _, effect_id = record_run(conn, schedule=row, period=period, due_at=due_at, subject=subject,
                                          body=body, now=now, requested_by=None,
                                          recipients=recipients)  # fmt: skip
        except IntegrityError:
            continue  # another scheduler recorded this period first
        planned.append(effect_id)
    return planned


def add_schedule(
    *, engine: Engine, name: str, recipients: list[str], weekday: int, at: str, now: datetime,
    template: str = "weekly_webcare", language: str = "nl", zone: str = "Europe/Amsterdam", actor: str,
    department: str | None = None, scope: Scope = EVERYTHING,
) -> int:  # fmt: skip
    """:func:`luister.kpis.report_actions.create_schedule` with the fields as arguments."""
    given = ScheduleInput(name, recipients, weekday, at, language, zone, template, department)
    return create_schedule(engine=engine, given=given, actor=actor, now=now, scope=scope)


__all__ = ["Due", "Render", "add_schedule", "plain_render", "tick"]
