"""What time passing does to the inbox, run by the listening loop (``tick``) with ``now`` given:
snoozes run out, SLA clocks cross into warning and breach (in-app notifications, and an event the alert
channels hear), assigned conversations without a reply from their agent return to the queue, and the
queues drain to whoever is available."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.inbox import bookkeeping as book
from luister.inbox.model import ConversationChanged
from luister.inbox.setup import drain
from luister.inbox.status import Status
from luister.inbox.tables import conversation, department, department_member
from luister.services.events import EventBus

LOOK_AHEAD = timedelta(days=1)  # the longest warning a policy may set


@dataclass(slots=True)
class Tick:
    woken: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)
    reclaimed: list[int] = field(default_factory=list)
    assigned: int = 0


@dataclass(frozen=True, slots=True)
class SlaCrossed:
    """Emitted after a conversation's SLA clock moved into ``state`` (warning or breached)."""

    conversation_id: int
    state: str
    department: str | None
    subject: str
    due_at: datetime | None


def tick(*, engine: Engine, now: datetime, bus: EventBus | None = None) -> Tick:
    done = Tick()
    crossed: list[SlaCrossed] = []
    with engine.begin() as conn:
        _wake(conn, now, done)
        _clocks(conn, now, done, crossed)
        _reclaim(conn, now, done)
        for department_id in conn.scalars(
            sa.select(department.c.id).where(department.c.assignment != "manual")
        ):
            done.assigned += drain(conn, department_id, now=now)
    if bus is not None:
        for conversation_id in done.woken:
            bus.emit(ConversationChanged(conversation_id, "wake", "system"))
        for event in crossed:
            bus.emit(event)
    return done


def _wake(conn: Connection, now: datetime, done: Tick) -> None:
    due = conn.scalars(
        sa.select(conversation.c.id).where(
            conversation.c.status == Status.snoozed.value, conversation.c.snoozed_until <= now
        )
    ).all()
    for conversation_id in due:
        conn.execute(
            conversation.update()
            .where(conversation.c.id == conversation_id)
            .values(status=Status.open.value, snoozed_until=None, updated_at=now)
        )
        book.add_event(
            conn,
            conversation_id,
            at=now,
            actor="system",
            kind="status",
            **{"from": Status.snoozed.value, "to": Status.open.value},
        )
        book.refresh_sla(conn, conversation_id, now=now)
        done.woken.append(conversation_id)


def _clocks(conn: Connection, now: datetime, done: Tick, crossed: list[SlaCrossed]) -> None:
    """Re-run the clock of every conversation whose next deadline is within a day (a policy's warning
    comes before it); tell the assignee, or the department's members, when it crosses a line."""
    rows = conn.execute(
        sa.select(
            conversation.c.id,
            conversation.c.sla_state,
            conversation.c.assignee_id,
            conversation.c.department_id,
            conversation.c.subject,
            department.c.key,
        )
        .outerjoin(department, department.c.id == conversation.c.department_id)
        .where(
            conversation.c.sla_due_at.is_not(None),
            conversation.c.sla_due_at <= now + LOOK_AHEAD,
            conversation.c.status != Status.resolved.value,
        )
    ).all()
    for row in rows:
        before = row.sla_state
        after = book.refresh_sla(conn, row.id, now=now)
        if after == before or after not in ("warning", "breached"):
            continue
        if after == "breached":
            done.breached.append(row.id)
        else:
            done.warned.append(row.id)
        due = conn.execute(sa.select(conversation.c.sla_due_at).where(conversation.c.id == row.id)).scalar()
        book.add_event(conn, row.id, at=now, actor="system", kind=f"sla_{after}")
        people = (
            [row.assignee_id]
            if row.assignee_id
            else list(
                conn.scalars(
                    sa.select(department_member.c.user_id).where(
                        department_member.c.department_id == row.department_id
                    )
                )
            )
        )
        word = "breached its SLA" if after == "breached" else "is about to breach its SLA"
        word_nl = "is over zijn SLA" if after == "breached" else "gaat bijna over zijn SLA"
        book.notify(
            conn,
            people,
            at=now,
            kind=f"sla_{after}",
            conversation_id=row.id,
            text=f"conversation #{row.id} {word}",
            nl=f"gesprek #{row.id} {word_nl}",
        )
        crossed.append(SlaCrossed(row.id, after, row.key, row.subject, due))


def _reclaim(conn: Connection, now: datetime, done: Tick) -> None:
    """Assigned, still waiting for its agent's first word after ``reclaim_minutes``: back to the queue,
    and on to someone else who can take it."""
    rows = conn.execute(
        sa.select(
            conversation.c.id,
            conversation.c.assignee_id,
            conversation.c.assigned_at,
            conversation.c.last_agent_at,
            department.c.reclaim_minutes,
        )
        .join(department, department.c.id == conversation.c.department_id)
        .where(
            department.c.reclaim_minutes.is_not(None),
            conversation.c.assignee_id.is_not(None),
            conversation.c.status.in_([Status.new.value, Status.reopened.value]),
        )
    ).all()
    for row in rows:
        if row.assigned_at is None or row.assigned_at > now - timedelta(minutes=row.reclaim_minutes):
            continue
        if row.last_agent_at is not None and row.last_agent_at >= row.assigned_at:
            continue
        book.assign_to(
            conn, row.id, None, now=now, actor="system", reason="no reply in time", previous=row.assignee_id
        )
        book.auto_assign(conn, row.id, now=now, exclude={row.assignee_id})
        done.reclaimed.append(row.id)
