"""Scheduled reports for the edges: the schedules with their next run, and each schedule's latest runs
with the state of their e-mail in the effects ledger (no writes). Department scope is applied here: someone
of a department sees their department's schedules and the company's; another's is as unknown as a missing
one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.effects.read import effects_of
from luister.kpis.report_actions import UnknownSchedule
from luister.kpis.report_tables import report_run, report_schedule
from luister.kpis.schedule import Weekly, next_run
from luister.storage.scoping import seen


@dataclass(frozen=True, slots=True)
class ScheduleView:
    id: int
    name: str
    template: str
    language: str
    recipients: list[str]
    weekday: int
    at: str
    zone: str
    active: bool
    created_by: str | None
    created_at: datetime
    next_run: datetime | None  # None while paused
    department: str | None  # whose report; None: the company's


@dataclass(frozen=True, slots=True)
class RunView:
    id: int
    schedule_id: int
    period_start: date
    due_at: datetime
    requested_by: str | None  # "send now" by; None: scheduled
    created_at: datetime
    effect_id: int | None
    state: str | None  # the e-mail's state in the effects ledger: planned, sent, unknown, failed ...
    error: str | None


def _view(row: Any, now: datetime) -> ScheduleView:
    hour, minute = (int(part) for part in row.at_time.split(":"))
    upcoming = next_run(Weekly(row.weekday, time(hour, minute), row.zone), now) if row.active else None
    return ScheduleView(row.id, row.name, row.template, row.language, list(row.recipients), row.weekday,
                        row.at_time, row.zone, bool(row.active), row.created_by, row.created_at,
                        upcoming, row.department)  # fmt: skip


def list_schedules(*, engine: Engine, now: datetime, scope: Scope = EVERYTHING) -> list[ScheduleView]:
    """The schedules ``scope`` sees, by name."""
    query = sa.select(report_schedule).where(seen(report_schedule.c.department, scope))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(report_schedule.c.name, report_schedule.c.id))
        return [_view(row, now) for row in rows]


def schedule_of(
    *, engine: Engine, schedule_id: int, now: datetime, scope: Scope = EVERYTHING
) -> ScheduleView:
    query = sa.select(report_schedule).where(
        report_schedule.c.id == schedule_id, seen(report_schedule.c.department, scope)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise UnknownSchedule(f"there is no report schedule {schedule_id}")
    return _view(row, now)


def runs_of(*, engine: Engine, schedule_ids: list[int], per_schedule: int = 10) -> dict[int, list[RunView]]:
    """The newest runs of each schedule (at most ``per_schedule``), with their e-mail's state."""
    if not schedule_ids:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(report_run)
            .where(report_run.c.schedule_id.in_(schedule_ids))
            .order_by(report_run.c.schedule_id, report_run.c.id.desc())
        ).all()
        kept: dict[int, list[Any]] = {}
        for row in rows:
            if len(kept.setdefault(row.schedule_id, [])) < per_schedule:
                kept[row.schedule_id].append(row)
        mails = effects_of(conn, [f"report_run:{r.id}" for runs in kept.values() for r in runs])
    found: dict[int, list[RunView]] = {}
    for schedule_id, runs in kept.items():
        for r in runs:
            mail = mails.get(f"report_run:{r.id}")
            found.setdefault(schedule_id, []).append(RunView(
                r.id, r.schedule_id, r.period_start, r.due_at, r.requested_by, r.created_at, r.effect_id,
                mail.state if mail else None, mail.last_error if mail else None,
            ))  # fmt: skip
    return found
