"""Every change to saved searches: one transaction each, with its audit row."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.listening.saved import (
    MAX_PER_PERSON,
    SavedSearchError,
    TagError,
    check_tag_change,
    clean_name,
    clean_query,
    clean_tag,
)
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


def rename_tag(*, engine: Engine, tag: str, to: str, actor: str) -> int:
    """Rename ``tag`` on every mention that has it to ``to`` (a name no mention has yet: merge onto one in
    use); how many mentions it is on. Raises ``TagError``."""
    return _move_tag(engine=engine, tag=tag, to=to, actor=actor, merging=False)


def merge_tags(*, engine: Engine, tag: str, into: str, actor: str) -> int:
    """Put ``into`` (a tag in use) on every mention with ``tag`` and take ``tag`` away; how many mentions
    had ``tag``. Raises ``TagError``."""
    return _move_tag(engine=engine, tag=tag, to=into, actor=actor, merging=True)


def _move_tag(*, engine: Engine, tag: str, to: str, actor: str, merging: bool) -> int:
    tag, to = " ".join(tag.split()), clean_tag(to)
    with engine.begin() as conn:
        ids = _mentions_tagged(conn, tag)
        if not ids:
            raise TagError(f"no mention has the tag {tag!r}", "unknown_tag")
        check_tag_change(tag, to, to_exists=bool(_mentions_tagged(conn, to, limit=1)), merging=merging)
        other = mention_tag.alias("other")
        already = sa.exists().where(other.c.mention_id == mention_tag.c.mention_id, other.c.tag == to)
        moved = sa.select(mention_tag.c.mention_id, sa.literal(to, sa.String(40)), mention_tag.c.tagged_by,
                          mention_tag.c.tagged_at).where(mention_tag.c.tag == tag, ~already)  # fmt: skip
        columns = ["mention_id", "tag", "tagged_by", "tagged_at"]  # who tagged it first, and when, stay
        conn.execute(mention_tag.insert().from_select(columns, moved))
        conn.execute(sa.delete(mention_tag).where(mention_tag.c.tag == tag))
        action = "mention_tag.merge" if merging else "mention_tag.rename"
        audit.record(conn, actor=actor, action=action, target=tag, detail={"to": to, **_which(ids)})
    return len(ids)


def delete_tag(*, engine: Engine, tag: str, actor: str) -> int:
    """Take ``tag`` off every mention that has it; how many those were. Raises ``TagError`` when none has
    it. The audit row keeps their ids (the tag can be put back from it)."""
    tag = " ".join(tag.split())
    with engine.begin() as conn:
        ids = _mentions_tagged(conn, tag)
        if not ids:
            raise TagError(f"no mention has the tag {tag!r}", "unknown_tag")
        conn.execute(sa.delete(mention_tag).where(mention_tag.c.tag == tag))
        audit.record(conn, actor=actor, action="mention_tag.delete", target=tag, detail=_which(ids))
    return len(ids)


AUDITED_IDS = 10_000  # mention ids an audit row of a tag change keeps (the count is always there)


def _which(ids: list[int]) -> dict[str, object]:
    return {"mentions": len(ids), "mention_ids": ids[:AUDITED_IDS]}


def _mentions_tagged(conn: Connection, tag: str, limit: int | None = None) -> list[int]:
    query = (
        sa.select(mention_tag.c.mention_id).where(mention_tag.c.tag == tag).order_by(mention_tag.c.mention_id)
    )
    return [int(i) for i in conn.execute(query.limit(limit)).scalars()]
