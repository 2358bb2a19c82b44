"""The effects runner on both databases, with a scripted replier: sending is committed before the call,
a time-out is "unknown" and reconciled, a refusal is "failed", a rate limit waits without spending an
attempt, a crash mid-call is reconciled by the next runner, and nothing is ever sent twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.connectors.base import (
    ConnectorError,
    Posted,
    ReplyDeferred,
    ReplyRefused,
    ReplyTarget,
    ReplyUncertain,
)
from luister.effects.actions import cancel, plan
from luister.effects.model import Settled, State
from luister.effects.runner import EffectRunner, LaneUnavailable, RunReport
from luister.effects.tables import effect, effect_event, effect_pace

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ScriptedReplier:
    """Keeps what it 'accepted'; ``script`` says what each call does: ok, refuse, defer, stall (accept,
    then raise uncertain), lose (raise uncertain without accepting), crash (accept, then the process
    'dies': BaseException out of the runner)."""

    def __init__(self, script: list[str] | None = None, find: list[str] | None = None) -> None:
        self.script = list(script or [])
        self.find_script = list(find or [])
        self.accepted: dict[str, tuple[str, str]] = {}  # key → (target id, text)
        self.calls: list[str] = []

    async def limit(self) -> int:
        return 500

    def length(self, text: str) -> int:
        return len(text)

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        what = self.script.pop(0) if self.script else "ok"
        self.calls.append(f"reply:{what}")
        if what == "refuse":
            raise ReplyRefused("locked", "the thread is locked")
        if what == "defer":
            raise ReplyDeferred("429 Too Many Requests", retry_after=60)
        if what == "settings":
            raise ConnectorError("the voice's server address is refused: 10.0.0.1 is not public")
        if what == "lose":
            raise ReplyUncertain("connection dropped before the server read it")
        self.accepted[key] = (target.external_id, text)
        if what == "stall":
            raise ReplyUncertain("timed out after 0.5s")
        if what == "crash":
            raise KeyboardInterrupt  # the process dies after the server accepted
        return Posted(external_id=f"r-{key}", url=f"https://example.social/r/{key}")

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        what = self.find_script.pop(0) if self.find_script else "look"
        self.calls.append(f"find:{what}")
        if what == "unsure":
            raise ReplyUncertain("503 from the platform")
        return Posted(external_id=f"r-{key}") if key in self.accepted else None


def _plan(engine: Engine, *, lane: str = "voice:1", body: str = "Sorry to hear that!", **extra: Any) -> int:
    with engine.begin() as conn:
        target = {"external_id": "p1", "raw": {"id": "p1"}}
        return plan(conn, kind="reply", lane=lane, target=target, body=body, origin="reply_draft:1",
                    actor_id=None, now=NOW, **extra)  # fmt: skip


def _runner(engine: Engine, replier: Any, clock: Clock, settled: list[Settled] | None = None,
            **options: Any) -> EffectRunner:  # fmt: skip
    async def resolve(lane: str) -> Any:
        if lane == "voice:gone":
            raise LaneUnavailable("the voice was removed")
        return replier

    def on_settled(conn: Connection, outcome: Settled) -> None:
        if settled is not None:
            settled.append(outcome)

    async def no_sleep(seconds: float) -> None:
        clock.advance(seconds)

    return EffectRunner(engine, resolve=resolve, on_settled=on_settled, clock=clock, sleep=no_sleep,
                        lease=timedelta(seconds=30), **options)  # fmt: skip


def _row(engine: Engine, effect_id: int) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(effect).where(effect.c.id == effect_id)).one()


def _run(runner: EffectRunner) -> RunReport:
    return asyncio.run(runner.run_due())


@pytest.mark.postgres
def test_a_planned_reply_is_sent_once_and_settled(engine: Engine) -> None:
    clock, replier = Clock(), ScriptedReplier()
    settled: list[Settled] = []
    effect_id = _plan(engine)
    report = _run(_runner(engine, replier, clock, settled))
    row = _row(engine, effect_id)
    assert (report.sent, row.state, row.attempts) == (1, "sent", 1)
    assert row.remote_id == f"r-{row.key}" and row.remote_url.endswith(row.key)
    assert [s.state for s in settled] == [State.sent] and settled[0].origin == "reply_draft:1"
    assert _run(_runner(engine, replier, clock, settled)).sent == 0  # nothing due: never sent twice
    assert len(replier.accepted) == 1
    with engine.connect() as conn:
        states = conn.execute(sa.select(effect_event.c.state).where(effect_event.c.effect_id == effect_id)
                              .order_by(effect_event.c.id)).scalars().all()  # fmt: skip
    assert states == ["planned", "sending", "sent"]


@pytest.mark.postgres
def test_a_time_out_after_acceptance_is_unknown_then_found_not_resent(engine: Engine) -> None:
    clock = Clock()
    settled: list[Settled] = []
    replier = ScriptedReplier(["stall"])
    effect_id = _plan(engine)
    report = _run(_runner(engine, replier, clock, settled))
    assert report.unknown == 1 and _row(engine, effect_id).state == "unknown"
    assert [s.state for s in settled] == [State.unknown]
    assert _run(_runner(engine, replier, clock, settled)).sent == 0  # backoff: not checked at once
    clock.advance(10)
    report = _run(_runner(engine, replier, clock, settled))
    assert (report.sent, report.reconciled) == (1, 1)
    assert _row(engine, effect_id).state == "sent" and replier.calls == ["reply:stall", "find:look"]


@pytest.mark.postgres
def test_an_uncertain_call_that_did_not_arrive_is_sent_again_after_the_check(engine: Engine) -> None:
    clock = Clock()
    replier = ScriptedReplier(["lose", "ok"])
    effect_id = _plan(engine)
    _run(_runner(engine, replier, clock))
    clock.advance(10)
    _run(_runner(engine, replier, clock))
    row = _row(engine, effect_id)
    assert (row.state, row.attempts) == ("sent", 2)
    assert replier.calls == ["reply:lose", "find:look", "reply:ok"] and len(replier.accepted) == 1


@pytest.mark.postgres
def test_a_crash_after_acceptance_is_reconciled_by_the_next_runner(engine: Engine) -> None:
    clock = Clock()
    replier = ScriptedReplier(["crash"])
    effect_id = _plan(engine)
    runner = _runner(engine, replier, clock)
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(runner.work(effect_id, replier, RunReport()))
    assert _row(engine, effect_id).state == "sending"  # committed before the call
    assert _run(_runner(engine, replier, clock)).sent == 0  # the lease still holds: hands off
    clock.advance(31)
    report = _run(_runner(engine, replier, clock))
    assert (report.sent, report.reconciled) == (1, 1)
    assert replier.calls == ["reply:crash", "find:look"]


@pytest.mark.postgres
def test_a_refusal_fails_at_once_and_a_rate_limit_waits_without_spending_an_attempt(engine: Engine) -> None:
    clock = Clock()
    settled: list[Settled] = []
    replier = ScriptedReplier(["refuse"])
    refused = _plan(engine)
    _run(_runner(engine, replier, clock, settled))
    row = _row(engine, refused)
    assert (row.state, row.error_code, row.last_error) == ("failed", "locked", "the thread is locked")
    assert settled[-1].state is State.failed and settled[-1].error_code == "locked"

    replier = ScriptedReplier(["defer", "ok"])
    waiting = _plan(engine, body="Another one")
    report = _run(_runner(engine, replier, clock, settled))
    row = _row(engine, waiting)
    assert (report.deferred, row.state, row.attempts) == (1, "planned", 0)
    with engine.connect() as conn:
        assert conn.execute(sa.select(effect_pace.c.not_before)).scalar() == clock.now + timedelta(seconds=60)
    assert _run(_runner(engine, replier, clock)).sent == 0  # the lane waits
    clock.advance(61)
    assert _run(_runner(engine, replier, clock)).sent == 1
    assert (_row(engine, waiting).state, _row(engine, waiting).attempts) == ("sent", 1)


@pytest.mark.postgres
def test_after_max_attempts_that_never_arrived_the_effect_is_dead(engine: Engine) -> None:
    clock = Clock()
    settled: list[Settled] = []
    replier = ScriptedReplier(["lose", "lose"])
    effect_id = _plan(engine, max_attempts=2)
    for _ in range(4):
        _run(_runner(engine, replier, clock, settled))
        clock.advance(120)
    row = _row(engine, effect_id)
    assert (row.state, row.attempts, row.error_code) == ("dead", 2, "attempts")
    assert settled[-1].state is State.dead and not replier.accepted


@pytest.mark.postgres
def test_a_check_that_cannot_tell_keeps_it_unknown(engine: Engine) -> None:
    clock = Clock()
    replier = ScriptedReplier(["stall"], find=["unsure"])
    effect_id = _plan(engine)
    _run(_runner(engine, replier, clock))
    clock.advance(10)
    _run(_runner(engine, replier, clock))
    assert _row(engine, effect_id).state == "unknown"
    clock.advance(60)
    _run(_runner(engine, replier, clock))
    assert _row(engine, effect_id).state == "sent" and len(replier.accepted) == 1


@pytest.mark.postgres
def test_cancel_only_before_the_first_attempt_and_an_unavailable_lane_waits(engine: Engine) -> None:
    clock = Clock()
    first, second = _plan(engine), _plan(engine, lane="voice:gone", body="x")
    with engine.begin() as conn:
        assert cancel(conn, effect_id=first, now=NOW, reason="withdrawn by the author")
    report = _run(_runner(engine, ScriptedReplier(), clock))
    assert _row(engine, first).state == "cancelled"
    assert report.problems == ["voice:gone: the voice was removed"]
    row = _row(engine, second)
    assert (row.state, row.attempts) == ("planned", 0) and row.not_before > NOW
    sent = _plan(engine, body="y")
    _run(_runner(engine, ScriptedReplier(), clock))
    with engine.begin() as conn:
        assert not cancel(conn, effect_id=sent, now=NOW, reason="too late")


def test_two_runners_racing_send_each_effect_once(engine: Engine) -> None:
    clock = Clock()
    replier = ScriptedReplier()
    ids = [_plan(engine, body=f"reply {n}", lane=f"voice:{n % 3}") for n in range(30)]

    async def both() -> None:
        one, two = _runner(engine, replier, clock, name="one"), _runner(engine, replier, clock, name="two")
        await asyncio.gather(one.run_due(), two.run_due())

    asyncio.run(both())
    assert (
        len(replier.accepted) == 30
        and [c for c in replier.calls if c.startswith("reply")] == ["reply:ok"] * 30
    )
    assert {_row(engine, i).state for i in ids} == {"sent"}


def test_a_voice_whose_settings_are_wrong_fails_the_reply_with_that_reason(engine: Engine) -> None:
    clock = Clock()
    settled: list[Settled] = []
    effect_id = _plan(engine)
    _run(_runner(engine, ScriptedReplier(["settings"]), clock, settled))
    row = _row(engine, effect_id)
    assert (row.state, row.error_code) == ("failed", "settings") and "10.0.0.1" in row.last_error
    assert [s.state for s in settled] == [State.failed]
