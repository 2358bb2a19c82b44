"""Opening the database: an engine from settings, migrated to the newest schema."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.tables import SCHEMA_REVISION

__all__ = ["create_engine", "open_database", "schema_status", "stored_revision"]


def open_database(*, settings: Settings, migrate: bool = True) -> Engine:
    """An engine for the configured database; with ``migrate`` the schema is brought up to date first.

    Alembic is loaded only when a migration is due: most commands find the schema current.
    """
    engine = create_engine(settings)
    if migrate and stored_revision(engine=engine) != SCHEMA_REVISION:
        from luister.storage.migrate import upgrade

        upgrade(engine)
    return engine


def stored_revision(*, engine: Engine) -> str | None:
    """The migration revision the database is at, or ``None`` for a new database."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def schema_status(*, engine: Engine) -> tuple[str | None, str | None]:
    """``(current, head)`` migration revisions."""
    from luister.storage.migrate import head_revision

    return stored_revision(engine=engine), head_revision(engine)
