"""The send-time guard in 200 scripted races, on SQLite and PostgreSQL: two agents propose a reply on the
same conversation having seen the same ``reply_seq``, and our voice answers at the source (the listener
brings it in through intake), in every order, and at once in threads. Of each seen generation at most one
reply is planned; every other proposal is refused with :class:`Answered`."""

from __future__ import annotations

import itertools
import random
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.effects.tables import effect
from luister.inbox import replies
from luister.inbox.replies import Answered
from luister.inbox.tables import reply_draft
from replies_helpers import ANNA, CARLA, NOW, Scene, native_reply, reply_seq, scene

ROUNDS = 200
THREADED = 20


def _contenders(s: Scene, n: int, seen: int, outcomes: list[str]) -> list[Callable[[], None]]:
    def agent(email: str) -> Callable[[], None]:
        def go() -> None:
            try:
                replies.propose(
                    s.engine, conversation_id=s.conversation_id, voice_id=s.voice_id, actor=email,
                    body=f"round {n} {email}", seen_reply_seq=seen, now=NOW + timedelta(seconds=n),
                )  # fmt: skip
                outcomes.append("planned")
            except Answered:
                outcomes.append("refused")

        return go

    def source() -> None:
        native_reply(s, f"native-{n}", at=NOW + timedelta(seconds=n))

    return [agent(ANNA), agent(CARLA), source]


def _planned_per_generation(engine: Engine) -> Counter[int]:
    with engine.connect() as conn:
        return Counter(
            conn.scalars(
                sa.select(reply_draft.c.seen_reply_seq).join(effect, effect.c.id == reply_draft.c.effect_id)
            )
        )


def test_two_agents_and_a_native_reply_in_every_order(engine: Engine) -> None:
    s = scene(engine)
    orders = list(itertools.permutations(range(3)))
    rng = random.Random(30)
    planned_total = 0
    for n in range(ROUNDS):
        seen = reply_seq(s)
        outcomes: list[str] = []
        steps = _contenders(s, n, seen, outcomes)
        order = orders[n % len(orders)] if n < 60 else tuple(rng.sample(range(3), 3))
        for i in order:
            steps[i]()
        planned = outcomes.count("planned")
        assert len(outcomes) == 2 and planned <= 1, (n, order, outcomes)
        # the native reply first: both agents saw a state that is no longer there
        assert planned == (0 if order[0] == 2 else 1), (n, order, outcomes)
        planned_total += planned
    per_generation = _planned_per_generation(engine)
    assert max(per_generation.values()) == 1 and sum(per_generation.values()) == planned_total
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(effect)).scalar() == planned_total


def test_two_agents_and_a_native_reply_at_once(engine: Engine) -> None:
    s = scene(engine)
    for n in range(THREADED):
        seen = reply_seq(s)
        outcomes: list[str] = []
        steps = _contenders(s, n, seen, outcomes)
        barrier = threading.Barrier(len(steps))
        errors: list[BaseException] = []

        def run(step: Callable[[], None], barrier: threading.Barrier, errors: list[BaseException]) -> None:
            barrier.wait()
            try:
                step()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(step, barrier, errors)) for step in steps]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors and len(outcomes) == 2 and outcomes.count("planned") <= 1, (n, outcomes, errors)
    assert max(_planned_per_generation(engine).values(), default=0) <= 1
