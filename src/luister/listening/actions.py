"""Every change to saved searches: one transaction each, with its audit row."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.listening.saved import MAX_PER_PERSON, SavedSearchError, clean_name, clean_query, clean_tag
from luister.listening.tables import saved_search
from luister.services import audit
from luister.storage.tables import mention, mention_tag


def _own_search(conn: Connection, user_id: int, which: sa.ColumnElement[bool]) -> tuple[int, str] | None:
    """The id and name of this person's saved search that ``which`` picks (None: they have none such):
    nobody reaches another's."""
    found = conn.execute(
        sa.select(saved_search.c.id, saved_search.c.name).where(saved_search.c.user_id == user_id, which)
    ).first()
    return None if found is None else (int(found.id), str(found.name))


def save_search(
    *, engine: Engine, user_id: int, actor: str, name: str, query_string: str, now: datetime
) -> int:
    """Store the mention list's address under ``name`` for this person (the same name again replaces
    it); its id."""
    name, query = clean_name(name), clean_query(query_string)
    with engine.begin() as conn:
        found = _own_search(conn, user_id, saved_search.c.name == name)
        if found is not None:
            search_id = found[0]
            conn.execute(
                saved_search.update().where(saved_search.c.id == search_id).values(query_string=query)
            )
        else:
            count = (
                sa.select(sa.func.count()).select_from(saved_search).where(saved_search.c.user_id == user_id)
            )
            if conn.execute(count).scalar_one() >= MAX_PER_PERSON:
                raise SavedSearchError(f"at most {MAX_PER_PERSON} saved searches each", "too_many")
            values = {"user_id": user_id, "name": name, "query_string": query, "created_at": now}
            inserted = conn.execute(saved_search.insert().values(**values)).inserted_primary_key
            assert inserted is not None
            search_id = int(inserted[0])
        audit.record(conn, actor=actor, action="saved_search.save", target=name, detail={"query": query})
    return search_id


def delete_search(*, engine: Engine, user_id: int, search_id: int, actor: str) -> bool:
    """Delete one of this person's saved searches; False when they have none with that id."""
    with engine.begin() as conn:
        found = _own_search(conn, user_id, saved_search.c.id == search_id)
        if found is None:
            return False
        conn.execute(sa.delete(saved_search).where(saved_search.c.id == search_id))
        audit.record(conn, actor=actor, action="saved_search.delete", target=found[1])
    return True


def tag_mentions(*, engine: Engine, mention_ids: list[int], tag: str, actor: str, now: datetime) -> int:
    """Put ``tag`` on these mentions (those that have it keep it); how many got it now."""
    tag = clean_tag(tag)
    with engine.begin() as conn:
        found = set(conn.execute(sa.select(mention.c.id).where(mention.c.id.in_(mention_ids))).scalars())
        tagged = set(
            conn.execute(
                sa.select(mention_tag.c.mention_id).where(
                    mention_tag.c.tag == tag, mention_tag.c.mention_id.in_(found)
                )
            ).scalars()
        )
        new = sorted(found - tagged)
        if new:
            rows = [{"mention_id": i, "tag": tag, "tagged_by": actor, "tagged_at": now} for i in new]
            conn.execute(mention_tag.insert(), rows)
            audit.record(conn, actor=actor, action="mention.tag", target=tag, detail={"mention_ids": new})
    return len(new)
