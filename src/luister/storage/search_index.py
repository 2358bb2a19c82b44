"""The full-text index of mentions (migration 0026): kept by the writer, the eraser and the builder.

Each mention's index tokens (:func:`luister.domain.query_index.index_keys`) are stored per database:

* SQLite: ``mention_search``, a contentless FTS5 table (``detail=none``: which mentions hold a token, not
  where) whose rowid is the mention's id. Contentless stores no text, so removing a row takes its tokens
  again: :func:`unindex` recomputes them from the mention before it is deleted.
* PostgreSQL: ``mention_search (mention_id, keys tsvector)`` with a GIN index; the tokens become lexemes
  as they are (``array_to_tsvector``: never parsed), removed with the mention (``ON DELETE CASCADE``).

Existing databases are indexed by :func:`build` in batches of ascending ids, each batch its own
transaction, recording how far it got in ``mention_index_build``: interrupted, it continues where it
stopped. Until it is done, mentions up to ``target_id`` above ``next_id`` are not yet indexed, and
searches scan as before (:func:`ready`). Mentions written after the migration are indexed by the writer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.mentions import Mention
from luister.domain.queries import MatchDoc, parse_query
from luister.domain.query_index import IndexPlan, compile_index_query, index_keys
from luister.storage.tables import mention, metadata

log = logging.getLogger(__name__)
SEARCH_TABLE = "mention_search"
SEARCH_GIN = "ix_mention_search_keys"
metadata.info.setdefault("undeclared", set()).update((SEARCH_TABLE, SEARCH_GIN))

# One row (id 1): ids below next_id are indexed by the build, ids above target_id by the writer.
search_build = sa.Table(
    "mention_index_build",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("next_id", sa.BigInteger, nullable=False),
    sa.Column("target_id", sa.BigInteger, nullable=False),
)

KEY_COLUMNS = (mention.c.id, mention.c.text, mention.c.title, mention.c.author_handle, mention.c.url)
SQLITE_ADD = "INSERT INTO mention_search (rowid, keys) VALUES (?, ?)"
SQLITE_REMOVE = "INSERT INTO mention_search (mention_search, rowid, keys) VALUES ('delete', ?, ?)"
POSTGRES_ADD = (
    "INSERT INTO mention_search (mention_id, keys) VALUES (%s, array_to_tsvector(%s::text[])) "
    "ON CONFLICT (mention_id) DO NOTHING"
)


def keys_of_row(row: Any) -> list[str]:
    """The index tokens of a stored mention (a row with the columns of ``KEY_COLUMNS``)."""
    return index_keys(
        MatchDoc(text=row.text or "", title=row.title, author_handle=row.author_handle, url=row.url)
    )


def keys_of_mention(m: Mention) -> list[str]:
    return index_keys(MatchDoc.from_mention(m))


def add_with_cursor(cursor: Any, *, sqlite: bool, entries: Iterable[tuple[int, list[str]]]) -> None:
    """Index new mentions inside the writer's transaction (a DBAPI cursor)."""
    if sqlite:
        cursor.executemany(SQLITE_ADD, [(mention_id, " ".join(keys)) for mention_id, keys in entries])
    else:
        rows = list(entries)
        if rows:
            cursor.executemany(POSTGRES_ADD, rows)


def _add(conn: Connection, entries: Sequence[tuple[int, list[str]]]) -> None:
    if not entries:
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        add_with_cursor(cursor, sqlite=conn.dialect.name == "sqlite", entries=entries)
    finally:
        cursor.close()


def unindex(conn: Connection, ids: Sequence[int]) -> None:
    """Take mentions out of the index before they are deleted (in the deleting transaction)."""
    if not ids or conn.dialect.name != "sqlite":
        return  # PostgreSQL: the rows go with their mention (ON DELETE CASCADE)
    state = _state(conn)
    rows = conn.execute(sa.select(*KEY_COLUMNS).where(mention.c.id.in_(ids))).all()
    indexed = [
        (row.id, " ".join(keys_of_row(row)))
        for row in rows
        if state is None or row.id < state[0] or row.id > state[1]
    ]
    if indexed:
        conn.exec_driver_sql(SQLITE_REMOVE, indexed)


def _state(conn: Connection) -> tuple[int, int] | None:
    row = conn.execute(sa.select(search_build.c.next_id, search_build.c.target_id)).first()
    return None if row is None else (row.next_id, row.target_id)


@dataclass(frozen=True, slots=True)
class BuildState:
    indexed: int  # mentions up to target the build has done (counted by id range)
    pending: int  # ids still to do, roughly (next_id .. target_id)
    done: bool


def build_state(*, engine: Engine) -> BuildState:
    with engine.connect() as conn:
        state = _state(conn)
    if state is None:
        return BuildState(0, 0, True)
    next_id, target = state
    return BuildState(max(0, next_id - 1), max(0, target - next_id + 1), next_id > target)


def ready(conn: Connection) -> bool:
    """Whether every stored mention is in the index."""
    state = _state(conn)
    return state is None or state[0] > state[1]


def build(
    *, engine: Engine, batch_size: int = 5000, on_batch: Callable[[int, int], None] | None = None
) -> BuildState:
    """Index the mentions stored before migration 0026, ``batch_size`` ids per transaction; resumable.

    ``on_batch(done_through_id, target_id)`` is called after every committed batch (a progress bar)."""
    while True:
        with engine.begin() as conn:
            state = _state(conn)
            if state is None or state[0] > state[1]:
                break
            start, target = state
            end = min(target, start + batch_size - 1)
            rows = conn.execute(
                sa.select(*KEY_COLUMNS).where(mention.c.id >= start, mention.c.id <= end)
            ).all()
            _add(conn, [(row.id, keys_of_row(row)) for row in rows])
            conn.execute(sa.update(search_build).values(next_id=end + 1))
        if on_batch is not None:
            on_batch(end, target)
        elif end // 100_000 != (end - batch_size) // 100_000 or end == target:
            log.info("search index: mentions up to id %s of %s indexed", f"{end:,}", f"{target:,}")
    return build_state(engine=engine)


def candidates(plan: IndexPlan, dialect: str) -> sa.ColumnElement[bool]:
    """A condition on ``mention.id``: the mention is among the index's answers to ``plan``."""
    if dialect == "sqlite":
        found = sa.text("SELECT rowid FROM mention_search WHERE mention_search MATCH :index_query")
        return mention.c.id.in_(found.bindparams(index_query=plan.fts5()).columns(sa.column("rowid")))
    found = sa.text(
        "SELECT mention_id FROM mention_search WHERE keys @@ CAST(:index_query AS tsquery)"
    ).bindparams(index_query=plan.tsquery())
    return mention.c.id.in_(found.columns(sa.column("mention_id")))


def candidate_ids(conn: Connection, plan: IndexPlan, limit: int) -> list[int] | None:
    """PostgreSQL: the ids the index answers ``plan`` with, when there are at most ``limit`` (else None)."""
    sql = "SELECT mention_id FROM mention_search WHERE keys @@ CAST(:q AS tsquery) LIMIT :n"
    ids = list(conn.execute(sa.text(sql), {"q": plan.tsquery(), "n": limit + 1}).scalars())
    return ids if len(ids) <= limit else None


def compile_plan(query: str) -> IndexPlan:
    """The index plan of a query text (for tools and tests)."""
    return compile_index_query(parse_query(query))


def count_candidates(conn: Connection, plan: IndexPlan) -> int:
    """How many mentions the index answers ``plan`` with (all of history, no other filter)."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT count(*) FROM mention_search WHERE mention_search MATCH :q"
        return int(conn.execute(sa.text(sql), {"q": plan.fts5()}).scalar_one())
    sql = "SELECT count(*) FROM mention_search WHERE keys @@ CAST(:q AS tsquery)"
    return int(conn.execute(sa.text(sql), {"q": plan.tsquery()}).scalar_one())


__all__ = [
    "BuildState",
    "SEARCH_TABLE",
    "add_with_cursor",
    "build",
    "build_state",
    "candidates",
    "count_candidates",
    "keys_of_mention",
    "keys_of_row",
    "ready",
    "search_build",
    "unindex",
]
