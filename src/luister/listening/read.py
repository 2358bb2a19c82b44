"""A person's saved searches, for the mention list."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.listening.tables import saved_search


@dataclass(frozen=True, slots=True)
class SavedSearch:
    id: int
    name: str
    query_string: str  # open it at /mentions?<query_string>


def saved_searches(*, engine: Engine, user_id: int) -> list[SavedSearch]:
    """This person's saved searches, by name (nobody sees another's)."""
    query = (
        sa.select(saved_search.c.id, saved_search.c.name, saved_search.c.query_string)
        .where(saved_search.c.user_id == user_id)
        .order_by(saved_search.c.name, saved_search.c.id)
    )
    with engine.connect() as conn:
        return [SavedSearch(**row) for row in conn.execute(query).mappings()]
