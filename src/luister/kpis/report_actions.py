"""Managing scheduled reports: every change of ``report_schedule`` (add, change, pause, resume, remove)
and "send now" (a run by hand: a ``report_run`` with ``requested_by`` and its e-mail planned in the
effects ledger), each in one transaction with its audit row. Who may: ``Permission.manage`` (analysts
and admins), checked at the edges like the KPI pages' changes.

Departments (``domain.accounts.scope_of``, as for goals, KPIs and topics): a schedule is a department's or
the company's (``department`` NULL). Someone of a department sees their department's schedules and the
company's, and changes, pauses, removes and sends only their department's; another department's schedule
is as unknown as a missing one. Its report carries what its department sees, and it goes only to those
who may see that (:mod:`luister.kpis.report_recipients`), checked when saved and again when sent."""

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

from luister.domain.accounts import EVERYTHING, Role, Scope, scope_of
from luister.domain.addresses import address_ok
from luister.effects import actions as effects
from luister.kpis.report_recipients import Account, mailbox, refused
from luister.kpis.report_tables import report_run, report_schedule
from luister.kpis.schedule import Weekly
from luister.services import audit
from luister.storage.tables import user_account

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
    department: str | None = None  # whose report: its figures are what this department sees

    @property
    def scope(self) -> Scope:
        """What the report may show: its department's and the company's things (all, for the company's)."""
        return Scope(self.department)


Render = Callable[[Due], tuple[str, str]]  # the report's subject and body (HTML) for a due run


def plain_render(due: Due) -> tuple[str, str]:
    return f"{due.name} — {due.period_start.isoformat()}", f"<p>{escape(due.name)}</p>"


class ScheduleProblem(ValueError):
    """Input that cannot be saved; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class RecipientRefused(ScheduleProblem):
    """A recipient who may not see the figures the report carries; ``address`` names them."""

    def __init__(self, address: str, department: str | None) -> None:
        whose = f"department {department!r}" if department else "the whole company"
        super().__init__("recipients", f"{address} may not see the figures of {whose}")
        self.address = address


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
    department: str | None = None  # None: the company's (someone of a department always makes their own)


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


def _department(scope: Scope, department: str | None) -> str | None:
    """The department a schedule saved by ``scope`` belongs to: someone of a department makes and keeps
    their own department's; someone across departments any department's, or the company's (None)."""
    department = (department or "").strip()[:40] or None
    if scope.department is not None:
        if department not in (None, scope.department):
            raise ScheduleProblem("department", f"you work for department {scope.department!r} only")
        return scope.department
    return department


def accounts_of(conn: Connection, recipients: list[str]) -> dict[str, Account]:
    """The luister accounts among ``recipients``, by their bare address."""
    addresses = sorted({mailbox(a) for a in recipients})
    columns = (user_account.c.email, user_account.c.role, user_account.c.department, user_account.c.active)
    rows = conn.execute(sa.select(*columns).where(user_account.c.email.in_(addresses)))
    return {r.email: Account(scope_of(Role(r.role), r.department), bool(r.active)) for r in rows}


def _check_recipients(conn: Connection, recipients: list[str], department: str | None) -> None:
    if bad := refused(recipients, accounts_of(conn, recipients), department):
        raise RecipientRefused(bad[0], department)


def create_schedule(
    *, engine: Engine, given: ScheduleInput, actor: str, now: datetime, scope: Scope = EVERYTHING
) -> int:
    """A new schedule of ``given.department`` (someone of a department: always their own)."""
    values = checked(given) | {"department": _department(scope, given.department)}
    with engine.begin() as conn:
        _check_recipients(conn, values["recipients"], values["department"])
        insert = report_schedule.insert().values(**values, active=True, created_by=actor, created_at=now)
        schedule_id = int(conn.execute(insert.returning(report_schedule.c.id)).scalar_one())
        audit.record(conn, actor=actor, action="report_schedule.create", target=str(schedule_id),
                     detail={k: v for k, v in values.items() if k != "recipients"})  # fmt: skip
    return schedule_id


def _existing(conn: Connection, schedule_id: int, scope: Scope) -> Any:
    """The schedule ``scope`` may change; another department's is as unknown as a missing one, and the
    company's is changed by someone across departments only."""
    row = conn.execute(sa.select(report_schedule).where(report_schedule.c.id == schedule_id)).first()
    if row is None or not scope.sees(row.department):
        raise UnknownSchedule(f"there is no report schedule {schedule_id}")
    if not scope.owns(row.department):
        raise ScheduleProblem("department", "this schedule is the company's: someone across departments "
                              "changes it")  # fmt: skip
    return row


def update_schedule(
    *, engine: Engine, schedule_id: int, given: ScheduleInput, actor: str, now: datetime,
    scope: Scope = EVERYTHING, keep_department: bool = False,
) -> None:  # fmt: skip
    """Replace the schedule's settings (its department too, unless ``keep_department``: a PUT that left it
    out); its runs so far stay (a run is per period, whatever the time)."""
    values = checked(given)
    if not keep_department:
        values["department"] = _department(scope, given.department)
    with engine.begin() as conn:
        before = _existing(conn, schedule_id, scope)
        if keep_department:
            values["department"] = before.department
        _check_recipients(conn, values["recipients"], values["department"])
        conn.execute(report_schedule.update().where(report_schedule.c.id == schedule_id).values(**values))
        changed = {k: [before._mapping[k], v] for k, v in values.items() if before._mapping[k] != v}
        audit.record(conn, actor=actor, action="report_schedule.update", target=str(schedule_id),
                     detail={k: v for k, v in changed.items() if k != "recipients"}
                     | ({"recipients": "changed"} if "recipients" in changed else {}))  # fmt: skip


def set_active(
    *, engine: Engine, schedule_id: int, active: bool, actor: str, now: datetime, scope: Scope = EVERYTHING
) -> bool:
    """Pause (``active=False``) or resume; False when it already was. A resumed schedule sends the run
    that is due at most once, late, like a scheduler that was down."""
    with engine.begin() as conn:
        row = _existing(conn, schedule_id, scope)
        if bool(row.active) is active:
            return False
        conn.execute(
            report_schedule.update().where(report_schedule.c.id == schedule_id).values(active=active)
        )
        action = "report_schedule.resume" if active else "report_schedule.pause"
        audit.record(conn, actor=actor, action=action, target=str(schedule_id))
    return True


def remove_schedule(
    *, engine: Engine, schedule_id: int, actor: str, now: datetime, scope: Scope = EVERYTHING
) -> None:
    """Remove the schedule with its runs; e-mails already planned stay in the effects ledger."""
    with engine.begin() as conn:
        row = _existing(conn, schedule_id, scope)
        conn.execute(report_run.delete().where(report_run.c.schedule_id == schedule_id))
        conn.execute(report_schedule.delete().where(report_schedule.c.id == schedule_id))
        audit.record(conn, actor=actor, action="report_schedule.remove", target=str(schedule_id),
                     detail={"name": row.name})  # fmt: skip


def due_of(row: Any, period: date, due_at: datetime) -> Due:
    """The run of schedule ``row`` for ``period``, due at ``due_at``."""
    return Due(row.id, row.name, row.template, row.language, list(row.recipients), period, due_at,
               row.department)  # fmt: skip


def deliverable(conn: Connection, schedule: Any) -> list[str]:
    """The schedule's recipients who may receive its report now: someone who changed department, lost
    their account or was made a department's since the schedule was saved no longer gets it."""
    recipients = list(schedule.recipients)
    withheld = set(refused(recipients, accounts_of(conn, recipients), schedule.department))
    return [a for a in recipients if a not in withheld]


def record_run(
    conn: Connection, *, schedule: Any, period: Any, due_at: datetime, subject: str, body: str,
    now: datetime, requested_by: str | None, recipients: list[str],
) -> tuple[int, int]:  # fmt: skip
    """Insert a run and plan its e-mail to ``recipients`` (:func:`deliverable`) in ``conn``'s transaction;
    returns (run id, effect id). A scheduled run (``requested_by`` None) may lose to another scheduler's:
    IntegrityError, rolled back."""
    insert = report_run.insert().values(schedule_id=schedule.id, period_start=period, due_at=due_at,
                                        created_at=now, requested_by=requested_by)  # fmt: skip
    run_id = int(conn.execute(insert.returning(report_run.c.id)).scalar_one())
    effect_id = effects.plan(
        conn, kind="email", lane="mail", body=body, origin=f"report_run:{run_id}", actor_id=None, now=now,
        target={"to": recipients, "subject": subject, "report_run": run_id,
                "language": schedule.language},
    )  # fmt: skip
    conn.execute(report_run.update().where(report_run.c.id == run_id).values(effect_id=effect_id))
    return run_id, effect_id


def send_now(
    *, engine: Engine, schedule_id: int, actor: str, now: datetime, render: Render = plain_render,
    scope: Scope = EVERYTHING,
) -> tuple[int, int]:  # fmt: skip
    """Send the schedule's report now (also a paused one), as a run by hand beside the scheduled ones:
    returns (run id, effect id); the runner sends it like any other."""
    with engine.begin() as conn:
        row = _existing(conn, schedule_id, scope)
        recipients = deliverable(conn, row)
        if not recipients:
            raise ScheduleProblem("recipients", "none of the recipients may receive this report now")
        period = now.astimezone(ZoneInfo(row.zone)).date()
        subject, body = render(due_of(row, period, now))
        run_id, effect_id = record_run(conn, schedule=row, period=period, due_at=now, subject=subject,
                                       body=body, now=now, requested_by=actor,
                                       recipients=recipients)  # fmt: skip
        withheld = len(row.recipients) - len(recipients)
        audit.record(conn, actor=actor, action="report_schedule.send_now", target=str(schedule_id),
                     detail={"run": run_id, "effect": effect_id}
                     | ({"withheld": withheld} if withheld else {}))  # fmt: skip
    return run_id, effect_id
