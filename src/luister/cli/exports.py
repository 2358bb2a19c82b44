"""``luister export``: mentions, conversations and a KPI's values per period written to a file as CSV, CSV
for Dutch Excel (``csv-nl``: ``;``, decimal comma, UTF-8 BOM) or XLSX, streamed (memory stays flat)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from luister.cli.app import app, console, fail, state_of
from luister.domain.addressing import unknown_as_empty
from luister.inbox.read import Filters
from luister.kpis import exports, read
from luister.kpis.status import PeriodKind
from luister.services.topics import UnknownTopicError, get_topic

export_app = typer.Typer(
    help="Export mentions, conversations or a KPI's values as CSV, Dutch-Excel CSV or XLSX.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")

FormatOption = Annotated[
    exports.Format, typer.Option("--format", help="csv; csv-nl for Dutch Excel (';', decimal comma); xlsx.")
]
OutOption = Annotated[Path, typer.Option("--out", help="The file to write.", dir_okay=False)]
SinceOption = Annotated[
    datetime | None, typer.Option("--since", help="At or after (UTC unless a zone is given).")
]
UntilOption = Annotated[datetime | None, typer.Option("--until", help="Before (UTC unless a zone is given).")]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _write(table: exports.Table, fmt: exports.Format, out: Path) -> None:
    size = 0
    with out.open("wb") as handle:
        for piece in exports.chunks(table, fmt):
            handle.write(piece)
            size += len(piece)
    console.print(f"wrote {size:,} bytes to {out}", highlight=False, markup=False)


@export_app.command("mentions")
def export_mentions(
    ctx: typer.Context,
    out: OutOption,
    format: FormatOption = exports.Format.csv,
    topic: Annotated[str | None, typer.Option("--topic", help="Only this topic's mentions.")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    channel: Annotated[str | None, typer.Option("--channel")] = None,
    country: Annotated[str | None, typer.Option("--country", help="'-': mentions without one.")] = None,
    language: Annotated[str | None, typer.Option("--language", help="'-': mentions without one.")] = None,
    sentiment: Annotated[str | None, typer.Option("--sentiment")] = None,
) -> None:
    """Every mention with the overview dashboard's filters, oldest first."""
    engine = state_of(ctx).engine()
    try:
        topic_id = get_topic(engine=engine, name=topic).id if topic else None
    except UnknownTopicError as exc:
        fail(str(exc))
    filters = exports.MentionFilters(
        topic_id=topic_id, since=_utc(since), until=_utc(until), channel=channel,
        country=unknown_as_empty(country), language=unknown_as_empty(language), sentiment=sentiment,
    )  # fmt: skip
    _write(exports.mentions_table(engine=engine, filters=filters), format, out)


@export_app.command("conversations")
def export_conversations(
    ctx: typer.Context,
    out: OutOption,
    format: FormatOption = exports.Format.csv,
    since: SinceOption = None,
    until: UntilOption = None,
    department: Annotated[str | None, typer.Option("--department")] = None,
    status: Annotated[str | None, typer.Option("--status")] = None,
) -> None:
    """The conversations opened in the period (all of them without --since/--until)."""
    table = exports.conversations_table(
        engine=state_of(ctx).engine(), filters=Filters(department=department, status=status),
        since=_utc(since), until=_utc(until),
    )  # fmt: skip
    _write(table, format, out)


@export_app.command("kpi")
def export_kpi(
    ctx: typer.Context,
    kpi_id: Annotated[int, typer.Argument(help="The KPI's id (luister kpis list).")],
    out: OutOption,
    format: FormatOption = exports.Format.csv,
    period: Annotated[PeriodKind, typer.Option("--period")] = PeriodKind.month,
    count: Annotated[int, typer.Option("--count", min=1, max=120, help="How many periods.")] = 12,
) -> None:
    """The KPI's value, interval, count and target in each of the last COUNT periods."""
    state = state_of(ctx)
    try:
        table = exports.kpi_table(
            engine=state.engine(), kpi_id=kpi_id, now=state.runtime().clock(), kind=period, count=count,
            rates=read.Rates.of(state.settings()),
        )  # fmt: skip
    except read.UnknownKpi as exc:
        fail(str(exc))
    _write(table, format, out)
