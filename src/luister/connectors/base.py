"""The connector protocol every source implements, built-in or third-party.

A connector *reads*: it yields pages of raw items exactly as the platform sent them, and a pure
``map_item`` turns one raw item into a :class:`~luister.domain.mentions.Mention`. Whatever else a
connector can do (reply, publish) it declares in ``capabilities``; callers ask for a capability,
never for a platform name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention


class Capability(StrEnum):
    read = "read"
    reply = "reply"
    publish = "publish"
    search = "search"
    push = "push"  # receives mentions at POST /api/v1/ingest/{source} instead of fetching them


@dataclass(slots=True)
class Page:
    """One fetched page: its raw items and the cursor to save once they are stored."""

    items: list[RawItem]
    cursor: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Health:
    ok: bool
    detail: str = ""


class ConnectorError(Exception):
    """A source failed as a whole (network, auth, platform error); items already stored are kept."""


@runtime_checkable
class Connector(Protocol):
    name: ClassVar[str]
    options_model: ClassVar[type[BaseModel]]
    capabilities: ClassVar[frozenset[Capability]]
    max_concurrency: ClassVar[int]
    poll_interval: ClassVar[int]

    async def check_credentials(self) -> Health: ...

    def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]: ...

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        """Pure: the same raw item and options always give the same mention (or MappingError)."""
        ...

    def health(self) -> Health: ...
