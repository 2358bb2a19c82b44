"""Reading mentions back for people: the newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.storage.tables import mention


@dataclass(slots=True, frozen=True)
class MentionRead:
    id: int
    channel: str
    url: str | None
    author_handle: str | None
    title: str | None
    text: str
    language: str | None
    country: str | None
    published_at: datetime
    duplicate_of: int | None
    sentiment: str | None
    intents: str | None


def latest_mentions(*, engine: Engine, limit: int = 25) -> list[MentionRead]:
    columns = [mention.c[name] for name in MentionRead.__dataclass_fields__]
    query = sa.select(*columns).order_by(mention.c.published_at.desc(), mention.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [MentionRead(**row) for row in conn.execute(query).mappings()]


def mentions_by_id(*, engine: Engine, ids: list[int]) -> list[MentionRead]:
    """The given mentions, in the order of ``ids`` (missing ones left out)."""
    if not ids:
        return []
    columns = [mention.c[name] for name in MentionRead.__dataclass_fields__]
    with engine.connect() as conn:
        found = {
            row["id"]: MentionRead(**row)
            for row in conn.execute(sa.select(*columns).where(mention.c.id.in_(ids))).mappings()
        }
    return [found[i] for i in ids if i in found]
