"""Opening the database: an engine from settings, migrated to the newest schema."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import current_revision, head_revision, upgrade


def open_database(*, settings: Settings, migrate: bool = True) -> Engine:
    """An engine for the configured database; with ``migrate`` the schema is brought up to date first."""
    engine = create_engine(settings)
    if migrate:
        upgrade(engine)
    return engine


def schema_status(*, engine: Engine) -> tuple[str | None, str | None]:
    """``(current, head)`` migration revisions."""
    return current_revision(engine), head_revision(engine)
