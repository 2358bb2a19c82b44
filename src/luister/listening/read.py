"""A person's saved searches, for the mention list."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.listening.tables import saved_search
from luister.storage.tables import mention_tag


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


@dataclass(frozen=True, slots=True)
class TagCount:
    name: str
    mentions: int  # how many mentions have it


def tag_counts(*, engine: Engine) -> list[TagCount]:
    """Every tag on mentions with how many mentions have it, alphabetically. Departments scope topics, not
    mentions (``domain.accounts.Scope``): whoever reads the mention list reads all of it, so every tag."""
    query = (
        sa.select(mention_tag.c.tag, sa.func.count()).group_by(mention_tag.c.tag).order_by(mention_tag.c.tag)
    )
    with engine.connect() as conn:
        return [TagCount(name, int(count)) for name, count in conn.execute(query)]


def tag_count(*, engine: Engine, tag: str) -> int:
    """How many mentions have ``tag`` (0: none, so there is no such tag)."""
    query = sa.select(sa.func.count()).select_from(mention_tag).where(mention_tag.c.tag == tag)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def tags_of(*, engine: Engine, mention_ids: list[int]) -> dict[int, list[str]]:
    """The tags on these mentions, alphabetically (mentions without any left out)."""
    if not mention_ids:
        return {}
    query = (
        sa.select(mention_tag.c.mention_id, mention_tag.c.tag)
        .where(mention_tag.c.mention_id.in_(mention_ids))
        .order_by(mention_tag.c.tag)
    )
    found: dict[int, list[str]] = {}
    with engine.connect() as conn:
        for mention_id, tag in conn.execute(query):
            found.setdefault(mention_id, []).append(tag)
    return found
