"""``luister topics``: saved queries for the brand, competitors and campaigns."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy.engine import Engine

from luister.cli.app import app, console, err, fail, state_of
from luister.cli.output import Format, FormatOption, emit
from luister.domain.queries import QueryReferenceError, QuerySyntaxError
from luister.domain.topics import TopicKind
from luister.services import matching, stats, topics

topics_app = typer.Typer(
    help="Topics: saved queries for your brand, competitors and campaigns (docs/queries.md).",
    no_args_is_help=True,
)
app.add_typer(topics_app, name="topics")


@topics_app.command("add")
def topics_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The topic's name, e.g. Voltaro.")],
    query: Annotated[str, typer.Argument(help="The query, e.g. 'voltaro OR \"volt aro\" OR #voltaro'.")],
    kind: Annotated[TopicKind, typer.Option(help="What the topic is about.")] = TopicKind.other,
    description: Annotated[str | None, typer.Option(help="What the topic is for.")] = None,
    department: Annotated[
        str | None,
        typer.Option(
            help="Whose topic it is, e.g. marketing; '' for the whole company (kept when not given)."
        ),
    ] = None,
) -> None:
    """Save a topic (or change the one with this name) and match all stored mentions against it."""
    state = state_of(ctx)
    engine = state.engine()
    try:
        saved = topics.save_topic(
            engine=engine, name=name, kind=kind, query=query, description=description, department=department
        )
    except QuerySyntaxError as exc:
        fail(f"invalid query: {exc}\n{exc.caret()}", code=2)
    except (QueryReferenceError, ValueError) as exc:
        fail(str(exc), code=2)
    _rematch(engine, [saved.id])
    saved = topics.get_topic(engine=engine, name=saved.name)
    whose = f", {escape(saved.department)}" if saved.department else ""
    console.print(
        f"[green]✓[/] topic [bold]{escape(saved.name)}[/] ({saved.kind.value}{whose}) "
        f"matches {saved.mentions:,} mentions"
    )


@topics_app.command("list")
def topics_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """All topics with their queries and how many mentions each matched."""
    found = topics.list_topics(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    if not found:
        console.print('No topics yet. Add one: [bold]luister topics add Voltaro "voltaro OR #voltaro"[/]')
        return
    table = Table("name", "kind", "query", "mentions", title="Topics")
    for item in found:
        table.add_row(Text(item.name), item.kind.value, Text(item.query), f"{item.mentions:,}")
    console.print(table)


@topics_app.command("test")
def topics_test(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="The query to try.")],
    sample: Annotated[int, typer.Option(help="How many of the newest mentions to try it on.")] = 5000,
    examples: Annotated[int, typer.Option(help="How many matching mentions to show.")] = 10,
    since: Annotated[str | None, typer.Option(help="Only mentions published on or after (2026-01-31).")] = (
        None
    ),
    until: Annotated[str | None, typer.Option(help="Only mentions published before (2026-02-01).")] = None,
) -> None:
    """Show what a query would catch on stored mentions (all of history, or a period), before saving it."""
    from luister.cli.search import day

    try:
        trial = topics.try_query(engine=state_of(ctx).engine(), query=query, sample=sample, examples=examples,
                                 since=day(since, "since"), until=day(until, "until"))  # fmt: skip
    except QuerySyntaxError as exc:
        fail(f"invalid query: {exc}\n{exc.caret()}", code=2)
    except QueryReferenceError as exc:
        fail(str(exc), code=2)
    share = trial.matched / trial.sampled if trial.sampled else 0.0
    if trial.whole:
        period = "of the period" if since or until else "of all history"
        tried = f"the {trial.sampled:,} mentions {period}"
    else:
        tried = f"the newest {trial.sampled:,} mentions"
        err.print(f"[yellow]{trial.index_reason}[/]: tried on the newest mentions only")
    console.print(f"[bold]{trial.matched:,}[/] of {tried} match ({share:.1%})")
    for mention_id, text in trial.examples:
        console.print(f"  [dim]#{mention_id}[/] {escape(text[:160])}", highlight=False)


@topics_app.command("rematch")
def topics_rematch(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None, typer.Argument(help="Topics to re-match; all when none given.")
    ] = None,
) -> None:
    """Match stored mentions again (after topics changed)."""
    engine = state_of(ctx).engine()
    try:
        ids = [topics.get_topic(engine=engine, name=n).id for n in names] if names else None
    except topics.UnknownTopicError as exc:
        fail(str(exc), code=2)
    result = _rematch(engine, ids)
    console.print(f"[green]✓[/] re-matched {result.mentions:,} mentions: {result.matches:,} topic matches")


@topics_app.command("remove")
def topics_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The topic to delete.")]
) -> None:
    """Delete a topic and its matches (refused while another topic refers to it)."""
    try:
        topics.remove_topic(engine=state_of(ctx).engine(), name=name)
    except (topics.UnknownTopicError, QueryReferenceError) as exc:
        fail(str(exc), code=2)
    console.print(f"[green]✓[/] removed topic {escape(name)}")


def _rematch(engine: Engine, topic_ids: list[int] | None) -> matching.RematchResult:
    total = stats.count_mentions(engine=engine)
    with Progress(
        TextColumn("matching"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("rematch", total=total)
        return matching.rematch(
            engine=engine, topic_ids=topic_ids, on_batch=lambda size: progress.advance(task, size)
        )
