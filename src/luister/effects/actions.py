"""Planning and withdrawing effects. An effect is planned inside the caller's transaction (with the change
that asks for it: a draft approved, a reply sent), so that it exists exactly when that change does; the
runner (:mod:`luister.effects.runner`) sends it later."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.domain.tid import new_key
from luister.effects.model import UNVERIFIABLE, State, body_hash
from luister.effects.tables import effect, effect_event


def plan(
    conn: Connection,
    *,
    kind: str,
    lane: str,
    target: Mapping[str, Any],
    body: str,
    origin: str | None,
    actor_id: int | None,
    now: datetime,
    max_attempts: int = 3,
) -> int:
    """Plan one effect (``planned``, with a fresh key) in ``conn``'s transaction; returns its id."""
    values = {
        "kind": kind, "lane": lane, "target": dict(target), "body": body, "body_hash": body_hash(body),
        "state": State.planned.value, "origin": origin, "attempts": 0, "max_attempts": max_attempts,
        "created_by": actor_id, "created_at": now, "updated_at": now,
    }  # fmt: skip
    for _ in range(20):  # many effects planned at one ``now``: spread over a millisecond and the clock ids
        key = new_key(now + timedelta(microseconds=random.randrange(1000)), random.randrange(1024))
        if conn.execute(sa.select(effect.c.id).where(effect.c.key == key)).first() is None:
            break
    else:  # pragma: no cover - a million keys per millisecond taken
        raise RuntimeError("no free effect key: too many effects planned at the same moment")
    effect_id = int(
        conn.execute(effect.insert().values(key=key, **values).returning(effect.c.id)).scalar_one()
    )
    conn.execute(effect_event.insert().values(effect_id=effect_id, at=now, state=State.planned.value))
    return effect_id


def cancel(conn: Connection, *, effect_id: int, now: datetime, reason: str) -> bool:
    """Withdraw an effect that has not been tried yet; False when it is already on its way or done."""
    done = conn.execute(
        effect.update()
        .where(effect.c.id == effect_id, effect.c.state == State.planned.value, effect.c.attempts == 0)
        .values(state=State.cancelled.value, updated_at=now, last_error=reason)
    ).rowcount
    if done:
        conn.execute(
            effect_event.insert().values(
                effect_id=effect_id, at=now, state=State.cancelled.value, detail=reason
            )
        )
    return bool(done)


def retry(conn: Connection, *, effect_id: int, now: datetime, actor: str) -> bool:
    """Give a ``dead`` effect (certainly never arrived) new attempts, by hand: ``planned`` again with its
    key, so that a runner checks once more before it sends. False for any other state."""
    done = conn.execute(
        effect.update()
        .where(effect.c.id == effect_id, effect.c.state == State.dead.value)
        .values(
            state=State.unknown.value,
            max_attempts=effect.c.attempts + 1,
            not_before=None,
            error_code=None,
            updated_at=now,
        )  # fmt: skip
    ).rowcount
    if done:
        detail = f"retried by {actor}: checked at the platform first, then sent if not there"
        conn.execute(effect_event.insert().values(effect_id=effect_id, at=now, state=State.unknown.value,
                                                  detail=detail))  # fmt: skip
    return bool(done)


def settle_by_hand(conn: Connection, *, effect_id: int, arrived: bool, now: datetime, actor: str) -> bool:
    """A person settles an effect nobody can check (``unknown``, ``unverifiable``: mail whose connection
    dropped while it was sent) after looking at the far side: ``arrived`` makes it ``sent``; otherwise
    it is ``planned`` again with one more attempt. False for any other effect."""
    c = effect.c
    values: dict[str, Any] = (
        {"state": State.sent.value, "sent_at": now, "last_error": None, "error_code": None}
        if arrived
        else {"state": State.planned.value, "max_attempts": c.attempts + 1, "error_code": None,
              "not_before": None}
    )  # fmt: skip
    done = conn.execute(
        effect.update()
        .where(c.id == effect_id, c.state == State.unknown.value, c.error_code == UNVERIFIABLE)
        .values(updated_at=now, lease_until=None, **values)
    ).rowcount
    if done:
        detail = f"{actor}: it arrived" if arrived else f"{actor}: it did not arrive; send it again"
        state = State.sent if arrived else State.planned
        conn.execute(effect_event.insert().values(effect_id=effect_id, at=now, state=state.value,
                                                  detail=detail))  # fmt: skip
    return bool(done)


def forget(conn: Connection, *, origins: Sequence[str], prefixes: Sequence[str] = ()) -> int:
    """Delete the effects these origins planned (or whose origin starts with one of ``prefixes``: every
    member's mail of a digest), with their history (an erasure request: their target and text hold the
    person's post). Returns how many went."""
    gone = 0
    for start in range(0, len(origins), 500):
        part = list(origins[start : start + 500])
        gone += conn.execute(effect.delete().where(effect.c.origin.in_(part))).rowcount
    for prefix in prefixes:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        gone += conn.execute(effect.delete().where(effect.c.origin.like(escaped + "%", escape="\\"))).rowcount
    return gone
