"""Hacker News stories and comments, through the Algolia HN Search API (``/api/v1/search_by_date``).

Each hit is kept raw as the JSON Algolia sent; :meth:`HackerNewsConnector.map_item` turns it into a mention.

Paging and the cursor. ``search_by_date`` lists newest first, so a run cannot move the saved boundary
forward until it has paged all the way down to it. A run therefore works on a fixed *window*: its ``top``
is the newest ``created_at_i`` of its first request, and later pages (``page=1, 2, …``) carry
``created_at_i<=top`` so hits posted meanwhile cannot shift the pages. While the window is unfinished each
page's cursor keeps the old ``since`` plus ``"pending"`` (top, ids at top, bound, next page), so a restart,
or the next run after ``max_pages``, resumes the window where it stopped. Once it is done the cursor
becomes ``{"since": top, "ids": [ids created in that second]}``.

Boundary: the next run asks for ``created_at_i>=since`` (not ``>``) because more items can share the
boundary second than the previous run saw; the ids already stored for that second are skipped.
Algolia pages through only the first 1000 hits of a query; a window with more is narrowed (``bound``
drops to the oldest second seen) and paged again from page 0. The very first run (no cursor) takes the
newest hits Algolia pages to and does not backfill older history.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, Field, model_validator

from luister.connectors.base import Capability, Health, Page
from luister.connectors.common import PROBE_TERMS, TOPICS_DESCRIPTION, HttpConnector, TopicNames
from luister.connectors.html_text import html_to_text
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention, new_mention
from luister.net.http import FetchError, FetchResponse

ALGOLIA_MAX_HITS = 1000  # Algolia's paginationLimitedTo for the HN index
ITEM_URL = "https://news.ycombinator.com/item?id="
REPLY_URL = "https://news.ycombinator.com/reply?id="


def reply_url(external_id: str) -> str | None:
    """Where a person answers a story or comment by hand: Hacker News has no write API, so the connector
    declares no ``Capability.reply`` and the inbox offers this link ("answer elsewhere"). ``external_id``
    is the item's id as the connector stores it (Algolia's ``objectID``); None when it is not one."""
    text = external_id.strip()
    return f"{REPLY_URL}{text}" if text.isascii() and text.isdigit() else None


class HackerNewsOptions(BaseModel):
    query: str | None = Field(
        default=None,
        description="Search terms, as typed into hn.algolia.com (all words must match). Give query, topics "
        "or both.",
    )
    topics: TopicNames = Field(default=None, description=TOPICS_DESCRIPTION)
    tags: str = Field(
        default="(story,comment)",
        description="Algolia tag filter: (story,comment) for both, story or comment for one kind.",
    )
    api: str = Field(default="https://hn.algolia.com", description="Base URL of the Algolia HN Search API.")
    hits_per_page: int = Field(
        default=100, ge=1, le=1000, description="Hits asked for per request (at most 1000)."
    )
    max_pages: int = Field(default=10, ge=1, le=1000, description="At most this many requests per run.")
    channel: str = Field(default="hackernews", description="Channel for the mentions.")

    @model_validator(mode="after")
    def _query_or_topics(self) -> HackerNewsOptions:
        if not (self.query or "").strip() and not self.topics:
            raise ValueError("give a query, topics, or both")
        return self


class HackerNewsConnector(HttpConnector):
    """Hacker News stories and comments matching a query, newest first, via hn.algolia.com. No account
    needed.

    Cursor: ``{"since": <created_at_i>, "ids": [...]}``, plus ``"pending"`` while a run is unfinished.
    """

    options: HackerNewsOptions

    example: ClassVar[str] = (
        'luister sources add hn-acme hackernews -o query="acme widgets"\n'
        "luister sources add hn-acme-stories hackernews -o query=acme -o tags=story -o max_pages=3\n"
        "luister sources add hn-topics hackernews -o topics='*'"
    )

    name: ClassVar[str] = "hackernews"
    options_model: ClassVar[type[BaseModel]] = HackerNewsOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.read, Capability.search})
    max_concurrency: ClassVar[int] = 2
    poll_interval: ClassVar[int] = 900

    search_prefix: ClassVar[str | None] = None

    def own_terms(self) -> str | None:
        """What the source listens to without topics, or ``None``."""
        return f"its query {self.options.query!r}" if (self.options.query or "").strip() else None

    async def check_credentials(self) -> Health:
        """One search request; the API needs no credentials, so this checks reachability and shape."""
        try:
            response = await self._get([], 0, terms=self.options.query or PROBE_TERMS, hits_per_page=1)
        except FetchError as exc:
            return Health(ok=False, detail=str(exc))
        body, error = parse_response(response)
        if error:
            return Health(ok=False, detail=error)
        return Health(ok=True, detail=f"{body.get('nbHits', '?')} hits")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        """Pages of hits newer than the cursor, newest first; ``query`` (if given) overrides the option."""
        terms = query or self.options.query
        cursor = cursor or {}
        since = _int(cursor.get("since"))
        boundary_ids = set(_strs(cursor.get("ids"))) if since is not None else set()
        base: dict[str, Any] = {"since": since, "ids": sorted(boundary_ids)} if since is not None else {}
        window = _Window.resume(cursor.get("pending"))
        seen: set[str] = set()
        for request in range(self.options.max_pages):
            filters = [f"created_at_i>={since}"] if since is not None else []
            if window.bound is not None:
                filters.append(f"created_at_i<={window.bound}")
            try:
                response = await self._get(filters, window.page, terms=terms)
            except FetchError as exc:
                self._last_error = str(exc)
                raise
            body, error = parse_response(response)
            if error:
                self._last_error = error
                yield Page(items=[], cursor=window.cursor(base), errors=[error])
                return
            hits: list[Any] = body["hits"]
            items: list[RawItem] = []
            errors: list[str] = []
            oldest: int | None = None
            for number, hit in enumerate(hits, start=1):
                item = _raw_item(hit, f"page {request + 1} item {number}")
                if item.error:
                    errors.append(f"{item.position}: {item.error}")
                    items.append(item)  # quarantined by the pipeline with its reason
                    continue
                object_id, created = str(hit["objectID"]), int(hit["created_at_i"])
                oldest = created if oldest is None else min(oldest, created)
                window.saw(object_id, created)
                if object_id in seen or (created == since and object_id in boundary_ids):
                    continue
                seen.add(object_id)
                items.append(item)
            self._last_error = "; ".join(errors) if errors and len(errors) == len(hits) else None
            more = bool(hits) and (
                window.page + 1 < (_int(body.get("nbPages")) or 0) or _capped(body, window)
            )
            last_request = request + 1 == self.options.max_pages
            if more and window.page_limit_reached(self.options.hits_per_page):
                if since is None or oldest is None:
                    more = False  # a first run takes the newest hits Algolia pages to; no backfill
                else:
                    window.bound, window.page = oldest, 0  # narrow: Algolia pages no deeper
            else:
                window.page += 1
            if not more or (last_request and since is None):
                yield Page(items=items, cursor=window.done(base, since, boundary_ids), errors=errors)
                return
            yield Page(items=items, cursor=window.cursor(base), errors=errors)

    async def _get(
        self, filters: list[str], page: int, *, terms: str | None = None, hits_per_page: int | None = None
    ) -> FetchResponse:
        params = {
            "query": terms or self.options.query or "",
            "tags": self.options.tags,
            "hitsPerPage": str(hits_per_page or self._page_size()),
            "page": str(page),
        }
        if filters:
            params["numericFilters"] = ",".join(filters)
        return await self.http.get(f"{self.options.api.rstrip('/')}/api/v1/search_by_date", params=params)

    def _page_size(self) -> int:
        return self.options.hits_per_page

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        data = item.data
        if not isinstance(data, dict):
            raise MappingError("raw", item.error or "not a Hacker News hit")
        object_id = data.get("objectID")
        tags = _strs(data.get("_tags"))
        is_comment = "comment" in tags or data.get("comment_text") is not None
        html = data.get("comment_text") if is_comment else data.get("story_text")
        parent = data.get("parent_id") if is_comment else None
        thread = data.get("story_id") if is_comment else None
        text = html_to_text(html) if isinstance(html, str) else ""
        article = data.get("url") if not is_comment else None
        if isinstance(article, str) and article.startswith(("http://", "https://")):
            # a link story: the submitted article is what it is about (its url stays the discussion)
            text = f"{text}\n\n{article}" if text else article
        return new_mention(
            channel=self.options.channel,
            external_id=object_id,
            text=text,
            title=data.get("title") or data.get("story_title"),
            published_at=data.get("created_at") or data.get("created_at_i"),
            fetched_at=fetched_at,
            raw=item.raw,
            url=f"{ITEM_URL}{object_id}" if object_id is not None else None,
            author_handle=data.get("author"),
            parent_id=str(parent) if parent is not None else None,
            thread_id=str(thread) if thread is not None else None,
            like_count=data.get("points"),
            reply_count=data.get("num_comments"),
        )


def parse_response(response: FetchResponse) -> tuple[dict[str, Any], str | None]:
    """The search response as a dict with a ``hits`` list, or why it is not one (never raises)."""
    body, error = parse_json(response)
    if error:
        return {}, error
    if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
        return {}, "unexpected response shape: no 'hits' list"
    return body, None


def parse_json(response: FetchResponse) -> tuple[Any, str | None]:
    content_type = response.headers.get("content-type", "")
    head = response.content[:1024].lstrip().lower()
    if not head:
        return None, "empty response body"
    if head.startswith((b"<!doctype", b"<html", b"<")):
        return None, f"not JSON: got an HTML page ({content_type or 'no content type'})"
    try:
        return orjson.loads(response.content), None
    except orjson.JSONDecodeError as exc:
        return None, f"malformed JSON: {exc}"


def _raw_item(hit: Any, position: str) -> RawItem:
    raw = orjson.dumps(hit).decode()
    if not isinstance(hit, dict):
        return RawItem(raw=raw, position=position, error=f"hit is {type(hit).__name__}, not an object")
    if not isinstance(hit.get("objectID"), str | int) or not hit.get("objectID"):
        return RawItem(raw=raw, position=position, error="hit has no objectID")
    if _int(hit.get("created_at_i")) is None:
        return RawItem(raw=raw, position=position, error="hit has no created_at_i")
    return RawItem(raw=raw, position=position, data=hit)


class _Window:
    """The part of the timeline a run pages through: up to ``top`` (its newest hit), requests bounded by
    ``bound`` (``top``, or lower once narrowed), at page ``page``."""

    def __init__(self, top: int | None, top_ids: list[str], bound: int | None, page: int) -> None:
        self.top, self.top_ids, self.bound, self.page = top, top_ids, bound, page

    @classmethod
    def resume(cls, pending: Any) -> _Window:
        if isinstance(pending, dict) and _int(pending.get("top")) is not None:
            top = _int(pending.get("top"))
            bound = _int(pending.get("bound"), top)
            return cls(top, _strs(pending.get("top_ids")), bound, _int(pending.get("page")) or 0)
        return cls(None, [], None, 0)

    def saw(self, object_id: str, created: int) -> None:
        if self.top is None or created > self.top:
            self.top, self.top_ids = created, []
        if created == self.top and object_id not in self.top_ids:
            self.top_ids.append(object_id)
        if self.bound is None:
            self.bound = self.top

    def page_limit_reached(self, per_page: int) -> bool:
        return (self.page + 2) * per_page > ALGOLIA_MAX_HITS

    def cursor(self, base: dict[str, Any]) -> dict[str, Any]:
        """The saved cursor plus where this unfinished window goes on."""
        if self.top is None:
            return dict(base)
        pending = {"top": self.top, "top_ids": sorted(self.top_ids), "bound": self.bound, "page": self.page}
        return {**base, "pending": pending}

    def done(self, base: dict[str, Any], since: int | None, boundary_ids: set[str]) -> dict[str, Any]:
        """The cursor once the window is paged through: its top is the next run's boundary."""
        if self.top is None:
            return dict(base)
        if self.top == since:
            return {"since": since, "ids": sorted(boundary_ids | set(self.top_ids))}
        return {"since": self.top, "ids": sorted(self.top_ids)}


def _capped(body: dict[str, Any], window: _Window) -> bool:
    """Whether there are more hits than Algolia's nbPages admits (it caps paging at 1000 hits)."""
    per_page = _int(body.get("hitsPerPage")) or 0
    return per_page > 0 and (_int(body.get("nbHits")) or 0) > (window.page + 1) * per_page


def _int(value: Any, default: int | None = None) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return default


def _strs(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str | int)] if isinstance(value, list) else []


__all__ = ["HackerNewsConnector", "HackerNewsOptions", "parse_response", "reply_url"]
