"""A complete luister plugin in one module: a connector, an enricher and an alert channel.

Install it like any plugin, through the ``luister`` entry-point group of your package::

    [project.entry-points.luister]
    guestbook = "my_package.plugin"

luister then finds the hooks below (``luister sources kinds`` lists the connector).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

from luister.alerts.channels.base import AlertChannel, DeliveryError
from luister.alerts.model import AlertMessage
from luister.connectors.base import Capability, Connector, Health, Page
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention, new_mention
from luister.hookspecs import hookimpl
from luister.services.ingest import Enricher


class GuestbookOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[dict[str, str]] = Field(description="The guestbook's entries: id, name, text, at.")


class GuestbookConnector:
    """Reads the entries of a guestbook (here: given as an option, so the example needs no server).

    A real connector fetches pages from its platform with ``self.http`` (luister's SSRF-guarded client)
    and yields each page's raw items with the cursor to save once they are stored."""

    name: ClassVar[str] = "guestbook"
    options_model: ClassVar[type[BaseModel]] = GuestbookOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.read})
    max_concurrency: ClassVar[int] = 1
    poll_interval: ClassVar[int] = 3600
    example: ClassVar[str] = """luister sources add gastenboek guestbook -o 'entries=[{"id": "1", …}]'"""

    def __init__(self, options: GuestbookOptions, *, http: Any = None) -> None:
        self.options = options
        self.http = http

    async def check_credentials(self) -> Health:
        return Health(ok=True, detail=f"{len(self.options.entries)} entries")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        seen = int((cursor or {}).get("seen", 0))
        items = [
            RawItem(raw=orjson.dumps(entry).decode(), position=f"entry {n}", data=entry)
            for n, entry in enumerate(self.options.entries[seen:], start=seen)
        ]
        yield Page(items=items, cursor={"seen": seen + len(items)})

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        """Pure: raw item in, mention out; a missing required field raises ``MappingError``."""
        entry = item.data if isinstance(item.data, dict) else orjson.loads(item.raw)
        if not entry.get("text"):
            raise MappingError("text", "the entry has no text")
        return new_mention(
            channel="guestbook",
            external_id=str(entry["id"]),
            text=entry["text"],
            published_at=entry.get("at") or fetched_at,
            fetched_at=fetched_at,
            raw=item.raw,
            author_name=entry.get("name"),
        )

    def health(self) -> Health:
        return Health(ok=True)


class ShoutingEnricher:
    """Marks mentions written mostly in capitals: ``extra["shouting"] = True``. Enrichers run on every
    batch before it is stored, after luister's own analysis and topic matching."""

    name = "shouting"

    def enrich(self, mentions: list[Mention]) -> None:
        for mention in mentions:
            letters = [c for c in mention.text if c.isalpha()]
            if len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
                mention.extra["shouting"] = True


class ConsoleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefix: str = Field("ALERT", description="Put before every line.")


class ConsoleChannel:
    """Writes each alert as one line to a list (a real channel sends it somewhere, once)."""

    name: ClassVar[str] = "console"
    options_model: ClassVar[type[BaseModel]] = ConsoleOptions
    example: ClassVar[str] = "luister alerts channels add screen console -o prefix=LET_OP"
    sent: ClassVar[list[str]] = []

    def __init__(self, options: ConsoleOptions, *, http: Any = None) -> None:
        self.options = options

    async def send(self, message: AlertMessage) -> None:
        if not message.title:
            raise DeliveryError("an alert without a title", retryable=False)
        self.sent.append(f"{self.options.prefix}: {message.title}")


@hookimpl
def luister_connectors() -> list[type[Connector]]:
    return [GuestbookConnector]


@hookimpl
def luister_enrichers() -> list[Enricher]:
    return [ShoutingEnricher()]


@hookimpl
def luister_alert_channels() -> list[type[AlertChannel]]:
    return [ConsoleChannel]
