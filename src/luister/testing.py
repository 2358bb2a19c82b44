"""Helpers shared by luister's tests and by plugin authors: raw items and files in known shapes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from luister.domain.ingest import RawItem

BASE_TIME = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def record(n: int, **fields: Any) -> dict[str, Any]:
    """A realistic import record number ``n``; ``fields`` override."""
    base: dict[str, Any] = {
        "id": f"m{n}",
        "channel": "mastodon",
        "text": f"Bericht {n}: de Voltaro app laadt traag bij het inloggen, iemand anders ook last? #{n % 7}",
        "author": f"user{n % 97}",
        "created_at": (BASE_TIME + timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
        "url": f"https://mastodon.example/@user{n % 97}/{n}",
        "lang": "nl",
        "followers": n % 1000,
    }
    base.update(fields)
    return base


def raw_item(data: Mapping[str, Any], position: str = "line 1") -> RawItem:
    return RawItem(raw=orjson.dumps(data).decode(), position=position, data=dict(data))


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any] | str]) -> Path:
    """Write records (dicts, or literal lines for broken input) one per line."""
    with path.open("wb") as out:
        for item in records:
            out.write(item.encode() if isinstance(item, str) else orjson.dumps(item))
            out.write(b"\n")
    return path
