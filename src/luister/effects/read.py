"""What the ledger holds, for the edges and the capabilities that planned effects (no writes)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.effects.tables import effect, effect_event


@dataclass(frozen=True, slots=True)
class EffectView:
    id: int
    kind: str
    lane: str
    state: str
    origin: str | None
    key: str
    attempts: int
    max_attempts: int
    remote_id: str | None
    remote_url: str | None
    last_error: str | None
    error_code: str | None
    not_before: datetime | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    body: str


@dataclass(frozen=True, slots=True)
class EffectStep:
    at: datetime
    state: str
    detail: str | None


def _view(row: Any) -> EffectView:
    return EffectView(
        id=row.id, kind=row.kind, lane=row.lane, state=row.state, origin=row.origin, key=row.key,
        attempts=row.attempts, max_attempts=row.max_attempts, remote_id=row.remote_id,
        remote_url=row.remote_url, last_error=row.last_error, error_code=row.error_code,
        not_before=row.not_before, created_at=row.created_at, updated_at=row.updated_at,
        sent_at=row.sent_at, body=row.body,
    )  # fmt: skip


def list_effects(
    conn: Connection, *, states: Collection[str] = (), lane: str | None = None, limit: int = 100
) -> list[EffectView]:
    """The newest effects first, optionally in ``states`` and of one ``lane``."""
    query = sa.select(effect).order_by(effect.c.id.desc()).limit(limit)
    if states:
        query = query.where(effect.c.state.in_(list(states)))
    if lane:
        query = query.where(effect.c.lane == lane)
    return [_view(row) for row in conn.execute(query)]


def effect_detail(conn: Connection, effect_id: int) -> tuple[EffectView, list[EffectStep]] | None:
    row = conn.execute(sa.select(effect).where(effect.c.id == effect_id)).first()
    if row is None:
        return None
    steps = conn.execute(
        sa.select(effect_event.c.at, effect_event.c.state, effect_event.c.detail)
        .where(effect_event.c.effect_id == effect_id)
        .order_by(effect_event.c.id)
    )
    return _view(row), [EffectStep(s.at, s.state, s.detail) for s in steps]


def effects_of(conn: Connection, origins: Collection[str]) -> dict[str, EffectView]:
    """The effect each origin ("reply_draft:12") planned, newest per origin."""
    if not origins:
        return {}
    rows = conn.execute(sa.select(effect).where(effect.c.origin.in_(list(origins))).order_by(effect.c.id))
    return {row.origin: _view(row) for row in rows}


def counts(conn: Connection) -> dict[str, int]:
    """How many effects are in each state (the health page and ``luister effects list``)."""
    rows = conn.execute(sa.select(effect.c.state, sa.func.count()).group_by(effect.c.state))
    return {state: int(n) for state, n in rows}
