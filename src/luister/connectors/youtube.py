"""YouTube comments through the YouTube Data API v3 ``commentThreads.list`` (an API key, no OAuth).

``GET /youtube/v3/commentThreads?part=snippet,replies&videoId=…`` (or ``allThreadsRelatedToChannelId=…``,
optionally ``searchTerms=…``) with ``order=time`` and ``textFormat=plainText``; paged with ``pageToken``.
Each request costs one unit of the project's daily quota (10,000 by default).

The API key. Google documents two ways to send it: the ``key`` query parameter and the ``X-Goog-Api-Key``
header (cloud.google.com/docs/authentication/api-keys-use). This connector uses the header: a key in the
URL would be written out by every log line that shows the URL (httpx logs each request URL at INFO,
luister's default level), by proxies and by access logs. The header is masked in SafeHttp's logs and
dropped on a redirect to another host.

Raw items. A thread (``youtube#commentThread``) holds a top-level comment and some of its replies (YouTube
includes up to a handful; the rest would need ``comments.list``, which this connector does not call). Each
top-level comment and each included reply becomes one raw item, ``{"thread": <thread>}`` or
``{"thread": <thread>, "reply": <comment>}``, where ``thread`` is the thread exactly as YouTube sent it
without its ``replies`` and ``reply`` the reply exactly as sent: every mention keeps its video, its thread
and the comment it answers, and :meth:`YouTubeConnector.map_item` needs nothing else.

Paging and the cursor. ``order=time`` lists threads newest first. The saved cursor is
``{"newest_at": <publishedAt>, "ids": [threads published at that instant]}`` of the newest thread stored;
a run pages until it reaches a thread older than that (threads of that instant already stored are
skipped), then saves its own newest. Until it gets there each page's cursor keeps the old boundary plus
``"pending": {"page_token", "newest_at", "ids"}``, so a restart, or the next run after ``max_pages``,
goes on from the same page without loss. A pageToken YouTube no longer accepts (HTTP 400 on the first
request of a resumed run) restarts the walk from the newest thread; the store drops what it already has.
A first run (no cursor) takes at most ``max_pages`` pages and does not backfill. Replies posted later to
a thread already stored are not picked up (YouTube orders threads by their top-level comment).

Errors. 429 and 5xx are retried by :class:`~luister.net.http.SafeHttp`. 400, 401, 403 and 404
raise a :class:`~luister.net.http.FetchError` saying what YouTube means by them (quota used up,
invalid key, comments disabled, video not found). A body that is not a comment thread list (HTML, broken
JSON, a JSON ``error`` object) is recorded as the page's problem; a malformed thread is quarantined with
its reason while the other threads of the page are stored. No message carries the key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

import orjson
from pydantic import BaseModel, Field, SecretStr, model_validator

from luister.connectors.base import Capability, Health, Page
from luister.connectors.common import HttpConnector, as_count, as_dict, as_text
from luister.connectors.hackernews import parse_json
from luister.connectors.html_text import html_to_text
from luister.connectors.youtube_reply import YouTubeReplier, YouTubeVoice
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention, new_mention
from luister.domain.timestamps import parse_timestamp
from luister.net.http import FetchError, FetchResponse, SafeHttp

PATH = "/youtube/v3/commentThreads"
WATCH_URL = "https://www.youtube.com/watch"
LIST_KIND = "youtube#commentThreadListResponse"
API_KEY_HEADER = "X-Goog-Api-Key"

_REFUSED = {
    400: "the API key is not valid (keyInvalid) or YouTube refused a parameter (video_id, channel_id, an "
    "expired pageToken)",
    401: "the API key is not valid (keyInvalid)",
    403: "the daily quota is used up (quotaExceeded; it resets at midnight Pacific time), comments are "
    "disabled for the video (commentsDisabled), or the key may not use the YouTube Data API v3 (forbidden)",
    404: "the video or channel does not exist or is not public (videoNotFound, channelNotFound)",
}


class YouTubeOptions(BaseModel):
    api_key: SecretStr = Field(
        description="YouTube Data API v3 key (Google Cloud console, APIs & Services, Credentials); sent "
        "in the X-Goog-Api-Key header, never logged, shown masked."
    )
    video_id: str | None = Field(
        default=None,
        description="The video whose comments to read (its id, or a youtube.com/watch or youtu.be "
        "link). Give video_id or channel_id.",
    )
    channel_id: str | None = Field(
        default=None,
        description="A channel id (UC…): every comment thread on the channel's videos "
        "(allThreadsRelatedToChannelId). Give video_id or channel_id.",
    )
    search_terms: str | None = Field(
        default=None, description="Only comments containing these terms (searchTerms) [default: all]."
    )
    api: str = Field(default="https://www.googleapis.com", description="Base URL of the YouTube Data API.")
    max_results: int = Field(
        default=100, ge=1, le=100, description="Comment threads asked for per request (≤ 100)."
    )
    max_pages: int = Field(
        default=10, ge=1, le=1000, description="At most this many requests (quota units) per run."
    )
    channel: str = Field(default="youtube", description="Channel for the mentions.")

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if not self.api_key.get_secret_value().strip():
            raise ValueError("api_key is empty")
        self.video_id = _video_id(self.video_id)
        self.channel_id = (self.channel_id or "").strip() or None
        self.search_terms = (self.search_terms or "").strip() or None
        if (self.video_id is None) == (self.channel_id is None):
            raise ValueError("give video_id or channel_id (one of them)")
        return self


class YouTubeConnector(HttpConnector):
    """Comments on a YouTube video or on all videos of a channel, newest threads first, each top-level
    comment and each reply YouTube includes as a mention, through the YouTube Data API v3
    (``commentThreads.list``, an API key; one quota unit per request; the key is never logged and shown
    masked).

    Cursor: ``{"newest_at": <publishedAt>, "ids": [...]}``, plus ``"pending"`` while a run is unfinished.
    """

    options: YouTubeOptions

    example: ClassVar[str] = (
        "luister sources add yt-review youtube -o api_key=$YOUTUBE_API_KEY -o video_id=Vx4cmeAcme1\n"
        "luister sources add yt-acme youtube -o api_key=$YOUTUBE_API_KEY "
        "-o channel_id=UCacmeOfficialChannel00 -o max_pages=3\n"
        "luister sources add yt-acme-broken youtube -o api_key=$YOUTUBE_API_KEY "
        '-o channel_id=UCacmeOfficialChannel00 -o search_terms="broken"'
    )

    name: ClassVar[str] = "youtube"
    options_model: ClassVar[type[BaseModel]] = YouTubeOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.read, Capability.reply})
    max_concurrency: ClassVar[int] = 2
    poll_interval: ClassVar[int] = 900
    voice_model: ClassVar[type[BaseModel]] = YouTubeVoice

    @classmethod
    def replier(cls, voice: YouTubeVoice, *, http: SafeHttp) -> YouTubeReplier:
        """Replies as ``voice``'s channel (see :mod:`luister.connectors.youtube_reply`)."""
        return YouTubeReplier(voice, http=http)

    async def check_credentials(self) -> Health:
        """One request for one thread: the key, the quota and the video or channel."""
        try:
            response = await self._get(None, terms=None, max_results=1)
        except FetchError as exc:
            return Health(ok=False, detail=str(exc))
        body, error = self._parse(response)
        if error:
            return Health(ok=False, detail=error)
        total = as_dict(body.get("pageInfo")).get("totalResults", "?")
        return Health(ok=True, detail=f"comment threads ok ({total} on the first page)")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        """Pages of comments newer than the cursor, newest threads first; ``query`` (if given) replaces
        the ``search_terms`` option."""
        cursor = cursor or {}
        since = _moment(cursor.get("newest_at"))
        boundary = set(_strs(cursor.get("ids"))) if since is not None else set()
        base = _boundary(since, boundary) if since is not None else {}
        pending = as_dict(cursor.get("pending"))
        token = as_text(pending.get("page_token"))
        top = _Top.resume(pending if token else {})
        resumed = token is not None
        seen: set[str] = set()
        problems: list[str] = []
        for request in range(self.options.max_pages):
            try:
                response = await self._get(token, terms=query)
            except FetchError as exc:
                if resumed and request == 0 and exc.status == 400:
                    problems.append("the saved pageToken was refused; paging again from the newest thread")
                    token, top = None, _Top.resume({})
                    response = await self._checked_get(None, terms=query)
                else:
                    self._last_error = str(exc)
                    raise
            body, error = self._parse(response)
            if error:
                self._last_error = error
                keep = {**base, "pending": {"page_token": token, **top.saved()}} if token else dict(base)
                yield Page(items=[], cursor=keep, errors=[*problems, error])
                return
            items, errors, reached = self._page_items(body["items"], request, since, boundary, seen, top)
            errors, problems = [*problems, *errors], []
            self._last_error = "; ".join(errors) if errors and all(item.error for item in items) else None
            token = as_text(body.get("nextPageToken"))
            more = not reached and token is not None and bool(body["items"])
            if more and not (since is None and request + 1 == self.options.max_pages):
                yield Page(items, {**base, "pending": {"page_token": token, **top.saved()}}, errors)
                continue
            yield Page(items=items, cursor=top.done(base, since, boundary), errors=errors)
            return

    def _page_items(
        self,
        threads: list[Any],
        request: int,
        since: datetime | None,
        boundary: set[str],
        seen: set[str],
        top: _Top,
    ) -> tuple[list[RawItem], list[str], bool]:
        """The raw items of one page, its problems, and whether it reached the saved boundary."""
        items: list[RawItem] = []
        errors: list[str] = []
        for number, thread in enumerate(threads, start=1):
            position = f"page {request + 1} thread {number}"
            problem = _thread_problem(thread)
            if problem:
                errors.append(f"{position}: {problem}")
                items.append(RawItem(raw=orjson.dumps(thread).decode(), position=position, error=problem))
                continue
            thread_id, published = str(thread["id"]), _published(thread)
            assert published is not None  # checked by _thread_problem
            if since is not None and published < since:
                return items, errors, True  # newest first: the rest is stored already
            if thread_id in seen or (published == since and thread_id in boundary):
                continue
            seen.add(thread_id)
            top.saw(thread_id, published)
            for item in _raw_items(thread, position):
                if item.error:
                    errors.append(f"{item.position}: {item.error}")
                items.append(item)
        return items, errors, False

    async def _checked_get(self, token: str | None, *, terms: str | None) -> FetchResponse:
        try:
            return await self._get(token, terms=terms)
        except FetchError as exc:
            self._last_error = str(exc)
            raise

    async def _get(
        self, token: str | None, *, terms: str | None, max_results: int | None = None
    ) -> FetchResponse:
        options = self.options
        params = {
            "part": "snippet,replies",
            "maxResults": str(max_results or options.max_results),
            "order": "time",
            "textFormat": "plainText",
        }
        if options.video_id:
            params["videoId"] = options.video_id
        else:
            params["allThreadsRelatedToChannelId"] = options.channel_id or ""
        search = terms or options.search_terms
        if search:
            params["searchTerms"] = search
        if token:
            params["pageToken"] = token
        headers = {API_KEY_HEADER: options.api_key.get_secret_value()}
        try:
            return await self.http.get(f"{options.api.rstrip('/')}{PATH}", params=params, headers=headers)
        except FetchError as exc:
            meaning = _REFUSED.get(exc.status or 0)
            if meaning is None:
                raise
            reason = f"HTTP {exc.status}: YouTube refused the request: {meaning}"
            raise FetchError(reason, url=exc.url, status=exc.status) from None

    def _parse(self, response: FetchResponse) -> tuple[dict[str, Any], str | None]:
        body, error = parse_response(response)
        secret = self.options.api_key.get_secret_value()
        return body, error.replace(secret, "***") if error and secret else error

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        data = item.data
        if not isinstance(data, dict) or not isinstance(data.get("thread"), dict):
            raise MappingError("raw", item.error or "not a YouTube comment thread item")
        thread: dict[str, Any] = data["thread"]
        thread_snippet = as_dict(thread.get("snippet"))
        top_comment = as_dict(thread_snippet.get("topLevelComment"))
        reply = data.get("reply")
        comment = as_dict(reply) if reply is not None else top_comment
        snippet = as_dict(comment.get("snippet"))
        comment_id = as_text(comment.get("id"))
        video_id = as_text(snippet.get("videoId")) or as_text(thread_snippet.get("videoId"))
        # textOriginal is what the author typed; textDisplay is HTML unless textFormat=plainText was asked
        original, display = snippet.get("textOriginal"), snippet.get("textDisplay")
        text = original if isinstance(original, str) and original else None
        if text is None and isinstance(display, str):
            text = html_to_text(display)
        channel_id = as_text(as_dict(snippet.get("authorChannelId")).get("value"))
        name = as_text(snippet.get("authorDisplayName"))
        is_reply = reply is not None
        return new_mention(
            channel=self.options.channel,
            external_id=comment_id,
            text=text if isinstance(text, str) else "",
            published_at=snippet.get("publishedAt"),
            fetched_at=fetched_at,
            raw=item.raw,
            url=f"{WATCH_URL}?v={video_id}&lc={comment_id}" if video_id and comment_id else None,
            author_handle=channel_id or name,
            author_name=name,
            parent_id=(as_text(top_comment.get("id")) or as_text(snippet.get("parentId")))
            if is_reply
            else None,
            thread_id=as_text(thread.get("id")) if is_reply else None,
            like_count=as_count(snippet.get("likeCount")),
            reply_count=None if is_reply else as_count(thread_snippet.get("totalReplyCount")),
        )


def parse_response(response: FetchResponse) -> tuple[dict[str, Any], str | None]:
    """A comment thread list with an ``items`` list, or why the response is not one (never raises)."""
    body, error = parse_json(response)
    if error:
        return {}, error
    if not isinstance(body, dict):
        return {}, "unexpected response shape: not a JSON object"
    if isinstance(body.get("error"), dict):
        return {}, _api_error(body["error"])
    if not isinstance(body.get("items"), list):
        return {}, f"unexpected response shape: no 'items' list in a {body.get('kind') or 'response'}"
    if body.get("kind") not in (None, LIST_KIND):
        return {}, f"unexpected response kind {body.get('kind')!r}, not {LIST_KIND}"
    return body, None


def _api_error(error: dict[str, Any]) -> str:
    """``{"code", "message", "errors": [{"reason"}]}`` as one line."""
    entries = error.get("errors")
    reasons = [
        reason
        for entry in (entries if isinstance(entries, list) else [])
        if (reason := as_text(as_dict(entry).get("reason")))
    ]
    message = as_text(error.get("message")) or "no message"
    return f"YouTube API error {error.get('code', '?')} ({', '.join(reasons) or 'no reason'}): {message}"


def _thread_problem(thread: Any) -> str | None:
    if not isinstance(thread, dict):
        return f"thread is {type(thread).__name__}, not an object"
    if not as_text(thread.get("id")):
        return "thread has no id"
    top = as_dict(as_dict(thread.get("snippet")).get("topLevelComment"))
    if not top:
        return "thread has no snippet.topLevelComment"
    if _published(thread) is None:
        return "top-level comment has no valid snippet.publishedAt"
    return None


def _raw_items(thread: dict[str, Any], position: str) -> list[RawItem]:
    """The thread's top-level comment and each included reply, each with the thread (without replies)."""
    bare = {key: value for key, value in thread.items() if key != "replies"}
    top = {"thread": bare}
    items = [RawItem(raw=orjson.dumps(top).decode(), position=position, data=top)]
    replies = as_dict(thread.get("replies")).get("comments")
    for number, reply in enumerate(replies if isinstance(replies, list) else [], start=1):
        where = f"{position} reply {number}"
        data = {"thread": bare, "reply": reply}
        raw = orjson.dumps(data).decode()
        if not isinstance(reply, dict) or not as_text(reply.get("id")):
            items.append(RawItem(raw=raw, position=where, error="reply has no id"))
        else:
            items.append(RawItem(raw=raw, position=where, data=data))
    return items


def _published(thread: dict[str, Any]) -> datetime | None:
    top = as_dict(as_dict(thread.get("snippet")).get("topLevelComment"))
    return _moment(as_dict(top.get("snippet")).get("publishedAt"))


class _Top:
    """The newest thread instant of a run and the threads published at it."""

    def __init__(self, newest: datetime | None, ids: list[str]) -> None:
        self.newest, self.ids = newest, ids

    @classmethod
    def resume(cls, pending: dict[str, Any]) -> _Top:
        newest = _moment(pending.get("newest_at"))
        return cls(newest, _strs(pending.get("ids")) if newest is not None else [])

    def saw(self, thread_id: str, published: datetime) -> None:
        if self.newest is None or published > self.newest:
            self.newest, self.ids = published, []
        if published == self.newest and thread_id not in self.ids:
            self.ids.append(thread_id)

    def saved(self) -> dict[str, Any]:
        return _boundary(self.newest, set(self.ids)) if self.newest is not None else {}

    def done(self, base: dict[str, Any], since: datetime | None, boundary: set[str]) -> dict[str, Any]:
        """The cursor once the walk reached the old boundary (or the end): its newest is the next one."""
        if self.newest is None:
            return dict(base)
        if self.newest == since:
            return _boundary(since, boundary | set(self.ids))
        return self.saved()


def _boundary(moment: datetime, ids: set[str]) -> dict[str, Any]:
    return {"newest_at": moment.isoformat().replace("+00:00", "Z"), "ids": sorted(ids)}


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_timestamp(value, field="publishedAt")
    except MappingError:
        return None


def _video_id(value: str | None) -> str | None:
    """A video id from an id, a ``youtube.com/watch?v=…`` link or a ``youtu.be/…`` link."""
    text = (value or "").strip()
    if "/" not in text:
        return text or None
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.netloc.lower().removeprefix("www.") == "youtu.be":
        return parts.path.strip("/") or None
    found = parse_qs(parts.query).get("v")
    if found:
        return found[0]
    raise ValueError(f"video_id: cannot find a video id in {text!r}")


def _strs(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []


__all__ = ["YouTubeConnector", "YouTubeOptions", "parse_response"]
