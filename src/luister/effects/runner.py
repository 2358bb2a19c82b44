"""The effects runner: sends planned effects exactly once, and reconciles the uncertain ones.

For each effect it commits ``sending`` (with a lease and the attempt counted) **before** the call, and the
outcome after it, together with the planning capability's bookkeeping (``on_settled``) in one
transaction. After a crash the lease runs out and the next runner *reconciles* — asks the platform with
:meth:`~luister.connectors.base.Replier.find_reply` — and only a certain "not there" allows another
attempt. A time-out after the request went out is ``unknown``, never ``failed``. One effect per lane (an
account) at a time, lanes side by side; a lane the platform asked to wait (rate limit) is left alone
until then, or waited for when that is a few seconds.

The lease must outlast a call: the HTTP client's time-out bounds each call, and the lease is several
times that (``lease``), so a live runner is never taken over while its request may still arrive.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.connectors.base import (
    ConnectorError,
    Posted,
    Replier,
    ReplyDeferred,
    ReplyRefused,
    ReplyTarget,
    ReplyUncertain,
)
from luister.effects.model import UNVERIFIABLE, Due, Outbound, Settled, State, Step, retry_delay, step
from luister.effects.tables import effect, effect_event, effect_pace
from luister.net.http import BlockedAddressError, FetchError

log = logging.getLogger(__name__)


@runtime_checkable
class Sender(Protocol):
    """A lane that is not a voice's :class:`Replier` (mail): it sends an :class:`Outbound` and raises the
    same three errors (``ReplyRefused``, ``ReplyDeferred``, ``ReplyUncertain``). Its far side cannot be
    asked afterwards, so an uncertain send (or a runner that died mid-call) is never reconciled or sent
    again: it stays ``unknown`` (error code ``unverifiable``) until a person settles it."""

    async def send_outbound(self, outbound: Outbound) -> Posted: ...


Resolve = Callable[[str], Awaitable[Replier | Sender]]  # lane → the replier of that account, or a sender
OnSettled = Callable[[Connection, Settled], None]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


class LaneUnavailable(Exception):
    """``resolve`` cannot give a replier for a lane (a voice removed, its credentials unreadable)."""


@dataclass
class RunReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    unknown: int = 0
    deferred: int = 0
    reconciled: int = 0  # found at the platform after a crash or a time-out
    problems: list[str] = field(default_factory=list)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _target(row: Any) -> ReplyTarget:
    data = dict(row.target or {})
    return ReplyTarget(
        external_id=str(data.get("external_id", "")),
        url=data.get("url"),
        thread_id=data.get("thread_id"),
        author=data.get("author"),
        raw=data.get("raw") or {},
        root_raw=data.get("root_raw"),
    )


class EffectRunner:
    def __init__(
        self,
        engine: Engine,
        *,
        resolve: Resolve,
        on_settled: OnSettled | None = None,
        lease: timedelta = timedelta(minutes=2),
        max_pace_wait: float = 5.0,
        clock: Clock = _utcnow,
        sleep: Sleep = asyncio.sleep,
        name: str | None = None,
        probe: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.resolve = resolve
        self.on_settled = on_settled
        self.lease = lease
        self.max_pace_wait = max_pace_wait
        self.clock = clock
        self.sleep = sleep
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        # called at the points where a crash matters ("claimed", "reconciling", "pace_wait"): the chaos
        # test kills the process there; nothing else needs it
        self.probe = probe or (lambda _point: None)

    # -- the loop ---------------------------------------------------------------------------------
    async def run_due(self, *, limit: int = 200) -> RunReport:
        """Work the effects due now (at most ``limit``): lanes side by side, one at a time per lane."""
        report = RunReport()
        lanes: dict[str, list[int]] = {}
        for row in self._due(limit):
            lanes.setdefault(row.lane, []).append(row.id)
        await asyncio.gather(*(self._run_lane(lane, ids, report) for lane, ids in lanes.items()))
        return report

    async def _run_lane(self, lane: str, ids: list[int], report: RunReport) -> None:
        try:
            replier = await self.resolve(lane)
        except LaneUnavailable as exc:
            report.problems.append(f"{lane}: {exc}")
            self._postpone(ids, reason=str(exc))
            return
        for effect_id in ids:
            try:
                await self.work(effect_id, replier, report)
            except Exception as exc:  # a bug must not stop the other effects; the lease makes it safe
                log.exception("effect %s: unexpected error", effect_id)
                report.problems.append(f"effect {effect_id}: {type(exc).__name__}: {exc}")

    def _due(self, limit: int) -> list[Any]:
        now = self.clock()
        c = effect.c
        waiting = sa.or_(c.not_before.is_(None), c.not_before <= now)
        stale = sa.and_(c.state == State.sending.value, sa.or_(c.lease_until.is_(None), c.lease_until <= now))
        open_ = sa.and_(c.state.in_([State.planned.value, State.unknown.value]), waiting,
                        sa.or_(c.lease_until.is_(None), c.lease_until <= now),
                        sa.or_(c.state != State.unknown.value, c.error_code.is_(None),
                               c.error_code != UNVERIFIABLE))  # fmt: skip
        query = sa.select(c.id, c.lane).where(sa.or_(stale, open_)).order_by(c.id).limit(limit)
        with self.engine.connect() as conn:
            return list(conn.execute(query))

    def _postpone(self, ids: list[int], *, reason: str) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                effect.update()
                .where(effect.c.id.in_(ids), effect.c.state == State.planned.value)
                .values(not_before=now + retry_delay(2), last_error=reason, updated_at=now)
            )

    # -- one effect -------------------------------------------------------------------------------
    async def work(self, effect_id: int, replier: Replier | Sender, report: RunReport) -> State:
        """Send or reconcile one effect until it is final, waits, or is left unknown."""
        for _ in range(4):  # reconcile → (certainly not there) → send, at most a few turns per run
            row = self._load(effect_id)
            now = self.clock()
            pace = self._pace(row.lane)
            due = step(Due(State(row.state), row.not_before, row.lease_until), now=now, lane_free_at=pace)
            if due is Step.wait and row.state == State.planned.value and pace is not None:
                wait = (pace - now).total_seconds()
                if 0 < wait <= self.max_pace_wait and (row.not_before is None or row.not_before <= now):
                    self.probe("pace_wait")
                    await self.sleep(wait)  # the platform asked this account to wait a moment
                    continue
            if due is Step.send:
                if not self._claim_send(row, now):
                    return State(self._load(effect_id).state)
                self.probe("claimed")  # committed as sending; the request not yet made
                await self._send(row, replier, report)
            elif due is Step.reconcile:
                if not self._claim_reconcile(row, now):
                    return State(self._load(effect_id).state)
                self.probe("reconciling")
                if not await self._reconcile(row, replier, report):
                    continue  # certainly not there: send again (if attempts are left)
            state = State(self._load(effect_id).state)
            if state is not State.planned or due is Step.wait:
                return state
        return State(self._load(effect_id).state)

    def _load(self, effect_id: int) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(effect).where(effect.c.id == effect_id)).one()

    def _pace(self, lane: str) -> datetime | None:
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(effect_pace.c.not_before).where(effect_pace.c.lane == lane)
            ).scalar()
        return value if isinstance(value, datetime) else None

    def _claim_send(self, row: Any, now: datetime) -> bool:
        """Commit ``sending`` before the call: if this process dies during it, the next runner finds a
        ``sending`` whose lease ran out and reconciles instead of sending again."""
        c = effect.c
        with self.engine.begin() as conn:
            claimed = conn.execute(
                effect.update()
                .where(c.id == row.id, c.state == State.planned.value, c.attempts == row.attempts)
                .values(
                    state=State.sending.value,
                    attempts=c.attempts + 1,
                    lease_until=now + self.lease,
                    leased_by=self.name,
                    updated_at=now,
                )  # fmt: skip
            ).rowcount
            if claimed:
                self._event(conn, row.id, now, State.sending, f"attempt {row.attempts + 1} by {self.name}")
        return bool(claimed)

    def _claim_reconcile(self, row: Any, now: datetime) -> bool:
        c = effect.c
        lease_over = sa.or_(c.lease_until.is_(None), c.lease_until <= now)
        with self.engine.begin() as conn:
            claimed = conn.execute(
                effect.update()
                .where(c.id == row.id, c.state == row.state, lease_over)
                .values(
                    state=State.unknown.value,
                    lease_until=now + self.lease,
                    leased_by=self.name,
                    updated_at=now,
                )  # fmt: skip
            ).rowcount
            if claimed and row.state == State.sending.value:
                self._event(conn, row.id, now, State.unknown, "the runner stopped during the call: checking")
        return bool(claimed)

    async def _send(self, row: Any, replier: Replier | Sender, report: RunReport) -> None:
        if isinstance(replier, Sender):
            await self._send_outbound(row, replier, report)
            return
        target = _target(row)
        try:
            posted = await replier.reply(target, row.body, key=row.key)
        except ReplyRefused as exc:
            self._finish(row, State.failed, error=str(exc), code=exc.code)
            report.failed += 1
        except ReplyDeferred as exc:
            self._defer(row, exc.retry_after, str(exc), undo_attempt=True)
            report.deferred += 1
        except ReplyUncertain as exc:
            self._uncertain(row, str(exc))
            report.unknown += 1
        except BlockedAddressError as exc:  # refused before any request: nothing went out
            self._finish(row, State.failed, error=str(exc), code="settings")
            report.failed += 1
        except FetchError as exc:  # a replier that let an HTTP failure through: it may have gone out
            self._uncertain(row, str(exc))
            report.unknown += 1
        except ConnectorError as exc:  # the voice's settings (the Replier contract): nothing went out
            self._finish(row, State.failed, error=str(exc), code="settings")
            report.failed += 1
        except Exception as exc:  # noqa: BLE001 - whatever happened, the post may have gone out
            self._uncertain(row, f"{type(exc).__name__}: {exc}")
            report.unknown += 1
        else:
            self._sent(row, posted)
            report.sent += 1

    async def _send_outbound(self, row: Any, sender: Sender, report: RunReport) -> None:
        outbound = Outbound(row.id, row.key, dict(row.target or {}), row.body)
        try:
            posted = await sender.send_outbound(outbound)
        except ReplyRefused as exc:
            self._finish(row, State.failed, error=str(exc), code=exc.code)
            report.failed += 1
        except ReplyDeferred as exc:
            self._defer(row, exc.retry_after, str(exc), undo_attempt=True)
            report.deferred += 1
        except ConnectorError as exc:  # settings (refused before anything went out) are ConnectorErrors
            if isinstance(exc, ReplyUncertain):
                self._unverifiable(row, str(exc))
                report.unknown += 1
            else:
                self._finish(row, State.failed, error=str(exc), code="settings")
                report.failed += 1
        except Exception as exc:  # noqa: BLE001 - whatever happened, it may have gone out
            self._unverifiable(row, f"{type(exc).__name__}: {exc}")
            report.unknown += 1
        else:
            self._sent(row, posted)
            report.sent += 1

    async def _reconcile(self, row: Any, replier: Replier | Sender, report: RunReport) -> bool:
        """True when the effect is settled or still uncertain; False when it is certainly not there and
        may be sent again (then it is ``planned`` once more, or ``dead`` without attempts left)."""
        if isinstance(replier, Sender):  # cannot be asked: left to a person, never sent blindly again
            self._unverifiable(row, "the runner stopped during the call; whether it arrived cannot be asked")
            report.unknown += 1
            return True
        try:
            found = await replier.find_reply(_target(row), key=row.key, text=row.body)
        except ReplyDeferred as exc:
            self._defer(row, exc.retry_after, str(exc), undo_attempt=False)
            return True
        except (ReplyUncertain, ReplyRefused) as exc:
            self._uncertain(row, f"cannot check yet: {exc}")
            return True
        except Exception as exc:  # noqa: BLE001
            self._uncertain(row, f"cannot check yet: {type(exc).__name__}: {exc}")
            return True
        if found is not None:
            self._sent(row, found, reconciled=True)
            report.sent += 1
            report.reconciled += 1
            return True
        if row.attempts >= row.max_attempts:
            reason = f"not at the platform after {row.attempts} attempts"
            self._finish(row, State.dead, error=reason, code="attempts")
            report.dead += 1
            return True
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                effect.update()
                .where(effect.c.id == row.id, effect.c.leased_by == self.name)
                .values(state=State.planned.value, lease_until=None, not_before=None, updated_at=now)
            )
            self._event(conn, row.id, now, State.planned, "not at the platform: it may be sent again")
        return False

    # -- outcomes ---------------------------------------------------------------------------------
    def _sent(self, row: Any, posted: Posted, *, reconciled: bool = False) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                effect.update()
                .where(effect.c.id == row.id)
                .values(
                    state=State.sent.value,
                    remote_id=posted.external_id,
                    remote_url=posted.url,
                    sent_at=now,
                    lease_until=None,
                    last_error=None,
                    error_code=None,
                    updated_at=now,
                )  # fmt: skip
            )
            note = "found at the platform" if reconciled else getattr(posted, "note", None)
            self._event(conn, row.id, now, State.sent, note)
            if posted.wait:
                self._pace_lane(conn, row.lane, now + timedelta(seconds=posted.wait), "rate limit used up")
            self._settle(conn, row, State.sent, now, remote_id=posted.external_id, remote_url=posted.url)

    def _finish(self, row: Any, state: State, *, error: str, code: str) -> None:
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(
                effect.update()
                .where(effect.c.id == row.id)
                .values(
                    state=state.value, last_error=error, error_code=code, lease_until=None, updated_at=now
                )
            )
            self._event(conn, row.id, now, state, error)
            self._settle(conn, row, state, now, error=error, error_code=code)

    def _defer(self, row: Any, seconds: float, reason: str, *, undo_attempt: bool) -> None:
        """The platform certainly did not take it and asks to wait: back to the queue, not an attempt."""
        now = self.clock()
        until = now + timedelta(seconds=max(1.0, seconds))
        state = State.planned if undo_attempt else State(row.state if row.state != "sending" else "unknown")
        values: dict[str, Any] = {"state": state.value, "not_before": until, "lease_until": None,
                                  "last_error": reason, "updated_at": now}  # fmt: skip
        if undo_attempt:
            values["attempts"] = effect.c.attempts - 1
        with self.engine.begin() as conn:
            conn.execute(effect.update().where(effect.c.id == row.id).values(**values))
            self._pace_lane(conn, row.lane, until, reason)
            waiting = f"waiting until {until:%Y-%m-%d %H:%M} UTC: {reason}"
            self._event(conn, row.id, now, state, waiting)
            if state is State.planned:  # the owner tells its people why the reply has not gone out yet
                self._settle(conn, row, State.planned, now, error=waiting)

    def _uncertain(self, row: Any, reason: str) -> None:
        now = self.clock()
        fresh = self._load(row.id)
        checks = max(1, fresh.attempts)
        with self.engine.begin() as conn:
            conn.execute(
                effect.update()
                .where(effect.c.id == row.id)
                .values(
                    state=State.unknown.value,
                    not_before=now + retry_delay(checks),
                    lease_until=None,
                    last_error=reason,
                    updated_at=now,
                )  # fmt: skip
            )
            self._event(conn, row.id, now, State.unknown, reason)
            if fresh.state != State.unknown.value:  # tell the owner once, not on every check
                self._settle(conn, row, State.unknown, now, error=reason)

    def _unverifiable(self, row: Any, reason: str) -> None:
        """May have arrived, and nobody can ask: ``unknown`` with error code ``unverifiable``, no longer
        due; shown to the operator, who settles it (``luister effects settle``)."""
        now = self.clock()
        fresh = self._load(row.id)
        with self.engine.begin() as conn:
            conn.execute(
                effect.update()
                .where(effect.c.id == row.id)
                .values(
                    state=State.unknown.value,
                    error_code=UNVERIFIABLE,
                    not_before=None,
                    lease_until=None,
                    last_error=reason,
                    updated_at=now,
                )  # fmt: skip
            )
            self._event(conn, row.id, now, State.unknown, f"{reason}; left for a person to settle")
            if fresh.state != State.unknown.value:
                self._settle(conn, row, State.unknown, now, error=reason, error_code=UNVERIFIABLE)

    def _settle(self, conn: Connection, row: Any, state: State, now: datetime, **outcome: Any) -> None:
        if self.on_settled is not None:
            self.on_settled(conn, Settled(effect_id=row.id, origin=row.origin, kind=row.kind, lane=row.lane,
                                          state=state, body=row.body, at=now, **outcome))  # fmt: skip

    @staticmethod
    def _event(conn: Connection, effect_id: int, now: datetime, state: State, detail: str | None) -> None:
        conn.execute(
            effect_event.insert().values(effect_id=effect_id, at=now, state=state.value, detail=detail)
        )

    @staticmethod
    def _pace_lane(conn: Connection, lane: str, until: datetime, reason: str) -> None:
        done = conn.execute(
            effect_pace.update().where(effect_pace.c.lane == lane).values(not_before=until, reason=reason)
        ).rowcount
        if not done:
            conn.execute(effect_pace.insert().values(lane=lane, not_before=until, reason=reason))
