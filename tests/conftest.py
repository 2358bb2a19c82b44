"""Shared fixtures: every database test runs on SQLite and on PostgreSQL, each in isolation.

PostgreSQL is expected at 127.0.0.1:5432 (trust auth, database ``test``), or wherever
``LUISTER_TEST_POSTGRES_URL`` points. Each test gets its own schema, dropped afterwards. When the
server is missing the PostgreSQL tests fail with a clear message: they never skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import Engine

from luister.settings import Settings, get_settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade

POSTGRES_URL = os.environ.get(
    "LUISTER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgres"]

# No time limit per generated example: on a shared CI machine a slow moment is not a failure.
hypothesis_settings.register_profile("luister", deadline=None)
hypothesis_settings.load_profile("luister")


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """Local platform servers (pytest-httpserver) on 127.0.0.1, so URLs name the address the SSRF guard
    checks; tests allow exactly that address."""
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's LUISTER_* variables or luister.toml."""
    for name in list(os.environ):
        if name.startswith("LUISTER_") and name != "LUISTER_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _postgres_reachable() -> None:
    probe = sa.create_engine(POSTGRES_URL)
    try:
        with probe.connect():
            pass
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc.orig}. Start it "
            "(see .ci/run) or point LUISTER_TEST_POSTGRES_URL at a server.",
            pytrace=False,
        )
    finally:
        probe.dispose()


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings for a fresh database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield get_settings(database_url=f"sqlite:///{tmp_path / 'luister.db'}", data_dir=tmp_path / "data")
        return
    _postgres_reachable()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield get_settings(database_url=POSTGRES_URL, database_schema=schema, data_dir=tmp_path / "data")
    cleanup = sa.create_engine(POSTGRES_URL)
    with cleanup.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    cleanup.dispose()


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    engine = create_engine(settings)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return get_settings(database_url=f"sqlite:///{tmp_path / 'luister.db'}", data_dir=tmp_path / "data")
