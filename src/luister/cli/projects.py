"""``luister projects``: social projects — list, add, show (with the overlap map and a KPI's attribution),
spend, evaluate."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, fail, state_of
from luister.cli.output import Format, FormatOption, emit

projects_app = typer.Typer(
    help="Social projects: campaigns, community launches and webcare pilots, and what they achieved.",
    no_args_is_help=True,
)
app.add_typer(projects_app, name="projects")


def _money(cents: int | None, currency: str) -> str:
    return "" if cents is None else f"{currency} {cents / 100:,.2f}"


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)", code=2)


@projects_app.command("list")
def projects_list(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="campaign, community or webcare_pilot.")] = None,
    running_on: Annotated[str | None, typer.Option(help="Only those running that day (YYYY-MM-DD).")] = None,
    fmt: FormatOption = Format.table,
) -> None:  # fmt: skip
    """The projects, the latest start first, with budget and spend."""
    from luister.kpis.projects import list_projects

    day = _day(running_on, "--running-on") if running_on else None
    found = list_projects(engine=state_of(ctx).engine(), kind=kind, running_on=day)
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("id", "name", "kind", "runs", "department", "budget", "spend", "met", title="Projects")
    for p in found:
        met = "" if p.objectives_met is None else ("yes" if p.objectives_met else "no")
        table.add_row(str(p.id), escape(p.name), p.kind, f"{p.starts_on} – {p.ends_on}",
                      escape(p.department or ""), _money(p.budget_cents, p.currency),
                      _money(p.spend_cents, p.currency), met)  # fmt: skip
    console.print(table)


@projects_app.command("add")
def projects_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument()],
    start: Annotated[str, typer.Option(help="The first day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="The last day (YYYY-MM-DD).")],
    kind: Annotated[str, typer.Option(help="campaign, community or webcare_pilot.")] = "campaign",
    owner: Annotated[str | None, typer.Option()] = None,
    department: Annotated[str | None, typer.Option()] = None,
    budget: Annotated[float | None, typer.Option(help="In whole currency units (2500.50).")] = None,
    topic: Annotated[list[int] | None, typer.Option(help="A topic id that identifies it (repeat).")] = None,
    hashtag: Annotated[list[str] | None, typer.Option(help="Repeat.")] = None,
    link: Annotated[list[str] | None, typer.Option(help="Repeat.")] = None,
    channel: Annotated[list[str] | None, typer.Option(help="A channel it runs on (repeat).")] = None,
    country: Annotated[list[str] | None, typer.Option(help="A country it aims at, e.g. NL (repeat).")] = None,
    objectives: Annotated[str, typer.Option()] = "",
    kpi: Annotated[list[int] | None, typer.Option(help="A KPI id it should move (repeat).")] = None,
) -> None:  # fmt: skip
    """Add a project."""
    from luister.kpis.projects import ProjectError, create

    try:
        new = create(
            engine=state_of(ctx).engine(), actor="cli", name=name, kind=kind, now=datetime.now(UTC),
            starts_on=_day(start, "--start"), ends_on=_day(end, "--end"), owner=owner, department=department,
            budget_cents=None if budget is None else round(budget * 100), topics=topic or (),
            hashtags=hashtag or (), links=link or (), channels=channel or (), countries=country or (),
            objectives=objectives, kpi_ids=kpi or (),
        )  # fmt: skip
    except ProjectError as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ project {new}: {name}", style="green"))


@projects_app.command("show")
def projects_show(
    ctx: typer.Context,
    project_id: Annotated[int, typer.Argument()],
    kpi: Annotated[
        str | None, typer.Option(help="A KPI: kpi:<KPI id> or mentions|reach|engagement:<topic id>.")
    ] = None,
    method: Annotated[str, typer.Option(help="linear, time_decay, position, shapley or causal.")] = "linear",
) -> None:  # fmt: skip
    """A project with its spend, the projects it overlaps and, with --kpi, the KPI's attribution."""
    from luister.kpis.projects import ProjectError, UnknownProject, attribute, detail

    engine = state_of(ctx).engine()
    try:
        found = detail(engine=engine, project_id=project_id)
        got = attribute(engine=engine, project_id=project_id, kpi=kpi, method=method,
                        today=datetime.now(UTC).date()) if kpi else None  # fmt: skip
    except UnknownProject as exc:
        fail(str(exc), code=2)
    except ProjectError as exc:
        fail(str(exc), code=2)
    p = found.project
    console.print(
        Text(f"project {p.id}: {p.name} ({p.kind}), {p.starts_on} – {p.ends_on}, owner {p.owner or '-'}")
    )
    console.print(
        Text(f"budget {_money(p.budget_cents, p.currency) or '-'}, spent {_money(p.spend_cents, p.currency)}")
    )
    if p.objectives:
        console.print(Text(f"objectives: {p.objectives}"))
    if p.evaluation:
        console.print(Text(f"evaluation ({'met' if p.objectives_met else 'not met'}): {p.evaluation}"))
    for o in found.overlaps:
        shared = (
            ", ".join(map(str, [*o.topics, *o.hashtags, *o.channels, *o.countries])) or "no shared audience"
        )
        console.print(Text(f"  overlaps {o.other} {o.other_name}: {o.days} days; {shared}"))
    if got is None:
        return
    table = Table("project", "share", "interval", "placebo", title=f"{got.kpi} by {got.method}, "
                  f"{got.since} – {got.until} (total {got.total:,.0f})")  # fmt: skip
    for s in got.shares:
        interval = "" if s.low is None else f"{s.low:,.1f} … {s.high:,.1f}"
        placebo = {None: "", True: "holds 0", False: "does NOT hold 0"}[s.placebo_ok]
        table.add_row(escape(s.name), f"{s.value:,.1f}", interval, placebo)
    console.print(table)
    for note in got.notes:
        console.print(Text(f"  {note}"))


@projects_app.command("spend")
def projects_spend(
    ctx: typer.Context,
    project_id: Annotated[int, typer.Argument()],
    amount: Annotated[float, typer.Argument(help="In whole currency units; negative for a refund.")],
    on: Annotated[str | None, typer.Option(help="The day (YYYY-MM-DD); today if left out.")] = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:  # fmt: skip
    """Record a line of spend."""
    from luister.kpis.projects import ProjectError, UnknownProject, record_spend

    now = datetime.now(UTC)
    try:
        day = _day(on, "--on") if on else now.date()
        record_spend(engine=state_of(ctx).engine(), actor="cli", project_id=project_id, note=note, now=now,
                     amount_cents=round(amount * 100), spent_on=day)  # fmt: skip
    except (ProjectError, UnknownProject) as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ {amount:,.2f} recorded on project {project_id}", style="green"))


@projects_app.command("evaluate")
def projects_evaluate(
    ctx: typer.Context,
    project_id: Annotated[int, typer.Argument()],
    evaluation: Annotated[str, typer.Option(help="What was learned.")],
    met: Annotated[bool, typer.Option("--met/--not-met", help="Were the objectives met?")],
) -> None:
    """The end-of-project evaluation."""
    from luister.kpis.projects import ProjectError, UnknownProject, evaluate

    try:
        evaluate(engine=state_of(ctx).engine(), actor="cli", project_id=project_id, objectives_met=met,
                 evaluation=evaluation, now=datetime.now(UTC))  # fmt: skip
    except (ProjectError, UnknownProject) as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ project {project_id} evaluated", style="green"))
