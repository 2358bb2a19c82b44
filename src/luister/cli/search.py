"""``luister search``: the full-text index of mentions (build it, see how far it is, count matches)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from luister.cli.app import app, console, err, fail, state_of
from luister.domain.queries import QueryReferenceError, QuerySyntaxError
from luister.services import mentions
from luister.services.topics import list_topics
from luister.storage import search_index

search_app = typer.Typer(help="Search all of history: the full-text index of mentions.", no_args_is_help=True)
app.add_typer(search_app, name="search")


def day(value: str | None, name: str) -> datetime | None:
    """``2026-01-31`` or an ISO time (UTC when it names no zone)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--{name}: {value!r} is not a date (2026-01-31) or time (2026-01-31T12:00)", code=2)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@search_app.command("build")
def search_build(
    ctx: typer.Context,
    batch: Annotated[int, typer.Option(min=100, help="Mentions per transaction.")] = 5000,
) -> None:
    """Index the mentions stored before the search index existed; stopped, it goes on where it was."""
    engine = state_of(ctx).engine()
    state = search_index.build_state(engine=engine)
    if state.done:
        console.print("[green]✓[/] the search index holds every mention")
        return
    with Progress(
        TextColumn("indexing"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(), console=err, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("build", total=state.indexed + state.pending, completed=state.indexed)
        search_index.build(engine=engine, batch_size=batch,
                           on_batch=lambda through, _: progress.update(task, completed=through))  # fmt: skip
    console.print("[green]✓[/] the search index holds every mention")


@search_app.command("status")
def search_status(ctx: typer.Context) -> None:
    """Whether the search index holds every mention (exit 1 while the build is not done)."""
    state = search_index.build_state(engine=state_of(ctx).engine())
    if state.done:
        console.print("the search index holds every mention")
        return
    console.print(
        f"the search index is being built: ids up to {state.indexed:,} done, about {state.pending:,} to go "
        "(run `luister search build`)"
    )
    raise typer.Exit(1)


@search_app.command("count")
def search_count(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="A query in the topic query language.")],
    since: Annotated[str | None, typer.Option(help="Published on or after (2026-01-31).")] = None,
    until: Annotated[str | None, typer.Option(help="Published before (2026-02-01).")] = None,
) -> None:
    """How many mentions published in the period match a query (all of history by default)."""
    engine = state_of(ctx).engine()
    named = {t.name: t.query for t in list_topics(engine=engine)}
    try:
        counted = mentions.count_matches(engine=engine, query=query, since=day(since, "since"),
                                         until=day(until, "until"), topics=named)  # fmt: skip
    except QuerySyntaxError as exc:
        fail(f"invalid query: {exc}\n{exc.caret()}", code=2)
    except (QueryReferenceError, ValueError) as exc:
        fail(str(exc), code=2)
    console.print(f"{counted.count:,}" + ("" if counted.exact else " or more"))
    if counted.index_reason:
        err.print(f"[yellow]{counted.index_reason}[/]: scanned instead")
