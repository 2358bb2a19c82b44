"""Managing scheduled reports: every change of ``report_schedule`` (add, change, pause, resume, remove)
and "send now" (a run by hand: a ``report_run`` with ``requested_by`` and its e-mail planned in the
effects ledger), each in one transaction with its audit row. Who may: ``Permission.manage`` (analysts
and admins), checked at the edges like the KPI pages' changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from html import escape
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.addresses import address_ok
from luister.effects import actions as effects
from luister.kpis.report_tables import report_run, report_schedule
from luister.kpis.schedule import Weekly
from luister.services import audit

TEMPLATES = ("weekly_webcare", "monthly_management", "project")
LANGUAGES = ("nl", "en")
MAX_RECIPIENTS = 50
_AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class Due:
    """A run to be sent: which schedule, the period it opens, and when it was due."""

    schedule_id: int
    name: str
    template: str
    language: str
    recipients: list[str]
    period_start: date
    due_at: datetime


Render = Callable[[Due], tuple[str, str]]  # the report's subject and body (HTML) for a due run


def plain_render(due: Due) -> tuple[str, str]:
    return f"{due.name} — {due.period_start.isoformat()}", f"<p>{escape(due.name)}</p>"


class ScheduleProblem(ValueError):
    """Input that cannot be saved; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UnknownSchedule(LookupError):
    """No such report schedule."""


@dataclass(frozen=True, slots=True)
class ScheduleInput:
    """A schedule as given: every field checked by :func:`checked`."""

    name: str
    recipients: list[str]
    weekday: int
    at: str
    language: str = "nl"
    zone: str = "Europe/Amsterdam"
    template: str = "weekly_webcare"


def checked(given: ScheduleInput) -> dict[str, Any]:
    """The row values of ``given``, or :class:`ScheduleProblem` naming the first field that is wrong."""
    name = " ".join(given.name.split())
    if not 1 <= len(name) <= 200:
        raise ScheduleProblem("name", "a name of 1 to 200 characters")
    if not given.recipients:
        raise ScheduleProblem("recipients", "at least one e-mail address")
    if len(given.recipients) > MAX_RECIPIENTS:
        raise ScheduleProblem("recipients", f"at most {MAX_RECIPIENTS} addresses")
    recipients: list[str] = []
    for address in given.recipients:
        try:
            recipients.append(address_ok(address))
        except ValueError as exc:
            raise ScheduleProblem("recipients", str(exc)) from None
    if not 0 <= given.weekday <= 6:
        raise ScheduleProblem("weekday", "0 (Monday) to 6 (Sunday)")
    match = _AT.match(given.at.strip())
    if match is None:
        raise ScheduleProblem("at", f"{given.at!r} is not a time of day as HH:MM (00:00 to 23:59)")
    try:
        ZoneInfo(given.zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleProblem(
            "zone", f"unknown time zone {given.zone!r}; use e.g. Europe/Amsterdam"
        ) from None
    if given.language not in LANGUAGES:
        raise ScheduleProblem("language", "nl or en")
    if given.template not in TEMPLATES:
        raise ScheduleProblem("template", f"one of {', '.join(TEMPLATES)}")
    Weekly(given.weekday, time(int(match[1]), int(match[2])), given.zone)
    return {"name": name, "recipients": list(dict.fromkeys(recipients)), "weekday": given.weekday,
            "at_time": f"{match[1]}:{match[2]}", "zone": given.zone, "language": given.language,
            "template": given.template}  # fmt: skip


def create_schedule(*, engine: Engine, given: ScheduleInput, actor: str, now: datetime) -> int:
    values = checked(given)
    with engine.begin() as conn:
        insert = report_schedule.insert().values(**values, active=True, created_by=actor, created_at=now)
        schedule_id = int(conn.execute(insert.returning(report_schedule.c.id)).scalar_one())
        audit.record(conn, actor=actor, action="report_schedule.create", target=str(schedule_id),
                     detail={k: v for k, v in values.items() if k != "recipients"})  # fmt: skip
    return schedule_id


def _existing(conn: Connection, schedule_id: int) -> Any:
    row = conn.execute(sa.select(report_schedule).where(report_schedule.c.id == schedule_id)).first()
    if row is None:
        raise UnknownSchedule(f"there is no report schedule {schedule_id}")
    return row


def update_schedule(
    *, engine: Engine, schedule_id: int, given: ScheduleInput, actor: str, now: datetime
) -> None:
    """Replace the schedule's settings; its runs so far stay (a run is per period, whatever the time)."""
    values = checked(given)
    with engine.begin() as conn:
        before = _existing(conn, schedule_id)
        conn.execute(report_schedule.update().where(report_schedule.c.id == schedule_id).values(**values))
        changed = {k: [before._mapping[k], v] for k, v in values.items() if before._mapping[k] != v}
        audit.record(conn, actor=actor, action="report_schedule.update", target=str(schedule_id),
                     detail={k: v for k, v in changed.items() if k != "recipients"}
                     | ({"recipients": "changed"} if "recipients" in changed else {}))  # fmt: skip


def set_active(*, engine: Engine, schedule_id: int, active: bool, actor: str, now: datetime) -> bool:
    """Pause (``active=False``) or resume; False when it already was. A resumed schedule sends the run
    that is due at most once, late, like a scheduler that was down."""
    with engine.begin() as conn:
        row = _existing(conn, schedule_id)
        if bool(row.active) is active:
            return False
        conn.execute(
            report_schedule.update().where(report_schedule.c.id == schedule_id).values(active=active)
        )
        action = "report_schedule.resume" if active else "report_schedule.pause"
        audit.record(conn, actor=actor, action=action, target=str(schedule_id))
    return True


def remove_schedule(*, engine: Engine, schedule_id: int, actor: str, now: datetime) -> None:
    """Remove the schedule with its runs; e-mails already planned stay in the effects ledger."""
    with engine.begin() as conn:
        row = _existing(conn, schedule_id)
        conn.execute(report_run.delete().where(report_run.c.schedule_id == schedule_id))
        conn.execute(report_schedule.delete().where(report_schedule.c.id == schedule_id))
        audit.record(conn, actor=actor, action="report_schedule.remove", target=str(schedule_id),
                     detail={"name": row.name})  # fmt: skip


def record_run(
    conn: Connection, *, schedule: Any, period: Any, due_at: datetime, subject: str, body: str,
    now: datetime, requested_by: str | None,
) -> tuple[int, int]:  # fmt: skip
    """Insert a run and plan its e-mail in ``conn``'s transaction; returns (run id, effect id). A
    scheduled run (``requested_by`` None) may lose to another scheduler's: IntegrityError, rolled back."""
    insert = report_run.insert().values(schedule_id=schedule.id, period_start=period, due_at=due_at,
                                        created_at=now, requested_by=requested_by)  # fmt: skip
    run_id = int(conn.execute(insert.returning(report_run.c.id)).scalar_one())
    effect_id = effects.plan(
        conn, kind="email", lane="mail", body=body, origin=f"report_run:{run_id}", actor_id=None, now=now,
        target={"to": list(schedule.recipients), "subject": subject, "report_run": run_id,
                "language": schedule.language},
    )  # fmt: skip
    conn.execute(report_run.update().where(report_run.c.id == run_id).values(effect_id=effect_id))
    return run_id, effect_id


def send_now(
    *, engine: Engine, schedule_id: int, actor: str, now: datetime, render: Render = plain_render
) -> tuple[int, int]:
    """Send the schedule's report now (also a paused one), as a run by hand beside the scheduled ones:
    returns (run id, effect id); the runner sends it like any other."""
    with engine.begin() as conn:
        row = _existing(conn, schedule_id)
        period = now.astimezone(ZoneInfo(row.zone)).date()
        due = Due(row.id, row.name, row.template, row.language, list(row.recipients), period, now)
        subject, body = render(due)
        run_id, effect_id = record_run(conn, schedule=row, period=period, due_at=now, subject=subject,
                                       body=body, now=now, requested_by=actor)  # fmt: skip
        audit.record(conn, actor=actor, action="report_schedule.send_now", target=str(schedule_id),
                     detail={"run": run_id, "effect": effect_id})  # fmt: skip
    return run_id, effect_id
