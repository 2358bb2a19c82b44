"""Alembic migrations run from code: ``luister db upgrade`` and ``luister init`` call :func:`upgrade`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(
    engine: Engine, revision: str = "head", *, on_batch: Callable[[int, int], None] | None = None
) -> None:
    """Bring the schema to ``revision``; safe to run repeatedly. Then index the mentions the search
    index does not hold yet (migration 0026), committing batch by batch (``on_batch``: progress)."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    with engine.connect() as connection:
        has_index = sa.inspect(connection).has_table("mention_index_build")
    if has_index:
        from luister.storage import search_index

        search_index.build(engine=engine, on_batch=on_batch)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
