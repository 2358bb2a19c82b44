"""What every inbox change does inside its transaction: the timeline event, notifications, the SLA clock
kept on the row, and assignment within a department. Only ``actions`` and ``intake`` call these."""

from __future__ import annotations

import functools
import json
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.inbox.assignment import Agent, Availability, Strategy, choose_agent, parse_languages
from luister.inbox.calendar import BusinessCalendar
from luister.inbox.model import Refused
from luister.inbox.sla import ClockEvent, EventKind, SlaPolicy, sla_clock
from luister.inbox.status import OPEN_STATES, Status
from luister.inbox.tables import (
    conversation,
    conversation_event,
    conversation_message,
    department,
    department_member,
    notification,
    sla_policy,
)
from luister.organisation.policy_gate import policy_refusal
from luister.storage.tables import user_account


def active_account(conn: Connection, email: str) -> Any:
    """The active user account with this e-mail address (case and spaces ignored), or None."""
    row = conn.execute(sa.select(user_account).where(user_account.c.email == email.strip().lower())).first()
    return row if row is not None and row.active else None


def may_act(conn: Connection, actor: str, *, now: datetime) -> None:
    """The organisation's gates on working the inbox (reply, approve, note, move …): a person the
    policy refuses (not acknowledged in time) gets :class:`Refused` (403) with why, in their language.
    Actors that are not people (the CLI, the router) pass."""
    user = active_account(conn, actor)
    if user is None:
        return
    for refused in (policy_refusal(conn, user_id=user.id, now=now),):
        if refused:
            raise Refused(refused)


def add_event(
    conn: Connection, conversation_id: int, *, at: datetime, actor: str, kind: str, **detail: Any
) -> None:
    conn.execute(
        conversation_event.insert().values(
            conversation_id=conversation_id, at=at, actor=actor, kind=kind, detail=detail or None
        )
    )


def notify(
    conn: Connection,
    user_ids: Collection[int],
    *,
    at: datetime,
    kind: str,
    conversation_id: int,
    text: str,
    nl: str | None = None,
) -> None:
    """The bell notification for ``user_ids``: ``text`` in English, ``nl`` in Dutch, each person's in
    their own language (``user_account.language``; English without one)."""
    if not user_ids:
        return
    dutch: set[int] = set()
    if nl is not None:
        dutch = set(
            conn.scalars(
                sa.select(user_account.c.id).where(
                    user_account.c.id.in_(set(user_ids)), user_account.c.language.like("nl%")
                )
            )
        )
    conn.execute(
        notification.insert(),
        [
            {"user_id": uid, "at": at, "kind": kind, "conversation_id": conversation_id,
             "text": nl if uid in dutch and nl is not None else text}
            for uid in sorted(set(user_ids))
        ],
    )  # fmt: skip


MESSAGE_KINDS = {
    "customer": EventKind.customer,
    "agent": EventKind.agent,
    "automated": EventKind.automated,
    "elsewhere": EventKind.elsewhere,
}


def status_events(moment: datetime, detail: Any) -> list[ClockEvent]:
    """What one status change means to the SLA clock: waiting on the customer pauses it, leaving that
    resumes it, resolving ends the cycle, reopening starts one. A reopen the customer caused by writing
    (``by: customer``) is already a new cycle through their message."""
    if isinstance(detail, str):  # SQLite hands JSON back as text through a union
        detail = json.loads(detail)
    before, after = (detail or {}).get("from"), (detail or {}).get("to")
    found: list[ClockEvent] = []
    if after == Status.waiting_customer:
        found.append(ClockEvent(at=moment, kind=EventKind.waiting_customer))
    elif before == Status.waiting_customer:
        found.append(ClockEvent(at=moment, kind=EventKind.resumed))
    if after == Status.resolved:
        found.append(ClockEvent(at=moment, kind=EventKind.resolved))
    elif after == Status.reopened and (detail or {}).get("by") != "customer":
        found.append(ClockEvent(at=moment, kind=EventKind.reopened))
    return found


def clock_events(conn: Connection, conversation_id: int) -> list[ClockEvent]:
    """The conversation's history as the SLA clock reads it: messages at their platform times, and the
    status changes (:func:`status_events`), in one query."""
    messages = sa.select(
        conversation_message.c.kind, conversation_message.c.at, sa.null().label("detail")
    ).where(conversation_message.c.conversation_id == conversation_id)
    statuses = sa.select(
        sa.literal("status").label("kind"), conversation_event.c.at, conversation_event.c.detail
    ).where(conversation_event.c.conversation_id == conversation_id, conversation_event.c.kind == "status")
    found: list[ClockEvent] = []
    for kind, at, detail in conn.execute(sa.union_all(messages, statuses)):
        if kind in MESSAGE_KINDS:
            found.append(ClockEvent(at=at, kind=MESSAGE_KINDS[kind]))
        elif kind == "status":
            found.extend(status_events(at, detail))
    return found


@functools.lru_cache(maxsize=256)
def _calendar(text: str) -> BusinessCalendar:
    """Calendars parsed once per process (a department's calendar JSON, as text, is the key)."""
    return BusinessCalendar.from_json(json.loads(text))


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


def _policy(row: Any) -> tuple[SlaPolicy, BusinessCalendar]:
    policy = SlaPolicy(
        first_response=_minutes(row.first_response_minutes),
        next_response=_minutes(row.next_response_minutes),
        resolution=_minutes(row.resolution_minutes),
        warn_before=timedelta(minutes=row.warn_minutes),
        business_hours=row.business_hours,
    )
    return policy, _calendar(json.dumps(row.calendar or {}, sort_keys=True))


def policy_for(
    conn: Connection, department_id: int | None, priority: str
) -> tuple[SlaPolicy, BusinessCalendar] | None:
    if department_id is None:
        return None
    row = conn.execute(
        sa.select(sla_policy, department.c.calendar)
        .join(department, department.c.id == sla_policy.c.department_id)
        .where(sla_policy.c.department_id == department_id, sla_policy.c.priority == priority)
    ).first()
    return None if row is None else _policy(row)


def refresh_sla(conn: Connection, conversation_id: int, *, now: datetime) -> str:
    """Run the SLA clock over the conversation's history and keep its next deadline and state on the row
    (the queues sort and filter by them). Returns the state."""
    row = conn.execute(
        sa.select(sla_policy, department.c.calendar)
        .select_from(conversation)
        .join(department, department.c.id == conversation.c.department_id)
        .join(
            sla_policy,
            sa.and_(
                sla_policy.c.department_id == conversation.c.department_id,
                sla_policy.c.priority == conversation.c.priority,
            ),
        )
        .where(conversation.c.id == conversation_id)
    ).first()
    if row is None:
        due, state = None, "none"
    else:
        policy, calendar = _policy(row)
        clock = sla_clock(clock_events(conn, conversation_id), policy, calendar, now)
        due, state = clock.next_due, clock.state
    conn.execute(
        conversation.update()
        .where(conversation.c.id == conversation_id)
        .values(sla_due_at=due, sla_state=state)
    )
    return state


def agents_of(conn: Connection, department_id: int) -> list[Agent]:
    """The department's members with their open conversations counted (their load; the assignee index
    serves the count for just these people)."""
    members = sa.select(department_member.c.user_id).where(department_member.c.department_id == department_id)
    load = (
        sa.select(conversation.c.assignee_id, sa.func.count().label("n"))
        .where(
            conversation.c.assignee_id.in_(members), conversation.c.status.in_([s.value for s in OPEN_STATES])
        )
        .group_by(conversation.c.assignee_id)
        .subquery()
    )
    rows = conn.execute(
        sa.select(department_member, sa.func.coalesce(load.c.n, 0).label("open_count"))
        .outerjoin(load, load.c.assignee_id == department_member.c.user_id)
        .where(department_member.c.department_id == department_id)
    )
    return [
        Agent(
            user_id=r.user_id,
            languages=parse_languages(r.languages),
            availability=Availability(r.availability),
            capacity=r.capacity,
            open_count=r.open_count,
            last_assigned_at=r.last_assigned_at,
        )
        for r in rows
    ]


def assign_to(
    conn: Connection, conversation_id: int, user_id: int | None, *, now: datetime, actor: str, **detail: Any
) -> None:
    """Give the conversation to ``user_id`` (None: back to the queue), with its event and a notification."""
    conn.execute(
        conversation.update()
        .where(conversation.c.id == conversation_id)
        .values(assignee_id=user_id, assigned_at=now if user_id is not None else None, updated_at=now)
    )
    add_event(conn, conversation_id, at=now, actor=actor, kind="assigned", user_id=user_id, **detail)
    if user_id is not None:
        conn.execute(
            department_member.update()
            .where(department_member.c.user_id == user_id)
            .values(last_assigned_at=now)
        )
        notify(
            conn,
            [user_id],
            at=now,
            kind="assigned",
            conversation_id=conversation_id,
            text=f"conversation #{conversation_id} is yours",
            nl=f"gesprek #{conversation_id} is voor jou",
        )


def auto_assign(
    conn: Connection, conversation_id: int, *, now: datetime, exclude: Collection[int] = ()
) -> int | None:
    """Assign by the department's strategy when someone can take it; otherwise it stays in the queue."""
    row = conn.execute(
        sa.select(conversation.c.department_id, conversation.c.language, department.c.assignment)
        .join(department, department.c.id == conversation.c.department_id)
        .where(conversation.c.id == conversation_id)
    ).first()
    if row is None:
        return None
    agents = [a for a in agents_of(conn, row.department_id) if a.user_id not in exclude]
    chosen = choose_agent(agents, language=row.language, strategy=Strategy(row.assignment))
    if chosen is not None:
        assign_to(conn, conversation_id, chosen, now=now, actor="router", strategy=row.assignment)
    return chosen
