"""RSS 0.9x/1.0/2.0, Atom and JSON Feed feeds (news, blogs, WordPress comment feeds, podcasts) as a source.

The feed is fetched through :class:`~luister.net.http.SafeHttp` with a conditional GET (the cursor
keeps ``ETag`` and ``Last-Modified``) and parsed from the fetched bytes by feedparser, which never fetches
anything itself here. Each entry is kept raw as the JSON of what feedparser made of it, plus the feed's
title and link under ``"feed"``; :meth:`RssConnector.map_item` turns that into a mention.

An entry's date is its published or updated date; when feedparser cannot read it (dates in Portuguese,
say) luister tries its own parser, and failing that the mention is kept with the date unknown, never
silently dated when fetched. Relative entry links are resolved against the feed's own URL. An entry is
named in the quarantine by its id or link, not its place in the feed (which shifts as entries are added),
so one bad entry is quarantined once. A feed that is not well-formed (a body cut off in transfer) keeps
only its entries that have an id or link and a date: the cut-off one comes whole next time. An entry id
that is not a URI (``1600-2823``) is scoped to its feed's URL, so unrelated feeds' ids never collide;
entries of one feed that share an id are reported.
"""

from __future__ import annotations

import calendar
import io
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urljoin

import feedparser  # type: ignore[import-untyped]
import orjson
from pydantic import BaseModel, Field, HttpUrl, TypeAdapter, field_validator

from luister.connectors.base import Capability, Health, Page
from luister.connectors.common import HttpConnector, as_dict, as_text
from luister.connectors.html_text import html_to_text
from luister.connectors.json_feed import parse_json_feed
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention, derive_external_id, new_mention
from luister.domain.timestamps import parse_timestamp
from luister.net.http import FetchError, FetchResponse

_PLAIN_TYPES = frozenset({"text/plain"})
# an id that names the entry everywhere (a URL, urn:, tag:); any other is scoped to its feed, for
# (channel, external id) is unique across every feed of a channel
_GLOBAL_ID = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://|urn:|tag:)")
_MAX_DEPTH = 20
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


class RssOptions(BaseModel):
    url: str = Field(description="The feed's http(s) URL.")
    channel: str = Field("rss", description="Channel for the feed's mentions, e.g. news or blog.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        _HTTP_URL.validate_python(value)  # validates; the URL itself is kept exactly as given
        return value


class RssConnector(HttpConnector):
    """An RSS 1.0/2.0, Atom or JSON Feed: blogs, news sites, alert feeds, WordPress comment feeds
    (`/comments/feed/`), podcasts' show notes. Polite: conditional GET with ETag and Last-Modified.

    Cursor: ``{"etag": ..., "modified": ...}`` from the last full response.
    """

    options: RssOptions

    example: ClassVar[str] = (
        "luister sources add energieblog rss -o url=https://energieblog.example/feed/ -o channel=blog\n"
        "luister sources add reacties rss -o url=https://energieblog.example/comments/feed/ -o channel=blog"
    )

    name: ClassVar[str] = "rss"
    options_model: ClassVar[type[BaseModel]] = RssOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.read})
    max_concurrency: ClassVar[int] = 4
    poll_interval: ClassVar[int] = 900

    async def check_credentials(self) -> Health:
        """Fetch the feed once and say whether it parses as a feed."""
        try:
            response = await self._get({})
        except FetchError as exc:
            return Health(ok=False, detail=str(exc))
        items, errors = parse_feed(response)
        if errors and not items:
            return Health(ok=False, detail="; ".join(errors))
        return Health(ok=True, detail=f"{len(items)} entries")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        """One page with every entry of the feed (feeds are not paged); ``query`` is matched later."""
        headers: dict[str, str] = {}
        if cursor and cursor.get("etag"):
            headers["If-None-Match"] = str(cursor["etag"])
        if cursor and cursor.get("modified"):
            headers["If-Modified-Since"] = str(cursor["modified"])
        try:
            response = await self._get(headers)
        except FetchError as exc:
            self._last_error = str(exc)
            raise
        if response.status == 304:
            self._last_error = None
            yield Page(items=[], cursor=dict(cursor or {}))
            return
        items, errors = parse_feed(response)
        self._last_error = "; ".join(errors) if errors and not items else None
        yield Page(items=items, cursor=_cursor_from(response), errors=errors)

    async def _get(self, headers: dict[str, str]) -> FetchResponse:
        return await self.http.get(self.options.url, headers=headers)

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        data = item.data
        if not isinstance(data, dict):
            raise MappingError("raw", item.error or "not a feed entry")
        feed = as_dict(data.get("feed"))
        link = _absolute(as_text(data.get("link")), as_text(feed.get("href")) or self.options.url)
        title = _entry_title(data)
        text = _entry_text(data)
        published = _entry_date(data)
        guid = as_text(data.get("id"))
        if guid is not None and not _GLOBAL_ID.match(guid):  # "1600-2823", "posts/post-1": this feed's own
            guid = f"{as_text(feed.get('href')) or self.options.url}#{guid}"
        external_id = guid or link or derive_external_id(as_text(feed.get("link")), title, text, published)
        author = as_dict(data.get("author_detail"))
        author_name = as_text(author.get("name")) or as_text(data.get("author"))
        reply_to = data.get("thr_in-reply-to")
        parent_id = as_text(reply_to.get("ref")) if isinstance(reply_to, dict) else None
        return new_mention(
            channel=self.options.channel,
            external_id=external_id,
            text=text,
            title=title,
            published_at=published,
            fetched_at=fetched_at,
            raw=item.raw,
            url=link if link and link.startswith(("http://", "https://")) else None,
            author_handle=as_text(author.get("href")) or author_name,
            author_name=author_name,
            parent_id=parent_id,
            reply_count=_count(data.get("slash_comments")),
        )


def parse_feed(response: FetchResponse) -> tuple[list[RawItem], list[str]]:
    """The entries of a fetched feed as raw items, and what was wrong with it (never raises)."""
    body = response.content
    content_type = response.headers.get("content-type", "")
    if not body.strip():
        return [], ["empty response body"]
    if (json_feed := parse_json_feed(body)) is not None:
        feed, json_entries = json_feed
        feed["href"] = response.url
        return [_raw_item(entry, feed, number) for number, entry in enumerate(json_entries, start=1)], []
    parsed = feedparser.parse(
        io.BytesIO(body),  # a stream: feedparser must neither fetch URLs nor open files named by the body
        # no content-location: a base URL would turn relative guids into URLs of wherever we fetched from
        response_headers={"content-type": content_type},
        sanitize_html=True,
    )
    errors: list[str] = []
    entries = list(parsed.get("entries", []))
    if not parsed.get("version") and not entries:
        kind = "an HTML page" if _looks_like_html(body, content_type) else "no feed"
        return [], [f"not a feed: got {kind} ({content_type or 'no content type'})"]
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        errors.append(f"malformed feed: {type(problem).__name__}: {problem}" if problem else "malformed feed")
        if not entries:
            return [], errors
    feed_info = parsed.get("feed", {})
    feed = {key: as_text(feed_info.get(key)) for key in ("title", "link", "id")}
    feed["href"] = response.url  # the document's own URL: relative entry links resolve against it
    cut_off = not isinstance(parsed.get("bozo_exception"), feedparser.exceptions.ThingsNobodyCaresAboutButMe)
    if parsed.get("bozo") and cut_off:  # not well-formed: an entry without id/link, or undated among dated
        dated = any(_dated(entry) for entry in entries)
        whole = [entry for entry in entries if _identified(entry) and (_dated(entry) or not dated)]
        if len(whole) < len(entries):
            left = len(entries) - len(whole)
            errors.append(f"{left} entries without id or date (cut off?) left for the next fetch")
        entries = whole
    items = [_raw_item(entry, feed, number) for number, entry in enumerate(entries, start=1)]
    errors.extend(f"{item.position}: {item.error}" for item in items if item.error)
    errors.extend(_shared_ids(entries))
    return items, errors


def _shared_ids(entries: list[Any]) -> list[str]:
    """Entries of one feed that share an id: only the first is stored, and that is said."""
    seen: dict[str, int] = {}
    for entry in entries:
        ident = as_text(entry.get("id")) if isinstance(entry, dict) else None
        if ident:
            seen[ident] = seen.get(ident, 0) + 1
    return [
        f"{count} entries share the id {ident!r}: only the first is stored"
        for ident, count in seen.items()
        if count > 1
    ]


def _identified(entry: Any) -> bool:
    return bool(entry.get("id") or entry.get("link"))


def _dated(entry: Any) -> bool:
    return bool(entry.get("published") or entry.get("updated"))


def _entry_date(data: dict[str, Any]) -> str | None:
    """The date feedparser read, else the date as written if luister's parser reads it, else none."""
    parsed = as_text(data.get("published_parsed")) or as_text(data.get("updated_parsed"))
    if parsed:
        return parsed
    for key in ("published", "updated"):
        if written := as_text(data.get(key)):
            try:
                return parse_timestamp(written).isoformat()
            except MappingError:
                continue
    return None


def _absolute(link: str | None, base: str) -> str | None:
    if not link or link.startswith(("http://", "https://")):
        return link
    if "://" in link or link.startswith(("javascript:", "data:", "mailto:")):
        return None
    return urljoin(base, link)


def _position(entry: Any, number: int) -> str:
    """``entry <id or link>``: stable while the feed grows, so the quarantine keeps one row per entry."""
    ident = as_text(entry.get("id")) or as_text(entry.get("link")) if isinstance(entry, dict) else None
    if ident is None:
        return f"entry {number}"
    return f"entry {ident}" if len(ident) <= 100 else f"entry {derive_external_id(ident)}"


def _raw_item(entry: Any, feed: dict[str, str | None], number: int) -> RawItem:
    position = _position(entry, number)
    try:
        data = json_safe(entry)
        if not isinstance(data, dict):
            raise TypeError(f"entry is {type(entry).__name__}, not a mapping")
        data["feed"] = feed
        raw = orjson.dumps(data).decode()
    except (TypeError, ValueError, RecursionError) as exc:  # orjson.JSONEncodeError is a TypeError
        entry_id = as_text(entry.get("id")) if isinstance(entry, dict) else None
        fallback = {"feed": feed, "id": entry_id, "error": str(exc)}
        return RawItem(raw=orjson.dumps(fallback).decode(), position=position, error=f"not JSON-safe: {exc}")
    return RawItem(raw=raw, position=position, data=data)


def json_safe(value: Any, depth: int = 0) -> Any:
    """Plain JSON values: ``struct_time`` becomes an ISO string, what JSON cannot hold is left out."""
    if isinstance(value, time.struct_time):
        return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()
    if value is None or isinstance(value, str | bool | float):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else str(value)
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {str(key): json_safe(item, depth + 1) for key, item in value.items() if _keep(item)}
    if isinstance(value, list | tuple):
        return [json_safe(item, depth + 1) for item in value if _keep(item)]
    return None


def _keep(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | dict | list | tuple)


def _entry_title(data: dict[str, Any]) -> str | None:
    title = as_text(data.get("title"))
    kind = as_dict(data.get("title_detail")).get("type")
    return as_text(html_to_text(title)) if title and kind in ("text/html", "application/xhtml+xml") else title


def _entry_text(data: dict[str, Any]) -> str:
    content = data.get("content")
    detail: Any = content[0] if isinstance(content, list) and content else data.get("summary_detail")
    if isinstance(detail, dict) and isinstance(detail.get("value"), str):
        value: str = detail["value"]
        return value.strip() if detail.get("type") in _PLAIN_TYPES else html_to_text(value)
    summary = data.get("summary")
    return html_to_text(summary) if isinstance(summary, str) else ""


def _cursor_from(response: FetchResponse) -> dict[str, Any]:
    cursor: dict[str, Any] = {}
    if etag := response.headers.get("etag"):
        cursor["etag"] = etag
    if modified := response.headers.get("last-modified"):
        cursor["modified"] = modified
    return cursor


def _looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:1024].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def _count(value: Any) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


__all__ = ["RssConnector", "RssOptions", "json_safe", "parse_feed"]
