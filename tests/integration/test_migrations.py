"""Migrations build exactly the schema the code declares, on both databases, and re-run safely."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

import luister.accounts.tables  # noqa: F401  # its tables on the shared metadata
import luister.inbox.tables  # noqa: F401
import luister.kpis.tables  # noqa: F401
import luister.listening.tables  # noqa: F401
import luister.organisation.maturity_tables  # noqa: F401
import luister.organisation.policy_tables  # noqa: F401
import luister.organisation.training_tables  # noqa: F401
from luister.storage.migrate import current_revision, head_revision, upgrade
from luister.storage.tables import declared, metadata

pytestmark = pytest.mark.blank_database  # every test here builds the schema from nothing, step by step


# SQLite reflects no expression index (the mention list's sort indexes): they are undeclared, as are the
# search tables, and tests/integration/test_mention_sort_indexes.py shows they are there and used
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_match_the_declared_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": declared})
        diff = compare_metadata(context, metadata)
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
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 16_384  # a new database
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 2_560  # 40 MiB


def test_an_existing_sqlite_database_keeps_its_page_size(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    from luister.settings import get_settings
    from luister.storage.engine import create_engine
    from luister.storage.migrate import upgrade

    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # made by an earlier luister: 4 KiB pages
        old.execute("PRAGMA page_size=4096")
        old.execute("PRAGMA journal_mode=WAL")
        old.execute("CREATE TABLE kept (x)")
    engine = create_engine(get_settings(database_url=f"sqlite:///{path}"))
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4_096
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_240  # still 40 MiB
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()


def test_primary_intents_are_filled_in_from_the_stored_intents(settings) -> None:  # type: ignore[no-untyped-def]
    """0009 gives mentions analysed before it their most urgent intent, on both databases."""
    import sqlalchemy as sa

    from luister.storage.engine import create_engine

    engine = create_engine(settings)
    upgrade(engine, "0008")
    stored = {"a": "complaint,churn", "b": "question,feedback", "c": "other", "d": None, "e": "praise,lead"}
    with engine.begin() as conn:
        for key, intents in stored.items():
            conn.execute(
                sa.text(
                    "INSERT INTO mention (channel, external_id, text, published_at, fetched_at, raw, "
                    "intents) VALUES ('test', :key, 'x', :at, :at, '{}', :intents)"
                ),
                {"key": key, "intents": intents, "at": "2026-12-01 10:00:00"},
            )
    upgrade(engine)
    with engine.connect() as conn:
        found = dict(conn.execute(sa.text("SELECT external_id, primary_intent FROM mention")).all())
    engine.dispose()
    assert found == {"a": "churn", "b": "question", "c": "other", "d": None, "e": "lead"}


def test_the_routing_scan_filters_conversations_by_an_index(engine: Engine) -> None:
    """0029: the maturity assessment counts conversations by ``cycle_started_at`` through an index."""
    import sqlalchemy as sa

    indexes = {i["name"]: i["column_names"] for i in sa.inspect(engine).get_indexes("conversation")}
    assert indexes["ix_conversation_cycle_started"] == ["cycle_started_at"]
