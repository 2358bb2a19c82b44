"""``luister sources`` and ``luister listen``: where luister listens, and listening."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, fail, option_pairs, state_of
from luister.cli.output import Format, FormatOption, emit
from luister.services import sources
from luister.services.listen import SourceRunResult

sources_app = typer.Typer(help="Sources: where luister listens (docs/connectors.md).", no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("add")
def sources_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the source, e.g. nos-economie.")],
    connector: Annotated[
        str, typer.Argument(help="The connector, e.g. rss or file (see `luister sources kinds`).")
    ],
    option: Annotated[
        list[str] | None, typer.Option("--option", "-o", help="KEY=VALUE, repeatable, e.g. -o url=https://…")
    ] = None,
    interval: Annotated[
        int | None, typer.Option(help="Seconds between polls [default: the connector's].")
    ] = None,
    department: Annotated[
        str | None, typer.Option(help="Whose source it is (default: the whole company's).")
    ] = None,
) -> None:
    """Add a source; its options are checked against the connector's options."""
    state = state_of(ctx)
    try:
        added = sources.add_source(
            engine=state.engine(),
            connectors=state.runtime().connectors(),
            cipher=state.runtime().cipher,
            name=name,
            connector=connector,
            options=option_pairs(option or []),
            poll_interval=timedelta(seconds=interval) if interval else None,
            department=department,
        )
    except sources.SourceError as exc:
        fail(str(exc), code=2)
    console.print(
        f"[green]✓[/] source [bold]{escape(added.name)}[/] ({added.connector}) every "
        f"{added.poll_interval}; run it now with [bold]luister listen --once[/]"
    )


@sources_app.command("kinds")
def sources_kinds(ctx: typer.Context) -> None:
    """The installed connectors and their options."""
    table = Table("connector", "options", title="Connectors")
    for name, cls in sorted(state_of(ctx).runtime().connectors().items()):
        fields = ", ".join(
            f"{key}{'' if f.is_required() else '?'}" for key, f in cls.options_model.model_fields.items()
        )
        table.add_row(name, Text(fields))
    console.print(table)


@sources_app.command("list")
def sources_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """Every source with its health: status, items per hour, rejected share, last success, error and
    warnings (mentions without a date in the last 24 hours)."""
    found = sources.list_sources(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)  # secrets in options are masked
    if not found:
        console.print(
            "No sources yet. Add one: [bold]luister sources add nieuws rss -o url=https://…/feed[/]"
        )
        return
    table = Table("name", "connector", "status", "items/h", "rejected", "last success", "problem", "next run")
    colours = {"ok": "green", "new": "blue", "failing": "red", "drifting": "yellow", "silent": "yellow"}
    for item in found:
        health = item.health
        table.add_row(
            Text(item.name),
            item.connector,
            Text(health.status.value, style=colours[health.status.value]),
            f"{health.items_per_hour:,.1f}",
            f"{health.rejected_ratio:.0%}",
            f"{item.last_success_at:%Y-%m-%d %H:%M}" if item.last_success_at else "–",
            Text(
                "; ".join(filter(None, (health.detail, *health.warnings)))[:80],
                style="yellow" if health.warnings and not health.detail else "",
            ),
            f"{item.next_run_at:%Y-%m-%d %H:%M}" if item.next_run_at else "now",
        )
    console.print(table)


@sources_app.command("check")
def sources_check(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The source to check.")]
) -> None:
    """Check that a source's connector can reach its platform with its options."""
    state = state_of(ctx)
    engine = state.engine()
    try:
        found = sources.get_source(engine=engine, name=name)
    except sources.SourceError as exc:
        fail(str(exc), code=2)
    options, _ = sources.raw_options(engine=engine, cipher=state.runtime().cipher, source_id=found.id)
    cls = state.runtime().connectors().get(found.connector)
    if cls is None:
        fail(f"connector {found.connector!r} is not installed", code=2)

    async def check() -> Any:
        async with state.runtime().http() as http:
            return await cls(cls.options_model(**options), http=http).check_credentials()

    result = asyncio.run(check())
    if not result.ok:
        fail(f"{name}: {result.detail}", code=1)
    console.print(
        f"[green]✓[/] {escape(name)} answers{': ' + escape(result.detail) if result.detail else ''}"
    )


@sources_app.command("searches")
def sources_searches(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="A source with the topics option.")]
) -> None:
    """The platform searches a source runs for its topics, and why a topic is not searched."""
    state = state_of(ctx)
    engine = state.engine()
    try:
        found = sources.get_source(engine=engine, name=name)
    except sources.SourceError as exc:
        fail(str(exc), code=2)
    cls = state.runtime().connectors().get(found.connector)
    names = found.options.get("topics")
    if not names:
        fail(f"{name} has no topics option: add one with -o topics=NAME,… or -o topics='*'", code=2)
    plans = sources.topic_searches(engine=engine, names=names, prefix=getattr(cls, "search_prefix", None))
    table = Table("topic", "searches", "limits", title=f"Searches of {escape(name)}")
    for topic_name, plan in plans.plans.items():
        searches = plan.searches
        shown = " | ".join(searches) if searches is not None else f"not searched: {plan.reason}"
        table.add_row(Text(topic_name), Text(shown), Text("; ".join(plan.caveats)))
    console.print(table)
    for problem in plans.problems:
        console.print(f"[yellow]![/] {escape(problem)}")
    console.print(f"{len(plans.searches)} searches in all, each with its own cursor")


@sources_app.command("remove")
def sources_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The source to delete.")]
) -> None:
    """Delete a source and its run history (its mentions stay)."""
    try:
        sources.remove_source(engine=state_of(ctx).engine(), name=name)
    except sources.SourceError as exc:
        fail(str(exc), code=2)
    console.print(f"[green]✓[/] removed source {escape(name)}")


@app.command()
def listen(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One pass over the due sources, then stop.")] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Run only these sources (due or not); repeatable.")
    ] = None,
) -> None:
    """Run the sources that are due, store what they bring, and keep listening (Ctrl+C stops).

    With --once or --source, the exit status is 1 when a source failed (for cron and systemd)."""
    state = state_of(ctx)
    failed: list[str] = []

    def render(result: SourceRunResult) -> None:
        _render_run(result)
        if result.error:
            failed.append(result.name)

    try:
        asyncio.run(state.runtime().listen(names=source or None, once=once or bool(source), on_result=render))
    except KeyboardInterrupt:
        console.print("stopped")
    if failed:
        fail(f"{len(failed)} source{'s' if len(failed) > 1 else ''} failed: {', '.join(sorted(set(failed)))}")


def _render_run(result: SourceRunResult) -> None:
    line = (
        f"{escape(result.name)}: {result.fetched:,} fetched, {result.stored:,} new, "
        f"{result.rejected:,} rejected"
    )
    if result.error:
        console.print(f"[red]✗[/] {line} — {escape(result.error)}")
    else:
        console.print(f"[green]✓[/] {line}")
    for problem in result.problems[:3]:
        console.print(f"  [yellow]![/] {escape(problem)}")
    for note in result.notes:
        console.print(f"  [blue]i[/] {escape(note)}")
