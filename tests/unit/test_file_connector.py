"""The file connector pages through a file and resumes from its cursor without loss or repeats."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from luister.connectors.base import Capability, Connector
from luister.connectors.file_import import FileConnector, FileOptions
from luister.plugins import load_plugins
from luister.testing import record, write_jsonl


async def collect(connector: FileConnector, cursor: dict[str, int] | None, pages: int | None = None):  # type: ignore[no-untyped-def]
    seen = []
    async for page in connector.fetch(None, cursor):
        seen.append(page)
        if pages is not None and len(seen) == pages:
            break
    return seen


def test_builtin_plugins_load_cleanly_and_register_the_file_connector() -> None:
    plugins = load_plugins()
    assert plugins.failures == {}
    assert plugins.connectors()["file"] is FileConnector


def test_pages_and_resume(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", [record(n) for n in range(25)])
    connector = FileConnector(FileOptions(path=path, page_size=10))
    assert isinstance(connector, Connector)
    assert Capability.read in connector.capabilities and Capability.reply not in connector.capabilities

    first = asyncio.run(collect(connector, None, pages=2))
    assert [len(p.items) for p in first] == [10, 10] and first[-1].cursor == {"items": 20}
    rest = asyncio.run(collect(connector, first[-1].cursor))
    assert [len(p.items) for p in rest] == [5] and rest[-1].cursor == {"items": 25}
    ids = [i.data["id"] for p in first + rest for i in p.items]
    assert ids == [f"m{n}" for n in range(25)]


def test_maps_with_its_options(tmp_path: Path) -> None:
    path = tmp_path / "forum.csv"
    path.write_text("post;body\n7;Voltaro app kapot\n", encoding="utf-8")
    connector = FileConnector(
        FileOptions(path=path, channel="forum", fields={"external_id": "post", "text": "body"})
    )
    [page] = asyncio.run(collect(connector, None))
    mention = connector.map_item(page.items[0], fetched_at=datetime(2026, 10, 1, tzinfo=UTC))
    assert (mention.channel, mention.external_id, mention.text) == ("forum", "7", "Voltaro app kapot")
    assert asyncio.run(connector.check_credentials()).ok
    assert not asyncio.run(FileConnector(FileOptions(path=tmp_path / "nope.csv")).check_credentials()).ok
