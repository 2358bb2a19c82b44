"""Migrations build exactly the schema the code declares, on both databases, and re-run safely."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from luister.storage.migrate import current_revision, head_revision, upgrade
from luister.storage.tables import metadata


def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)


def test_the_known_schema_revision_is_the_newest_migration(engine: Engine) -> None:
    from luister.services.database import stored_revision
    from luister.storage.tables import SCHEMA_REVISION

    assert head_revision(engine) == SCHEMA_REVISION == stored_revision(engine=engine)


def test_sqlite_runs_in_wal_mode(sqlite_settings) -> None:  # type: ignore[no-untyped-def]
    from luister.storage.engine import create_engine

    engine = create_engine(sqlite_settings)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
