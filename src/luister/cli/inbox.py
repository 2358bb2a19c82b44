"""``luister inbox``: the conversations (list, show, assign, move, note, transfer, resolve), the departments
and their people, routing rules, SLA policies, and running the inbox's timers once.

Every change is one action of :mod:`luister.inbox.actions` or :mod:`luister.inbox.setup` by the actor
``cli``, across departments, as of the runtime's clock. What people wrote is printed as plain text, never
as markup. Refusals exit with code 2 and say why."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, fail, state_of
from luister.cli.output import Format, FormatOption, emit
from luister.inbox.assignment import Availability
from luister.inbox.read import View
from luister.inbox.status import Move, Priority, Status

inbox_app = typer.Typer(
    help="The inbox: conversations to answer, departments and their people, routing rules, SLA policies.",
    no_args_is_help=True,
)
app.add_typer(inbox_app, name="inbox")
rule_app = typer.Typer(help="Save or remove a routing rule.", no_args_is_help=True)
inbox_app.add_typer(rule_app, name="rule")
policy_app = typer.Typer(help="Set an SLA policy.", no_args_is_help=True)
inbox_app.add_typer(policy_app, name="policy")

ACTOR = "cli"
T = TypeVar("T")
HAND_MOVES = [m.value for m in Move if m not in (Move.customer_wrote, Move.agent_replied)]
ConversationId = Annotated[int, typer.Argument(help="The conversation's number.", min=1)]


@contextmanager
def refused() -> Iterator[None]:
    """The inbox's refusals as a clear message and exit code 2."""
    from luister.domain.query_tree import QueryReferenceError, QuerySyntaxError
    from luister.inbox.model import InboxError
    from luister.inbox.rules import RuleProblem

    try:
        yield
    except QuerySyntaxError as exc:
        fail(f"invalid query: {exc}\n{exc.caret()}", code=2)
    except (InboxError, RuleProblem, QueryReferenceError) as exc:
        fail(str(exc), code=2)


def _moment(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time (``2026-12-08T09:00``, with or without an offset; without one: UTC)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r}: write a time as 2026-12-08T09:00 (UTC) or 2026-12-08T09:00+01:00", code=2)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}" if moment else ""


def _act(ctx: typer.Context, work: Callable[[dict[str, Any]], T]) -> T:
    """Run an action as ``cli`` across departments, as of the runtime's clock."""
    runtime = state_of(ctx).runtime()
    with refused():
        return work(
            {"engine": runtime.engine, "actor": ACTOR, "now": runtime.clock(), "bus": runtime.event_bus()}
        )


# --- conversations ---------------------------------------------------------------------------------------


@inbox_app.command("list")
def inbox_list(
    ctx: typer.Context,
    view: Annotated[View, typer.Option(help="Which conversations: all (open) by default.")] = View.all,
    department: Annotated[str | None, typer.Option(help="Only this department's (its key).")] = None,
    status: Annotated[Status | None, typer.Option(help="Only those with this status.")] = None,
    priority: Annotated[Priority | None, typer.Option(help="Only those with this priority.")] = None,
    intent: Annotated[
        str | None, typer.Option(help="Only those with this intent (complaint, lead…).")
    ] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel's.")] = None,
    tag: Annotated[str | None, typer.Option(help="Only those with this tag.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Only those assigned to this e-mail.")] = None,
    search: Annotated[str | None, typer.Option(help="Words in the subject or the author's handle.")] = None,
    page: Annotated[int, typer.Option(min=1, help="Which page of 50.")] = 1,
    fmt: FormatOption = Format.table,
) -> None:
    """The conversations of a view, most urgent first, with how many each view holds."""
    from luister.inbox.read import Filters, department_keys, list_conversations

    runtime = state_of(ctx).runtime()
    if department and department not in department_keys(engine=runtime.engine):
        fail(f"there is no department {department!r} (see `luister inbox departments`)", code=2)
    filters = Filters(
        department=department,
        status=status.value if status else None,
        priority=priority.value if priority else None,
        intent=intent,
        channel=channel,
        tag=tag,
        assignee=assignee,
        text=search,
    )
    found = list_conversations(
        engine=runtime.engine, view=view, filters=filters, page=page, now=runtime.clock()
    )
    if fmt is not Format.table:
        return emit(fmt, found.rows)
    counts = " · ".join(f"{name} {count}" for name, count in found.counts.items())
    console.print(Text(f"{view.value}: {found.total} (page {found.page}) — {counts}"))
    if not found.rows:
        console.print("No conversations here.")
        return
    table = Table("#", "priority", "status", "department", "assignee", "SLA", "author", "subject")
    for r in found.rows:
        sla = f"{r.sla_state} {_when(r.sla_due_at)}".strip() if r.sla_state != "none" else ""
        table.add_row(
            str(r.id),
            r.priority,
            r.status,
            Text(r.department or "—"),
            Text(r.assignee or ""),
            sla,
            Text(r.author_handle or ""),
            Text(r.subject),
        )
    console.print(table)


@inbox_app.command("show")
def inbox_show(ctx: typer.Context, conversation_id: ConversationId) -> None:
    """One conversation: its messages, why it went where it is, its timeline and the author's history."""
    from luister.inbox.read import conversation_detail

    engine = state_of(ctx).engine()
    with refused():
        d = conversation_detail(engine=engine, conversation_id=conversation_id)
    c = d.conversation
    console.print(Text(f"#{c.id} {c.subject}", style="bold"))
    console.print(
        Text(
            f"{c.status} · {c.priority} · {c.department or 'no department'} · {c.assignee or 'unassigned'} · "
            f"{c.channel} · {c.author_handle or ''} · cycle {d.cycle}"
        )
    )
    if c.sla_state != "none":
        console.print(Text(f"SLA {c.sla_state}, due {_when(c.sla_due_at)} UTC"))
    route = c.route
    why = route.rule_name or route.because
    console.print(Text(f"routed by {route.by}" + (f": {why}" if why else "")))
    if route.evidence:
        console.print(Text(f"  evidence: {', '.join(route.evidence)}"))
    if d.tags:
        console.print(Text(f"tags: {', '.join(d.tags)}"))
    if d.merged_into:
        console.print(Text(f"merged into #{d.merged_into}"))
    messages = Table("at", "kind", "author", "text", title="Messages")
    for m in d.messages:
        messages.add_row(_when(m.at), m.kind, Text(m.author or ""), Text(m.body))
    console.print(messages)
    timeline = Table("at", "who", "what", "detail", title="Timeline")
    for e in d.events:
        detail = ", ".join(f"{k}: {v}" for k, v in e.detail.items())
        timeline.add_row(_when(e.at), Text(e.actor), e.kind, Text(detail))
    console.print(timeline)
    if d.author.conversations or d.author.mentions:
        console.print(Text("The author elsewhere:", style="bold"))
        for other in d.author.conversations:
            console.print(Text(f"  #{other.id} {other.status} {other.subject}"))
        for _id, channel, text, published_at, _url in d.author.mentions[:5]:
            console.print(Text(f"  {_when(published_at)} {channel}: {' '.join(text.split())[:160]}"))


@inbox_app.command("assign")
def inbox_assign(
    ctx: typer.Context,
    conversation_id: ConversationId,
    email: Annotated[str, typer.Argument(help="A member of its department; `-` puts it back in the queue.")],
) -> None:
    """Give a conversation to someone of its department."""
    from luister.inbox.actions import assign

    who = None if email == "-" else email
    _act(ctx, lambda c: assign(conversation_id=conversation_id, assignee=who, **c))
    console.print(Text(f"✓ #{conversation_id} assigned to {who or 'the queue'}", style="green"))


@inbox_app.command("move")
def inbox_move(
    ctx: typer.Context,
    conversation_id: ConversationId,
    move: Annotated[str, typer.Argument(help=f"One of: {', '.join(HAND_MOVES)}.")],
    until: Annotated[str | None, typer.Option(help="snooze: until when (2026-12-08T09:00, UTC).")] = None,
) -> None:
    """Change a conversation's status: open, wait on the customer or a department, snooze, wake, resolve,
    reopen."""
    from luister.inbox.actions import move as move_action

    if move not in HAND_MOVES:
        fail(f"{move!r} is not a move; one of: {', '.join(HAND_MOVES)}", code=2)
    when = _moment(until, "--until")
    after = _act(
        ctx, lambda c: move_action(conversation_id=conversation_id, to=Move(move), snooze_until=when, **c)
    )
    console.print(Text(f"✓ #{conversation_id} is {after.value}", style="green"))


@inbox_app.command("resolve")
def inbox_resolve(ctx: typer.Context, conversation_id: ConversationId) -> None:
    """Resolve a conversation (the customer writing again reopens it)."""
    from luister.inbox.actions import move

    _act(ctx, lambda c: move(conversation_id=conversation_id, to=Move.resolve, **c))
    console.print(Text(f"✓ #{conversation_id} resolved", style="green"))


@inbox_app.command("note")
def inbox_note(
    ctx: typer.Context,
    conversation_id: ConversationId,
    text: Annotated[str, typer.Argument(help="The note; @e-mail or @first-name notifies a colleague.")],
) -> None:
    """Add an internal note (never sent to the customer)."""
    from luister.inbox.actions import add_note

    told = _act(ctx, lambda c: add_note(conversation_id=conversation_id, body=text, **c))
    console.print(
        Text(
            f"✓ note added to #{conversation_id}" + (f"; told {', '.join(told)}" if told else ""),
            style="green",
        )
    )


@inbox_app.command("transfer")
def inbox_transfer(
    ctx: typer.Context,
    conversation_id: ConversationId,
    department: Annotated[str, typer.Argument(help="The department's key.")],
    reason: Annotated[str, typer.Option(help="Why, for everyone to see.")],
    priority: Annotated[Priority | None, typer.Option(help="A new priority with it.")] = None,
) -> None:
    """Transfer (or escalate) a conversation to another department's queue."""
    from luister.inbox.actions import transfer

    _act(
        ctx,
        lambda c: transfer(
            conversation_id=conversation_id, to_department=department, reason=reason, priority=priority, **c
        ),
    )
    console.print(Text(f"✓ #{conversation_id} transferred to {department}", style="green"))


# --- departments and their people ------------------------------------------------------------------------


@inbox_app.command("departments")
def inbox_departments(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """The departments, their people (languages, capacity, availability, open conversations)."""
    from luister.inbox.read import list_departments

    found = list_departments(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("key", "name", "assignment", "open", "people")
    for d in found:
        people = "\n".join(
            f"{m.email} ({m.languages}; {m.availability}; {m.open_count}/{m.capacity})" for m in d.members
        )
        table.add_row(d.key, Text(d.name_en), d.assignment, str(d.open_count), Text(people or "—"))
    console.print(table)


@inbox_app.command("member")
def inbox_member(
    ctx: typer.Context,
    department: Annotated[str, typer.Argument(help="The department's key.")],
    email: Annotated[str, typer.Argument(help="The person's account.")],
    languages: Annotated[str, typer.Option(help="Languages they answer in, e.g. nl,en.")] = "nl,en",
    capacity: Annotated[int, typer.Option(min=0, max=500, help="Most open conversations at once.")] = 20,
    availability: Annotated[
        Availability, typer.Option(help="available, away or off.")
    ] = Availability.available,
    remove: Annotated[bool, typer.Option("--remove", help="Take them out of the department.")] = False,
) -> None:
    """Add someone to a department or change their languages, capacity and availability."""
    from luister.inbox.setup import remove_member, set_member

    runtime = state_of(ctx).runtime()
    with refused():
        if remove:
            remove_member(engine=runtime.engine, actor=ACTOR, department_key=department, email=email)
        else:
            set_member(
                engine=runtime.engine,
                actor=ACTOR,
                department_key=department,
                email=email,
                languages=languages,
                capacity=capacity,
                availability=availability.value,
                now=runtime.clock(),
            )
    done = "removed from" if remove else "set in"
    console.print(Text(f"✓ {email} {done} {department}", style="green"))


# --- routing rules ---------------------------------------------------------------------------------------


@inbox_app.command("rules")
def inbox_rules(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """The routing rules in the order they are tried; the first enabled one that holds routes."""
    from luister.inbox.read import list_rules

    found = list_rules(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    if not found:
        console.print("No routing rules: the triage model routes every conversation.")
        return
    table = Table("position", "name", "conditions", "department", "priority", "tags", "enabled")
    for r in found:
        conditions = "; ".join(
            f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in r.conditions.items()
        )
        table.add_row(
            str(r.position),
            Text(r.name),
            Text(conditions),
            r.department,
            r.priority or "",
            Text(", ".join(r.tags)),
            "yes" if r.enabled else "no",
        )
    console.print(table)


def _conditions(**given: Any) -> dict[str, Any]:
    return {name: value for name, value in given.items() if value not in (None, [], "")}


@rule_app.command("save")
def rule_save(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The rule's name.")],
    department: Annotated[str, typer.Option(help="Where what it holds for goes.")],
    query: Annotated[str | None, typer.Option(help="In the topic query language, e.g. 'laadpas*'.")] = None,
    topic: Annotated[list[str] | None, typer.Option(help="A topic it matched (repeat: any of).")] = None,
    intent: Annotated[
        list[str] | None, typer.Option(help="complaint, lead, churn… (repeat: any of).")
    ] = None,
    sentiment: Annotated[list[str] | None, typer.Option(help="negative, neutral, positive.")] = None,
    language: Annotated[list[str] | None, typer.Option(help="nl, en… (repeat: any of).")] = None,
    channel: Annotated[list[str] | None, typer.Option(help="mastodon, reddit… (repeat: any of).")] = None,
    country: Annotated[list[str] | None, typer.Option(help="NL, BE… (repeat: any of).")] = None,
    min_followers: Annotated[int | None, typer.Option(min=0, help="The author's reach, at least.")] = None,
    max_followers: Annotated[int | None, typer.Option(min=0, help="The author's reach, at most.")] = None,
    priority: Annotated[Priority | None, typer.Option(help="The conversation's priority.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag to add (repeat for several).")] = None,
    position: Annotated[int | None, typer.Option(min=0, help="Tried in this order (new: last).")] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Save it switched off.")] = False,
    simulate: Annotated[
        bool, typer.Option("--simulate", help="Only show what it would have routed in the last 30 days.")
    ] = False,
) -> None:
    """Save a routing rule (or replace the one with this name); --simulate tries it without saving."""
    from luister.inbox.setup import save_rule, simulate_rule

    conditions = _conditions(
        query=query,
        topics=topic or [],
        intents=intent or [],
        sentiments=sentiment or [],
        languages=language or [],
        channels=channel or [],
        countries=country or [],
        min_followers=min_followers,
        max_followers=max_followers,
    )
    runtime = state_of(ctx).runtime()
    with refused():
        if simulate:
            found = simulate_rule(
                engine=runtime.engine, conditions=conditions, department_key=department, now=runtime.clock()
            )
        else:
            save_rule(
                engine=runtime.engine,
                actor=ACTOR,
                name=name,
                conditions=conditions,
                department_key=department,
                priority=priority.value if priority else None,
                tags=tag or [],
                position=position,
                enabled=not disabled,
            )
    if not simulate:
        console.print(Text(f"✓ routing rule {name} saved (to {department})", style="green"))
        return
    console.print(
        Text(
            f"In the last {found.days} days, {found.matched} of {found.considered} mentions would go "
            f"to {department}."
        )
    )
    for went, count in found.taken_from.items():
        console.print(Text(f"  {count} went to {went} without it"))
    for mention_id, text, _went in found.examples:
        console.print(Text(f"  • {mention_id}: {text}"))
    console.print("Nothing was saved.")


@rule_app.command("remove")
def rule_remove(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The rule's name.")]) -> None:
    """Remove a routing rule."""
    from luister.inbox.setup import remove_rule

    with refused():
        remove_rule(engine=state_of(ctx).engine(), actor=ACTOR, name=name)
    console.print(Text(f"✓ routing rule {name} removed", style="green"))


# --- SLA policies and the timers ---------------------------------------------------------------------------


def _minutes(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value // 60} h {value % 60:02d} min" if value >= 60 else f"{value} min"


@inbox_app.command("policies")
def inbox_policies(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """The SLA targets per department and priority."""
    from luister.inbox.read import list_policies

    found = list_policies(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("department", "priority", "first response", "next response", "resolution", "warn", "clock")
    for p in found:
        table.add_row(
            p.department,
            p.priority,
            _minutes(p.first_response_minutes),
            _minutes(p.next_response_minutes),
            _minutes(p.resolution_minutes),
            _minutes(p.warn_minutes),
            "business hours" if p.business_hours else "wall clock",
        )
    console.print(table)


@policy_app.command("set")
def policy_set(
    ctx: typer.Context,
    department: Annotated[str, typer.Argument(help="The department's key.")],
    priority: Annotated[Priority, typer.Argument(help="urgent, high, normal or low.")],
    first_response: Annotated[int | None, typer.Option(help="Minutes to the first response.")] = None,
    next_response: Annotated[int | None, typer.Option(help="Minutes to answer a later message.")] = None,
    resolution: Annotated[int | None, typer.Option(help="Minutes to resolve.")] = None,
    warn: Annotated[int, typer.Option(help="Warn this many minutes before a target.")] = 15,
    wall_clock: Annotated[
        bool, typer.Option("--wall-clock", help="Count around the clock, not in business hours.")
    ] = False,
) -> None:
    """Set a department's SLA targets for one priority (a target left out: none)."""
    from luister.inbox.setup import save_policy

    with refused():
        save_policy(
            engine=state_of(ctx).engine(),
            actor=ACTOR,
            department_key=department,
            priority=priority.value,
            first_response_minutes=first_response,
            next_response_minutes=next_response,
            resolution_minutes=resolution,
            warn_minutes=warn,
            business_hours=not wall_clock,
        )
    console.print(Text(f"✓ SLA policy {department}/{priority.value} saved", style="green"))


@inbox_app.command("tick")
def inbox_tick(
    ctx: typer.Context,
    now: Annotated[
        str | None, typer.Option(help="As of this time (2026-12-08T09:00, UTC); default: now.")
    ] = None,
) -> None:
    """Run the inbox's timers once: wake snoozed conversations, warn and breach SLAs, reclaim and drain the
    queues (what `luister listen` does every round)."""
    from luister.inbox.timers import tick

    runtime = state_of(ctx).runtime()
    moment = _moment(now, "--now") or runtime.clock()
    done = tick(engine=runtime.engine, now=moment, bus=runtime.event_bus())
    console.print(
        Text(
            f"As of {_when(moment)} UTC: {len(done.woken)} woken, {len(done.warned)} warned, "
            f"{len(done.breached)} breached, {len(done.reclaimed)} reclaimed, {done.assigned} assigned"
        )
    )
