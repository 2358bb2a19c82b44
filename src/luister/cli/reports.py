"""``luister reports schedules``: scheduled reports — list them with their next run and latest runs (and
each run's e-mail state), add, pause, resume, remove, send now. The listening loop (``luister listen`` and
``luister serve``) sends them when due; see docs/mail.md. Names and addresses come from people: printed as
rich ``Text``, never markup. ``--department`` works as someone of that department: its schedules and the
company's are seen, only its own are changed, and another department's is as unknown as a missing one
(without it: across departments, like the rest of the command line)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, fail, state_of
from luister.cli.output import Format, FormatOption, emit
from luister.domain.accounts import Scope
from luister.kpis import report_actions as actions
from luister.kpis import report_read as read
from luister.kpis.schedule import DAYS

reports_app = typer.Typer(help="Scheduled reports sent by e-mail (docs/mail.md).", no_args_is_help=True)
schedules_app = typer.Typer(help="Report schedules: weekly at a local time.", no_args_is_help=True)
reports_app.add_typer(schedules_app, name="schedules")
app.add_typer(reports_app, name="reports")

REFUSALS = (actions.UnknownSchedule, actions.ScheduleProblem)
IdArgument = Annotated[int, typer.Argument(help="The schedule's id (see `list`).")]
DepartmentOption = Annotated[str | None, typer.Option(
    "--department", help="Work as someone of this department (its key): its schedules and the company's "
    "only. Default: across departments.")]  # fmt: skip


def _scope(department: str | None) -> Scope:
    return Scope((department or "").strip() or None)


def _now() -> datetime:
    return datetime.now(UTC)


def _refused(exc: Exception) -> NoReturn:
    where = f"{exc.field}: " if isinstance(exc, actions.ScheduleProblem) else ""
    fail(f"{where}{exc}", code=2)


def _plain(view: read.ScheduleView, runs: list[read.RunView]) -> dict[str, Any]:
    last = runs[0] if runs else None
    return {
        "id": view.id, "name": view.name, "department": view.department, "weekday": DAYS[view.weekday],
        "at": view.at, "zone": view.zone,
        "language": view.language, "recipients": ", ".join(view.recipients), "active": view.active,
        "next_run": view.next_run.isoformat() if view.next_run else None,
        "last_run": last.period_start.isoformat() if last else None,
        "last_mail": last.state if last else None,
    }  # fmt: skip


@schedules_app.command("list")
def schedules_list(
    ctx: typer.Context, fmt: FormatOption = Format.table, department: DepartmentOption = None
) -> None:
    """Every schedule (--department: its own and the company's) with its next run and last e-mail state."""
    engine = state_of(ctx).engine()
    views = read.list_schedules(engine=engine, now=_now(), scope=_scope(department))
    runs = read.runs_of(engine=engine, schedule_ids=[v.id for v in views], per_schedule=1)
    rows = [_plain(v, runs.get(v.id, [])) for v in views]
    if fmt is not Format.table:
        return emit(fmt, rows)
    table = Table("id", "name", "department", "when", "to", "next run", "last run", "mail")
    for r in rows:
        when = f"{r['weekday']} {r['at']} {r['zone']}" + ("" if r["active"] else " (paused)")
        table.add_row(str(r["id"]), Text(r["name"]), Text(r["department"] or "(company)"), when,
                      Text(r["recipients"]), r["next_run"] or "–", r["last_run"] or "–",
                      r["last_mail"] or "–")  # fmt: skip
    console.print(table)


@schedules_app.command("add")
def schedules_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the report is called.")],
    to: Annotated[list[str], typer.Option("--to", help="A recipient's e-mail address (repeat for more).")],
    weekday: Annotated[str, typer.Option(help="monday … sunday.")] = "monday",
    at: Annotated[str, typer.Option(help="Local time of day, HH:MM.")] = "08:00",
    language: Annotated[str, typer.Option(help="nl or en.")] = "nl",
    zone: Annotated[str, typer.Option(help="IANA time zone of --at.")] = "Europe/Amsterdam",
    template: Annotated[str, typer.Option(help=", ".join(actions.TEMPLATES))] = "weekly_webcare",
    department: DepartmentOption = None,
) -> None:
    """Add a weekly report (the company's, or --department's), e.g. `add Webcare --to team@example.nl`."""
    day = weekday.strip().lower()
    if day not in DAYS:
        fail(f"weekday: one of {', '.join(DAYS)}", code=2)
    given = actions.ScheduleInput(name, to, DAYS.index(day), at, language, zone, template, department)
    try:
        new = actions.create_schedule(engine=state_of(ctx).engine(), given=given, actor="cli", now=_now(),
                                      scope=_scope(department))  # fmt: skip
    except REFUSALS as exc:
        _refused(exc)
    console.print(Text(f"✓ report schedule {new} added", style="green"))


def _activate(ctx: typer.Context, schedule_id: int, active: bool, department: str | None) -> None:
    try:
        changed = actions.set_active(engine=state_of(ctx).engine(), schedule_id=schedule_id, active=active,
                                     actor="cli", now=_now(), scope=_scope(department))  # fmt: skip
    except REFUSALS as exc:
        _refused(exc)
    word = "resumed" if active else "paused"
    console.print(Text(f"✓ report schedule {schedule_id} {word}" + ("" if changed else " already")))


@schedules_app.command("pause")
def schedules_pause(ctx: typer.Context, schedule_id: IdArgument, department: DepartmentOption = None) -> None:
    """No scheduled runs until resumed."""
    _activate(ctx, schedule_id, False, department)


@schedules_app.command("resume")
def schedules_resume(
    ctx: typer.Context, schedule_id: IdArgument, department: DepartmentOption = None
) -> None:
    """Scheduled again; a run that fell due while paused is sent once, late."""
    _activate(ctx, schedule_id, True, department)


@schedules_app.command("remove")
def schedules_remove(
    ctx: typer.Context, schedule_id: IdArgument, department: DepartmentOption = None
) -> None:
    """Remove a schedule and its runs (mail already planned stays in the effects ledger)."""
    try:
        actions.remove_schedule(engine=state_of(ctx).engine(), schedule_id=schedule_id, actor="cli",
                                now=_now(), scope=_scope(department))  # fmt: skip
    except REFUSALS as exc:
        _refused(exc)
    console.print(Text(f"✓ report schedule {schedule_id} removed", style="green"))


@schedules_app.command("send-now")
def schedules_send_now(
    ctx: typer.Context, schedule_id: IdArgument, department: DepartmentOption = None
) -> None:
    """Send the report now (also while paused); `luister effects run --once` or the running loop sends it."""
    state = state_of(ctx)
    try:
        run_id, effect_id = actions.send_now(engine=state.engine(), schedule_id=schedule_id, actor="cli",
                                             now=_now(), render=state.runtime().report_render(),
                                             scope=_scope(department))  # fmt: skip
    except REFUSALS as exc:
        _refused(exc)
    console.print(Text(f"✓ run {run_id} planned as effect {effect_id}", style="green"))
