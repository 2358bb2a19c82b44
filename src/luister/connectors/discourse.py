"""Discourse forums as a source, through Discourse's JSON API.

Topics are found in one of two ways:

* the latest list, ``GET /latest.json`` (or ``/c/<category>/l/latest.json``), ordered by ``bumped_at``,
  newest first, paged with ``?page=N`` while ``topic_list.more_topics_url`` is set;
* a search, ``GET /search.json?q=<query> order:latest&page=N``; its posts carry only a ``blurb``, so the
  matched topics are fetched in full like the others.

Every topic whose ``last_posted_at`` is newer than the cursor is then read with ``GET /t/<id>.json``
(``post_stream.posts`` holds the first 20 posts; the rest of ``post_stream.stream`` is read with
``GET /t/<id>/posts.json?post_ids[]=…``, 20 ids a request, at most ``max_posts`` posts a topic; when a
topic has more, its newest posts are kept). All posts of such a topic are yielded again: posts dedup by
``<topic_id>/<post_number>``, so storing them twice is harmless and refreshes their counts.

Each post is kept raw as ``{"topic": {"id", "title", "slug"}, "post": <the post as sent>}``: a post alone
lacks the topic title a first post's mention needs.

The cursor. One page per topic. While a run works through its topics the cursor is
``{"since": <old boundary>, "pending": [topic ids not yet done], "next_since": <new boundary>}``, so a
restart continues with the topics left (without listing again); once none are left it is
``{"since": <new boundary>}``. A first run takes the ``max_topics`` most recently active topics and no
older history. A later run takes, of the topics newer than ``since``, the ``max_topics`` *least* recently
active ones and moves ``since`` only up to the newest of those, so topics beyond the cap come next run.
The listing is read for at most ``max_pages`` pages; topics active since the last run beyond those are
not seen (a warning says so in the page errors).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

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
from luister.connectors.discourse_reply import DiscourseReplier, DiscourseVoice
from luister.connectors.html_text import html_to_text
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention, new_mention
from luister.domain.timestamps import parse_timestamp
from luister.net.http import FetchError, FetchResponse, SafeHttp

_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)
_CHUNK = 20  # post ids per posts.json request, as Discourse's own client asks
_LIKE = 2  # the post action type id of a like
_GONE = frozenset({403, 404, 410})  # a topic deleted or made private since it was listed
_REQUIRED = ("post_number", "created_at")
# Not the author's words: quoted posts (aside.quote, with their "username:" title), link previews
# (aside.onebox) and the size line under an image ("1829×842 47 KB" in div.meta)
_NOT_THEIRS = frozenset({"quote", "onebox", "meta"})


class DiscourseOptions(BaseModel):
    url: str = Field(description="Base URL of the forum, e.g. https://meta.discourse.org.")
    category: str | None = Field(
        default=None, description="Category slug: only its topics (/c/<slug>/l/latest.json) instead of all."
    )
    query: str | None = Field(
        default=None,
        description="Search terms (Discourse search syntax); the matched topics are read in full.",
    )
    topics: TopicNames = Field(
        default=None, description=TOPICS_DESCRIPTION + " With category, searches stay in that category."
    )
    api_key: str | None = Field(
        default=None, description="API key for private forums or categories; sent only as the Api-Key header."
    )
    api_username: str | None = Field(
        default=None, description="User the API key acts as; sent as the Api-Username header. Needs api_key."
    )
    channel: str = Field(default="discourse", description="Channel for the mentions.")
    max_topics: int = Field(default=30, ge=1, le=1000, description="At most this many topics read per run.")
    max_pages: int = Field(
        default=5, ge=1, le=100, description="At most this many latest/search list pages per run."
    )
    max_posts: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="At most this many posts read per topic (its newest, beyond 20).",
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        _HTTP_URL.validate_python(value)
        return value.rstrip("/")

    @field_validator("category", "query", "api_key", "api_username")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @model_validator(mode="after")
    def _key_and_user(self) -> DiscourseOptions:
        if (self.api_key is None) != (self.api_username is None):
            raise ValueError("give api_key and api_username together")
        if self.category is not None and self.query is not None:
            raise ValueError("give category or query, not both (use category:<slug> in the query)")
        return self


class DiscourseConnector(HttpConnector):
    """Posts of a Discourse forum: its latest topics (all, or one category) or a search's topics.

    Cursor: ``{"since": <last_posted_at>}``, plus ``"pending"`` and ``"next_since"`` while a run is
    unfinished.
    """

    options: DiscourseOptions

    example: ClassVar[str] = (
        "luister sources add meta discourse -o url=https://meta.discourse.org\n"
        "luister sources add meta-acme discourse -o url=https://meta.discourse.org -o query=acme "
        "-o api_key=$DISCOURSE_KEY -o api_username=system\n"
        "luister sources add meta-topics discourse -o url=https://meta.discourse.org -o topics='*'"
    )

    name: ClassVar[str] = "discourse"
    options_model: ClassVar[type[BaseModel]] = DiscourseOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.read, Capability.search, Capability.reply}
    )
    max_concurrency: ClassVar[int] = 2
    poll_interval: ClassVar[int] = 900

    search_prefix: ClassVar[str | None] = None
    voice_model: ClassVar[type[BaseModel]] = DiscourseVoice

    @classmethod
    def replier(cls, voice: DiscourseVoice, *, http: SafeHttp) -> DiscourseReplier:
        """Posts as ``voice`` (see :mod:`luister.connectors.discourse_reply`)."""
        return DiscourseReplier(voice, http=http)

    def own_terms(self) -> str | None:
        """What the source listens to without topics (its query, or the latest list), or ``None``."""
        if self.options.query is not None:
            return f"its query {self.options.query!r}"
        if self.options.topics:
            return None  # a source with topics reads the latest list only when asked to
        return (
            f"the latest topics of {self.options.category}" if self.options.category else "the latest topics"
        )

    async def check_credentials(self) -> Health:
        """One list (or search) request: does the forum answer, and accept the key if one is given?"""
        terms = self.options.query or (PROBE_TERMS if self.options.topics else None)
        try:
            response = await self._list(0, terms)
        except FetchError as exc:
            return Health(ok=False, detail=str(exc))
        topics, _, error = self._topics(response, searching=bool(terms))
        if error:
            return Health(ok=False, detail=error)
        return Health(ok=True, detail=f"{len(topics)} topics")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        """One page per topic active since the cursor; ``query`` (if given) overrides the option."""
        cursor = dict(cursor or {})
        terms = query or self.options.query
        since = as_text(cursor.get("since"))
        pending = _ids(cursor.get("pending"))
        next_since = as_text(cursor.get("next_since"))
        self._last_error = None
        warnings: list[str] = []
        if not pending:
            found = await self._walk(terms, since, cursor)
            if isinstance(found, Page):
                yield found
                return
            chosen, next_since, warnings = found
            pending = [topic_id for topic_id, _ in chosen]
            if not pending:
                yield Page(items=[], cursor=_cursor(since, [], next_since or since), errors=warnings)
                return
        while pending:
            topic_id, rest = pending[0], pending[1:]
            try:
                items, errors = await self._topic(topic_id)
            except FetchError as exc:
                if exc.status not in _GONE:
                    self._last_error = str(exc)
                    raise
                items, errors = [], [f"topic {topic_id}: {exc}"]  # deleted or private now: skip it
            if items is None:  # an unreadable answer: keep the topic pending and stop this run
                self._last_error = "; ".join(errors)
                yield Page(items=[], cursor=_cursor(since, pending, next_since), errors=warnings + errors)
                return
            if errors and not [item for item in items if item.error is None]:
                self._last_error = "; ".join(errors)
            yield Page(items=items, cursor=_cursor(since, rest, next_since), errors=warnings + errors)
            warnings = []
            pending = rest

    async def _walk(
        self, terms: str | None, since: str | None, cursor: dict[str, Any]
    ) -> tuple[list[tuple[int, datetime]], str | None, list[str]] | Page:
        """The topics to read this run (oldest activity first) and the new boundary, or an error page."""
        boundary = _moment(since)
        candidates: dict[int, tuple[datetime, str]] = {}
        warnings: list[str] = []
        for number in range(self.options.max_pages):
            try:
                response = await self._list(number, terms)
            except FetchError as exc:
                self._last_error = str(exc)
                raise
            topics, more, error = self._topics(response, searching=bool(terms))
            if error:
                self._last_error = f"list page {number + 1}: {error}"
                return Page(items=[], cursor=cursor or None, errors=[self._last_error])
            reached, newer = False, False
            for topic in topics:
                topic_id, last = _int(topic.get("id")), as_text(topic.get("last_posted_at"))
                moment = _moment(last)
                if topic_id is None or last is None or moment is None:
                    continue
                if boundary is not None and moment <= boundary:
                    if not terms and not topic.get("pinned"):
                        reached = True  # the list is by bumped_at, newest first: nothing further is newer
                    continue
                newer = True
                if topic_id not in candidates or candidates[topic_id][0] < moment:
                    candidates[topic_id] = (moment, last)
            if since is None and len(candidates) >= self.options.max_topics:
                break  # a first run takes the newest topics only
            if terms and boundary is not None and not newer:
                reached = True  # a search page (by latest post) with nothing new: the rest is older
            if reached or not more:
                break
        else:
            if since is not None:
                warnings.append(
                    f"read {self.options.max_pages} list pages without reaching the last run's topics; "
                    "older activity is skipped (raise max_pages)"
                )
        ordered = sorted(candidates.items(), key=lambda entry: (entry[1][0], entry[0]))
        if since is None:
            chosen = ordered[-self.options.max_topics :]
        else:
            chosen = ordered[: self.options.max_topics]
            if len(ordered) > len(chosen):  # never split a timestamp between this run and the next
                cut = ordered[len(chosen)][1][0]
                chosen = [entry for entry in chosen if entry[1][0] < cut] or chosen
        newest = max(chosen, key=lambda entry: entry[1][0])[1][1] if chosen else None
        return [(topic_id, moment) for topic_id, (moment, _) in chosen], newest, warnings

    async def _topic(self, topic_id: int) -> tuple[list[RawItem] | None, list[str]]:
        """A topic's posts as raw items (``None`` when its answer is unreadable), and what was wrong."""
        where = f"topic {topic_id}"
        body, error = _json(await self._get(f"/t/{topic_id}.json"))
        stream = as_dict(as_dict(body).get("post_stream"))
        if error or not isinstance(stream.get("posts"), list):
            return None, [f"{where}: {error or 'unexpected response shape: no post_stream.posts list'}"]
        topic = {"id": topic_id, "title": body.get("title"), "slug": body.get("slug")}
        posts: list[Any] = list(stream["posts"])
        errors: list[str] = []
        loaded = {_int(as_dict(post).get("id")) for post in posts}
        missing = [i for i in _ids(stream.get("stream")) if i not in loaded]
        room = max(0, self.options.max_posts - len(posts))
        if len(missing) > room:
            errors.append(f"{where}: {len(missing) - room} older posts not read (max_posts)")
            missing = missing[len(missing) - room :] if room else []
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            query = urlencode([("post_ids[]", str(i)) for i in chunk])
            more, more_error = _json(await self._get(f"/t/{topic_id}/posts.json?{query}"))
            more_posts = as_dict(as_dict(more).get("post_stream")).get("posts")
            if more_error or not isinstance(more_posts, list):
                errors.append(f"{where} posts: {more_error or 'unexpected response shape'}")
                continue
            posts.extend(more_posts)
        items = [_raw_item(topic, post, f"{where} item {n}") for n, post in enumerate(posts, start=1)]
        errors.extend(f"{item.position}: {item.error}" for item in items if item.error)
        return items, errors

    def _topics(
        self, response: FetchResponse, *, searching: bool
    ) -> tuple[list[dict[str, Any]], bool, str | None]:
        """The topics of a list or search answer, whether there are more pages, and what was wrong."""
        body, error = _json(response)
        if error:
            return [], False, error
        if not isinstance(body, dict):
            return [], False, f"unexpected response shape: {type(body).__name__}, not an object"
        if searching:
            topics = body.get("topics", [])
            more = bool(as_dict(as_dict(body).get("grouped_search_result")).get("more_full_page_results"))
            if not isinstance(topics, list):
                return [], False, "unexpected response shape: 'topics' is not a list"
        else:
            topic_list = as_dict(as_dict(body).get("topic_list"))
            topics = topic_list.get("topics")
            if not isinstance(topics, list):
                return [], False, "unexpected response shape: no topic_list.topics list"
            more = bool(topic_list.get("more_topics_url"))
        return [topic for topic in topics if isinstance(topic, dict)], more and bool(topics), None

    async def _list(self, number: int, terms: str | None) -> FetchResponse:
        if terms:
            q = terms if _ordered(terms) else f"{terms} order:latest"
            if self.options.category and "category:" not in terms:
                q += f" category:{self.options.category}"
            return await self._get("/search.json", {"q": q, "page": str(number + 1)})
        path = (
            f"/c/{quote(self.options.category, safe='')}/l/latest.json"
            if self.options.category
            else "/latest.json"
        )
        return await self._get(path, {"page": str(number)} if number else None)

    async def _get(self, path: str, params: dict[str, str] | None = None) -> FetchResponse:
        headers = {"Accept": "application/json"}
        if self.options.api_key and self.options.api_username:
            headers["Api-Key"] = self.options.api_key
            headers["Api-Username"] = self.options.api_username
        return await self.http.get(f"{self.options.url}{path}", headers=headers, params=params)

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        data = item.data
        if item.error or not isinstance(data, dict):
            raise MappingError("raw", item.error or "not a Discourse post")
        topic, post = as_dict(data.get("topic")), as_dict(data.get("post"))
        topic_id = _int(topic.get("id")) or _int(post.get("topic_id"))
        number = _int(post.get("post_number"))
        if topic_id is None or number is None:
            raise MappingError("external_id", "post lacks topic_id or post_number")
        reply_to = _int(post.get("reply_to_post_number"))
        parent = reply_to if reply_to is not None else (1 if number > 1 else None)
        slug = as_text(topic.get("slug")) or as_text(post.get("topic_slug")) or "-"
        cooked = post.get("cooked")
        return new_mention(
            channel=self.options.channel,
            external_id=f"{topic_id}/{number}",
            text=html_to_text(cooked, skip_classes=_NOT_THEIRS) if isinstance(cooked, str) else "",
            title=as_text(topic.get("title")) if number == 1 else None,
            published_at=post.get("created_at"),
            fetched_at=fetched_at,
            raw=item.raw,
            url=f"{self.options.url}/t/{quote(slug, safe='')}/{topic_id}/{number}",
            author_handle=as_text(post.get("username")),
            author_name=as_text(post.get("name")),
            parent_id=f"{topic_id}/{parent}" if parent is not None else None,
            thread_id=f"{topic_id}/1",
            like_count=_likes(post),
            reply_count=as_count(post.get("reply_count")),
            view_count=as_count(post.get("reads")),
        )


def _json(response: FetchResponse) -> tuple[Any, str | None]:
    body = response.content
    content_type = response.headers.get("content-type", "")
    if not body.strip():
        return None, "empty response body"
    try:
        return orjson.loads(body), None
    except orjson.JSONDecodeError as exc:
        head = body[:1024].lstrip().lower()
        if "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html", b"<")):
            return None, f"not JSON: got an HTML page ({content_type or 'no content type'})"
        return None, f"malformed JSON: {exc}"


def _raw_item(topic: dict[str, Any], post: Any, position: str) -> RawItem:
    data = {"topic": topic, "post": post}
    raw = orjson.dumps(data).decode()
    if not isinstance(post, dict):
        return RawItem(raw=raw, position=position, error=f"not a post: {type(post).__name__}")
    missing = [key for key in _REQUIRED if post.get(key) in (None, "")]
    if missing:
        return RawItem(raw=raw, position=position, data=data, error=f"post lacks {', '.join(missing)}")
    if _int(post.get("post_number")) is None:
        return RawItem(raw=raw, position=position, data=data, error="post_number is not a number")
    return RawItem(raw=raw, position=position, data=data)


def _likes(post: dict[str, Any]) -> int | None:
    for action in post.get("actions_summary") or []:
        if (
            isinstance(action, dict)
            and action.get("id") == _LIKE
            and as_count(action.get("count")) is not None
        ):
            return as_count(action.get("count"))
    return as_count(post.get("like_count"))


def _cursor(since: str | None, pending: list[int], next_since: str | None) -> dict[str, Any]:
    if not pending:
        return {"since": next_since} if next_since else {}
    cursor: dict[str, Any] = {"since": since} if since else {}
    cursor["pending"] = pending
    if next_since:
        cursor["next_since"] = next_since
    return cursor


def _ordered(terms: str) -> bool:
    return "order:" in terms


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value, field="last_posted_at")
    except MappingError:
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _ids(value: Any) -> list[int]:
    if not isinstance(value, list):
        return []
    return [i for i in (_int(v) for v in value) if i is not None]


__all__ = ["DiscourseConnector", "DiscourseOptions"]
