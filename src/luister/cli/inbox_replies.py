"""``luister inbox approvals`` and ``luister inbox approval-rules``: the replies waiting for an approver
(list, approve, reject) and the rules that make them wait (list, add, remove).

Approving is four-eyes: it is done as a person (``--as``, an analyst's or admin's e-mail), never as the
anonymous ``cli``, and nobody approves their own reply. Refusals exit with code 2 and say why."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from luister.cli.app import console, fail, state_of
from luister.cli.inbox import ACTOR, inbox_app
from luister.cli.output import Format, FormatOption, emit

approvals_app = typer.Typer(
    help="Replies waiting for an approver: list, approve, reject.", no_args_is_help=True
)
inbox_app.add_typer(approvals_app, name="approvals")
approval_rules_app = typer.Typer(help="When replies wait for an approver.", no_args_is_help=True)
inbox_app.add_typer(approval_rules_app, name="approval-rules")

DraftId = Annotated[int, typer.Argument(help="The draft's number.", min=1)]
As = Annotated[str, typer.Option("--as", help="Who decides: an analyst's or admin's e-mail (four-eyes).")]


def _decide(ctx: typer.Context, draft_id: int, who: str, doing: str, extra: dict[str, Any]) -> None:
    from luister.inbox import replies
    from luister.inbox.model import InboxError

    runtime = state_of(ctx).runtime()
    common: dict[str, Any] = {
        "draft_id": draft_id,
        "actor": who,
        "now": runtime.clock(),
        "bus": runtime.event_bus(),
    }
    try:
        if doing == "approve":
            replies.approve(runtime.engine, **common, **extra)
        else:
            replies.reject(runtime.engine, **common, **extra)
    except InboxError as exc:
        fail(str(exc), code=2)
    console.print(f"reply #{draft_id} {doing}d")


@approvals_app.command("list")
def approvals_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """The drafts waiting for approval, oldest first, with why they wait."""
    from luister.inbox.replies_read import approval_queue

    queue = approval_queue(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, queue.drafts)
    table = Table("#", "conversation", "voice", "author", "why", "text")
    for d in queue.drafts:
        table.add_row(
            str(d.id), f"#{d.conversation_id}", d.voice, d.author or "", Text("; ".join(d.reasons)),
            Text(d.body[:200]),
        )  # fmt: skip
    console.print(table)
    console.print(f"{queue.count} waiting")


@approvals_app.command("approve")
def approvals_approve(
    ctx: typer.Context,
    draft_id: DraftId,
    who: As,
    body: Annotated[str | None, typer.Option(help="An edit (the author's text is kept).")] = None,
    confirm: Annotated[bool, typer.Option(help="Send even though someone answered since.")] = False,
) -> None:
    """Approve a reply (and plan it on the ledger); the conversation's other waiting drafts are superseded."""
    _decide(ctx, draft_id, who, "approve", {"body": body, "confirm": confirm})


@approvals_app.command("reject")
def approvals_reject(
    ctx: typer.Context, draft_id: DraftId, who: As, reason: Annotated[str, typer.Option(help="Why.")]
) -> None:
    """Turn a reply down; its author is told why."""
    _decide(ctx, draft_id, who, "reject", {"reason": reason})


@approval_rules_app.command("list")
def approval_rules_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """The approval rules."""
    from luister.inbox.approval_rules import list_rules

    found = list_rules(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("#", "name", "kind", "value", "active")
    for r in found:
        table.add_row(str(r.id), Text(r.name), r.kind, Text(r.value or ""), "yes" if r.active else "no")
    console.print(table)


@approval_rules_app.command("add")
def approval_rules_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the rule is called.")],
    kind: Annotated[str, typer.Option(help="all, topic, intent, department, priority or new_agent.")],
    value: Annotated[
        str | None, typer.Option(help="Topic id, intent, department key, priority, or N.")
    ] = None,
) -> None:
    """Add a rule: replies it holds for wait for an approver."""
    from luister.inbox.approval import ApprovalRuleProblem
    from luister.inbox.approval_rules import add_rule

    runtime = state_of(ctx).runtime()
    try:
        made = add_rule(runtime.engine, name=name, kind=kind, value=value, actor=ACTOR, now=runtime.clock())
    except ApprovalRuleProblem as exc:
        fail(str(exc), code=2)
    console.print(f"approval rule #{made.id} added")


@approval_rules_app.command("remove")
def approval_rules_remove(ctx: typer.Context, rule_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Remove a rule."""
    from luister.inbox.approval_rules import UnknownRule, remove_rule

    try:
        remove_rule(state_of(ctx).engine(), rule_id=rule_id, actor=ACTOR)
    except UnknownRule as exc:
        fail(str(exc), code=2)
    console.print(f"approval rule #{rule_id} removed")
