"""``luister inbox report`` and ``luister inbox digest build|show|decide``: the inbox's figures over a period
and the departments' digests. Text from mentions is hostile: it is printed as rich ``Text``, never markup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, fail, state_of
from luister.cli.output import Format, FormatOption, emit


def _inbox_group() -> typer.Typer:
    """The ``inbox`` command group: the one ``luister.cli.inbox`` made when it is loaded, else a new one
    (so the two modules register in either order)."""
    for group in app.registered_groups:
        if group.name == "inbox" and group.typer_instance is not None:
            return group.typer_instance
    made = typer.Typer(
        help="The inbox: conversations, departments, reports and digests.", no_args_is_help=True
    )
    app.add_typer(made, name="inbox")
    return made


inbox_app = _inbox_group()
digest_app = typer.Typer(help="Department digests: build, show and decide on themes.", no_args_is_help=True)
inbox_app.add_typer(digest_app, name="digest")

By = Annotated[str, typer.Option("--by", help="Who does it (kept in the audit log).")]


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "–"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return (
        (f"{days}d " if days else "")
        + (f"{hours}h" if hours or days else "")
        + (f"{minutes:02d}m" if hours or days else f"{minutes}m")
    )


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC) if value.tzinfo is None else value


@inbox_app.command("report")
def report_command(
    ctx: typer.Context,
    period: Annotated[
        str, typer.Option(help="Nd (the last N days) or SINCE..UNTIL, UNTIL exclusive.")
    ] = "30d",
    by: Annotated[str, typer.Option(help="department, agent, intent or channel.")] = "department",
    fmt: FormatOption = Format.table,
) -> None:
    """Response and resolution times (business hours and wall clock; median and p90), SLA attainment,
    volume and backlog age per department, agent, intent or channel. JSON/CSV carry the conversation ids
    behind every figure."""
    from luister.inbox.reports import Dimension, parse_period, report

    state = state_of(ctx)
    now = state.runtime().clock()
    try:
        dimension = Dimension(by)
        since, until = parse_period(period, now)
    except ValueError as exc:
        fail(str(exc), code=2)
    found = report(engine=state.engine(), since=since, until=until, now=now)
    groups = [found.total, *found.groups[dimension]]
    if fmt is not Format.table:
        return emit(fmt, [_plain(g, dimension.value) for g in groups])
    table = Table(by, "opened", "first response\nbusiness med/p90", "first response\nwall med/p90",
                  "next response\nbusiness med", "resolution\nbusiness med/p90", "resolution\nwall med",
                  "SLA met", "backlog\nmed/p90/max",
                  title=f"Inbox {since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} UTC")  # fmt: skip
    for g in groups:
        label = "all" if g is found.total else g.key or "(none)"
        share = g.attainment.share
        table.add_row(
            Text(label),
            str(len(g.volume)),
            f"{_duration(g.first_response.median_business)} / {_duration(g.first_response.p90_business)}",
            f"{_duration(g.first_response.median_wall)} / {_duration(g.first_response.p90_wall)}",
            _duration(g.next_response.median_business),
            f"{_duration(g.resolution.median_business)} / {_duration(g.resolution.p90_business)}",
            _duration(g.resolution.median_wall),
            "–" if share is None else f"{share:.0%} ({g.attainment.met}/{g.attainment.count})",
            f"{g.backlog.count}: {_duration(g.backlog.median)} / {_duration(g.backlog.p90)} / "
            f"{_duration(g.backlog.max)}",
        )
    console.print(table)
    console.print(
        "Business: the department's business hours minus waiting on the customer; wall: plain time."
    )


def _plain(g: Any, dimension: str) -> dict[str, Any]:
    def times(f: Any) -> dict[str, Any]:
        return {"count": f.count, "median_business": f.median_business, "p90_business": f.p90_business,
                "median_wall": f.median_wall, "p90_wall": f.p90_wall, "ids": f.ids}  # fmt: skip

    return {
        dimension: g.key,
        "volume": {"count": len(g.volume), "ids": list(g.volume)},
        "first_response": times(g.first_response),
        "next_response": times(g.next_response),
        "resolution": times(g.resolution),
        "attainment": {"met": g.attainment.met, "count": g.attainment.count, "share": g.attainment.share,
                       "ids": g.attainment.ids},
        "backlog": {"count": g.backlog.count, "median": g.backlog.median, "p90": g.backlog.p90,
                    "max": g.backlog.max, "ids": g.backlog.ids},
    }  # fmt: skip


@digest_app.command("build")
def digest_build(
    ctx: typer.Context,
    department: Annotated[str, typer.Argument(help="The department's key, e.g. product.")],
    since: Annotated[datetime | None, typer.Option(help="Period start (UTC unless a zone is given).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Period end, exclusive; must have passed.")] = None,
) -> None:
    """Build the department's digest (the last whole period of its cadence unless --since/--until);
    building the same period again shows the one already built."""
    from luister.inbox.digest_actions import build_digest
    from luister.inbox.digests import DigestError, last_period
    from luister.inbox.model import UnknownDepartment
    from luister.inbox.read import list_departments

    state = state_of(ctx)
    now = state.runtime().clock()
    dept = next((d for d in list_departments(engine=state.engine()) if d.key == department), None)
    if dept is None:
        fail(f"no department {department!r}", code=2)
    start, end = _utc(since), _utc(until)
    if start is None or end is None:
        if start is not None or end is not None:
            fail("give both --since and --until, or neither", code=2)
        start, end = last_period(dept.digest_every, now, str(dept.calendar.get("zone") or "Europe/Amsterdam"))
    try:
        built = build_digest(
            engine=state.engine(),
            department=department,
            period_start=start,
            period_end=end,
            now=now,
            actor="cli",
            base_url=state.settings().public_url,
        )
    except (DigestError, UnknownDepartment) as exc:
        fail(str(exc), code=2)
    verb = "built" if built.created else "already built"
    console.print(Text(f"✓ digest {built.digest_id} {verb}: {built.items} themes", style="green"))


@digest_app.command("show")
def digest_show(
    ctx: typer.Context,
    digest_id: Annotated[int | None, typer.Argument(help="A digest's id; without it, the list.")] = None,
    department: Annotated[str | None, typer.Option(help="Only this department's digests.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The digests (newest first), or one digest's themes with counts, trend, decisions and examples."""
    from luister.inbox.digest_read import digest_detail, list_digests
    from luister.inbox.digests import UnknownDigest

    engine = state_of(ctx).engine()
    if digest_id is None:
        found = list_digests(engine=engine, department_key=department)
        if fmt is not Format.table:
            return emit(fmt, found)
        table = Table("id", "department", "period", "every", "themes", "decided", title="Digests")
        for d in found:
            table.add_row(
                str(d.id),
                d.department,
                f"{d.first_day()} – {d.last_day()}",
                d.every,
                str(d.items),
                str(d.decided),
            )
        console.print(table)
        return
    try:
        detail = digest_detail(engine=engine, digest_id=digest_id)
    except UnknownDigest as exc:
        fail(str(exc), code=2)
    if fmt is not Format.table:
        return emit(fmt, detail.items)
    d = detail.digest
    table = Table("item", "kind", "theme", "count", "previous", "trend", "decision", "examples",
                  title=f"Digest {d.id}: {d.department} {d.first_day()} – {d.last_day()}")  # fmt: skip
    for i in detail.items:
        examples = "\n".join(" ".join(e.text.split())[:80] for e in i.examples)
        decision = f"{i.decision}: {i.outcome or ''}" if i.decision else ""
        table.add_row(
            str(i.id),
            i.kind,
            Text(i.theme or "(everything else)"),
            str(i.count),
            str(i.previous_count),
            f"{i.trend:+d}",
            Text(decision),
            Text(examples),
        )
    console.print(table)


@digest_app.command("decide")
def digest_decide(
    ctx: typer.Context,
    item_id: Annotated[int, typer.Argument(help="The theme's item id (see `digest show ID`).")],
    decision: Annotated[str, typer.Argument(help="taken_up or declined.")],
    outcome: Annotated[str, typer.Option(help="What was done, in words (shown on the conversations).")] = "",
    by: By = "cli",
) -> None:
    """Decide on a theme: taken up or declined, with the outcome."""
    from luister.inbox.digest_actions import decide_item
    from luister.inbox.digests import DigestError

    state = state_of(ctx)
    try:
        decide_item(engine=state.engine(), item_id=item_id, decision=decision, outcome=outcome, actor=by,
                    now=state.runtime().clock())  # fmt: skip
    except DigestError as exc:
        fail(str(exc), code=2)
    console.print(Text(f"✓ item {item_id}: {decision}", style="green"))
