"""The audit log: every change, with who, what, when (and from where, for the web)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.storage.tables import audit_log


def record(
    conn: Connection,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    """Write one entry inside the caller's transaction, so the change and its record commit together."""
    conn.execute(audit_log.insert().values(at=datetime.now(UTC), actor=actor, action=action, target=target,
                                           detail=detail, ip=ip))  # fmt: skip


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any] | None
    ip: str | None


def entries(*, engine: Engine, limit: int = 100, actor: str | None = None) -> list[AuditEntry]:
    """The newest entries first."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    with engine.connect() as conn:
        return [AuditEntry(r.at, r.actor, r.action, r.target, r.detail, r.ip) for r in conn.execute(query)]
