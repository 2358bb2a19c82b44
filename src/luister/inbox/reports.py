"""Inbox reports: response and resolution times, SLA attainment, volume and backlog age, per department,
agent, intent and channel over a period. Every figure keeps the items it was computed from (conversation
ids with their measured values), so a figure always opens the exact list behind it.

The figures are pure (:func:`build_report`, from :class:`ConversationFacts`); :func:`report` reads the
facts from the database, scoped: someone of a department sees their department's figures only.

Which conversations count (the cohort rule, one for every time figure): a *cycle* (the customer's first
message, or a reopen, up to resolving; see :mod:`luister.inbox.sla`) counts in the period in which it
started. Its first response, answered next responses and resolution are then measured however long they
took, and its SLA targets count once decided (met in time, met late, or breached). Volume counts the
conversations whose first cycle started in the period. Backlog is what is open at ``now``, whatever the
period: its age is the time since the current cycle started."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.domain.periods import PeriodError, checked_days, checked_period
from luister.inbox.bookkeeping import MESSAGE_KINDS, policy_for, status_events
from luister.inbox.calendar import BusinessCalendar
from luister.inbox.sla import (
    ClockEvent,
    ClockState,
    CycleTimes,
    SlaPolicy,
    response_times,
    sla_clock,
)
from luister.inbox.status import Status
from luister.inbox.tables import conversation, conversation_event, conversation_message, department
from luister.storage.tables import user_account

P90 = 0.9


class Dimension(StrEnum):
    department = "department"
    agent = "agent"
    intent = "intent"
    channel = "channel"


class Figure(StrEnum):
    """What a drill-down list shows: the items of one figure."""

    volume = "volume"
    first_response = "first_response"
    next_response = "next_response"
    resolution = "resolution"
    attainment = "attainment"
    backlog = "backlog"


# --- the pure part ------------------------------------------------------------------------------------


def median(values: Sequence[timedelta]) -> timedelta | None:
    """The middle value; for an even count the mean of the two middle ones. ``None`` for no values."""
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def p90(values: Sequence[timedelta]) -> timedelta | None:
    """The 90th percentile by nearest rank: the smallest value that at least 90 % of the values do not
    exceed (always one of the values, so the list shows it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(P90 * len(ordered)) - 1]


@dataclass(frozen=True, slots=True)
class Measured:
    """One measured duration: of a conversation's cycle (that started at ``started_at``)."""

    conversation_id: int
    started_at: datetime
    business: timedelta
    wall: timedelta


@dataclass(frozen=True, slots=True)
class TimeFigure:
    """Median and p90 of durations, in counted business time and on the wall clock, over ``items``."""

    items: tuple[Measured, ...] = ()

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def median_business(self) -> timedelta | None:
        return median([m.business for m in self.items])

    @property
    def p90_business(self) -> timedelta | None:
        return p90([m.business for m in self.items])

    @property
    def median_wall(self) -> timedelta | None:
        return median([m.wall for m in self.items])

    @property
    def p90_wall(self) -> timedelta | None:
        return p90([m.wall for m in self.items])

    @property
    def ids(self) -> list[int]:
        return sorted({m.conversation_id for m in self.items})


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    """One decided SLA target of a cycle: met in time, or not (met late, or breached)."""

    conversation_id: int
    started_at: datetime
    target: str  # first_response, next_response, resolution
    in_time: bool


@dataclass(frozen=True, slots=True)
class Attainment:
    """Share of decided targets met in time: ``met / count``."""

    items: tuple[TargetOutcome, ...] = ()

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def met(self) -> int:
        return sum(1 for t in self.items if t.in_time)

    @property
    def share(self) -> float | None:
        return self.met / self.count if self.items else None

    @property
    def ids(self) -> list[int]:
        return sorted({t.conversation_id for t in self.items})


@dataclass(frozen=True, slots=True)
class Aged:
    conversation_id: int
    age: timedelta


@dataclass(frozen=True, slots=True)
class Backlog:
    """Open conversations at ``now`` and their age (wall clock since the current cycle started)."""

    items: tuple[Aged, ...] = ()

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def median(self) -> timedelta | None:
        return median([a.age for a in self.items])

    @property
    def p90(self) -> timedelta | None:
        return p90([a.age for a in self.items])

    @property
    def max(self) -> timedelta | None:
        return max((a.age for a in self.items), default=None)

    @property
    def ids(self) -> list[int]:
        return sorted(a.conversation_id for a in self.items)


@dataclass(frozen=True, slots=True)
class Group:
    """The figures of one value of a dimension (``key`` "" stands for none: unassigned, no intent)."""

    key: str
    volume: tuple[int, ...] = ()  # the conversations opened in the period
    first_response: TimeFigure = TimeFigure()
    next_response: TimeFigure = TimeFigure()
    resolution: TimeFigure = TimeFigure()
    attainment: Attainment = Attainment()
    backlog: Backlog = Backlog()

    def ids(self, figure: Figure) -> list[int]:
        """The conversations behind ``figure``: exactly those its value was computed from."""
        if figure is Figure.volume:
            return sorted(self.volume)
        found: TimeFigure | Attainment | Backlog = getattr(self, figure.value)
        return found.ids


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """What the report needs of one conversation: its dimensions, its cycles' times, its decided SLA
    targets per cycle, and whether (and since when) it is open."""

    id: int
    department: str | None
    agent: str | None
    intent: str | None
    channel: str
    opened_at: datetime | None  # the first cycle's start
    cycles: tuple[CycleTimes, ...]
    targets: tuple[TargetOutcome, ...]
    open_since: datetime | None  # None: resolved

    def key(self, dimension: Dimension) -> str:
        return {
            Dimension.department: self.department,
            Dimension.agent: self.agent,
            Dimension.intent: self.intent,
            Dimension.channel: self.channel,
        }[dimension] or ""


@dataclass(frozen=True, slots=True)
class Report:
    since: datetime
    until: datetime
    now: datetime
    total: Group
    groups: dict[Dimension, tuple[Group, ...]] = field(default_factory=dict)

    def group(self, dimension: Dimension | None, key: str) -> Group | None:
        """The group behind a drill-down link; ``dimension`` None: the total."""
        if dimension is None:
            return self.total
        return next((g for g in self.groups.get(dimension, ()) if g.key == key), None)


def build_report(
    facts: Iterable[ConversationFacts], *, since: datetime, until: datetime, now: datetime
) -> Report:
    """The figures of the conversations in ``facts`` over [since, until), the backlog at ``now``."""
    found = list(facts)

    def in_period(moment: datetime | None) -> bool:
        return moment is not None and since <= moment < until and moment <= now

    def group(key: str, members: Sequence[ConversationFacts]) -> Group:
        first: list[Measured] = []
        following: list[Measured] = []
        resolved: list[Measured] = []
        for fact in members:
            for cycle in fact.cycles:
                if not in_period(cycle.started_at):
                    continue
                if cycle.first_response is not None:
                    first.append(_measured(fact.id, cycle.started_at, cycle.first_response))
                following += [_measured(fact.id, cycle.started_at, span) for span in cycle.next_responses]
                if cycle.resolution is not None:
                    resolved.append(_measured(fact.id, cycle.started_at, cycle.resolution))
        return Group(
            key=key,
            volume=tuple(sorted(f.id for f in members if in_period(f.opened_at))),
            first_response=TimeFigure(tuple(first)),
            next_response=TimeFigure(tuple(following)),
            resolution=TimeFigure(tuple(resolved)),
            attainment=Attainment(tuple(t for f in members for t in f.targets if in_period(t.started_at))),
            backlog=Backlog(
                tuple(Aged(f.id, now - f.open_since) for f in members if f.open_since is not None)
            ),
        )

    groups: dict[Dimension, tuple[Group, ...]] = {}
    for dimension in Dimension:
        by_key: dict[str, list[ConversationFacts]] = {}
        for fact in found:
            by_key.setdefault(fact.key(dimension), []).append(fact)
        built = (group(key, members) for key, members in sorted(by_key.items()))
        groups[dimension] = tuple(g for g in built if _shows_something(g))
    return Report(since, until, now, group("", found), groups)


def _shows_something(g: Group) -> bool:
    return bool(
        g.volume
        or g.first_response.items
        or g.next_response.items
        or g.resolution.items
        or g.attainment.items
        or g.backlog.items
    )


def _measured(conversation_id: int, started_at: datetime, span: Any) -> Measured:
    return Measured(conversation_id, started_at, span.business, span.wall)


def decided_targets(
    conversation_id: int,
    events: Sequence[ClockEvent],
    cycles: Sequence[CycleTimes],
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    now: datetime,
) -> list[TargetOutcome]:
    """Each cycle's SLA targets that are decided: the clock is read at the start of the next cycle (or
    ``now`` for the last) over the events before it. Running targets that have not fallen due yet are
    left out (they may still be met); a breached one counts as missed even while still running."""
    found: list[TargetOutcome] = []
    starts = [c.started_at for c in cycles]
    for number, start in enumerate(starts):
        following = starts[number + 1] if number + 1 < len(starts) else None
        if following is not None and following <= start:
            continue  # an empty cycle (a reopen at the moment the customer wrote): nothing to measure
        upto = now if following is None else min(now, following)
        before = [e for e in events if following is None or e.at < following]
        clock = sla_clock(before, policy, calendar, upto)
        if clock.cycle_started_at != start:
            continue
        for target in clock.targets:
            if target.breached or target.state is ClockState.met:
                found.append(TargetOutcome(conversation_id, start, target.kind.value, not target.breached))
    return found


# --- periods ------------------------------------------------------------------------------------------

_DAYS = re.compile(r"^(\d{1,6})d$")
DEFAULT_PERIOD = "30d"


def parse_period(text: str, now: datetime) -> tuple[datetime, datetime]:
    """``Nd``: the last N days up to ``now``; ``SINCE..UNTIL``: ISO dates or times (UTC unless a zone is
    given), UNTIL exclusive. Raises :class:`PeriodError` (a ``ValueError``) saying what is allowed."""
    value = (text or DEFAULT_PERIOD).strip()
    days = _DAYS.match(value)
    if days:
        return now - timedelta(days=checked_days(int(days.group(1)))), now
    since, sep, until = value.partition("..")
    if not sep:
        raise PeriodError("period: write Nd (e.g. 30d) or SINCE..UNTIL (e.g. 2026-11-01..2026-12-01)")
    return checked_period(_moment(since, "since"), _moment(until, "until"))


def _moment(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"period: {name} {text!r} is not a date (YYYY-MM-DD) or time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- reading ------------------------------------------------------------------------------------------


def report_scope(scope: Scope) -> sa.ColumnElement[bool]:
    """Conversations whose figures ``scope`` sees: every one across departments, else only those of the
    scope's department (reports are a department's own figures; unrouted ones are nobody's)."""
    if scope.department is None:
        return sa.true()
    owned = sa.select(department.c.id).where(department.c.key == scope.department).scalar_subquery()
    return conversation.c.department_id.in_(owned)


def report(
    *, engine: Engine, since: datetime, until: datetime, now: datetime, scope: Scope = EVERYTHING
) -> Report:
    """The report over [since, until) as seen by ``scope``."""
    with engine.connect() as conn:
        facts = collect_facts(conn, since=since, now=now, scope=scope)
    return build_report(facts, since=since, until=until, now=now)


def collect_facts(
    conn: Connection, *, since: datetime, now: datetime, scope: Scope
) -> list[ConversationFacts]:
    """The facts of every conversation that may count: a cycle started since ``since`` (the current
    cycle is the newest), or open now. Merged conversations live on in the one they were merged into."""
    query = (
        sa.select(
            conversation,
            department.c.key.label("department_key"),
            department.c.calendar.label("calendar"),
            user_account.c.email.label("agent_email"),
        )
        .select_from(
            conversation.outerjoin(department, department.c.id == conversation.c.department_id).outerjoin(
                user_account, user_account.c.id == conversation.c.assignee_id
            )
        )
        .where(
            report_scope(scope),
            conversation.c.merged_into_id.is_(None),
            sa.or_(
                conversation.c.cycle_started_at >= since,
                conversation.c.last_customer_at >= since,
                conversation.c.status != Status.resolved.value,
            ),
        )
        .order_by(conversation.c.id)
    )
    rows = conn.execute(query).all()
    history = clock_events_of(conn, [row.id for row in rows])
    calendars: dict[int | None, BusinessCalendar] = {}
    policies: dict[tuple[int | None, str], tuple[SlaPolicy, BusinessCalendar] | None] = {}
    found: list[ConversationFacts] = []
    for row in rows:
        if row.department_id not in calendars:
            calendars[row.department_id] = BusinessCalendar.from_json(row.calendar or {})
        events = [e for e in history.get(row.id, []) if e.at <= now]
        cycles = tuple(response_times(events, calendars[row.department_id]))
        policy_key = (row.department_id, row.priority)
        if policy_key not in policies:
            policies[policy_key] = policy_for(conn, row.department_id, row.priority)
        policy = policies[policy_key]
        targets = () if policy is None else tuple(decided_targets(row.id, events, cycles, *policy, now))
        found.append(
            ConversationFacts(
                id=row.id,
                department=row.department_key,
                agent=row.agent_email,
                intent=row.intent,
                channel=row.channel,
                opened_at=cycles[0].started_at if cycles else None,
                cycles=cycles,
                targets=targets,
                open_since=None if row.status == Status.resolved.value else row.cycle_started_at,
            )
        )
    return found


_CHUNK = 500  # ids per IN (...): well below every backend's limit on bound parameters


def clock_events_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[ClockEvent]]:
    """:func:`luister.inbox.bookkeeping.clock_events` for many conversations in two queries per 500
    (a report reads thousands; one by one took 60 % of its time). The same reading of the history: a
    test holds it equal to ``clock_events`` for every conversation."""
    found: dict[int, list[ClockEvent]] = {}
    for at in range(0, len(ids), _CHUNK):
        chunk = list(ids[at : at + _CHUNK])
        messages = sa.select(
            conversation_message.c.conversation_id, conversation_message.c.kind, conversation_message.c.at
        ).where(conversation_message.c.conversation_id.in_(chunk))
        for cid, kind, moment in conn.execute(messages):
            if kind in MESSAGE_KINDS:
                found.setdefault(cid, []).append(ClockEvent(at=moment, kind=MESSAGE_KINDS[kind]))
        statuses = sa.select(
            conversation_event.c.conversation_id, conversation_event.c.at, conversation_event.c.detail
        ).where(conversation_event.c.conversation_id.in_(chunk), conversation_event.c.kind == "status")
        for cid, moment, detail in conn.execute(statuses):
            found.setdefault(cid, []).extend(status_events(moment, detail))
    return found


@dataclass(frozen=True, slots=True)
class ListedConversation:
    id: int
    subject: str
    channel: str
    department: str | None
    status: str


def conversations_by_id(
    *, engine: Engine, ids: Sequence[int], scope: Scope = EVERYTHING
) -> list[ListedConversation]:
    """The rows of a drill-down list, in the order of ``ids`` (those outside ``scope`` left out)."""
    if not ids:
        return []
    query = (
        sa.select(conversation.c.id, conversation.c.subject, conversation.c.channel, conversation.c.status,
                  department.c.key)
        .outerjoin(department, department.c.id == conversation.c.department_id)
        .where(conversation.c.id.in_(list(ids)), report_scope(scope))
    )  # fmt: skip
    with engine.connect() as conn:
        rows = {
            r.id: ListedConversation(r.id, r.subject, r.channel, r.key, r.status) for r in conn.execute(query)
        }
    return [rows[i] for i in ids if i in rows]
