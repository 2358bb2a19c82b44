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
from typing import Any, ClassVar, Literal, Protocol, overload, runtime_checkable

from pydantic import BaseModel

from luister.domain.errors import ConnectorError as ConnectorError  # where connectors look for it
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


@runtime_checkable
class Connector(Protocol):
    """What every connector is: it reads (or, with ``Capability.push``, is pushed to)."""

    name: ClassVar[str]
    options_model: ClassVar[type[BaseModel]]
    capabilities: ClassVar[frozenset[Capability]]
    max_concurrency: ClassVar[int]
    poll_interval: ClassVar[int]

    def __init__(self, options: Any, *, http: Any = None) -> None:
        """``options`` is an instance of ``options_model``; ``http`` the guarded client (``luister.net``)."""

    async def check_credentials(self) -> Health: ...

    def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]: ...

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        """Pure: the same raw item and options always give the same mention (or MappingError)."""
        ...

    def health(self) -> Health: ...


@runtime_checkable
class Searching(Connector, Protocol):
    """``Capability.search``: ``fetch(query, cursor)`` runs a platform search for ``query``; the listener
    turns each topic into searches (prefixed with ``search_prefix``, e.g. ``#`` for hashtag timelines)."""

    search_prefix: ClassVar[str | None]

    def own_terms(self) -> str | None:
        """The source's own search terms (its ``query`` option), searched beside the topics; None if none."""
        ...


@dataclass(frozen=True, slots=True)
class ReplyTarget:
    """Where a reply goes: the mention answered, as the platform knows it."""

    external_id: str  # the platform's id of the post replied to
    url: str | None = None
    thread_id: str | None = None  # the thread's root, where the platform needs it (Bluesky ``root``)


@dataclass(frozen=True, slots=True)
class Posted:
    """What the platform answered for a post it accepted."""

    external_id: str
    url: str | None = None


@runtime_checkable
class Replying(Connector, Protocol):
    """``Capability.reply``: answer a mention where it was posted, exactly once. ``key`` identifies the
    attempt (an idempotency key, or a record key the platform keeps): :meth:`find_reply` looks for a reply
    made with it, so that after a crash or a timeout nothing is sent twice."""

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted: ...

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None: ...


@runtime_checkable
class Publishing(Connector, Protocol):
    """``Capability.publish``: post something new from a voice, exactly once (see :class:`Replying`)."""

    async def publish(self, text: str, *, key: str) -> Posted: ...

    async def find_published(self, *, key: str, text: str) -> Posted | None: ...


class CapabilityMissing(LookupError):
    """A connector is asked for something it cannot do; the message names the connector and the capability."""


_PROTOCOLS: dict[Capability, tuple[type[Any], tuple[str, ...]]] = {
    Capability.search: (Searching, ("search_prefix", "own_terms")),
    Capability.reply: (Replying, ("reply", "find_reply")),
    Capability.publish: (Publishing, ("publish", "find_published")),
}


@overload
def require(connector: type[Any], capability: Literal[Capability.search]) -> type[Searching]: ...
@overload
def require(connector: type[Any], capability: Literal[Capability.reply]) -> type[Replying]: ...
@overload
def require(connector: type[Any], capability: Literal[Capability.publish]) -> type[Publishing]: ...


def require(connector: type[Any], capability: Capability) -> type[Any]:
    """The connector class as the typed protocol of ``capability``, or :class:`CapabilityMissing` when it
    does not declare the capability or lacks a member the capability needs. Ask for a capability, never
    for a platform name."""
    name = getattr(connector, "name", connector.__name__)
    declared: frozenset[Capability] = getattr(connector, "capabilities", frozenset())
    if capability not in declared:
        can = ", ".join(sorted(c.value for c in declared)) or "nothing"
        raise CapabilityMissing(f"the {name} connector cannot {capability.value} (it can: {can})")
    protocol, members = _PROTOCOLS[capability]
    missing = [member for member in members if not hasattr(connector, member)]
    if missing:
        raise CapabilityMissing(
            f"the {name} connector declares {capability.value} but lacks {', '.join(missing)}"
        )
    return connector


def can(connector: type[Any] | None, capability: Capability) -> bool:
    """Whether ``connector`` declares ``capability`` and has what it needs (:func:`require`, no raise)."""
    if connector is None:
        return False
    try:
        require(connector, capability)  # type: ignore[call-overload]
    except CapabilityMissing:
        return False
    return True
