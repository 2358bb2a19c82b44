"""Shared fixtures: every database test runs on SQLite and on PostgreSQL, each in isolation.

PostgreSQL is expected at 127.0.0.1:5432 (trust auth, database ``test``), or wherever
``LUISTER_TEST_POSTGRES_URL`` points. Each test gets its own database, dropped afterwards. When the
server is missing the PostgreSQL tests fail with a clear message: they never skip.

Migrating a database from nothing takes ≈0.3 s on SQLite and ≈1.3 s on PostgreSQL, so each test process
migrates one template per backend once and every test gets a copy of it (a file copy; ``CREATE DATABASE
… TEMPLATE``, ≈0.05 s): the same schema the migrations build, tested by ``test_migrations.py`` on an
empty database (``@pytest.mark.blank_database``).
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import Engine, make_url

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


@pytest.fixture(autouse=True)
def _quick_password_hashing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the smallest cost in tests (≈2 ms instead of ≈400 ms a hash): the tests sign many
    people in. ``@pytest.mark.real_password_hashing`` keeps the product's parameters (the timing tests)."""
    if request.node.get_closest_marker("real_password_hashing") is not None:
        return
    from argon2 import PasswordHasher

    from luister.services import accounts

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_HASHER", quick)
    monkeypatch.setattr(accounts, "DUMMY_HASH", _QUICK_DUMMY.setdefault("hash", quick.hash("timing")))


_QUICK_DUMMY: dict[str, str] = {}


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


class Templates:
    """Per test process: the migrated template of each backend, built on first use, dropped at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sqlite: Path | None = None
        self.postgres: str | None = None
        self.admin: Engine | None = None
        self.to_drop: queue.Queue[str | None] = queue.Queue()
        self.dropper: threading.Thread | None = None

    def server(self) -> Engine:
        if self.admin is None:
            _postgres_reachable()
            self.admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        return self.admin

    def sqlite_copy(self, target: Path) -> None:
        if self.sqlite is None:
            made = self.folder / "template.db"
            made_url = f"sqlite:///{made}"
            engine = create_engine(get_settings(database_url=made_url, data_dir=self.folder / "data"))
            upgrade(engine)
            engine.dispose()  # the last connection checkpoints the WAL into the file
            self.sqlite = made
        shutil.copyfile(self.sqlite, target)

    def postgres_database(self, *, blank: bool) -> str:
        """A new database: empty, or a copy of the migrated template; its URL."""
        if not blank and self.postgres is None:
            name = f"tmpl_{uuid.uuid4().hex[:16]}"
            with self.server().connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
            engine = create_engine(get_settings(database_url=_database(name), data_dir=self.folder / "data"))
            upgrade(engine)
            engine.dispose()  # CREATE DATABASE … TEMPLATE wants nobody connected to the template
            self.postgres = name
        name = f"t_{uuid.uuid4().hex[:16]}"
        with self.server().connect() as conn:
            source = "template0" if blank else self.postgres
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return _database(name)

    def drop(self, url: str) -> None:
        """Drop a test's database in the background: DROP DATABASE waits for a checkpoint, which the next
        test need not wait for."""
        if self.dropper is None:
            self.dropper = threading.Thread(target=self._dropping, name="drop-test-databases", daemon=True)
            self.dropper.start()
        self.to_drop.put(make_url(url).database)

    def _dropping(self) -> None:
        while (name := self.to_drop.get()) is not None:
            with self.server().connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self.dropper is not None:
            self.to_drop.put(None)
            self.dropper.join()
        if self.admin is not None:
            if self.postgres is not None:
                with self.admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.postgres}" WITH (FORCE)')
            self.admin.dispose()


def _database(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.close()


def _blank(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("blank_database") is not None


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path, _templates: Templates) -> Iterator[Settings]:
    """Settings for a database of the test's own: a SQLite file, or a PostgreSQL database. Migrated (a copy
    of the template) unless the test is marked ``blank_database``."""
    blank = _blank(request)
    if request.param == "sqlite":
        path = tmp_path / "luister.db"
        if not blank:
            _templates.sqlite_copy(path)
        yield get_settings(database_url=f"sqlite:///{path}", data_dir=tmp_path / "data")
        return
    url = _templates.postgres_database(blank=blank)
    yield get_settings(database_url=url, data_dir=tmp_path / "data")
    _templates.drop(url)


@pytest.fixture
def engine(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    engine = create_engine(settings)
    if _blank(request):
        upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return get_settings(database_url=f"sqlite:///{tmp_path / 'luister.db'}", data_dir=tmp_path / "data")
