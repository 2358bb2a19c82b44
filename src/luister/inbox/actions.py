"""Every change someone makes to a conversation: assign, transfer, move its status, snooze, note,
mark answered elsewhere, tag, set its priority, merge.

Each action takes keyword arguments only, an explicit ``actor`` (a user's e-mail, or ``cli``) and
``scope`` (whose conversations the actor works with: one outside it is as unknown as one that does not
exist), and ``now``. It writes in one transaction with the conversation's timeline event and an audit row,
keeps the SLA clock on the row, and tells ``bus`` after the commit."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox import bookkeeping as book
from luister.inbox import raci
from luister.inbox.model import Conflict, ConversationChanged, NotAMember, Route, UnknownConversation
from luister.inbox.read import in_scope
from luister.inbox.rules import RuleProblem, clean_tags
from luister.inbox.status import Move, Priority, Status, TransitionForbidden, next_status
from luister.inbox.tables import (
    conversation,
    conversation_message,
    conversation_tag,
    department,
    department_member,
)
from luister.services import audit
from luister.services.events import EventBus
from luister.storage.tables import user_account

ELSEWHERE = ("phone", "email", "in_person")
MAX_NOTE = 10_000
_MENTION = re.compile(r"(?<![\w.])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.-]+)")


@contextmanager
def _changing(
    engine: Engine,
    conversation_id: int,
    scope: Scope,
    bus: EventBus | None,
    action: str,
    actor: str,
    now: datetime,
) -> Iterator[tuple[Connection, Any, dict[str, Any]]]:
    """The transaction of one action on one conversation in ``scope``; the event after the commit.
    The row is locked on PostgreSQL so that two agents' changes do not interleave. A person the
    organisation's gates refuse (:func:`luister.inbox.bookkeeping.may_act`) changes nothing."""
    detail: dict[str, Any] = {}
    with engine.begin() as conn:
        book.may_act(conn, actor, now=now)
        query = (
            sa.select(conversation, department.c.key.label("department"))
            .outerjoin(department, department.c.id == conversation.c.department_id)
            .where(conversation.c.id == conversation_id, in_scope(scope))
        )
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(of=conversation)
        else:  # SQLite reads outside the transaction until its first write: write first, so that the
            # database's write lock is held and the row read below stays current until the commit
            conn.execute(
                conversation.update()
                .where(conversation.c.id == conversation_id)
                .values(updated_at=conversation.c.updated_at)
            )
        row = conn.execute(query).first()
        if row is None:
            raise UnknownConversation(f"no conversation #{conversation_id}")
        yield conn, row, detail
        audit.record(
            conn,
            actor=actor,
            action=f"conversation.{action}",
            target=str(conversation_id),
            detail=detail or None,
        )
    if bus is not None:
        bus.emit(ConversationChanged(conversation_id, action, actor, detail))


def _set_status(
    conn: Connection, row: Any, move: Move, *, actor: str, now: datetime, **values: Any
) -> Status:
    try:
        after = next_status(Status(row.status), move)
    except TransitionForbidden as exc:
        raise Conflict(str(exc)) from exc
    if after is Status.resolved:
        values["resolved_at"] = now
    if after is Status.reopened:
        values |= {
            "cycle": row.cycle + 1,
            "cycle_started_at": now,
            "first_response_at": None,
            "resolved_at": None,
        }
    if after is not Status.snoozed:
        values.setdefault("snoozed_until", None)
    conn.execute(
        conversation.update()
        .where(conversation.c.id == row.id)
        .values(status=after.value, updated_at=now, **values)
    )
    book.add_event(
        conn, row.id, at=now, actor=actor, kind="status", **{"from": row.status, "to": after.value}
    )
    return after


def move(
    *,
    engine: Engine,
    conversation_id: int,
    to: Move,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    snooze_until: datetime | None = None,
    bus: EventBus | None = None,
) -> Status:
    """Open, wait on the customer or a department, snooze until a time, resolve, reopen or wake.
    A move the state machine forbids raises :class:`Conflict` (409)."""
    if to in (Move.customer_wrote, Move.agent_replied):
        raise Conflict(f"{to.value} happens when a message arrives, not by hand")
    if to is Move.snooze and (snooze_until is None or snooze_until <= now):
        raise Conflict("snoozing needs a time in the future")
    with _changing(engine, conversation_id, scope, bus, to.value, actor, now) as (conn, row, detail):
        extra = {"snoozed_until": snooze_until} if to is Move.snooze else {}
        after = _set_status(conn, row, to, actor=actor, now=now, **extra)
        detail |= {"from": row.status, "to": after.value}
        book.refresh_sla(conn, conversation_id, now=now)
    return after


def _user(conn: Connection, email: str) -> Any:
    row = book.active_account(conn, email)
    if row is None:
        raise NotAMember(f"there is no active account {email!r}")
    return row


def assign(
    *,
    engine: Engine,
    conversation_id: int,
    assignee: str | None,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    bus: EventBus | None = None,
) -> int | None:
    """Give the conversation to ``assignee`` (an e-mail), who must be a member of its department; None
    puts it back in the department's queue."""
    with _changing(engine, conversation_id, scope, bus, "assign", actor, now) as (conn, row, detail):
        if row.status == Status.resolved:
            raise Conflict("a resolved conversation cannot be assigned; reopen it first")
        user_id = None
        if assignee is not None:
            user = _user(conn, assignee)
            if row.department_id is None:
                raise NotAMember(f"conversation #{conversation_id} has no department yet: transfer it first")
            member = conn.execute(
                sa.select(department_member.c.user_id).where(
                    department_member.c.department_id == row.department_id,
                    department_member.c.user_id == user.id,
                )
            ).first()
            if member is None:
                raise NotAMember(f"{user.email} is not a member of {row.department}")
            user_id = user.id
        book.assign_to(conn, conversation_id, user_id, now=now, actor=actor)
        detail |= {"assignee": assignee}
    return user_id


def transfer(
    *,
    engine: Engine,
    conversation_id: int,
    to_department: str,
    reason: str,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    priority: Priority | None = None,
    bus: EventBus | None = None,
) -> None:
    """Escalate or transfer to another department, with a reason everyone sees; it goes to that
    department's queue (and its assignment strategy), unassigned."""
    reason = " ".join(reason.split())
    if not reason:
        raise Conflict("a transfer needs a reason")
    with _changing(engine, conversation_id, scope, bus, "transfer", actor, now) as (conn, row, detail):
        target = conn.execute(sa.select(department.c.id).where(department.c.key == to_department)).first()
        if target is None:
            from luister.inbox.model import UnknownDepartment

            raise UnknownDepartment(f"there is no department {to_department!r}")
        route = Route(by="transfer", department=to_department, because=reason[:500], actor=actor)
        values: dict[str, Any] = {
            "department_id": target.id,
            "route": route.to_json(),
            "assignee_id": None,
            "assigned_at": None,
            "updated_at": now,
        }
        if priority is not None:
            values["priority"] = priority.value
        conn.execute(conversation.update().where(conversation.c.id == conversation_id).values(**values))
        book.add_event(
            conn,
            conversation_id,
            at=now,
            actor=actor,
            kind="transferred",
            **{"from": row.department, "to": to_department, "reason": reason[:500]},
        )
        if row.status != Status.resolved:
            book.auto_assign(conn, conversation_id, now=now)
        book.refresh_sla(conn, conversation_id, now=now)
        raci.consult(conn, conversation_id, now=now, why="escalated")  # the process's C hear of it
        detail |= {"from": row.department, "to": to_department, "reason": reason[:500]}


def add_note(
    *,
    engine: Engine,
    conversation_id: int,
    body: str,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    bus: EventBus | None = None,
) -> list[str]:
    """An internal note (never sent to the customer). Colleagues named ``@e-mail`` or ``@name`` are
    notified; returns the e-mails of those notified."""
    body = body.strip()
    if not body or len(body) > MAX_NOTE:
        raise Conflict(f"a note has 1 to {MAX_NOTE:,} characters")
    with _changing(engine, conversation_id, scope, bus, "note", actor, now) as (conn, row, detail):
        author = conn.execute(sa.select(user_account.c.id).where(user_account.c.email == actor)).first()
        conn.execute(
            conversation_message.insert().values(
                conversation_id=conversation_id,
                kind="note",
                author=actor,
                user_id=author.id if author else None,
                body=body,
                at=now,
                created_at=now,
            )
        )
        conn.execute(
            conversation.update()
            .where(conversation.c.id == conversation_id)
            .values(message_count=conversation.c.message_count + 1, updated_at=now)
        )
        named = _mentioned(conn, body)
        book.notify(
            conn,
            [uid for uid, _email in named],
            at=now,
            kind="mentioned",
            conversation_id=conversation_id,
            text=f"{actor} mentioned you on conversation #{conversation_id}",
            nl=f"{actor} noemde je in gesprek #{conversation_id}",
        )
        book.add_event(
            conn,
            conversation_id,
            at=now,
            actor=actor,
            kind="noted",
            mentioned=[email for _uid, email in named],
        )
        detail |= {"mentioned": [email for _uid, email in named]}
    return [email for _uid, email in named]


def _mentioned(conn: Connection, body: str) -> list[tuple[int, str]]:
    words = {match.casefold() for match in _MENTION.findall(body)}
    if not words:
        return []
    found = []
    for row in conn.execute(
        sa.select(user_account.c.id, user_account.c.email, user_account.c.name).where(user_account.c.active)
    ):
        first = row.name.split()[0].casefold() if row.name.split() else ""
        if row.email in words or row.email.split("@")[0] in words or (first and first in words):
            found.append((row.id, row.email))
    return found


def answered_elsewhere(
    *,
    engine: Engine,
    conversation_id: int,
    how: str,
    note: str,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    resolve: bool = True,
    bus: EventBus | None = None,
) -> None:
    """The customer was answered by phone, e-mail or in person: it counts as a response, and (by
    default) resolves the conversation."""
    if how not in ELSEWHERE:
        raise Conflict(f"answered elsewhere is one of {', '.join(ELSEWHERE)}")
    with _changing(engine, conversation_id, scope, bus, "answered_elsewhere", actor, now) as (
        conn,
        row,
        detail,
    ):
        if row.status == Status.resolved:
            raise Conflict("this conversation is already resolved")
        conn.execute(
            conversation_message.insert().values(
                conversation_id=conversation_id,
                kind="elsewhere",
                author=actor,
                body=note.strip() or how,
                at=now,
                created_at=now,
            )
        )
        values: dict[str, Any] = {
            "answered_elsewhere": how,
            "last_agent_at": now,
            "message_count": conversation.c.message_count + 1,
        }
        if row.first_response_at is None:
            values["first_response_at"] = now
        conn.execute(conversation.update().where(conversation.c.id == conversation_id).values(**values))
        book.add_event(conn, conversation_id, at=now, actor=actor, kind="answered_elsewhere", how=how)
        if resolve:
            _set_status(conn, row, Move.resolve, actor=actor, now=now)
        book.refresh_sla(conn, conversation_id, now=now)
        detail |= {"how": how, "resolved": resolve}


def tag(
    *,
    engine: Engine,
    conversation_id: int,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    bus: EventBus | None = None,
) -> list[str]:
    try:
        adding, removing = clean_tags(add), clean_tags(remove)
    except RuleProblem as exc:
        raise Conflict(str(exc)) from exc
    with _changing(engine, conversation_id, scope, bus, "tag", actor, now) as (conn, _row, detail):
        current = set(
            conn.scalars(
                sa.select(conversation_tag.c.tag).where(conversation_tag.c.conversation_id == conversation_id)
            )
        )
        new = [t for t in adding if t not in current]
        if new:
            conn.execute(
                conversation_tag.insert(), [{"conversation_id": conversation_id, "tag": t} for t in new]
            )
        if removing:
            conn.execute(
                conversation_tag.delete().where(
                    conversation_tag.c.conversation_id == conversation_id,
                    conversation_tag.c.tag.in_(removing),
                )
            )
        book.add_event(
            conn, conversation_id, at=now, actor=actor, kind="tagged", added=new, removed=list(removing)
        )
        detail |= {"added": new, "removed": list(removing)}
        return sorted((current | set(new)) - set(removing))


def set_priority(
    *,
    engine: Engine,
    conversation_id: int,
    priority: Priority,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    bus: EventBus | None = None,
) -> None:
    with _changing(engine, conversation_id, scope, bus, "priority", actor, now) as (conn, row, detail):
        conn.execute(
            conversation.update()
            .where(conversation.c.id == conversation_id)
            .values(priority=priority.value, updated_at=now)
        )
        book.add_event(
            conn,
            conversation_id,
            at=now,
            actor=actor,
            kind="priority",
            **{"from": row.priority, "to": priority.value},
        )
        book.refresh_sla(conn, conversation_id, now=now)
        detail |= {"from": row.priority, "to": priority.value}


def merge(
    *,
    engine: Engine,
    conversation_id: int,
    into: int,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    bus: EventBus | None = None,
) -> None:
    """Move every message of ``conversation_id`` into ``into`` (the same customer wrote twice); the
    merged one is resolved and points at the other, and later mentions join ``into``."""
    if conversation_id == into:
        raise Conflict("a conversation cannot be merged into itself")
    with _changing(engine, conversation_id, scope, bus, "merge", actor, now) as (conn, row, detail):
        target = conn.execute(
            sa.select(conversation).where(conversation.c.id == into, in_scope(scope))
        ).first()
        if target is None:
            raise UnknownConversation(f"no conversation #{into}")
        if target.merged_into_id is not None or row.merged_into_id is not None:
            raise Conflict("a merged conversation cannot be merged again")
        moved = conn.execute(
            conversation_message.update()
            .where(conversation_message.c.conversation_id == conversation_id)
            .values(conversation_id=into)
        ).rowcount
        tags = set(
            conn.scalars(
                sa.select(conversation_tag.c.tag).where(conversation_tag.c.conversation_id == conversation_id)
            )
        )
        have = set(
            conn.scalars(sa.select(conversation_tag.c.tag).where(conversation_tag.c.conversation_id == into))
        )
        if tags - have:
            conn.execute(
                conversation_tag.insert(), [{"conversation_id": into, "tag": t} for t in tags - have]
            )
        conn.execute(
            conversation.update()
            .where(conversation.c.id == into)
            .values(
                message_count=conversation.c.message_count + moved,
                last_customer_at=max(target.last_customer_at, row.last_customer_at),
                cycle_started_at=min(target.cycle_started_at, row.cycle_started_at),
                updated_at=now,
            )
        )
        conn.execute(
            conversation.update()
            .where(conversation.c.id == conversation_id)
            .values(
                merged_into_id=into,
                message_count=0,
                status=Status.resolved.value,
                resolved_at=now,
                snoozed_until=None,
                updated_at=now,
                sla_due_at=None,
                sla_state="none",
            )
        )
        book.add_event(conn, conversation_id, at=now, actor=actor, kind="merged", into=into, messages=moved)
        book.add_event(
            conn, into, at=now, actor=actor, kind="merged_from", conversation=conversation_id, messages=moved
        )
        book.refresh_sla(conn, into, now=now)
        detail |= {"into": into, "messages": moved}


def bulk(
    *,
    engine: Engine,
    conversation_ids: Sequence[int],
    operation: str,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    assignee: str | None = None,
    tags: Sequence[str] = (),
    bus: EventBus | None = None,
) -> dict[int, str]:
    """Assign, resolve or tag many conversations, each in its own transaction (one that cannot be
    changed does not hold up the others). Returns what went wrong per conversation id; empty: all done."""
    if operation not in ("assign", "resolve", "tag"):
        raise Conflict("bulk operations: assign, resolve, tag")
    if len(conversation_ids) > 500:
        raise Conflict("at most 500 conversations at once")
    problems: dict[int, str] = {}
    for conversation_id in dict.fromkeys(conversation_ids):
        common: dict[str, Any] = {
            "engine": engine,
            "conversation_id": conversation_id,
            "actor": actor,
            "now": now,
            "scope": scope,
            "bus": bus,
        }
        try:
            if operation == "assign":
                assign(assignee=assignee, **common)
            elif operation == "resolve":
                move(to=Move.resolve, **common)
            else:
                tag(add=tags, **common)
        except (Conflict, NotAMember, UnknownConversation) as exc:
            problems[conversation_id] = str(exc)
    return problems
