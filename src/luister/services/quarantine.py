"""The quarantine: raw input that could not become a mention, kept with where and why."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.ingest import Rejection
from luister.storage.tables import rejected


def list_rejected(*, engine: Engine, origin: str | None = None, limit: int = 50) -> list[Rejection]:
    query = sa.select(rejected).order_by(rejected.c.id.desc()).limit(limit)
    if origin:
        query = query.where(rejected.c.origin == origin)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        Rejection(
            origin=r["origin"],
            position=r["position"] or "",
            reason=r["reason"],
            raw=r["raw"],
            source_id=r["source_id"],
        )
        for r in rows
    ]
