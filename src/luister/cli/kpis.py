"""``luister kpis``: the goal tree with each KPI's value, target, forecast and status; one KPI with its
formula, version, values per period and targets; goals, KPIs and targets added; external series imported
from CSV. Names come from people: printed as rich ``Text``, never markup."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, fail, state_of
from luister.cli.output import Format, FormatOption, emit
from luister.kpis import actions, read
from luister.kpis.formulas import Estimate
from luister.kpis.series import UnitMismatch
from luister.kpis.status import PeriodKind, Status

kpis_app = typer.Typer(
    help="Goals and KPIs: values with targets, forecasts and status; external series (docs/kpis.md).",
    no_args_is_help=True,
)
app.add_typer(kpis_app, name="kpis")

PeriodOption = Annotated[PeriodKind, typer.Option("--period", help="The period the values are for.")]
REFUSALS = (read.UnknownGoal, read.UnknownKpi, read.UnknownSeries, actions.KpiProblem, UnitMismatch)
STYLE = {Status.on_track: "green", Status.at_risk: "yellow", Status.off_track: "red"}
SIGNS = {"percent": " %", "points": " pp", "hours": " h", "days": " d", "eur": " EUR"}


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}"
    return text + SIGNS.get(unit, "")


def interval(e: Estimate) -> str:
    return "" if e.low is None or e.high is None else f"{number(e.low)}–{number(e.high)}"


def _plain(c: read.KpiCard, goal: str) -> dict[str, Any]:
    d = c.kpi
    return {
        "id": d.id,
        "key": d.key,
        "name": d.name,
        "goal": goal,
        "formula": d.formula.name,
        "version": d.formula.version,
        "unit": d.unit.value,
        "direction": d.direction.value,
        "period": c.period.label(),
        "value": c.value.value,
        "low": c.value.low,
        "high": c.value.high,
        "n": c.value.n,
        "target": c.target,
        "forecast": c.forecast,
        "status": c.status.value,
        "owner": d.owner,
        "department": d.department,
        "drill": c.drill,
    }


def _flat(tree: list[read.GoalNode], depth: int = 0) -> list[tuple[int, read.GoalNode]]:
    return [row for g in tree for row in [(depth, g), *_flat(g.children, depth + 1)]]


def _tree(ctx: typer.Context, period: PeriodKind) -> list[tuple[int, read.GoalNode]]:
    state = state_of(ctx)
    runtime = state.runtime()
    return _flat(
        read.goal_tree(
            engine=state.engine(), now=runtime.clock(), kind=period, rates=read.Rates.of(state.settings())
        )
    )


def _status(status: Status) -> Text:
    return Text(status.value.replace("_", " "), style=STYLE.get(status, "dim"))


@kpis_app.command("goals")
def goals_command(ctx: typer.Context, period: PeriodOption = PeriodKind.month) -> None:
    """The goal tree: each goal with its KPIs' values in the current period, targets, forecasts and status."""
    rows = _tree(ctx, period)
    if not rows:
        console.print("No goals yet: luister kpis add-goal NAME")
        return
    for depth, g in rows:
        line = Text("  " * depth + f"#{g.id} ", style="dim") + Text(g.name, style="bold")
        if g.owner or g.department:
            line += Text(f"  ({', '.join(x for x in (g.owner, g.department) if x)})", style="dim")
        console.print(line)
        for c in g.kpis:
            u = c.kpi.unit.value
            console.print(
                Text("  " * depth + f"  #{c.kpi.id} ")
                + Text(c.kpi.name)
                + Text(
                    f"  {number(c.value.value, u)}  target {number(c.target, u)}  "
                    f"forecast {number(c.forecast, u)}  "
                )
                + _status(c.status)
            )


@kpis_app.command("list")
def list_command(
    ctx: typer.Context, period: PeriodOption = PeriodKind.month, fmt: FormatOption = Format.table
) -> None:
    """Every KPI with its value in the current period, 95 % interval, target, forecast and status."""
    cards = [(g.name, c) for _, g in _tree(ctx, period) for c in g.kpis]
    if fmt is not Format.table:
        return emit(fmt, [_plain(c, goal) for goal, c in cards])
    table = Table(
        "id", "key", "KPI", "goal", "period", "value", "95 % interval", "target", "forecast", "status"
    )
    for goal, c in cards:
        u = c.kpi.unit.value
        table.add_row(
            str(c.kpi.id),
            Text(c.kpi.key),
            Text(c.kpi.name),
            Text(goal),
            c.period.label(),
            number(c.value.value, u),
            interval(c.value),
            number(c.target, u),
            number(c.forecast, u),
            _status(c.status),
        )
    console.print(table)


@kpis_app.command("show")
def show_command(
    ctx: typer.Context,
    kpi_id: Annotated[int, typer.Argument(help="The KPI's id (see luister kpis list).")],
    period: PeriodOption = PeriodKind.month,
    fmt: FormatOption = Format.table,
) -> None:
    """One KPI: its formula in words and version, its value per period with the target, its targets."""
    state = state_of(ctx)
    engine, now, rates = state.engine(), state.runtime().clock(), read.Rates.of(state.settings())
    try:
        c = read.kpi_detail(engine=engine, kpi_id=kpi_id, now=now, kind=period, rates=rates)
        values = read.kpi_series(engine=engine, kpi_id=kpi_id, now=now, kind=period, rates=rates)
        targets = read.kpi_targets(engine=engine, kpi_id=kpi_id)
    except REFUSALS as exc:
        fail(str(exc), code=2)
    d, u = c.kpi, c.kpi.unit.value
    if fmt is not Format.table:
        return emit(
            fmt,
            [
                {
                    "period": v.period.label(),
                    "start": v.period.start,
                    "value": v.value.value,
                    "low": v.value.low,
                    "high": v.value.high,
                    "n": v.value.n,
                    "target": v.target,
                    "drill": v.drill,
                }
                for v in values
            ],
        )
    console.print(Text(f"#{d.id} {d.key}: ", style="bold") + Text(d.name, style="bold"))
    console.print(
        Text(
            f"formula {d.formula.name}, version {d.formula.version}; unit {u}; {d.direction.value} "
            "is better" + (f"; series {d.series_key}" if d.series_key else "")
        )
    )
    console.print(Text(d.formula.text.get("en", "")))
    console.print(
        Text(f"{c.period.label()}: {number(c.value.value, u)} ")
        + Text(interval(c.value))
        + Text(f"  target {number(c.target, u)}  forecast {number(c.forecast, u)}  ")
        + _status(c.status)
    )
    table = Table("period", "value", "95 % interval", "n", "target", title="Values per period")
    for v in values:
        table.add_row(
            v.period.label(), number(v.value.value, u), interval(v.value), str(v.value.n), number(v.target, u)
        )
    console.print(table)
    console.print(
        "targets: "
        + (
            ", ".join(f"{t.period_kind.value} {t.period_start}: {number(t.value, u)}" for t in targets)
            or "none"
        )
    )
    console.print(Text(f"what the value counts: {c.drill}"))


@kpis_app.command("add-goal")
def add_goal_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="e.g. 'More new customers'.")],
    description: Annotated[str, typer.Option(help="What the goal is about.")] = "",
    owner: Annotated[str | None, typer.Option(help="The owner's e-mail address.")] = None,
    department: Annotated[str | None, typer.Option(help="Whose goal; none: the company's.")] = None,
    parent: Annotated[int | None, typer.Option(help="The id of the goal this is a sub-goal of.")] = None,
) -> None:
    """Add a business goal (or a sub-goal)."""
    try:
        goal_id = actions.create_goal(
            engine=state_of(ctx).engine(),
            name=name,
            description=description,
            owner=owner,
            department=department,
            parent_id=parent,
            actor="cli",
        )
    except REFUSALS as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ goal #{goal_id} ") + Text(name.strip(), style="bold"))


@kpis_app.command("add")
def add_command(
    ctx: typer.Context,
    goal: Annotated[int, typer.Argument(help="The goal's id.")],
    key: Annotated[str, typer.Argument(help="A short key, e.g. sov or new-customers.")],
    name: Annotated[str, typer.Argument(help="The KPI's name, e.g. 'Share of voice'.")],
    formula: Annotated[
        str | None, typer.Option(help="A formula of the KPI library, e.g. share_of_voice.")
    ] = None,
    variant: Annotated[str | None, typer.Option(help="The formula's variant, e.g. reach.")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Our topic (repeat for more).")] = None,
    competitor: Annotated[list[str] | None, typer.Option(help="A competitor topic (repeat).")] = None,
    for_department: Annotated[str | None, typer.Option(help="Volume and inbox KPIs: the department.")] = None,
    spend: Annotated[float | None, typer.Option(help="Cost per lead: the spend in euros.")] = None,
    series: Annotated[str | None, typer.Option(help="Or an external series' key (made when new).")] = None,
    unit: Annotated[str | None, typer.Option(help="A series' unit: count, percent, eur, days, …")] = None,
    direction: Annotated[str, typer.Option(help="up (higher is better) or down.")] = "up",
    baseline: Annotated[float | None, typer.Option(help="Where the KPI started.")] = None,
    owner: Annotated[str | None, typer.Option(help="The owner's e-mail address.")] = None,
    department: Annotated[str | None, typer.Option(help="Whose KPI; none: the company's.")] = None,
) -> None:
    """Add a KPI to a goal: a library formula with its parameters, or an external series."""
    params: dict[str, Any] = {
        "topics": topic or [],
        "competitors": competitor or [],
        "variant": variant,
        "department": for_department,
        "spend": spend,
    }
    params = {k: v for k, v in params.items() if v not in (None, [])}
    try:
        kpi_id = actions.create_kpi(
            engine=state_of(ctx).engine(),
            goal_id=goal,
            key=key,
            name=name,
            formula=formula,
            params=params,
            series=series,
            unit=unit,
            direction=direction,
            baseline=baseline,
            owner=owner,
            department=department,
            actor="cli",
        )
    except REFUSALS as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ KPI #{kpi_id} {key} ") + Text(name.strip(), style="bold"))


@kpis_app.command("target")
def target_command(
    ctx: typer.Context,
    kpi_id: Annotated[int, typer.Argument(help="The KPI's id.")],
    period: Annotated[str, typer.Argument(help="The period's first day, e.g. 2026-12-01.")],
    value: Annotated[str, typer.Argument(help="The target, with its unit if you like: 45, '45 %', '€ 12'.")],
    kind: Annotated[PeriodKind, typer.Option("--kind", help="The kind of period.")] = PeriodKind.month,
) -> None:
    """Set (or replace) a KPI's target for one period; a value in another unit than the KPI's is refused."""
    try:
        start = date.fromisoformat(period)
    except ValueError:
        fail(f"{period!r} is not a date (2026-12-01)", code=2)
    try:
        actions.set_target(
            engine=state_of(ctx).engine(),
            kpi_id=kpi_id,
            period_kind=kind.value,
            period_start=start,
            value=value,
            actor="cli",
        )
    except REFUSALS as exc:
        fail(str(exc), code=2)
    console.print(f"✓ target for {kind.value} {start}: {value}")


@kpis_app.command("import")
def import_command(
    ctx: typer.Context,
    series: Annotated[str, typer.Argument(help="The series' key (or the key of its KPI).")],
    file: Annotated[Path, typer.Argument(help="A CSV file: period,value[,unit]; Dutch Excel's ';' too.")],
    fmt: FormatOption = Format.table,
) -> None:
    """Import points into an external series: good rows are stored, each bad one is named with its line.
    Exits with 1 when nothing could be stored."""
    state = state_of(ctx)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", code=2)
    try:
        done = actions.import_points(
            engine=state.engine(),
            key=series,
            data=data,
            actor="cli",
            now=state.runtime().clock(),
            source=file.name,
        )
    except REFUSALS as exc:
        fail(str(exc), code=2)
    if fmt is Format.json:
        problems = [{"line": p.line, "message": p.message} for p in done.problems]
        typer.echo(json.dumps({"series": done.series, "stored": done.stored, "problems": problems}))
    elif fmt is Format.csv:
        emit(fmt, [{"line": p.line, "message": p.message} for p in done.problems])
    else:
        console.print(f"{done.series}: {done.stored} stored, {len(done.problems)} problems")
        for p in done.problems:
            console.print(Text(str(p)))
    if not done.stored:
        raise typer.Exit(1)


@kpis_app.command("series")
def series_command(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """The external series with how many points each holds."""
    found = read.list_series(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("key", "name", "unit", "department", "points", "first", "last")
    for s in found:
        table.add_row(
            Text(s.key),
            Text(s.name),
            s.unit.value,
            Text(s.department or ""),
            str(s.points),
            str(s.first or "–"),
            str(s.last or "–"),
        )
    console.print(table)
