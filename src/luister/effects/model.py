"""The effects ledger's states and what a runner does with each (pure).

``planned`` → (commit) ``sending`` → the call → ``sent`` | ``unknown`` | ``failed`` (certainly not sent) |
back to ``planned`` with a wait (rate limit). A ``sending`` whose lease ran out (the runner died mid-call)
and every ``unknown`` are *reconciled*: the platform is asked whether the effect exists; only a certain
"not there" allows another attempt, and after ``max_attempts`` the effect is ``dead`` with its reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class State(StrEnum):
    planned = "planned"
    sending = "sending"
    sent = "sent"
    unknown = "unknown"
    failed = "failed"  # the platform certainly refused it: nothing was sent
    dead = "dead"  # given up after max_attempts attempts that certainly did not arrive
    cancelled = "cancelled"  # withdrawn before it was sent


FINAL = frozenset({State.sent, State.failed, State.dead, State.cancelled})
# error_code of an ``unknown`` effect whose far side cannot be asked (SMTP): it is left for a person to
# settle by hand (arrived, or send again), neither reconciled nor re-sent by a runner
UNVERIFIABLE = "unverifiable"


class Step(StrEnum):
    send = "send"  # make the call
    reconcile = "reconcile"  # ask the platform whether an earlier call arrived
    wait = "wait"  # not yet (backoff, lease, pace)
    none = "none"  # final


@dataclass(frozen=True, slots=True)
class Due:
    """What the runner knows of one effect when deciding."""

    state: State
    not_before: datetime | None
    lease_until: datetime | None


def step(effect: Due, *, now: datetime, lane_free_at: datetime | None = None) -> Step:
    """What to do with ``effect`` at ``now``. A ``sending`` effect is someone else's until its lease ends;
    then it may have been sent (the runner died after the request), so it is reconciled, never re-sent."""
    if effect.state in FINAL:
        return Step.none
    if effect.not_before is not None and effect.not_before > now:
        return Step.wait
    if effect.state is State.sending:
        leased = effect.lease_until is not None and effect.lease_until > now
        return Step.wait if leased else Step.reconcile
    if effect.state is State.unknown:
        return Step.reconcile
    if lane_free_at is not None and lane_free_at > now:
        return Step.wait
    return Step.send


@dataclass(frozen=True, slots=True)
class Outbound:
    """One effect as a :class:`~luister.effects.runner.Sender` gets it: its id and key (for a stable
    Message-ID), where it goes (the effect's ``target``) and its body."""

    effect_id: int
    key: str
    target: Mapping[str, Any]
    body: str


def retry_delay(tries: int) -> timedelta:
    """Backoff between reconciliations (and sends after a certain miss): 5 s, 20 s, 80 s ..., 30 min."""
    return timedelta(seconds=min(1800, 5 * 4 ** max(0, tries - 1)))


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Settled:
    """An effect's outcome, handed to the capability that planned it (its ``origin``) inside the same
    transaction that records it: ``sent`` with the remote id, ``failed`` or ``dead`` with the reason,
    ``unknown`` (still being reconciled; shown, not final), or ``planned`` with ``error`` saying until when
    the platform asked to wait (a rate limit, a quota; not final either)."""

    effect_id: int
    origin: str | None
    kind: str
    lane: str
    state: State
    body: str
    at: datetime
    remote_id: str | None = None
    remote_url: str | None = None
    error: str | None = None
    error_code: str | None = None
