"""Bluesky (AT Protocol) post search as a source, through a public AppView: no account needed.

``GET /xrpc/app.bsky.feed.searchPosts?q=…&sort=latest`` gives posts newest first and an opaque ``cursor``
for the next (older) page. The first run walks back at most ``max_pages`` pages. Later runs pass
``since=`` (the newest sort time seen; the API treats it as inclusive) and skip the posts at exactly that
moment which were stored already, so only newer posts come.

A run that is cut short (a crash, or ``max_pages`` on a later run) saves where its walk was, under
``"page"``, with the ``since`` it walked down to; the next run finishes that walk first, so nothing between
the old and the new ``since`` is lost. Each post is kept raw as the PostView JSON the AppView sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, Field, HttpUrl, TypeAdapter, field_validator, model_validator

from luister.connectors.base import Capability, Health, Page
from luister.connectors.bluesky_reply import BlueskyReplier, BlueskyVoice
from luister.connectors.common import (
    PROBE_TERMS,
    TOPICS_DESCRIPTION,
    HttpConnector,
    TopicNames,
    as_count,
    as_dict,
    as_text,
)
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention, new_mention
from luister.domain.timestamps import parse_timestamp
from luister.net.http import FetchError, FetchResponse

PUBLIC_APPVIEW = "https://public.api.bsky.app"
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)
_POST_PREFIX = "at://"
_POST_COLLECTION = "app.bsky.feed.post"


class BlueskyOptions(BaseModel):
    query: str | None = Field(
        None,
        description="Search terms (Lucene-like syntax of app.bsky.feed.searchPosts). Give query or topics.",
    )
    topics: TopicNames = Field(None, description=TOPICS_DESCRIPTION)
    service: str = Field(PUBLIC_APPVIEW, description="XRPC service (AppView) base URL to search through.")
    lang: str | None = Field(None, description="Only posts in this language (e.g. nl), by the post's langs.")
    channel: str = Field("bluesky", description="Channel for the mentions.")
    limit: int = Field(100, ge=1, le=100, description="Posts per request (the API allows at most 100).")
    max_pages: int = Field(10, ge=1, le=1000, description="At most this many requests per run.")

    @field_validator("service")
    @classmethod
    def _http_url(cls, value: str) -> str:
        _HTTP_URL.validate_python(value)
        return value.rstrip("/")

    @field_validator("query")
    @classmethod
    def _not_empty(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("query is empty")
        return value

    @model_validator(mode="after")
    def _query_or_topics(self) -> BlueskyOptions:
        if self.query is None and not self.topics:
            raise ValueError("give a query, topics, or both")
        return self


class BlueskyConnector(HttpConnector):
    """Posts on Bluesky matching a search, newest first.

    Cursor: ``{"since": <newest sort time seen>, "seen": [uris at exactly that time]}``; a walk that is
    not finished adds ``"page"`` (the API's cursor) and ``"next"`` (the cursor to save when it is).
    """

    options: BlueskyOptions

    example: ClassVar[str] = (
        'luister sources add bsky-acme bluesky -o query="acme" -o lang=nl\n'
        "luister sources add bsky-acme-support bluesky -o query='\"acme support\"' -o max_pages=3\n"
        "luister sources add bsky-topics bluesky -o topics=acme,competitor-x -o lang=nl"
    )

    name: ClassVar[str] = "bluesky"
    options_model: ClassVar[type[BaseModel]] = BlueskyOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.read, Capability.search, Capability.reply}
    )
    max_concurrency: ClassVar[int] = 2
    poll_interval: ClassVar[int] = 600

    search_prefix: ClassVar[str | None] = None
    voice_model: ClassVar[type[BaseModel]] = BlueskyVoice

    @classmethod
    def replier(cls, voice: Any, *, http: Any) -> BlueskyReplier:
        """The voice's way of answering on its PDS (``luister.connectors.bluesky_reply``)."""
        return BlueskyReplier(BlueskyVoice.model_validate(voice), http=http)

    def own_terms(self) -> str | None:
        """What the source listens to without topics, or ``None``."""
        return f"its query {self.options.query!r}" if self.options.query is not None else None

    async def check_credentials(self) -> Health:
        """One small search: does the service answer with posts?"""
        try:
            response = await self._get({"limit": "1"}, self.options.query or PROBE_TERMS)
        except FetchError as exc:
            return Health(ok=False, detail=str(exc))
        items, _, errors = parse_posts(response, page=1)
        if errors and not items:
            return Health(ok=False, detail="; ".join(errors))
        return Health(ok=True, detail=f"{len(items)} posts")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        """Pages of posts newer than the cursor's ``since`` (all, up to ``max_pages``, on a first run);
        ``query`` (if given) is searched instead of the option."""
        terms = query or self.options.query or ""
        cursor = dict(cursor or {})
        since = as_text(cursor.get("since"))
        skip = set(_strs(cursor.get("seen")))
        page_token = as_text(cursor.get("page"))
        nxt = as_dict(cursor.get("next"))
        newest = as_text(nxt.get("since")) or since
        newest_seen = set(_strs(nxt.get("seen"))) if nxt else set(skip)
        first_run = since is None
        self._last_error = None
        for number in range(1, self.options.max_pages + 1):
            params = {"limit": str(self.options.limit)}
            if since:
                params["since"] = since
            if page_token:
                params["cursor"] = page_token
            try:
                response = await self._get(params, terms)
            except FetchError as exc:
                self._last_error = str(exc)
                raise
            items, next_token, errors = parse_posts(response, page=number)
            if errors and not items:
                self._last_error = "; ".join(errors)
                yield Page(items=[], cursor=dict(cursor), errors=errors)  # keep where we were
                return
            kept: list[RawItem] = []
            for item in items:
                if item.error is None:
                    uri = item.data["uri"]
                    if uri in skip:
                        continue  # stored by an earlier run: the API's since is inclusive
                    moment = sort_time(item.data)
                    if newest is None or _later(moment, newest):
                        newest, newest_seen = moment, {uri}
                    elif moment is not None and _same(moment, newest):
                        newest_seen.add(uri)
                kept.append(item)
            done_cursor = _final(newest, newest_seen)
            walk_done = not next_token or not items
            if walk_done or (number == self.options.max_pages and first_run):
                yield Page(items=kept, cursor=done_cursor, errors=errors)
                return
            page_token = next_token
            cursor = _final(since, skip) | {"page": page_token, "next": done_cursor}
            yield Page(items=kept, cursor=cursor, errors=errors)

    async def _get(self, params: dict[str, str], terms: str) -> FetchResponse:
        query = {"q": terms, "sort": "latest", **params}
        if self.options.lang:
            query["lang"] = self.options.lang
        url = f"{self.options.service}/xrpc/app.bsky.feed.searchPosts"
        return await self.http.get(url, headers={"Accept": "application/json"}, params=query)

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        data = item.data
        if item.error or not isinstance(data, dict):
            raise MappingError("raw", item.error or "not a Bluesky post")
        uri = as_text(data.get("uri"))
        if uri is None:
            raise MappingError("external_id", "post has no uri")
        record = as_dict(data.get("record"))
        author = as_dict(data.get("author"))
        reply = as_dict(record.get("reply"))
        langs = record.get("langs")
        handle = as_text(author.get("handle"))
        if handle in (None, _INVALID_HANDLE):  # a handle that no longer verifies: the DID names them
            handle = as_text(author.get("did")) or uri.removeprefix(_POST_PREFIX).split("/")[0] or None
        text = record.get("text")
        return new_mention(
            channel=self.options.channel,
            external_id=uri,
            text=with_full_links(text, record.get("facets")) if isinstance(text, str) else "",
            published_at=record.get("createdAt") or data.get("indexedAt"),
            fetched_at=fetched_at,
            raw=item.raw,
            url=post_url(uri, handle),
            author_handle=handle,
            author_name=as_text(author.get("displayName")),
            language=as_text(langs[0]) if isinstance(langs, list) and langs else None,
            parent_id=as_text(as_dict(reply.get("parent")).get("uri")),
            thread_id=as_text(as_dict(reply.get("root")).get("uri")),
            like_count=as_count(data.get("likeCount")),
            share_count=as_count(data.get("repostCount")),
            reply_count=as_count(data.get("replyCount")),
        )


def parse_posts(response: FetchResponse, *, page: int) -> tuple[list[RawItem], str | None, list[str]]:
    """The posts of one searchPosts response as raw items, the next cursor, and what was wrong."""
    body = response.content
    content_type = response.headers.get("content-type", "")
    if not body.strip():
        return [], None, [f"page {page}: empty response body"]
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        head = body[:1024].lstrip().lower()
        if "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html")):
            return (
                [],
                None,
                [f"page {page}: not JSON: got an HTML page ({content_type or 'no content type'})"],
            )
        return [], None, [f"page {page}: malformed JSON: {exc}"]
    if not isinstance(data, dict) or not isinstance(data.get("posts"), list):
        return [], None, [f"page {page}: unexpected response shape: expected an object with a posts list"]
    items = [_raw_item(post, f"page {page} item {number}") for number, post in enumerate(data["posts"], 1)]
    errors = [f"{item.position}: {item.error}" for item in items if item.error]
    return items, as_text(data.get("cursor")), errors


_INVALID_HANDLE = "handle.invalid"
_LINK_FEATURE = "app.bsky.richtext.facet#link"


def _raw_item(post: Any, position: str) -> RawItem:
    raw = orjson.dumps(post).decode()
    if not isinstance(post, dict):
        return RawItem(raw=raw, position=position, error=f"not a post: {type(post).__name__}")
    record = post.get("record")
    problems: list[str] = []
    uri = post.get("uri")
    if not isinstance(uri, str) or not uri.startswith(_POST_PREFIX):
        problems.append("uri")
    if not isinstance(as_dict(post.get("author")).get("handle"), str):
        problems.append("author.handle")
    if not isinstance(record, dict) or not isinstance(record.get("createdAt"), str):
        problems.append("record.createdAt")
    if problems:
        return RawItem(raw=raw, position=position, data=post, error=f"post lacks {', '.join(problems)}")
    return RawItem(raw=raw, position=position, data=post)


def with_full_links(text: str, facets: Any) -> str:
    """``text`` with each link facet's shortened display ("example.com/some-lo…") replaced by the full
    URI the facet holds. Facets index UTF-8 bytes; broken ranges are left alone."""
    if not isinstance(facets, list) or not facets:
        return text
    data = text.encode()
    spans: list[tuple[int, int, str]] = []
    for facet in facets:
        index = as_dict(as_dict(facet).get("index"))
        start, end = index.get("byteStart"), index.get("byteEnd")
        features = as_dict(facet).get("features")
        links = [
            as_text(as_dict(f).get("uri"))
            for f in (features if isinstance(features, list) else [])
            if as_dict(f).get("$type") == _LINK_FEATURE
        ]
        if links and links[0] and type(start) is int and type(end) is int and 0 <= start < end <= len(data):
            spans.append((start, end, links[0]))
    last = len(data) + 1
    for start, end, link in sorted(spans, reverse=True):
        if end <= last:  # overlapping facets: the later one is kept
            data = data[:start] + link.encode() + data[end:]
            last = start
    return data.decode(errors="replace")


def post_url(uri: str, handle: str | None) -> str | None:
    """``https://bsky.app/profile/<handle or did>/post/<rkey>`` for an ``at://`` post URI."""
    parts = uri.removeprefix(_POST_PREFIX).split("/")
    if len(parts) != 3 or parts[1] != _POST_COLLECTION or not parts[2]:
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


def sort_time(post: dict[str, Any]) -> str | None:
    """The moment searchPosts sorts and filters on (``since``): the earlier of createdAt and indexedAt."""
    best: tuple[datetime, str] | None = None
    for value in (as_dict(post.get("record")).get("createdAt"), post.get("indexedAt")):
        moment = _parse(value) if isinstance(value, str) else None
        if moment is not None and (best is None or moment < best[0]):
            best = (moment, str(value))
    return best[1] if best else None


def _parse(value: str) -> datetime | None:
    try:
        return parse_timestamp(value)
    except MappingError:
        return None


def _later(moment: str | None, than: str) -> bool:
    mine, theirs = (_parse(moment) if moment else None), _parse(than)
    return mine is not None and (theirs is None or mine > theirs)


def _same(moment: str, other: str) -> bool:
    mine, theirs = _parse(moment), _parse(other)
    return mine is not None and mine == theirs


def _final(since: str | None, seen: set[str]) -> dict[str, Any]:
    return {"since": since, "seen": sorted(seen)} if since else {}


def _strs(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


__all__ = ["PUBLIC_APPVIEW", "BlueskyConnector", "BlueskyOptions", "parse_posts", "post_url", "sort_time"]
