"""The connector protocol every source implements, built-in or third-party.

A connector *reads*: it yields pages of raw items exactly as the platform sent them, and a pure
``map_item`` turns one raw item into a :class:`~luister.domain.mentions.Mention`. Whatever else a
connector can do (reply, publish) it declares in ``capabilities``; callers ask for a capability,
never for a platform name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
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
    """Where a reply goes: the mention answered, as the platform knows it.

    ``raw`` is the mention's raw item exactly as the platform sent it (what a replier needs beyond the id:
    Bluesky's ``cid`` and thread root, Discourse's ``topic_id`` and ``post_number``, Reddit's fullname);
    ``root_raw`` the raw item of the thread's first post where luister has it."""

    external_id: str  # the platform's id of the post replied to
    url: str | None = None
    thread_id: str | None = None  # the thread's root, where the platform needs it (Bluesky ``root``)
    author: str | None = None  # the handle replied to, for a mention where the platform needs one
    raw: Mapping[str, Any] = field(default_factory=dict)
    root_raw: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """What the platform answered for a post it accepted. ``wait``: seconds before this voice may post
    again, when the platform's rate-limit headers say its allowance is used up (else None)."""

    external_id: str
    url: str | None = None
    wait: float | None = None


class ReplyRefused(ConnectorError):
    """The platform certainly did not take the post, and will not take it as it is: an expired token, a
    deleted parent, a locked thread, a text too long, no permission. ``code`` is one of
    :data:`REFUSAL_CODES`; the message says what happened, for the conversation."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


REFUSAL_CODES = frozenset(
    {"credentials", "forbidden", "parent_gone", "locked", "too_long", "invalid", "quota", "not_found"}
)


class ReplyDeferred(ConnectorError):
    """The platform did not take the post now but may later: a rate limit or a quota, with the seconds to
    wait (from ``Retry-After``, ``X-RateLimit-Reset``, ``RateLimit-Reset`` ...)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ReplyUncertain(ConnectorError):
    """The post may or may not have been taken: a time-out after the request went out, a dropped
    connection, a 5xx. Never a failure: the effects ledger reconciles with :meth:`Replier.find_reply`."""


class Replier(Protocol):
    """One voice's way of answering on one platform. Every method raises only the three errors above
    (and :class:`ConnectorError` for what is wrong with the voice's settings)."""

    async def limit(self) -> int:
        """The longest text the platform takes, in :meth:`length`'s unit (Mastodon asks its instance)."""
        ...

    def length(self, text: str) -> int:
        """Pure: ``text``'s length as the platform counts it (Bluesky: graphemes; Mastodon: a link is 23)."""
        ...

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        """Post ``text`` as an answer to ``target``. ``key`` is the effect's key (13 characters of
        base32-sortable time, a valid Bluesky record key); sent as the idempotency key where the platform
        keeps one, or as the record's key."""
        ...

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        """The reply posted with ``key`` (or, where the platform keeps no key, this voice's answer to
        ``target`` with exactly ``text``), or None when it is certainly not there. Raises
        :class:`ReplyUncertain` when it cannot tell."""
        ...


@runtime_checkable
class Replying(Connector, Protocol):
    """``Capability.reply``: answer a mention where it was posted, exactly once. A voice (an account we
    speak from) stores ``voice_model`` (where and how to post; credentials as ``SecretStr``); ``replier``
    builds the voice's :class:`Replier`. The effects ledger commits before each call and, after a crash
    or a time-out, asks ``find_reply`` before it tries again."""

    voice_model: ClassVar[type[BaseModel]]

    @classmethod
    def replier(cls, voice: Any, *, http: Any) -> Replier:
        """``voice`` is an instance of ``voice_model``; ``http`` the guarded client (``luister.net``)."""
        ...


@runtime_checkable
class Publishing(Connector, Protocol):
    """``Capability.publish``: post something new from a voice, exactly once (see :class:`Replying`)."""

    async def publish(self, text: str, *, key: str) -> Posted: ...

    async def find_published(self, *, key: str, text: str) -> Posted | None: ...


class CapabilityMissing(LookupError):
    """A connector is asked for something it cannot do; the message names the connector and the capability."""


_PROTOCOLS: dict[Capability, tuple[type[Any], tuple[str, ...]]] = {
    Capability.search: (Searching, ("search_prefix", "own_terms")),
    Capability.reply: (Replying, ("voice_model", "replier")),
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
