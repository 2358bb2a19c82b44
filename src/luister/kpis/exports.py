"""Streamed exports: mentions, conversations and KPI series as CSV, CSV for Dutch Excel and XLSX.

Rows come from the database through a server-side cursor (``stream_results`` with ``yield_per``) and leave
as bytes chunk by chunk, so memory stays flat at any size: a 1,000,000-row export is measured in
bench/exports.py. An XLSX file is a zip whose directory comes last, so it is written in openpyxl's
write-only mode to a temporary file (rows are not kept) and that file is streamed.

The mentions are the ones the overview dashboard counts for the same filters (topic, period, channel,
country, language, sentiment), so the number of rows equals its total. Mention text is hostile: a cell a
spreadsheet would run as a formula gets a leading ``'`` (the OWASP advice on CSV injection), in CSV and
XLSX alike."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox import exports as inbox_exports
from luister.inbox import read as inbox_read
from luister.kpis import read
from luister.kpis.status import PeriodKind
from luister.storage.tables import mention, mention_topic

CHUNK = 64 * 1024  # bytes per streamed piece
BATCH = 2_000  # rows fetched from the cursor at a time
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula

DEFAULT_RATES = read.Rates()

Cell = str | int | float | bool | datetime | date | None


class Format(StrEnum):
    csv = "csv"
    csv_nl = "csv-nl"  # Dutch Excel: `;` between cells, a decimal comma, a UTF-8 byte order mark
    xlsx = "xlsx"

    @property
    def media_type(self) -> str:
        if self is Format.xlsx:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "text/csv; charset=utf-8"

    @property
    def suffix(self) -> str:
        return "xlsx" if self is Format.xlsx else "csv"


@dataclass(frozen=True, slots=True)
class Table:
    """An export before it is written: a header and rows (a generator, read once)."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]


def safe_text(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _csv_cell(cell: Cell, dutch: bool) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, datetime):
        return cell.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float):
        text = repr(cell)
        return text.replace(".", ",") if dutch else text
    if isinstance(cell, int):
        return str(cell)
    return safe_text(cell)


def csv_chunks(table: Table, fmt: Format = Format.csv) -> Iterator[bytes]:
    """The table as CSV in pieces of about ``CHUNK`` bytes; ``csv-nl`` for Dutch Excel."""
    dutch = fmt is Format.csv_nl
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if dutch else ",", lineterminator="\r\n")
    if dutch:
        out.write("\ufeff")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_csv_cell(cell, dutch) for cell in row])
        if out.tell() >= CHUNK:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def _xlsx_cell(cell: Cell) -> Any:
    if isinstance(cell, datetime):  # Excel has no time zones: UTC, said in the header
        return cell.astimezone(UTC).replace(tzinfo=None)
    if isinstance(cell, str):
        return safe_text(cell)
    return cell


def xlsx_chunks(table: Table) -> Iterator[bytes]:
    """The table as an XLSX workbook (one sheet), written in write-only mode to a temporary file that is
    then streamed and removed."""
    from openpyxl import Workbook  # here: only an XLSX export pays for importing it

    with tempfile.TemporaryFile(suffix=".xlsx") as spool:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(table.name[:31])
        sheet.append(list(table.header))
        for row in table.rows:
            sheet.append([_xlsx_cell(cell) for cell in row])
        book.save(spool)
        spool.seek(0)
        while piece := spool.read(CHUNK):
            yield piece


def chunks(table: Table, fmt: Format) -> Iterator[bytes]:
    return xlsx_chunks(table) if fmt is Format.xlsx else csv_chunks(table, fmt)


# ---------------------------------------------------------------------------------------------- mentions

MENTION_COLUMNS = (
    "id", "published_at", "date_known", "channel", "author_handle", "author_followers", "url", "language",
    "country", "sentiment", "sentiment_score", "primary_intent", "intents", "like_count", "share_count",
    "reply_count", "view_count", "duplicate_of", "title", "text",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MentionFilters:
    """The overview dashboard's filters. ``country``/``language`` ``""``: mentions without one."""

    topic_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    country: str | None = None
    language: str | None = None
    sentiment: str | None = None


def _address(column: sa.ColumnElement[Any], value: str) -> sa.ColumnElement[bool]:
    return sa.or_(column.is_(None), column == "") if value == "" else column == value


def mentions_query(filters: MentionFilters) -> sa.Select[Any]:
    c = mention.c
    query = sa.select(*(c[name] for name in MENTION_COLUMNS)).order_by(c.published_at, c.id)
    if filters.topic_id is not None:
        query = query.join(mention_topic, mention_topic.c.mention_id == c.id).where(
            mention_topic.c.topic_id == filters.topic_id
        )
    if filters.since is not None:
        query = query.where(c.published_at >= filters.since)
    if filters.until is not None:
        query = query.where(c.published_at < filters.until)
    if filters.channel:
        query = query.where(c.channel == filters.channel)
    if filters.sentiment:
        query = query.where(c.sentiment == filters.sentiment)
    for name in ("country", "language"):
        value = getattr(filters, name)
        if value is not None:
            query = query.where(_address(c[name], value))
    return query


def _streamed(engine: Engine, query: sa.Select[Any]) -> Iterator[Sequence[Cell]]:
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query)
        for row in result:
            yield tuple(row)


def mentions_table(*, engine: Engine, filters: MentionFilters = MentionFilters()) -> Table:
    header = [f"{name} (UTC)" if name == "published_at" else name for name in MENTION_COLUMNS]
    return Table("mentions", header, _streamed(engine, mentions_query(filters)))


# ------------------------------------------------------------------------------------------------- KPIs

KPI_COLUMNS = ("kpi", "period", "start", "end", "value", "low", "high", "n", "target", "unit", "formula")


def kpi_table(
    *, engine: Engine, kpi_id: int, now: datetime, scope: Scope = EVERYTHING,
    kind: PeriodKind = PeriodKind.month, count: int = 12, rates: read.Rates = DEFAULT_RATES,
) -> Table:  # fmt: skip
    """The KPI's value in each of the last ``count`` periods, as the KPI page shows them (an unknown KPI
    or one out of scope raises :class:`read.UnknownKpi` here, before anything is streamed)."""
    card = read.kpi_detail(engine=engine, kpi_id=kpi_id, now=now, scope=scope, kind=kind, rates=rates)
    values = read.kpi_series(
        engine=engine, kpi_id=kpi_id, now=now, scope=scope, kind=kind, count=count, rates=rates
    )
    d = card.kpi
    formula = f"{d.formula.name} v{d.formula.version}"
    rows = [
        (d.key, v.period.label(), v.period.start, v.period.end, v.value.value, v.value.low, v.value.high,
         v.value.n, v.target, d.unit.value, formula)
        for v in values
    ]  # fmt: skip
    return Table(d.key, KPI_COLUMNS, rows)


# ---------------------------------------------------------------------------------------- conversations


def conversations_table(
    *, engine: Engine, scope: Scope = EVERYTHING, filters: inbox_read.Filters = inbox_exports.NO_FILTERS,
    since: datetime | None = None, until: datetime | None = None,
) -> Table:  # fmt: skip
    rows = inbox_exports.conversation_rows(
        engine=engine, scope=scope, filters=filters, since=since, until=until
    )
    return Table("conversations", inbox_exports.COLUMNS, rows)
