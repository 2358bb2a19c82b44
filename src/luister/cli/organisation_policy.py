"""``luister org policy`` and ``luister org processes``: the social media policy (versions, diff, publish,
acknowledgements) and the processes with their RACI matrix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from luister.cli.app import console, fail, state_of
from luister.cli.organisation import org_app
from luister.cli.output import Format, FormatOption, emit

policy_app = typer.Typer(
    help="The social media policy: versions, the diff, publishing, acknowledgements.", no_args_is_help=True
)
processes_app = typer.Typer(
    help="Processes and their responsibility matrix (RACI), which routes the inbox.", no_args_is_help=True
)
org_app.add_typer(policy_app, name="policy")
org_app.add_typer(processes_app, name="processes")


@policy_app.command("list")
def policy_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """Every version, the newest first, with its state and how many acknowledged it."""
    from luister.organisation.policy_read import list_versions

    found = list_versions(engine=state_of(ctx).engine(), now=datetime.now(UTC))
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("#", "title", "state", "published", "acknowledged", "approval rules", title="Policy")
    for v in found:
        table.add_row(
            str(v.number),
            escape(v.title),
            v.state,
            f"{v.published_at:%Y-%m-%d}" if v.published_at else "",
            str(v.acknowledged),
            str(len(v.approval_rules)),
        )
    console.print(table)


@policy_app.command("show")
def policy_show(ctx: typer.Context, number: int) -> None:
    """A version's Markdown text."""
    from luister.organisation.policy_actions import UnknownVersion
    from luister.organisation.policy_read import version

    try:
        shown = version(engine=state_of(ctx).engine(), number=number, now=datetime.now(UTC))
    except UnknownVersion as exc:
        fail(str(exc))
    console.print(f"[bold]{escape(shown.version.title)}[/bold] (version {number}, {shown.version.state})")
    console.print(escape(shown.body), markup=False, highlight=False)


@policy_app.command("write")
def policy_write(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="The version's title.")],
    text: Annotated[
        Path, typer.Option("--file", help="The policy's text (Markdown).", exists=True, dir_okay=False)
    ],
    rule: Annotated[
        list[str] | None, typer.Option(help="An approval rule: 'name | kind | value' (repeat).")
    ] = None,
    grace_days: Annotated[int, typer.Option(min=0, max=365, help="Days people have to acknowledge it.")] = 0,
) -> None:
    """Write a new draft version (publish it with `luister org policy publish`)."""
    from luister.organisation.policy import PolicyProblem, parse_rule_lines
    from luister.organisation.policy_actions import write_version

    try:
        number = write_version(
            engine=state_of(ctx).engine(),
            title=title,
            body=text.read_text(encoding="utf-8"),
            actor="cli",
            now=datetime.now(UTC),
            approval_rules=parse_rule_lines("\n".join(rule or [])),
            grace_days=grace_days,
        )
    except (PolicyProblem, UnicodeDecodeError) as exc:
        fail(str(exc), code=2)
    console.print(f"Wrote draft version {number}.")


@policy_app.command("publish")
def policy_publish(ctx: typer.Context, number: int) -> None:
    """Put a draft in force now: everyone is asked to acknowledge it, and its approval rules are set."""
    from luister.organisation.policy import PolicyProblem
    from luister.organisation.policy_actions import UnknownVersion, publish

    try:
        rules = publish(engine=state_of(ctx).engine(), number=number, actor="cli", now=datetime.now(UTC))
    except (UnknownVersion, PolicyProblem) as exc:
        fail(str(exc))
    console.print(f"Version {number} is in force; {len(rules)} approval rule(s) set in the inbox.")


@policy_app.command("diff")
def policy_diff(ctx: typer.Context, old: int, new: int) -> None:
    """What changed from version OLD to NEW."""
    from luister.organisation.policy_actions import UnknownVersion
    from luister.organisation.policy_read import version_diff

    try:
        lines = version_diff(engine=state_of(ctx).engine(), old=old, new=new)
    except UnknownVersion as exc:
        fail(str(exc))
    marks = {"added": "+ ", "removed": "- ", "same": "  ", "gap": ""}
    for d in lines:
        console.print(marks[d.kind] + d.text, markup=False, highlight=False)


@policy_app.command("acks")
def policy_acks(
    ctx: typer.Context,
    pending: Annotated[bool, typer.Option(help="Only who has not acknowledged yet.")] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Who acknowledged the version in force, and who has not yet."""
    from luister.organisation.policy_read import acknowledgements

    found = [
        a
        for a in acknowledgements(engine=state_of(ctx).engine(), now=datetime.now(UTC))
        if not pending or a.acknowledged_at is None
    ]
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("email", "department", "acknowledged", "due", title="Acknowledgements")
    for a in found:
        table.add_row(
            escape(a.email),
            escape(a.department or ""),
            f"{a.acknowledged_at:%Y-%m-%d}" if a.acknowledged_at else "pending",
            f"{a.due:%Y-%m-%d}" if a.due else "",
        )
    console.print(table)


@policy_app.command("acknowledge")
def policy_acknowledge(
    ctx: typer.Context,
    number: int,
    email: Annotated[str, typer.Option("--as", help="Whose acknowledgement (their e-mail).")],
) -> None:
    """Record that a person acknowledged the version in force (e.g. on paper at their induction)."""
    from luister.organisation.policy import PolicyProblem
    from luister.organisation.policy_actions import acknowledge

    try:
        new = acknowledge(engine=state_of(ctx).engine(), email=email, number=number, now=datetime.now(UTC))
    except PolicyProblem as exc:
        fail(str(exc))
    console.print(f"{escape(email)} acknowledged version {number}." if new else "Already acknowledged.")


@processes_app.command("list")
def processes_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """The processes with their matrix (department=R/A/C/I)."""
    from luister.organisation.processes_read import list_processes

    found = list_processes(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("key", "name", "recognised by", "matrix", title="Processes")
    for p in found:
        table.add_row(
            p.key,
            escape(p.name_en),
            escape(str(p.conditions.get("query", p.conditions))),
            ", ".join(f"{d}={r}" for d, r in sorted(p.matrix.items())),
        )
    console.print(table)


@processes_app.command("set")
def processes_set(
    ctx: typer.Context,
    key: str,
    name_nl: Annotated[str, typer.Option(help="Its name in Dutch.")],
    name_en: Annotated[str, typer.Option(help="Its name in English.")],
    query: Annotated[str, typer.Option(help="The query that recognises its mentions.")],
    matrix: Annotated[str, typer.Option(help="department=R, department=C … (one R, at most one A).")],
) -> None:
    """Create or replace a process; its mentions are routed to its R department."""
    from luister.domain.query_tree import QueryReferenceError, QuerySyntaxError
    from luister.inbox.model import InboxError
    from luister.organisation.processes import ProcessProblem, parse_matrix
    from luister.organisation.processes_actions import save_process

    try:
        save_process(
            engine=state_of(ctx).engine(),
            key=key,
            name_nl=name_nl,
            name_en=name_en,
            conditions={"query": query},
            matrix=parse_matrix(matrix),
            actor="cli",
            now=datetime.now(UTC),
        )
    except (ProcessProblem, InboxError, QuerySyntaxError, QueryReferenceError) as exc:
        fail(str(exc), code=2)
    console.print(f"Saved process {key}.")


@processes_app.command("remove")
def processes_remove(ctx: typer.Context, key: str) -> None:
    """Remove a process and the routing rule it kept."""
    from luister.organisation.processes_actions import UnknownProcess, remove_process

    try:
        remove_process(engine=state_of(ctx).engine(), key=key, actor="cli")
    except UnknownProcess as exc:
        fail(str(exc))
    console.print(f"Removed process {key}.")
