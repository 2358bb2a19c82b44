"""A conversation's status and priority, and the moves between statuses (pure).

new → open → waiting on the customer / waiting on a department → resolved → (the customer writes again)
reopened. Any unresolved conversation may be snoozed until a time; it wakes as ``open``. A move the table
below does not allow raises :class:`TransitionForbidden` (the API answers 409)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    new = "new"
    open = "open"
    waiting_customer = "waiting_customer"
    waiting_department = "waiting_department"
    snoozed = "snoozed"
    resolved = "resolved"
    reopened = "reopened"


class Move(StrEnum):
    """What someone (or something) does to a conversation's status."""

    open = "open"  # an agent takes it up
    wait_customer = "wait_customer"  # asked the customer something
    wait_department = "wait_department"  # asked a colleague elsewhere
    snooze = "snooze"
    wake = "wake"  # the snooze ran out, or someone woke it
    resolve = "resolve"
    reopen = "reopen"  # an agent reopens a resolved conversation
    customer_wrote = "customer_wrote"  # the customer wrote again (a mention joined it)
    agent_replied = "agent_replied"


class Priority(StrEnum):
    urgent = "urgent"
    high = "high"
    normal = "normal"
    low = "low"


PRIORITY_ORDER = (Priority.urgent, Priority.high, Priority.normal, Priority.low)

UNRESOLVED = frozenset(Status) - {Status.resolved}
OPEN_STATES = frozenset(  # counted as an agent's open conversations (capacity)
    {Status.new, Status.open, Status.reopened, Status.waiting_customer, Status.waiting_department}
)


class TransitionForbidden(ValueError):
    """This move is not allowed from the conversation's status."""

    def __init__(self, status: Status, move: Move) -> None:
        super().__init__(f"a conversation that is {status.value} cannot {move.value.replace('_', ' ')}")
        self.status = status
        self.move = move


def next_status(status: Status, move: Move) -> Status:
    """The status after ``move``; raises :class:`TransitionForbidden` when it is not allowed.

    The customer writing again reopens a resolved conversation, ends waiting on the customer and wakes
    a snoozed one; an agent's reply to a new or reopened conversation makes it open."""
    if move is Move.customer_wrote:
        if status is Status.resolved:
            return Status.reopened
        if status in (Status.waiting_customer, Status.snoozed):
            return Status.open
        return status
    if move is Move.agent_replied:
        if status is Status.resolved:
            raise TransitionForbidden(status, move)
        return Status.open if status in (Status.new, Status.reopened, Status.snoozed) else status
    if move is Move.reopen:
        if status is not Status.resolved:
            raise TransitionForbidden(status, move)
        return Status.reopened
    if move is Move.wake:
        if status is not Status.snoozed:
            raise TransitionForbidden(status, move)
        return Status.open
    if status is Status.resolved:
        raise TransitionForbidden(status, move)
    target = {
        Move.open: Status.open,
        Move.wait_customer: Status.waiting_customer,
        Move.wait_department: Status.waiting_department,
        Move.snooze: Status.snoozed,
        Move.resolve: Status.resolved,
    }[move]
    if target is status and move is not Move.snooze:
        raise TransitionForbidden(status, move)
    return target
