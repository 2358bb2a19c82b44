"""``luister privacy``: access and erasure requests, and the retention job (docs/privacy.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, err, fail, state_of
from luister.privacy import (
    Findings,
    RetentionPolicy,
    Subject,
    SubjectError,
    archive,
    enforce_retention,
    erase,
    find,
)

privacy_app = typer.Typer(
    help="Privacy: find, export or erase what luister holds about a person; enforce retention.",
    no_args_is_help=True,
)
app.add_typer(privacy_app, name="privacy")

Channel = Annotated[str | None, typer.Option(help="The platform of the handle, e.g. mastodon.")]
Handle = Annotated[str | None, typer.Option(help="The author's handle on --channel (with or without @).")]
Name = Annotated[str | None, typer.Option(help="The author's display name (any channel, or --channel).")]
MentionId = Annotated[int | None, typer.Option("--mention", help="A mention id: its author's data.")]


def _subject(channel: str | None, handle: str | None, name: str | None, mention: int | None) -> Subject:
    try:
        return Subject.of(channel=channel, handle=handle, name=name, mention_id=mention)
    except SubjectError as exc:
        fail(str(exc), code=2)


def _render(findings: Findings) -> None:
    table = Table("what", "how many", title=Text(f"luister holds about {findings.subject.describe()}"))
    for what, n in findings.counts().items():
        table.add_row(what, f"{n:,}")
    console.print(table)
    for row in findings.mentions[:10]:
        console.print(
            Text(f"  {row['id']}  {row['channel']}  {row['published_at']:%Y-%m-%d}  {row['text'][:70]}")
        )


@privacy_app.command("find")
def privacy_find(
    ctx: typer.Context, channel: Channel = None, handle: Handle = None, name: Name = None,
    mention: MentionId = None,
) -> None:  # fmt: skip
    """Show what luister holds about one person: mentions, quarantined rows, corrections, alerts."""
    _render(find(engine=state_of(ctx).engine(), subject=_subject(channel, handle, name, mention)))


@privacy_app.command("export")
def privacy_export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="The zip file to write (JSON and CSV inside).")],
    channel: Channel = None, handle: Handle = None, name: Name = None, mention: MentionId = None,
) -> None:  # fmt: skip
    """Answer an access request: everything held about one person, as a zip of JSON and CSV files."""
    findings = find(engine=state_of(ctx).engine(), subject=_subject(channel, handle, name, mention))
    out.write_bytes(archive(findings, now=datetime.now(UTC)))
    counts = ", ".join(f"{n:,} {what}" for what, n in findings.counts().items())
    console.print(Text(f"✓ wrote {out} ({counts})", style="green"))


@privacy_app.command("erase")
def privacy_erase(
    ctx: typer.Context,
    channel: Channel = None, handle: Handle = None, name: Name = None, mention: MentionId = None,
    reference: Annotated[str | None, typer.Option(help="Your reference for the request (audit log).")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking.")] = False,
) -> None:  # fmt: skip
    """Answer an erasure request: delete everything held about one person, for good; their posts are
    never stored again. The audit log records that it was done, not about whom."""
    engine = state_of(ctx).engine()
    subject = _subject(channel, handle, name, mention)
    findings = find(engine=engine, subject=subject)
    _render(findings)
    if findings.empty:
        console.print("Nothing to erase.")
    if not yes and not findings.empty and not typer.confirm("Erase all of this for good?"):
        raise typer.Exit(1)
    done = erase(engine=engine, subject=subject, actor="cli", reference=reference, now=datetime.now(UTC))
    summary = (
        f"✓ erased {done.mentions:,} mentions, {done.quarantine:,} quarantined rows, "
        f"{done.corrections:,} corrections; {done.alerts:,} alerts lost an example"
    )
    console.print(Text(summary, style="green"))


@privacy_app.command("retention")
def privacy_retention(
    ctx: typer.Context,
    now: Annotated[
        datetime | None, typer.Option(help="Apply retention as of this UTC moment [default: the present].")
    ] = None,
) -> None:
    """Delete what is older than the retention settings allow (run it daily, e.g. from cron). Mentions
    go, their counts stay in the dashboards."""
    state = state_of(ctx)
    policy = RetentionPolicy.from_settings(state.settings())
    moment = datetime.now(UTC) if now is None else now.replace(tzinfo=now.tzinfo or UTC).astimezone(UTC)

    def progress(kind: str, n: int) -> None:
        err.print(f"  {kind}: {n:,} more", highlight=False)

    report = enforce_retention(
        engine=state.engine(), policy=policy, now=moment, actor="cli", on_progress=progress
    )
    if not report.removed or not any(report.removed.values()):
        console.print("✓ nothing was older than the retention settings allow")
        return
    removed = ", ".join(f"{kind} {n:,}" for kind, n in report.removed.items() if n)
    console.print(Text(f"✓ retention as of {moment:%Y-%m-%d %H:%M} UTC removed: {removed}", style="green"))
