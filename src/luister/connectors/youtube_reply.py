"""Replying on YouTube as a voice: a reply in a comment thread, through the YouTube Data API v3.

The voice is a channel that granted luister's OAuth client the ``youtube.force-ssl`` scope; its refresh
token buys access tokens (``POST <token_url>`` with ``grant_type=refresh_token``, HTTP Basic
``client_id:client_secret``), kept in memory only and bought again when YouTube answers 401.

A reply is ``POST /youtube/v3/comments?part=snippet`` with ``{"snippet": {"parentId", "textOriginal"}}``
(50 quota units). YouTube threads are one level deep: a reply to a reply goes to the thread's top-level
comment, taken from the target's raw item (``{"thread": …, "reply": …}`` as the reading connector stores
it: the thread's ``topLevelComment.id``, or the reply's ``parentId``). The answer is the new comment; its
URL is ``https://www.youtube.com/watch?v=<video>&lc=<id>``.

Errors come as ``{"error": {"code", "message", "errors": [{"reason"}]}}``: ``commentsDisabled`` → locked;
``parentCommentNotFound`` (and 404s) → parent_gone; ``commentTextTooLong`` → too_long; ``forbidden``,
``insufficientPermissions``, ``ineligibleAccount`` → forbidden; ``processingFailure`` and other 400s →
invalid; ``rateLimitExceeded`` and 429 → :class:`ReplyDeferred` (``Retry-After``, else a minute); 5xx →
:class:`ReplyUncertain`.

The daily quota (``quotaExceeded``, ``dailyLimitExceeded``) is a deferral, not a refusal: nothing was
posted and the very same reply will go through once the quota resets, at midnight Pacific time, so
``retry_after`` is the seconds until then (:func:`until_quota_reset`). Refusing would make a person resend
by hand what the ledger can send on its own.

YouTube keeps no idempotency key. ``find_reply`` asks once for the voice's channel
(``GET /youtube/v3/channels?part=id&mine=true``) and pages through the thread's replies
(``GET /youtube/v3/comments?part=snippet&parentId=<top>``) for one by that channel with the same text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel, Field, SecretStr, field_validator

from luister.connectors.base import (
    ConnectorError,
    Posted,
    ReplyDeferred,
    ReplyRefused,
    ReplyTarget,
    ReplyUncertain,
)
from luister.connectors.reply_common import (
    json_body,
    mapping,
    reading_failed,
    same_text,
    seconds,
    text_of,
    token_failed,
    transport_failure,
)
from luister.net.http import FetchError, FetchResponse, SafeHttp
from luister.net.oauth import TOKENS, ClientCredentials, TokenCache

PLATFORM = "YouTube"
WATCH_URL = "https://www.youtube.com/watch"
MAX_LENGTH = 10_000  # characters of a comment
MAX_PAGES = 20  # of 100 replies, for find_reply
DEFAULT_WAIT = 60.0
PACIFIC = ZoneInfo("America/Los_Angeles")
_QUOTA = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_SLOW_DOWN = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
_LOCKED = frozenset({"commentsDisabled"})
_GONE = frozenset({"parentCommentNotFound", "commentNotFound", "videoNotFound", "notFound"})
_FORBIDDEN = frozenset(
    {"forbidden", "insufficientPermissions", "ineligibleAccount", "authenticatedUserNotChannel"}
)
_CREDENTIALS = frozenset({"authError", "invalidCredentials", "unauthorized"})


class YouTubeVoice(BaseModel):
    """A YouTube channel we answer as, through luister's OAuth client and the channel's refresh token."""

    client_id: str = Field(description="The OAuth client's id (Google Cloud console, Credentials).")
    client_secret: SecretStr = Field(description="The OAuth client's secret; never logged, shown masked.")
    refresh_token: SecretStr = Field(
        description="The channel's refresh token (scope youtube.force-ssl); never logged, shown masked."
    )
    api: str = Field(default="https://www.googleapis.com", description="Base URL of the YouTube Data API.")
    token_url: str = Field(
        default="https://oauth2.googleapis.com/token", description="Google's OAuth 2 token endpoint."
    )

    @field_validator("api")
    @classmethod
    def _no_slash(cls, value: str) -> str:
        return value.rstrip("/")


def until_quota_reset(now: datetime) -> float:
    """Seconds from ``now`` (aware) until the next midnight Pacific time, when YouTube's daily quota
    resets, plus a minute for clocks that differ."""
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=PACIFIC)
    return (midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds() + 60.0


class YouTubeReplier:
    """Replies as one YouTube channel (see the module's docstring)."""

    def __init__(
        self,
        voice: YouTubeVoice,
        *,
        http: SafeHttp,
        tokens: TokenCache | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.voice = voice
        self.http = http
        self._tokens = tokens if tokens is not None else TOKENS
        self._now = now
        self._channel: str | None = None
        self._credentials = ClientCredentials(
            voice.token_url,
            SecretStr(voice.client_id),
            voice.client_secret,
            grant_type="refresh_token",
            grant=(("refresh_token", voice.refresh_token),),
        )

    async def limit(self) -> int:
        return MAX_LENGTH

    def length(self, text: str) -> int:
        return len(text)

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        parent, video = thread_of(target)
        content = orjson.dumps({"snippet": {"parentId": parent, "textOriginal": text}})
        url = f"{self.voice.api}/youtube/v3/comments?part=snippet"
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {await self._token(refresh=attempt > 0)}",
                       "Content-Type": "application/json", "Accept": "application/json"}  # fmt: skip
            try:
                response = await self.http.post(url, content=content, headers=headers)
            except FetchError as exc:
                raise transport_failure(exc, posting=True, platform=PLATFORM) from None
            if response.status == 401 and not attempt:
                continue  # the access token expired: certainly not posted, so buy another
            if response.status == 200:
                comment = mapping(json_body(response))
                if not text_of(comment.get("id")):
                    raise ReplyUncertain("YouTube answered 200 without the comment; it may have been posted")
                return _posted(comment, video)
            raise self._refusal(response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        parent, video = thread_of(target)
        mine = await self._my_channel()
        token: str | None = None
        for _ in range(MAX_PAGES):
            params = {"part": "snippet", "parentId": parent, "maxResults": "100", "textFormat": "plainText"}
            if token:
                params["pageToken"] = token
            body = mapping(json_body(await self._get("/youtube/v3/comments", params)))
            items = body.get("items")
            if not isinstance(items, list):
                raise ReplyUncertain("YouTube answered the thread's replies without an items list")
            for item in items:
                snippet = mapping(mapping(item).get("snippet"))
                author = mapping(snippet.get("authorChannelId")).get("value")
                said = snippet.get("textOriginal", snippet.get("textDisplay"))
                if author == mine and same_text(said, text):
                    return _posted(mapping(item), video)
            token = text_of(body.get("nextPageToken"))
            if token is None:
                return None
        raise ReplyUncertain(f"the reply was not among the thread's first {MAX_PAGES * 100} replies")

    async def _my_channel(self) -> str:
        if self._channel is None:
            body = mapping(json_body(await self._get("/youtube/v3/channels", {"part": "id", "mine": "true"})))
            items = body.get("items")
            first = mapping(items[0]) if isinstance(items, list) and items else {}
            channel = text_of(first.get("id"))
            if channel is None:
                raise ReplyUncertain("YouTube names no channel for the voice's account")
            self._channel = channel
        return self._channel

    async def _get(self, path: str, params: dict[str, str]) -> FetchResponse:
        url = f"{self.voice.api}{path}?{urlencode(params)}"
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {await self._token(refresh=attempt > 0)}"}
            try:
                return await self.http.get(url, headers=headers)
            except FetchError as exc:
                if exc.status == 401 and not attempt:
                    continue
                raise reading_failed(exc, PLATFORM) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _token(self, *, refresh: bool) -> str:
        try:
            return await self._tokens.token(self.http, self._credentials, refresh=refresh)
        except FetchError as exc:
            raise token_failed(exc, PLATFORM) from None

    def _refusal(self, response: FetchResponse) -> ConnectorError:
        status = response.status
        error = mapping(mapping(json_body(response)).get("error"))
        entries = error.get("errors")
        reasons = [
            reason
            for entry in (entries if isinstance(entries, list) else [])
            if (reason := text_of(mapping(entry).get("reason")))
        ]
        said = (
            f"YouTube: {text_of(error.get('message')) or f'HTTP {status}'} ({', '.join(reasons) or status})"
        )
        found = set(reasons)
        if found & _QUOTA:
            return ReplyDeferred(said, retry_after=until_quota_reset(self._now()))
        if status == 429 or found & _SLOW_DOWN:
            return ReplyDeferred(
                said, retry_after=seconds(response.headers.get("retry-after")) or DEFAULT_WAIT
            )
        if status >= 500:
            return ReplyUncertain(f"YouTube answered HTTP {status}; the reply may have been posted")
        if status == 401 or found & _CREDENTIALS:
            return ReplyRefused("credentials", said)
        if found & _LOCKED:
            return ReplyRefused("locked", said)
        if status == 404 or found & _GONE:
            return ReplyRefused("parent_gone", said)
        if "commentTextTooLong" in found:
            return ReplyRefused("too_long", said)
        if status == 403 or found & _FORBIDDEN:
            return ReplyRefused("forbidden", said)
        return ReplyRefused("invalid", said)


def thread_of(target: ReplyTarget) -> tuple[str, str | None]:
    """The id of the thread's top-level comment (a reply's parent) and the video, from the raw item;
    without one, the target itself counts as the top-level comment."""
    raw = target.raw
    thread = mapping(raw.get("thread"))
    thread_snippet = mapping(thread.get("snippet"))
    top = mapping(thread_snippet.get("topLevelComment"))
    reply_snippet = mapping(mapping(raw.get("reply")).get("snippet"))
    parent = (
        text_of(top.get("id"))
        or text_of(reply_snippet.get("parentId"))
        or text_of(thread.get("id"))
        or text_of(target.thread_id)
        or target.external_id.partition(".")[0]
    )
    if not parent:
        raise ConnectorError("not a YouTube comment: no comment id to reply to")
    video = (
        text_of(thread_snippet.get("videoId"))
        or text_of(mapping(top.get("snippet")).get("videoId"))
        or text_of(reply_snippet.get("videoId"))
    )
    return parent, video


def _posted(comment: Mapping[str, Any], video: str | None) -> Posted:
    ident = str(comment.get("id"))
    video = text_of(mapping(comment.get("snippet")).get("videoId")) or video
    url = f"{WATCH_URL}?{urlencode({'v': video, 'lc': ident})}" if video else None
    return Posted(external_id=ident, url=url)


__all__ = ["YouTubeReplier", "YouTubeVoice", "thread_of", "until_quota_reset"]
