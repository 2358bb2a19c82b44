"""The SLA clock of a conversation: how much of each target's time is used, when it falls due, and whether
it was met in time (pure: a function of the events, the policy, the calendar and ``now``).

A conversation runs in *cycles*. A cycle starts at the customer's first message, and again when a resolved
conversation is reopened (a ``reopened`` event, or the customer writing after ``resolved``); each cycle has
its own first-response, next-response and resolution clocks, and only the current cycle's are shown.

*Counted time* between two moments is the business time of the calendar (or the wall-clock time when the
policy says so) minus the business (or wall-clock) time during pauses. A pause runs from ``waiting_customer``
until ``resumed``, the customer's next message, ``resolved`` or the start of a new cycle (the status has then
moved away from waiting on the customer).

A target falls *due* at the first moment its counted time since its start reaches its limit; it is
*breached* when it is met after that moment, or still running after it. Times are used as given, to the
microsecond; nothing is rounded to minutes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from luister.inbox.calendar import BusinessCalendar

_ZERO = timedelta(0)


class EventKind(StrEnum):
    customer = "customer"  # the customer posted (platform time)
    agent = "agent"  # our reply
    automated = "automated"  # an automated message: never a response
    elsewhere = "elsewhere"  # answered by phone, e-mail or in person: a response
    waiting_customer = "waiting_customer"  # pause starts
    resumed = "resumed"  # pause ends: the status moved away from waiting on the customer
    resolved = "resolved"
    reopened = "reopened"


RESPONSES = frozenset({EventKind.agent, EventKind.elsewhere})


class TargetKind(StrEnum):
    first_response = "first_response"
    next_response = "next_response"
    resolution = "resolution"


class ClockState(StrEnum):
    """A target's state, and the clock's (the worst of its targets'); ``none``: nothing to measure."""

    breached = "breached"
    warning = "warning"
    ok = "ok"
    paused = "paused"
    met = "met"
    none = "none"


_SEVERITY = {
    ClockState.breached: 5,
    ClockState.warning: 4,
    ClockState.ok: 3,
    ClockState.paused: 2,
    ClockState.met: 1,
}
_RUNNING = frozenset({ClockState.ok, ClockState.warning, ClockState.breached})


@dataclass(frozen=True, slots=True)
class ClockEvent:
    at: datetime  # aware
    kind: EventKind


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Limits per target (``None``: no target of that kind); ``warn_before``: a running target is in
    ``warning`` once no more than this much counted time is left; ``business_hours`` False: the wall clock."""

    first_response: timedelta | None
    next_response: timedelta | None
    resolution: timedelta | None
    warn_before: timedelta = timedelta(minutes=15)
    business_hours: bool = True

    def __post_init__(self) -> None:
        for name in ("first_response", "next_response", "resolution", "warn_before"):
            value = getattr(self, name)
            if value is not None and value < _ZERO:
                raise ValueError(f"{name} must not be negative")

    def limit(self, kind: TargetKind) -> timedelta | None:
        return {
            TargetKind.first_response: self.first_response,
            TargetKind.next_response: self.next_response,
            TargetKind.resolution: self.resolution,
        }[kind]


@dataclass(frozen=True, slots=True)
class Target:
    """One target of the current cycle. ``spent``: counted time from its start to ``met_at`` or ``now``.
    ``due``: when the limit is (or was) reached: set for running targets, and for targets met late or
    breached while paused; ``None`` for paused targets, targets met in time and targets a calendar of a few
    minutes a week would take more than 400 days to reach. A target met late has
    state ``met`` and ``breached`` True; a breach is never undone by a pause."""

    kind: TargetKind
    limit: timedelta
    spent: timedelta
    due: datetime | None
    met_at: datetime | None
    breached: bool
    state: ClockState
    started_at: datetime | None = None  # the cycle's start, or the customer message a next response answers


@dataclass(frozen=True, slots=True)
class SlaClock:
    state: ClockState
    targets: tuple[Target, ...] = ()
    next_due: datetime | None = None  # the earliest due among running targets (overdue ones included)
    cycle_started_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """A duration measured twice: in counted business time (pauses left out) and on the wall clock."""

    business: timedelta
    wall: timedelta


@dataclass(frozen=True, slots=True)
class CycleTimes:
    """One cycle's figures for the reports (``None``: it did not happen).

    - first_response = counted time from the cycle's start to its first ``agent``/``elsewhere`` event;
    - next_responses[i] = counted time from the first customer message after a response to the response
      that follows it (unanswered ones are left out);
    - resolution = counted time from the cycle's start to ``resolved``.
    Business figures: business time of the calendar minus business time paused (waiting on the customer);
    wall figures: the plain difference of the two moments, pauses included."""

    started_at: datetime
    first_response: Span | None
    next_responses: tuple[Span, ...]
    resolution: Span | None


@dataclass
class _Cycle:
    start: datetime
    first_response: datetime | None = None
    last_response: datetime | None = None
    next_windows: list[tuple[datetime, datetime | None]] = field(default_factory=list)
    resolved: datetime | None = None
    pauses: list[tuple[datetime, datetime | None]] = field(default_factory=list)

    def pause(self, at: datetime) -> None:
        if not self.pauses or self.pauses[-1][1] is not None:
            self.pauses.append((at, None))

    def end_pause(self, at: datetime) -> None:
        if self.pauses and self.pauses[-1][1] is None:
            self.pauses[-1] = (self.pauses[-1][0], at)

    def respond(self, at: datetime) -> None:
        if self.first_response is None:
            self.first_response = at
        elif self.next_windows and self.next_windows[-1][1] is None:
            self.next_windows[-1] = (self.next_windows[-1][0], at)
        self.last_response = at

    def customer_wrote(self, at: datetime) -> None:
        self.end_pause(at)
        waiting = bool(self.next_windows) and self.next_windows[-1][1] is None
        if self.last_response is not None and at > self.last_response and not waiting:
            self.next_windows.append((at, None))


def cycles_of(events: Iterable[ClockEvent]) -> list[_Cycle]:
    """The events (any order; sorted by time, stably) cut into cycles."""
    cycles: list[_Cycle] = []
    current: _Cycle | None = None
    for event in sorted(events, key=lambda event: _utc(event.at)):
        at, kind = _utc(event.at), event.kind
        if kind is EventKind.reopened or (
            kind is EventKind.customer and (current is None or current.resolved is not None)
        ):
            if current is not None:
                current.end_pause(at)
            current = _Cycle(at)
            cycles.append(current)
        elif current is None or current.resolved is not None:
            continue  # before the customer's first message, or after resolving: no clock runs
        elif kind is EventKind.customer:
            current.customer_wrote(at)
        elif kind in RESPONSES:
            current.respond(at)
        elif kind is EventKind.waiting_customer:
            current.pause(at)
        elif kind is EventKind.resumed:
            current.end_pause(at)
        elif kind is EventKind.resolved:
            current.end_pause(at)
            current.resolved = at
        # automated messages never count as a response
    return cycles


class _Meter:
    """Counted time under one measure (business or wall clock) with a cycle's pauses left out."""

    def __init__(self, calendar: BusinessCalendar, business_hours: bool) -> None:
        self.measure: Callable[[datetime, datetime], timedelta]
        self.advance: Callable[[datetime, timedelta], datetime]
        if business_hours:
            self.measure, self.advance = calendar.working_time, calendar.add_working_time
        else:
            self.measure, self.advance = _wall, _add_wall

    def counted(
        self, start: datetime, end: datetime, pauses: Sequence[tuple[datetime, datetime | None]]
    ) -> timedelta:
        total = self.measure(start, end)
        for pause_start, pause_end in pauses:
            closed = end if pause_end is None else min(pause_end, end)
            total -= self.measure(max(pause_start, start), closed)
        return total

    def reach(
        self, start: datetime, limit: timedelta, pauses: Sequence[tuple[datetime, datetime | None]]
    ) -> datetime | None:
        """The first moment counted time since ``start`` reaches ``limit``, if no pause other than
        ``pauses`` comes; ``None`` when a pause still running holds it, or when the calendar has not
        enough business time for it within 400 days (a calendar of a few minutes a week)."""
        remaining, cursor = limit, start
        for pause_start, pause_end in pauses:
            if pause_end is not None and pause_end <= cursor:
                continue
            stretch = self.measure(cursor, pause_start)
            if stretch >= remaining:
                return self.advance(cursor, remaining)
            remaining -= stretch
            if pause_end is None:
                return None
            cursor = max(cursor, pause_end)
        try:
            return self.advance(cursor, remaining)
        except ValueError:
            return None


def sla_clock(
    events: Iterable[ClockEvent], policy: SlaPolicy, calendar: BusinessCalendar, now: datetime
) -> SlaClock:
    """The SLA clock of the current cycle at ``now``; events after ``now`` are not looked at.

    Resolving meets every target still running (a resolved conversation owes no reply): its ``met_at``
    is the moment of resolving, late if that is after it fell due."""
    moment = _utc(now)
    cycles = cycles_of(event for event in events if _utc(event.at) <= moment)
    if not cycles:
        return SlaClock(ClockState.none)
    cycle = cycles[-1]
    meter = _Meter(calendar, policy.business_hours)
    targets: list[Target] = []
    stops: list[tuple[TargetKind, datetime, datetime | None]] = [
        (TargetKind.first_response, cycle.start, cycle.first_response or cycle.resolved)
    ]
    if cycle.next_windows:
        window_start, window_end = cycle.next_windows[-1]
        stops.append((TargetKind.next_response, window_start, window_end or cycle.resolved))
    stops.append((TargetKind.resolution, cycle.start, cycle.resolved))
    for kind, start, met_at in stops:
        limit = policy.limit(kind)
        if limit is not None:
            targets.append(
                _target(kind, limit, start, met_at, cycle.pauses, meter, policy.warn_before, moment)
            )
    if not targets:
        return SlaClock(ClockState.none, cycle_started_at=cycle.start)
    running = [target.due for target in targets if target.state in _RUNNING and target.due is not None]
    worst = max(targets, key=lambda target: _SEVERITY[target.state]).state
    return SlaClock(worst, tuple(targets), min(running, default=None), cycle.start)


def _target(
    kind: TargetKind,
    limit: timedelta,
    start: datetime,
    met_at: datetime | None,
    pauses: Sequence[tuple[datetime, datetime | None]],
    meter: _Meter,
    warn_before: timedelta,
    now: datetime,
) -> Target:
    due = meter.reach(start, limit, pauses)
    if met_at is not None:
        late = due is not None and due < met_at
        spent = meter.counted(start, met_at, pauses)
        return Target(kind, limit, spent, due if late else None, met_at, late, ClockState.met, start)
    spent = meter.counted(start, now, pauses)
    if due is not None and due < now:
        return Target(kind, limit, spent, due, None, True, ClockState.breached, start)
    if pauses and pauses[-1][1] is None:  # held by a pause that is still running
        return Target(kind, limit, spent, None, None, False, ClockState.paused, start)
    state = ClockState.warning if limit - spent <= warn_before else ClockState.ok
    return Target(kind, limit, spent, due, None, False, state, start)


def response_times(events: Iterable[ClockEvent], calendar: BusinessCalendar) -> list[CycleTimes]:
    """Per cycle, the first response, each answered next response and the resolution, as counted business
    time (the calendar's business time minus business time paused) and as wall-clock time; see
    :class:`CycleTimes` for the formulas. All events count (no ``now``)."""
    meter = _Meter(calendar, business_hours=True)
    times: list[CycleTimes] = []
    for cycle in cycles_of(events):
        answered = (_span(meter, start, end, cycle.pauses) for start, end in cycle.next_windows)
        times.append(
            CycleTimes(
                cycle.start,
                _span(meter, cycle.start, cycle.first_response, cycle.pauses),
                tuple(item for item in answered if item is not None),
                _span(meter, cycle.start, cycle.resolved, cycle.pauses),
            )
        )
    return times


def _span(
    meter: _Meter, start: datetime, end: datetime | None, pauses: Sequence[tuple[datetime, datetime | None]]
) -> Span | None:
    return None if end is None else Span(meter.counted(start, end, pauses), end - start)


def _wall(start: datetime, end: datetime) -> timedelta:
    return max(end - start, _ZERO)


def _add_wall(start: datetime, amount: timedelta) -> datetime:
    return start + amount


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone")
    return moment.astimezone(UTC)
