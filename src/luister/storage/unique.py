"""Writes that meet a unique constraint while another request writes the same row: "is the name free?" and
"update it, else insert it" both read before they write, and two requests at once can both read "not there"
(on PostgreSQL really at once; SQLite serialises writers). The second insert then breaks the unique
constraint; these helpers turn that into what it means, instead of an error that reaches the user as a 500.

Each insert runs in a savepoint, so the transaction goes on after a refused insert (PostgreSQL aborts a
transaction on any failed statement otherwise)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

_UNIQUE_SQLSTATE = "23505"  # unique_violation


def is_unique_violation(exc: IntegrityError) -> bool:
    """Whether ``exc`` is a unique constraint refusing a row (not a foreign key, a NOT NULL, a check)."""
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == _UNIQUE_SQLSTATE or "UNIQUE constraint failed" in str(orig)


def insert_new(conn: Connection, statement: sa.Insert) -> Sequence[sa.Row[Any]] | None:
    """Execute ``statement``: the rows it returns (``RETURNING``; none without), or ``None`` when a unique
    constraint refused it because the row is there already (another request inserted it since it was
    looked up). Other integrity errors are raised."""
    try:
        with conn.begin_nested():
            result = conn.execute(statement)
            return result.all() if result.returns_rows else []
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        return None


def put_row(
    conn: Connection,
    table: sa.Table,
    *,
    key: Mapping[str, Any],
    values: Mapping[str, Any],
    on_insert: Mapping[str, Any] | None = None,
    check: Callable[[sa.Row[Any]], None] | None = None,
) -> bool:
    """Update the row of ``table`` whose columns equal ``key`` to ``values``, or insert it (with
    ``on_insert`` as well); True when it was inserted. ``check`` sees the row before it is changed (locked
    on PostgreSQL) and may raise to refuse. Two puts of the same row at once both succeed and the later
    one's values stand: when the other inserted the row between this look-up and this insert, the unique
    violation is caught and that row is checked and updated (on PostgreSQL's read committed the second
    look-up sees it once the other transaction has committed)."""
    where = sa.and_(*(table.c[column] == value for column, value in key.items()))
    for attempt in range(2):
        row = conn.execute(sa.select(table).where(where).with_for_update()).first()
        if row is not None:
            if check is not None:
                check(row)
            conn.execute(table.update().where(where).values(**values))
            return False
        if attempt == 0:
            inserted = insert_new(conn, table.insert().values(**key, **values, **(on_insert or {})))
            if inserted is not None:
                return True
    raise RuntimeError(f"{table.name}: a unique constraint refused {dict(key)} but no such row exists")
