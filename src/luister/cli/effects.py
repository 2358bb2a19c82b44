"""``luister effects``: the ledger of outbound actions (replies now): list, show, run, retry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, fail, state_of
from luister.cli.output import Format, FormatOption, emit

effects_app = typer.Typer(
    help="The effects ledger: every reply luister sends, exactly once (docs/replies.md).",
    no_args_is_help=True,
)
app.add_typer(effects_app, name="effects")


@effects_app.command("list")
def effects_list(
    ctx: typer.Context,
    state: Annotated[list[str] | None, typer.Option(help="Only these states (repeat): planned, sending, "
                                                    "sent, unknown, failed, dead, cancelled.")] = None,
    lane: Annotated[str | None, typer.Option(help="Only this lane, e.g. voice:3.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    fmt: FormatOption = Format.table,
) -> None:  # fmt: skip
    """The newest effects with their state, attempts and last error; the counts per state."""
    from luister.effects.read import counts, list_effects

    with state_of(ctx).engine().connect() as conn:
        found = list_effects(conn, states=state or (), lane=lane, limit=limit)
        per_state = counts(conn)
    if fmt is not Format.table:
        return emit(fmt, found)
    summary = ", ".join(f"{n:,} {s}" for s, n in sorted(per_state.items())) or "none"
    table = Table("id", "kind", "lane", "state", "tries", "origin", "remote id", "last error",
                  title=f"Effects: {summary}")  # fmt: skip
    for e in found:
        table.add_row(str(e.id), e.kind, e.lane, e.state, f"{e.attempts}/{e.max_attempts}", e.origin or "",
                      e.remote_id or "", escape((e.last_error or "")[:60]))  # fmt: skip
    console.print(table)


@effects_app.command("show")
def effects_show(ctx: typer.Context, effect_id: Annotated[int, typer.Argument()]) -> None:
    """One effect with its history: every state it went through, and why."""
    from luister.effects.read import effect_detail

    with state_of(ctx).engine().connect() as conn:
        found = effect_detail(conn, effect_id)
    if found is None:
        fail(f"there is no effect {effect_id}", code=2)
    view, steps = found
    console.print(Text(f"effect {view.id}: {view.kind} on {view.lane}, {view.state} "
                       f"(attempt {view.attempts} of {view.max_attempts}), key {view.key}"))  # fmt: skip
    if view.remote_id:
        console.print(Text(f"at the platform: {view.remote_id} {view.remote_url or ''}"))
    console.print(Text(f"text: {view.body}"))
    for s in steps:
        console.print(Text(f"  {s.at:%Y-%m-%d %H:%M:%S}  {s.state:<9}  {s.detail or ''}"))


@effects_app.command("run")
def effects_run(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option(help="Work what is due now, then stop.")] = False,
) -> None:
    """Send what is planned and reconcile what is uncertain (``luister listen`` and ``serve`` do this too)."""
    runtime = state_of(ctx).runtime()
    report = asyncio.run(runtime.run_effects(once=once))
    console.print(Text(f"✓ {report.sent} sent ({report.reconciled} found at the platform), {report.failed} "
                       f"failed, {report.dead} dead, {report.unknown} unknown, {report.deferred} waiting",
                       style="green"))  # fmt: skip
    for problem in report.problems:
        console.print(Text(f"  ! {problem}", style="yellow"))


@effects_app.command("retry")
def effects_retry(ctx: typer.Context, effect_id: Annotated[int, typer.Argument()]) -> None:
    """Give a dead effect new attempts: the platform is checked first, so nothing is sent twice."""
    from luister.effects.actions import retry
    from luister.services import audit

    with state_of(ctx).engine().begin() as conn:
        if not retry(conn, effect_id=effect_id, now=datetime.now(UTC), actor="cli"):
            fail(f"effect {effect_id} is not dead (only a dead effect can be retried)", code=2)
        audit.record(conn, actor="cli", action="effect.retry", target=f"effect:{effect_id}")
    console.print(Text(f"✓ effect {effect_id} will be checked and, if not there, sent again", style="green"))


@effects_app.command("settle")
def effects_settle(
    ctx: typer.Context,
    effect_id: Annotated[int, typer.Argument()],
    arrived: Annotated[
        bool, typer.Option("--arrived/--not-arrived", help="What you found at the far side (the mailbox).")
    ],
) -> None:
    """Settle an effect nobody can check (mail cut off while it was sent): it arrived, or send it again."""
    from luister.effects.actions import settle_by_hand
    from luister.services import audit

    with state_of(ctx).engine().begin() as conn:
        if not settle_by_hand(conn, effect_id=effect_id, arrived=arrived, now=datetime.now(UTC), actor="cli"):
            fail(f"effect {effect_id} is not waiting to be settled by hand (unknown, unverifiable)", code=2)
        audit.record(conn, actor="cli", action="effect.settle", target=f"effect:{effect_id}",
                     detail={"arrived": arrived})  # fmt: skip
    said = "recorded as sent" if arrived else "will be sent again"
    console.print(Text(f"✓ effect {effect_id} {said}", style="green"))
