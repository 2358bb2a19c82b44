"""Commands for the database, files, the demo, the web app and statistics."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy import engine as sa_engine

from luister.cli.app import CliState, app, console, db_app, err, fail, state_of
from luister.connectors.file_readers import FileFormat, UnreadableFileError
from luister.connectors.records import FieldMapping, MappingConfigError
from luister.services import database, importer, stats
from luister.services.quarantine import list_rejected
from luister.settings import Mode
from luister.storage.writer import SqlMentionStore, StorageFullError


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database (or bring its schema up to date)."""
    state = state_of(ctx)
    engine = state.engine()
    current, _ = database.schema_status(engine=engine)
    console.print(
        f"[green]✓[/] database ready: {engine.url.render_as_string(hide_password=True)} (schema {current})"
    )


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply all pending migrations."""
    init(ctx)


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the schema revision of the database and the newest one luister knows."""
    engine = database.create_engine(state_of(ctx).settings())
    current, head = database.schema_status(engine=engine)
    console.print(f"current: {current or 'none (run `luister init`)'}\nhead:    {head}")
    if current != head:
        raise typer.Exit(1)


@db_app.command("recount")
def db_recount(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Only compare with a recount; change nothing; exit 1 on drift.")
    ] = False,
) -> None:
    """Count the dashboards' rollup tables again from the stored mentions (they are kept up to date at
    ingest; this repairs or, with --check, checks them)."""
    from luister.services.stats import count_mentions
    from luister.storage.rollups import recount

    engine = state_of(ctx).engine()
    columns = (TextColumn("recounting rollups"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"))
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("recount", total=count_mentions(engine=engine))
        result = recount(engine, repair=not check, on_batch=lambda n: progress.advance(task, n))
    if not result.drift:
        console.print(f"[green]✓[/] rollups agree with a recount of {result.counted:,} mentions")
        return
    tables = Counter(d.table for d in result.drift)
    where = ", ".join(f"{table} {n:,}" for table, n in sorted(tables.items()))
    for each in result.drift[:5]:
        console.print(Text(f"  {each.table} {each.key}: stored {each.stored}, recount {each.recounted}"))
    if check:
        fail(f"{len(result.drift):,} rollup rows differ from a recount ({where}); "
             "`luister db recount` repairs them")  # fmt: skip
    console.print(f"[green]✓[/] rollups recounted from {result.counted:,} mentions; "
                  f"repaired {len(result.drift):,} rows that had drifted ({where})")  # fmt: skip


@app.command("import")
def import_command(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="A .csv, .tsv, .jsonl, .ndjson, .json, .js or .xlsx file, optionally .gz or .zst "
            "(docs/imports.md)."
        ),
    ],
    file_format: Annotated[
        FileFormat | None,
        typer.Option("--format", help="Override detection (json: one document, e.g. an array)."),
    ] = None,
    channel: Annotated[
        str | None, typer.Option(help="Channel for records without a channel column [default: import].")
    ] = None,
    mapping: Annotated[
        list[str] | None, typer.Option("--map", help="FIELD=COLUMN, repeatable, e.g. --map text=body.")
    ] = None,
    mapping_file: Annotated[
        Path | None, typer.Option(help="TOML/JSON file: channel = '…' and a [fields] table FIELD = COLUMN.")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="Override encoding detection, e.g. cp1252.")] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter; sniffed when not given.")] = None,
    timezone: Annotated[
        str | None,
        typer.Option(help="Time zone of dates written without one, e.g. Europe/Amsterdam [default: UTC]."),
    ] = None,
    monthfirst: Annotated[
        bool, typer.Option("--monthfirst", help="Read 07/01/2021 as July 1st (US); day first otherwise.")
    ] = False,
    show_rejected: Annotated[int, typer.Option(help="How many rejected rows to list.")] = 20,
    workers: Annotated[
        int | None,
        typer.Option(
            min=0, help="Processes that prepare batches beside the writer (default: one per core; 0: none)."
        ),
    ] = None,
) -> None:
    """Import mentions from an export: CSV, JSON lines, JSON, XLSX (docs/imports.md).

    Bad rows are quarantined with where and why."""
    state = state_of(ctx)
    try:
        base = FieldMapping.from_file(mapping_file) if mapping_file else None
        field_mapping = FieldMapping.from_pairs(mapping or [], channel=channel, base=base)
        field_mapping = field_mapping.reading_dates(timezone=timezone, dayfirst=not monthfirst)
    except MappingConfigError as exc:
        fail(str(exc), code=2)
    if not path.is_file():
        fail(f"{path}: no such file", code=2)
    from luister.services.ingest_workers import IngestWorkerError, default_workers

    engine = state.engine()
    settings = state.settings()
    if workers is None:
        workers = default_workers() if settings.import_workers is None else settings.import_workers
    with _byte_progress(path) as advance:
        try:
            report = importer.import_file(
                path=path,
                store=SqlMentionStore(engine),
                mapping=field_mapping,
                batch_size=settings.ingest_batch_size,
                workers=workers,
                file_format=file_format,
                encoding=encoding,
                delimiter=delimiter,
                enrichers=state.enrichers(),
                events=state.runtime().event_bus(),
                progress=advance,
            )
        except (UnreadableFileError, LookupError) as exc:
            fail(str(exc), code=2)
        except (IngestWorkerError, StorageFullError) as exc:
            fail(str(exc), code=1)
    _render_import(report, show_rejected)


@contextmanager
def _byte_progress(path: Path) -> Iterator[Callable[[int], None]]:
    """A progress bar over the bytes of ``path`` (indeterminate when compressed), on stderr."""
    total = None if path.name.endswith((".gz", ".zst")) else path.stat().st_size
    columns = (
        TextColumn("importing {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(path.name, total=total)
        yield lambda size: progress.advance(task, size)


_FIELD_WORDS = {"external_id": "id", "published_at": "date", "author_handle": "author"}


def _render_import(report: importer.ImportReport, show_rejected: int) -> None:
    summary = report.summary
    shape = report.shape
    detail = f"{shape.format.value}, {shape.encoding}"
    if shape.delimiter:
        detail += f", delimiter {shape.delimiter!r}"
    console.print(f"[bold]Import of {escape(report.origin)}[/] ({escape(detail)})")
    console.print(f"encoding {escape(shape.encoding)}: {escape(shape.encoding_reason)}")
    for note in shape.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    if report.columns:
        used = ", ".join(f"{name} ← {column}" for name, column in report.columns.items())
        console.print(f"columns: {escape(used)}")
    gaps = summary.gaps
    for name in report.not_found:
        word = _FIELD_WORDS[name]
        if name == "external_id":
            err.print(
                f"[yellow]no id column:[/] {gaps.generated_ids:,} rows got an id derived from their link "
                "or content; an edited post exported twice may be stored twice (map one with --map "
                "external_id=COLUMN)"
            )
        elif name == "published_at":
            err.print(
                f"[yellow]no date column:[/] {gaps.undated:,} mentions kept with the date unknown "
                "(placed at the import time, marked; map one with --map published_at=COLUMN)"
            )
        else:
            err.print(f"[yellow]no {word} column[/]: mentions are stored without an author")
    if gaps.undated and "published_at" not in report.not_found:
        err.print(f"[yellow]{gaps.undated:,} rows had no date:[/] kept with the date unknown")
    if gaps.generated_ids and "external_id" not in report.not_found:
        err.print(f"[yellow]{gaps.generated_ids:,} rows had no id:[/] an id was derived from link or content")
    if gaps.naive_dates:
        zone = str(report.dates.zone)
        hint = "" if zone != "UTC" else " (--timezone Europe/Amsterdam if they are local time)"
        err.print(f"[yellow]{gaps.naive_dates:,} dates had no time zone:[/] read as {escape(zone)}{hint}")
    if gaps.ambiguous_dates:
        order = "day first (--monthfirst for 07/01 as July 1st)" if report.dates.dayfirst else "month first"
        err.print(f"[yellow]{gaps.ambiguous_dates:,} dates like 07/01/2021:[/] read {order}")
    for name, count in sorted(gaps.dropped.items()):
        err.print(f"[yellow]{count:,} {name} values not recognised:[/] left out, the mentions kept")
    table = Table(show_header=False)
    table.add_row("records read", f"{summary.read:,}")
    table.add_row("new mentions stored", f"[green]{summary.stored:,}[/]")
    table.add_row("already known (skipped)", f"{summary.known:,}")
    table.add_row("near-duplicates flagged", f"{summary.near_duplicates:,}")
    rejected = f"[red]{summary.rejected_count:,}[/]" if summary.rejected else "0"
    if earlier := summary.rejected_count - summary.quarantined:
        rejected += f" ({summary.quarantined:,} new; {earlier:,} quarantined by an earlier run)"
    table.add_row("rejected (quarantined)", rejected)
    console.print(table)
    if summary.rejected:
        rows = Table(
            "where", "why", title=f"Rejected rows (first {min(show_rejected, len(summary.rejected))})"
        )
        for rejection in summary.rejected[:show_rejected]:
            rows.add_row(Text(rejection.position), Text(rejection.reason))
        console.print(rows)
        console.print("All rejected rows, with their raw text: [bold]luister rejected[/]")
    for error in summary.enricher_errors[:5]:
        err.print(f"[yellow]analysis warning:[/] {error}")


@app.command()
def rejected(
    ctx: typer.Context,
    origin: Annotated[str | None, typer.Option(help="Only this origin, e.g. file:mentions.csv.")] = None,
    limit: Annotated[int, typer.Option(help="How many to show, newest first.")] = 50,
) -> None:
    """List quarantined input: what could not be read or mapped, where, and why."""
    items = list_rejected(engine=state_of(ctx).engine(), origin=origin, limit=limit)
    if not items:
        console.print("Nothing quarantined.")
        return
    table = Table("origin", "where", "why", "raw", title="Quarantined input")
    for item in items:
        table.add_row(Text(item.origin), Text(item.position), Text(item.reason), Text(item.raw[:80]))
    console.print(table)


@app.command()
def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same story.")] = 42,
    count: Annotated[int, typer.Option(min=100, help="How many mentions.")] = 24_000,
    serve: Annotated[bool, typer.Option(help="Start the web app afterwards.")] = True,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8484,
) -> None:
    """Create the database, fill it with 60 days of the Voltaro demo story, and start luister."""
    state = state_of(ctx)
    engine = state.engine()
    with Progress(
        TextColumn("loading demo data"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("demo", total=count)
        result = state.runtime().load_demo(
            seed=seed,
            count=count,
            batch_size=state.settings().ingest_batch_size,
            on_batch=lambda _batch, size: progress.advance(task, size),
        )
    summary = result.summary
    console.print(
        f"[green]✓[/] demo data: {summary.stored:,} new mentions ({summary.known:,} already there), "
        f"{len(result.topics)} topics, {result.alerts} alerts, "
        f"{result.start:%Y-%m-%d} → {result.end:%Y-%m-%d}"
    )
    render_stats(stats.collect_stats(engine=engine, days=7))
    if serve:
        _serve(state, host=host, port=port, listen=False)
    else:
        console.print("Next: [bold]luister serve[/] and open the URL it prints, or [bold]luister stats[/].")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8484,
    listen: Annotated[
        bool,
        typer.Option(
            help="Also run the sources as they fall due (as `luister listen` does), in the background."
        ),
    ] = True,
) -> None:
    """Start the web app (and, unless --no-listen, the listening loop beside it)."""
    _serve(state_of(ctx), host=host, port=port, listen=listen)


def _serve(state: CliState, *, host: str, port: int, listen: bool) -> None:
    import uvicorn

    from luister.app import create_app
    from luister.services.accounts import count_users

    settings = state.settings()
    engine = state.engine()
    if not count_users(engine=engine):
        if settings.mode is not Mode.dev:
            fail("no accounts yet: create the first with `luister users create-admin you@example.nl`", code=2)
        _dev_account(engine)
    else:
        console.print("sign in with your account (`luister users list`; `luister users add` makes more)")
    app_ = create_app(state.runtime())
    stop = threading.Event()
    if listen:
        threading.Thread(
            target=_listen_in_background, args=(state, stop), name="listening", daemon=True
        ).start()
        console.print(
            "listening to the sources that fall due (`luister sources list`; --no-listen turns it off)"
        )
    else:  # replies approved on the pages still go out (listening does this too)
        threading.Thread(
            target=_effects_in_background, args=(state, stop), name="effects", daemon=True
        ).start()
    console.print(f"[bold green]luister is running at http://{host}:{port}/[/]  (Ctrl+C stops it)")
    try:
        # proxy headers: the app believes them from `trusted_proxies` only (luister.web.security)
        uvicorn.run(app_, host=host, port=port, log_level=settings.log_level.lower(), proxy_headers=False)
    finally:
        stop.set()


def _listen_in_background(state: CliState, stop: threading.Event) -> None:
    """The listening loop in its own thread and event loop, so fetching, analysis and writes never hold
    up a web request; a failing pass is logged and the loop goes on."""
    import asyncio
    import logging

    while not stop.is_set():
        try:
            asyncio.run(state.runtime().listen(stop=stop))
        except Exception:  # noqa: BLE001 — the web app stays up; the next pass tries again
            logging.getLogger("luister.listen").exception("the listening loop failed; starting it again")
            stop.wait(30)


def _effects_in_background(state: CliState, stop: threading.Event) -> None:
    """Send approved replies and reconcile uncertain ones every second, without listening."""
    import asyncio
    import logging

    while not stop.is_set():
        try:
            asyncio.run(state.runtime().run_effects(once=False, stop=stop))
        except Exception:  # noqa: BLE001 — the web app stays up; the lease keeps every effect safe
            logging.getLogger("luister.effects").exception("the effects runner failed; starting it again")
            stop.wait(30)


def _dev_account(engine: sa_engine.Engine) -> None:
    """Dev mode's first run: an administrator with a fresh random password, shown once."""
    import secrets

    from luister.domain.accounts import Role
    from luister.services.accounts import create_user

    password = secrets.token_urlsafe(12)
    user = create_user(engine=engine, email="demo@luister.local", name="Demo admin", password=password,
                       role=Role.admin, actor="dev-mode")  # fmt: skip
    console.print(f"dev mode: sign in as [bold]{user.email}[/] with password [bold]{password}[/] "
                  "(create real accounts with `luister users add`)", soft_wrap=True)  # fmt: skip


@app.command("stats")
def stats_command(
    ctx: typer.Context, days: Annotated[int, typer.Option(help="How many recent days to list.")] = 14
) -> None:
    """Counts per channel, language, country, topic and day."""
    result = stats.collect_stats(engine=state_of(ctx).engine(), days=days)
    render_stats(result)


def render_stats(result: stats.Stats) -> None:
    span = f"{result.first} → {result.last}" if result.first else "no mentions yet"
    console.print(
        f"[bold]{result.mentions:,}[/] mentions ({span}); "
        f"{result.near_duplicates:,} near-duplicates flagged; {result.rejected:,} rejected"
    )
    if not result.mentions:
        console.print("Import some: [bold]luister import FILE[/], or try [bold]luister demo[/].")
        return
    grid = Table.grid(padding=(0, 2))
    tables = []
    for title, rows in (
        ("channel", result.by_channel),
        ("language", result.by_language),
        ("country", result.by_country),
        ("topic", result.by_topic),
        ("sentiment", result.by_sentiment),
        ("intent", result.by_intent),
    ):
        table = Table(title, "mentions", title=f"per {title}")
        for key, n in rows[:12]:
            table.add_row(Text(key), f"{n:,}")
        tables.append(table)
    for row in range(0, len(tables), 3):  # three side by side fit a normal terminal
        grid.add_row(*tables[row : row + 3])
    console.print(grid)
    daily = Table("day", "mentions", "", title="per day (UTC)")
    peak = max((n for _, n in result.by_day), default=1)
    for day, n in result.by_day:
        daily.add_row(day.isoformat(), f"{n:,}", "█" * max(1, round(30 * n / peak)))
    console.print(daily)
