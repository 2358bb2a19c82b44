"""One composition root: plugins are loaded once per process, and the enricher chain is built in one place."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from api_helpers import make_api
from sqlalchemy.engine import Engine
from test_ingest_push import SECRET, signed
from typer.testing import CliRunner

import luister
from luister import plugins
from luister.cli import app
from luister.services.sources import add_source
from luister.settings import Settings
from luister.storage.secrets import Cipher
from luister.testing import record, write_jsonl

SRC = Path(luister.__file__).parent


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts every time the installed plugins are loaded, from a process that has loaded none yet."""
    counted: list[int] = []
    real = plugins.load_plugins

    def counting(*extra: object) -> plugins.Plugins:
        counted.append(1)
        return real(*extra)

    plugins.installed.cache_clear()
    monkeypatch.setattr(plugins, "load_plugins", counting)
    yield counted
    plugins.installed.cache_clear()


def test_plugins_load_once_while_the_cli_imports_the_server_answers_and_pushes_arrive(
    loads: list[int], sqlite_settings: Settings, tmp_path: Path
) -> None:
    env = {"LUISTER_DATABASE_URL": sqlite_settings.database_url, "COLUMNS": "160"}
    runner = CliRunner()
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    for n in range(2):  # two imports in one process
        path = write_jsonl(tmp_path / f"part{n}.jsonl", [record(n * 10 + i) for i in range(10)])
        result = runner.invoke(app, ["import", str(path), "--workers", "0"], env=env)
        assert result.exit_code == 0, result.output
    from luister.services.database import open_database

    engine: Engine = open_database(settings=sqlite_settings)
    api = make_api(sqlite_settings, engine)
    add_source(engine=engine, connectors=plugins.installed().connectors(), cipher=Cipher.of(sqlite_settings),
               name="crm", connector="webhook", options={"secret": SECRET, "channel": "review"})  # fmt: skip
    for path in ("/api/v1/sources", "/api/v1/topics", "/api/v1/mentions", "/api/v1/sources"):
        assert api.get(path).status_code == 200
    for n in range(3):
        body = orjson.dumps([record(100 + n)])
        answer = api.client.post("/api/v1/ingest/crm", content=body, headers=signed(body))
        assert answer.status_code == 202, answer.text
        assert answer.json()["stored"] == 1
    assert len(loads) == 1


def _calls(name: str) -> list[str]:
    """The modules of luister (outside ``testing``) that call ``name(...)``."""
    found = []
    for path in SRC.rglob("*.py"):
        if path.name == "testing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == name
            ):
                found.append(str(path.relative_to(SRC)))
    return found


def test_the_enricher_chain_is_built_in_one_function_only() -> None:
    assert _calls("TopicMatchEnricher") == ["runtime.py"]
    assert _calls("ingest_enrichers") == ["runtime.py"]
    assert _calls("load_plugins") == ["plugins.py"]
