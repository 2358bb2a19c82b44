"""Mastodon (and other Mastodon-API servers) as a source: a hashtag timeline, or a status search.

A hashtag timeline (``GET /api/v1/timelines/tag/:hashtag``) is public on most instances and needs no token;
a full-text search (``GET /api/v2/search?type=statuses``) needs an access token, sent only in the
``Authorization: Bearer`` header. Both are paged the Mastodon way, newest first:

* the first run walks back with ``max_id`` (the ``Link`` header's ``rel="next"``, else the oldest id seen)
  for at most ``max_pages`` pages;
* later runs walk forward with ``min_id`` (``rel="prev"``, else the newest id seen): each page holds the
  statuses immediately newer than ``min_id``, so every page moves the cursor on without a gap.

Each status is kept raw as the JSON the server sent for it. A boost (``reblog`` set) is mapped to the
status it boosts, so an original boosted twice is one mention.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, quote, urlsplit

import orjson
from pydantic import BaseModel, Field, HttpUrl, TypeAdapter, field_validator, model_validator

from luister.connectors.base import Capability, Health, Page
from luister.connectors.common import (
    PROBE_TERMS,
    TOPICS_DESCRIPTION,
    HttpConnector,
    TopicNames,
    as_count,
    as_dict,
    as_text,
)
from luister.connectors.html_text import html_to_text
from luister.connectors.mastodon_reply import MastodonReplier, MastodonVoice
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention, new_mention
from luister.net.http import FetchError, FetchResponse

_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')
_REQUIRED = ("id", "created_at", "account")


class MastodonOptions(BaseModel):
    instance: str = Field(description="Base URL of the Mastodon instance, e.g. https://mastodon.social.")
    tag: str | None = Field(
        None, description="Hashtag to follow (without '#'): its public timeline, no token needed."
    )
    query: str | None = Field(
        None,
        description="Full-text status search instead of a hashtag; needs a token. Give tag, query or topics.",
    )
    topics: TopicNames = Field(None, description=TOPICS_DESCRIPTION + " Needs a token.")
    token: str | None = Field(
        None,
        description="Access token (scope read:search for a query or topics); sent only as "
        "Authorization: Bearer.",
    )
    channel: str = Field("mastodon", description="Channel for the mentions.")
    limit: int = Field(40, ge=1, le=40, description="Statuses per request (the API allows at most 40).")
    max_pages: int = Field(10, ge=1, le=1000, description="At most this many requests per run.")

    @field_validator("instance")
    @classmethod
    def _http_url(cls, value: str) -> str:
        _HTTP_URL.validate_python(value)
        return value.rstrip("/")

    @field_validator("tag")
    @classmethod
    def _bare_tag(cls, value: str | None) -> str | None:
        if value is None:
            return None
        tag = value.strip().lstrip("#")
        if not tag:
            raise ValueError("tag is empty")
        return tag

    @model_validator(mode="after")
    def _tag_or_query(self) -> MastodonOptions:
        if self.query is not None and not self.query.strip():
            self.query = None
        if self.tag is not None and self.query is not None:
            raise ValueError("give tag or query, not both")
        if self.tag is None and self.query is None and not self.topics:
            raise ValueError("give a tag, a query or topics")
        if (self.query is not None or self.topics) and not self.token:
            raise ValueError(
                "a search (query or topics) needs a token (Mastodon allows status search only when signed in)"
            )
        return self


class MastodonConnector(HttpConnector):
    """Statuses from a Mastodon instance: a hashtag's public timeline, or a search (with a token).

    Cursor: ``{"since_id": <newest status id seen>}``; while a first run is still walking back also
    ``"max_id"`` (where that walk goes on).
    """

    options: MastodonOptions

    example: ClassVar[str] = (
        "luister sources add masto-acme mastodon -o instance=https://mastodon.social -o tag=acme\n"
        "luister sources add masto-zoek mastodon -o instance=https://mastodon.social "
        '-o query="acme klantenservice" -o token=$MASTODON_TOKEN\n'
        "luister sources add masto-topics mastodon -o instance=https://mastodon.social "
        "-o topics='*' -o token=$MASTODON_TOKEN"
    )

    name: ClassVar[str] = "mastodon"
    options_model: ClassVar[type[BaseModel]] = MastodonOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.read, Capability.search, Capability.reply}
    )
    max_concurrency: ClassVar[int] = 2
    poll_interval: ClassVar[int] = 600

    search_prefix: ClassVar[str | None] = None
    voice_model: ClassVar[type[BaseModel]] = MastodonVoice

    @classmethod
    def replier(cls, voice: Any, *, http: Any) -> MastodonReplier:
        """The voice's way of answering on its instance (``luister.connectors.mastodon_reply``)."""
        return MastodonReplier(MastodonVoice.model_validate(voice), http=http)

    def own_terms(self) -> str | None:
        """What the source listens to without topics, or ``None``."""
        if self.options.query is not None:
            return f"its query {self.options.query!r}"
        return f"#{self.options.tag}" if self.options.tag is not None else None

    async def check_credentials(self) -> Health:
        """One small request: does the timeline or search answer with statuses?"""
        terms = self.options.query if self.own_terms() else PROBE_TERMS
        try:
            response = await self._get({"limit": "1"}, terms)
        except FetchError as exc:
            return Health(ok=False, detail=str(exc))
        items, errors = self.parse(response, page=1, searching=terms is not None)
        if errors and not items:
            return Health(ok=False, detail="; ".join(errors))
        return Health(ok=True, detail=f"{len(items)} statuses")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        """Pages of statuses, newest first on a first run, then only statuses newer than ``since_id``.

        ``query`` (if given) is searched instead of the source's own tag or query."""
        terms = query or self.options.query
        cursor = dict(cursor or {})
        since_id = _id(cursor.get("since_id"))
        max_id = _id(cursor.get("max_id"))
        direction: Literal["back", "forward"] = "forward" if since_id and not max_id else "back"
        seen: set[str] = set()  # originals already yielded this run: a second boost adds nothing
        self._last_error = None
        for number in range(1, self.options.max_pages + 1):
            params = {"limit": str(self.options.limit)}
            if direction == "back" and max_id:
                params["max_id"] = max_id
            elif direction == "forward" and since_id:
                params["min_id"] = since_id
            try:
                response = await self._get(params, terms)
            except FetchError as exc:
                self._last_error = str(exc)
                raise
            items, errors = self.parse(response, page=number, searching=terms is not None)
            if errors and not items:
                self._last_error = "; ".join(errors)
            ids = [i for i in (_id(item.data["id"]) for item in items if item.error is None) if i]
            if not items:  # an unreadable page keeps the cursor; the end of a walk back finishes it
                yield Page(items=[], cursor=_cursor(since_id, max_id if errors else None), errors=errors)
                return
            newest = max(ids, key=_id_key, default=None)
            if direction == "back":
                since_id = _newer(since_id, newest)
                links = _links(response)
                max_id = _id(links.get("next", {}).get("max_id")) or min(ids, key=_id_key, default=None)
                more = (bool(ids) and "next" in links) or (not links and len(items) >= self.options.limit)
                last = not more or number == self.options.max_pages or not max_id
                page_cursor = _cursor(since_id, None if last else max_id)
            else:
                links = _links(response)
                since_id = _newer(since_id, _id(links.get("prev", {}).get("min_id")) or newest)
                last = not ids or len(items) < self.options.limit or number == self.options.max_pages
                page_cursor = _cursor(since_id, None)
            yield Page(items=_once(items, seen), cursor=page_cursor, errors=errors)
            if last:
                return

    def parse(
        self, response: FetchResponse, *, page: int, searching: bool
    ) -> tuple[list[RawItem], list[str]]:
        """The statuses of one response (a search's, or a timeline's) as raw items, and what was wrong
        with it (never raises)."""
        data, error = _json(response)
        if error:
            return [], [f"page {page}: {error}"]
        statuses = data.get("statuses") if searching and isinstance(data, dict) else data
        if not isinstance(statuses, list):
            expected = "an object with a statuses list" if searching else "a list"
            return [], [
                f"page {page}: unexpected response shape: expected {expected}, got {type(data).__name__}"
            ]
        items = [_raw_item(status, f"page {page} item {number}") for number, status in enumerate(statuses, 1)]
        return items, [f"{item.position}: {item.error}" for item in items if item.error]

    async def _get(self, params: dict[str, str], terms: str | None) -> FetchResponse:
        headers = {"Accept": "application/json"}
        if self.options.token:
            headers["Authorization"] = f"Bearer {self.options.token}"
        base = self.options.instance
        if terms is not None:
            url = f"{base}/api/v2/search"
            params = {"q": terms, "type": "statuses", "resolve": "false", **params}
        else:
            url = f"{base}/api/v1/timelines/tag/{quote(self.options.tag or '', safe='')}"
        return await self.http.get(url, headers=headers, params=params)

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        data = item.data
        if item.error or not isinstance(data, dict):
            raise MappingError("raw", item.error or "not a Mastodon status")
        status = data["reblog"] if isinstance(data.get("reblog"), dict) else data
        missing = [key for key in _REQUIRED if key not in status]
        if missing:
            raise MappingError(missing[0], "missing from the status")
        account = as_dict(status.get("account"))
        content = status.get("content")
        spoiler = as_text(status.get("spoiler_text"))
        return new_mention(
            channel=self.options.channel,
            external_id=_id(status.get("id")),
            text=(html_to_text(content) if isinstance(content, str) else "") or _media_text(status),
            title=spoiler,
            published_at=status.get("created_at"),
            fetched_at=fetched_at,
            raw=item.raw,
            url=as_text(status.get("url")) or as_text(status.get("uri")),
            author_handle=self._handle(account),
            author_name=as_text(account.get("display_name")) or as_text(account.get("username")),
            author_followers=as_count(account.get("followers_count")),
            language=as_text(status.get("language")),
            parent_id=_id(status.get("in_reply_to_id")),
            like_count=as_count(status.get("favourites_count")),
            share_count=as_count(status.get("reblogs_count")),
            reply_count=as_count(status.get("replies_count")),
        )

    def _handle(self, account: dict[str, Any]) -> str | None:
        acct = as_text(account.get("acct"))
        if acct is None:
            return None
        if "@" in acct:  # a remote account: user@their.instance
            return "@" + acct.lstrip("@")
        host = urlsplit(self.options.instance).hostname or ""
        return f"@{acct}@{host}" if host else f"@{acct}"


def _media_text(status: dict[str, Any]) -> str:
    """The text of a post without words: its media descriptions (alt texts), else its link card."""
    media = status.get("media_attachments")
    described = [
        text
        for attachment in (media if isinstance(media, list) else [])
        if (text := as_text(as_dict(attachment).get("description")))
    ]
    if described:
        return "\n".join(described)
    card = as_dict(status.get("card"))
    return as_text(card.get("title")) or as_text(card.get("url")) or ""


def _json(response: FetchResponse) -> tuple[Any, str | None]:
    body = response.content
    content_type = response.headers.get("content-type", "")
    if not body.strip():
        return None, "empty response body"
    try:
        return orjson.loads(body), None
    except orjson.JSONDecodeError as exc:
        head = body[:1024].lstrip().lower()
        if "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
            return None, f"not JSON: got an HTML page ({content_type or 'no content type'})"
        return None, f"malformed JSON: {exc}"


def _raw_item(status: Any, position: str) -> RawItem:
    raw = orjson.dumps(status).decode()
    if not isinstance(status, dict):
        return RawItem(raw=raw, position=position, error=f"not a status: {type(status).__name__}")
    original = status["reblog"] if isinstance(status.get("reblog"), dict) else status
    for candidate in (status, original):
        missing = [key for key in _REQUIRED if candidate.get(key) in (None, "")]
        if missing or _id(candidate.get("id")) is None:
            what = "boosted status" if candidate is not status else "status"
            reason = f"{what} lacks {', '.join(missing) or 'a valid id'}"
            return RawItem(raw=raw, position=position, data=status, error=reason)
    return RawItem(raw=raw, position=position, data=status)


def _once(items: list[RawItem], seen: set[str]) -> list[RawItem]:
    """Drop a status whose original (the boosted one, or itself) was already yielded this run."""
    kept: list[RawItem] = []
    for item in items:
        if item.error is None:
            data = item.data
            original = data["reblog"] if isinstance(data.get("reblog"), dict) else data
            key = str(original["id"])
            if key in seen:
                continue
            seen.add(key)
        kept.append(item)
    return kept


def _links(response: FetchResponse) -> dict[str, dict[str, str]]:
    """The ``Link`` header's relations, each as the query parameters of its URL."""
    links: dict[str, dict[str, str]] = {}
    for url, rels in _LINK.findall(response.headers.get("link", "")):
        params = {key: values[-1] for key, values in parse_qs(urlsplit(url).query).items()}
        for rel in rels.split():
            links[rel] = params
    return links


def _cursor(since_id: str | None, max_id: str | None) -> dict[str, Any]:
    cursor: dict[str, Any] = {}
    if since_id:
        cursor["since_id"] = since_id
    if max_id:
        cursor["max_id"] = max_id
    return cursor


def _id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _id_key(value: str) -> tuple[int, str]:
    """Mastodon ids are decimal strings (snowflakes): longer is newer, then by digits."""
    return (len(value), value)


def _newer(current: str | None, candidate: str | None) -> str | None:
    if current is None or (candidate is not None and _id_key(candidate) > _id_key(current)):
        return candidate
    return current


__all__ = ["MastodonConnector", "MastodonOptions"]
