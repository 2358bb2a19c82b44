"""The permission walk's database: which of the watched tables differ from a snapshot, and a way back to the
snapshot after a write. On SQLite the snapshot is the file's online backup; on PostgreSQL a copy of every
table in a schema of the walk's own, and a statement trigger on every table that notes it was written, so a
question asks only about the tables written since the last one and a restore copies only those back."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


class Snapshot(Protocol):
    def save(self) -> None:
        """Take the snapshot: the database as it is now."""

    def changed(self) -> list[str]:
        """The watched tables whose rows differ from the snapshot's."""

    def restore(self) -> None:
        """Back to the snapshot, every table (watched or not)."""


def snapshot(engine: Engine, watched: Iterable[str]) -> Snapshot:
    if engine.dialect.name == "postgresql":
        return PostgresSnapshot(engine, watched)
    database = engine.url.database
    assert database, "a SQLite database in a file"
    return SqliteSnapshot(engine, Path(database), watched)


def fingerprints(conn: Connection, tables: Iterable[str]) -> dict[str, str]:
    """A hash of each table's rows, in no particular order (a restore may store them in another). The
    driver's own rows: their repr is quick and whole (SQLAlchemy's cuts long values short)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    found = {}
    for name in tables:
        cursor.execute(f'SELECT * FROM "{name}"')
        rows = sorted(map(repr, cursor.fetchall()))
        found[name] = hashlib.sha1("\n".join(rows).encode()).hexdigest()
    cursor.close()
    return found


class SqliteSnapshot:
    def __init__(self, engine: Engine, path: Path, watched: Iterable[str]) -> None:
        self.engine, self.path, self.pristine = engine, path, path.with_suffix(".pristine")
        self.watched = list(watched)
        self.watch = sqlite3.connect(path)  # a connection of our own, for its data_version
        self.version = self.watch.execute("PRAGMA data_version").fetchone()[0]
        self.before: dict[str, str] = {}

    def save(self) -> None:
        self._copy(self.path, self.pristine)
        with self.engine.connect() as conn:
            self.before = fingerprints(conn, self.watched)

    def restore(self) -> None:
        self._copy(self.pristine, self.path)

    def _copy(self, source: Path, target: Path) -> None:
        """SQLite's online backup (the write-ahead log included), with the app's connections closed."""
        self.engine.dispose()
        with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
            origin.backup(copy)

    def changed(self) -> list[str]:
        """Most refused requests commit nothing at all (SQLite's data_version stays), and need no look."""
        version = self.watch.execute("PRAGMA data_version").fetchone()[0]
        if version == self.version:
            return []
        self.version = version
        with self.engine.connect() as conn:
            now = fingerprints(conn, self.watched)
        return sorted(name for name in self.watched if now[name] != self.before[name])


TOUCH = """
CREATE FUNCTION walk.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO walk.touched VALUES (TG_TABLE_NAME);
    RETURN NULL;
END $$
"""

# each table's columns a row is copied by (generated ones are made again)
COLUMNS = """
SELECT table_name, string_agg(format('%I', column_name), ', ' ORDER BY ordinal_position)
FROM information_schema.columns
WHERE table_schema = 'public' AND is_generated = 'NEVER'
  AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')
GROUP BY table_name
"""


class PostgresSnapshot:
    """Restoring copies rows back with ``session_replication_role = replica``: foreign keys and the
    product's own triggers (the conversation tally) stay quiet, since every table written is restored."""

    def __init__(self, engine: Engine, watched: Iterable[str]) -> None:
        self.engine, self.watched = engine, set(watched)
        self.columns: dict[str, str] = {}
        self.sequences: list[tuple[str, int, bool]] = []
        self.written: set[str] = set()  # since the last restore
        self.before: dict[str, str] = {}

    def save(self) -> None:
        with self.engine.begin() as conn:
            self.columns = {str(name): str(columns) for name, columns in conn.execute(sa.text(COLUMNS))}
            conn.exec_driver_sql("CREATE SCHEMA walk")
            conn.exec_driver_sql("CREATE UNLOGGED TABLE walk.touched (name text NOT NULL)")
            conn.exec_driver_sql(TOUCH)
            for name, columns in self.columns.items():
                conn.exec_driver_sql(f'CREATE TABLE walk."{name}" AS SELECT {columns} FROM public."{name}"')
                conn.exec_driver_sql(
                    "CREATE TRIGGER walk_touched AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f'ON public."{name}" FOR EACH STATEMENT EXECUTE FUNCTION walk.touch()'
                )
            self.sequences = [
                (name, int(value or 1), value is not None)
                for name, value in conn.execute(
                    sa.text(
                        "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
                        "WHERE schemaname = 'public'"
                    )
                ).all()
            ]
            self.before = fingerprints(conn, sorted(self.watched & self.columns.keys()))

    def _touched(self, conn: Connection) -> set[str]:
        found = set(conn.exec_driver_sql("DELETE FROM walk.touched RETURNING name").scalars())
        self.written |= found
        return found

    def changed(self) -> list[str]:
        """Only the watched tables written since the last question can differ: the walk restores every
        change it finds."""
        with self.engine.begin() as conn:
            asked = sorted(self._touched(conn) & self.before.keys())
            now = fingerprints(conn, asked)
        return [name for name in asked if now[name] != self.before[name]]

    def restore(self) -> None:
        with self.engine.begin() as conn:
            self._touched(conn)
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for name in sorted(self.written):
                columns = self.columns[name]
                conn.exec_driver_sql(f'DELETE FROM public."{name}"')
                conn.exec_driver_sql(
                    f'INSERT INTO public."{name}" ({columns}) OVERRIDING SYSTEM VALUE '
                    f'SELECT {columns} FROM walk."{name}"'
                )
            if self.sequences:
                conn.execute(
                    sa.text(
                        "SELECT "
                        + ", ".join(f"setval(:s{i}, :v{i}, :c{i})" for i in range(len(self.sequences)))
                    ),
                    {
                        key: value
                        for i, (name, last, called) in enumerate(self.sequences)
                        for key, value in ((f"s{i}", name), (f"v{i}", last), (f"c{i}", called))
                    },
                )
        self.written = set()
