"""Replying on Reddit as a voice: a comment under a post (``t3_…``) or a comment (``t1_…``).

The voice is a Reddit account with a "script" app (reddit.com/prefs/apps): the access token comes from
``POST <api>/api/v1/access_token`` with HTTP Basic ``client_id:client_secret`` and
``grant_type=password`` (the account's username and password); it is kept in memory only, reused until it
expires and fetched again when Reddit answers 401.

A reply is ``POST <oauth_api>/api/comment`` with the form ``thing_id=<fullname>``, ``text=<markdown>``,
``api_type=json``. Reddit answers 200 also when it refuses: ``{"json": {"errors": [[CODE, message,
field], …]}}``; an accepted comment is ``json.data.things[0]`` (``{"kind": "t1", "data": {"name",
"permalink", …}}``). Codes: ``THREAD_LOCKED`` and ``TOO_OLD`` (archived) → locked, ``DELETED_COMMENT``
and ``DELETED_LINK`` → parent_gone, ``TOO_LONG`` → too_long, ``RATELIMIT`` ("try again in 5 minutes")
→ :class:`ReplyDeferred`; others → invalid (or forbidden for bans and blocks).

Rate limits: every answer carries ``X-Ratelimit-Used``, ``X-Ratelimit-Remaining`` and
``X-Ratelimit-Reset`` (seconds until the period ends); with nothing remaining a posted reply says to
wait the reset (``Posted.wait``), and a 429 defers by it.

Reddit keeps no idempotency key. ``find_reply`` pages through the voice's own comments
(``GET /user/<username>/comments?sort=new``), newest first, for one whose ``parent_id`` is the target and
whose body is the text, back to the time the effect's key was made.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import quote

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
    since,
    text_of,
    token_failed,
    transport_failure,
)
from luister.net.http import FetchError, FetchResponse, SafeHttp
from luister.net.oauth import TOKENS, ClientCredentials, TokenCache

PLATFORM = "Reddit"
PERMALINK_BASE = "https://www.reddit.com"
MAX_LENGTH = 10_000  # characters of a comment's markdown
MAX_PAGES = 10  # of 100 own comments, Reddit's listing limit (1000) for find_reply
DEFAULT_WAIT = 60.0
_FULLNAME = re.compile(r"^t[13]_[0-9a-z]+$")
_LOCKED = frozenset({"THREAD_LOCKED", "TOO_OLD", "LOCKED", "ARCHIVED"})
_GONE = frozenset({"DELETED_COMMENT", "DELETED_LINK", "DELETED_THING", "NOT_FOUND", "INVALID_THING"})
_FORBIDDEN = frozenset({"USER_BLOCKED", "BANNED_FROM_SUBREDDIT", "SUBREDDIT_NOTALLOWED", "USER_REQUIRED"})
_IN = re.compile(r"(\d+(?:\.\d+)?)\s*(millisecond|second|minute|hour)", re.IGNORECASE)
_UNIT = {"millisecond": 0.001, "second": 1.0, "minute": 60.0, "hour": 3600.0}


class RedditVoice(BaseModel):
    """A Reddit account we answer from, through its own "script" app."""

    client_id: str = Field(description="The script app's id (reddit.com/prefs/apps, under its name).")
    client_secret: SecretStr = Field(description="The script app's secret; never logged, shown masked.")
    username: str = Field(description="The account's username, without u/ (a developer of the app).")
    password: SecretStr = Field(description="The account's password; never logged, shown masked.")
    user_agent: str = Field(
        description="User-Agent Reddit asks apps for, e.g. 'server:luister-acme:1.0 (by /u/acme)'."
    )
    oauth_api: str = Field(default="https://oauth.reddit.com", description="Base URL for OAuth requests.")
    api: str = Field(
        default="https://www.reddit.com", description="Base URL of the token endpoint (/api/v1/access_token)."
    )

    @field_validator("username")
    @classmethod
    def _bare_name(cls, value: str) -> str:
        name = value.strip().removeprefix("/").removeprefix("u/").strip("/")
        if not name:
            raise ValueError("username is empty")
        return name

    @field_validator("oauth_api", "api")
    @classmethod
    def _no_slash(cls, value: str) -> str:
        return value.rstrip("/")


class RedditReplier:
    """Comments as one Reddit voice (see the module's docstring)."""

    platform: ClassVar[str] = PLATFORM

    def __init__(
        self,
        voice: RedditVoice,
        *,
        http: SafeHttp,
        tokens: TokenCache | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.voice = voice
        self.http = http
        self._tokens = tokens if tokens is not None else TOKENS
        self._clock = clock
        self._credentials = ClientCredentials(
            f"{voice.api}/api/v1/access_token",
            SecretStr(voice.client_id),
            voice.client_secret,
            grant_type="password",
            grant=(("username", SecretStr(voice.username)), ("password", voice.password)),
        )

    async def limit(self) -> int:
        return MAX_LENGTH

    def length(self, text: str) -> int:
        return len(text)

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        form = {"api_type": "json", "thing_id": fullname(target), "text": text}
        url = f"{self.voice.oauth_api}/api/comment"
        for attempt in range(2):
            token = await self._token(refresh=attempt > 0)
            try:
                response = await self.http.post(url, form=form, headers=self._headers(token))
            except FetchError as exc:
                raise transport_failure(exc, posting=True, platform=PLATFORM) from None
            if response.status == 401 and not attempt:
                continue  # the token expired or was revoked: certainly not posted, so ask again
            return self._posted(response)
        raise AssertionError("unreachable")  # pragma: no cover

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        parent = fullname(target)
        oldest = since(key)
        after: str | None = None
        path = f"{self.voice.oauth_api}/user/{quote(self.voice.username, safe='')}/comments"
        for _ in range(MAX_PAGES):
            params = {"limit": "100", "sort": "new", "raw_json": "1"}
            if after:
                params["after"] = after
            listing = mapping(mapping(json_body(await self._get(path, params))).get("data"))
            children = listing.get("children")
            if not isinstance(children, list):
                raise ReplyUncertain(
                    "Reddit answered the voice's comments with something else than a listing"
                )
            for child in children:
                data = mapping(mapping(child).get("data"))
                if data.get("parent_id") == parent and same_text(data.get("body"), text):
                    return _posted_comment(data)
            created = [c for c in (seconds(mapping(mapping(ch).get("data")).get("created_utc"))
                                   for ch in children) if c is not None]  # fmt: skip
            after = text_of(listing.get("after"))
            if after is None or not children or (oldest is not None and created and min(created) < oldest):
                return None  # the whole listing, or back to before the effect was planned
        raise ReplyUncertain(f"the reply was not among the voice's last {MAX_PAGES * 100} comments")

    async def _get(self, url: str, params: dict[str, str]) -> FetchResponse:
        for attempt in range(2):
            token = await self._token(refresh=attempt > 0)
            try:
                return await self.http.get(url, params=params, headers=self._headers(token))
            except FetchError as exc:
                if exc.status == 401 and not attempt:
                    continue
                if exc.status in (401, 403):
                    raise ReplyUncertain(f"Reddit refused the look-up ({exc.reason})") from None
                raise reading_failed(exc, PLATFORM) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _token(self, *, refresh: bool) -> str:
        try:
            return await self._tokens.token(
                self.http,
                self._credentials,
                headers={"User-Agent": self.voice.user_agent},
                refresh=refresh,
            )
        except FetchError as exc:
            raise token_failed(exc, PLATFORM) from None

    def _headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"bearer {token}", "User-Agent": self.voice.user_agent}

    def _posted(self, response: FetchResponse) -> Posted:
        status, headers = response.status, response.headers
        if status == 429:
            wait = seconds(headers.get("retry-after")) or seconds(headers.get("x-ratelimit-reset"))
            raise ReplyDeferred("Reddit's rate limit for this voice", retry_after=wait or DEFAULT_WAIT)
        if status >= 500:
            raise ReplyUncertain(f"Reddit answered HTTP {status}; the reply may have been posted")
        if status == 401:
            raise ReplyRefused("credentials", "Reddit refused the voice's token twice (HTTP 401)")
        if status == 403:
            raise ReplyRefused("forbidden", "Reddit does not let this voice comment there (HTTP 403)")
        if status == 404:
            raise ReplyRefused("parent_gone", "Reddit does not know the post or comment (HTTP 404)")
        if status != 200:
            raise ReplyRefused("invalid", f"Reddit refused the reply (HTTP {status})")
        body = mapping(mapping(json_body(response)).get("json"))
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            raise _refusal(errors, body)
        things = mapping(body.get("data")).get("things")
        thing = mapping(things[0]) if isinstance(things, list) and things else {}
        data = mapping(thing.get("data"))
        if not text_of(data.get("name")) and not text_of(data.get("id")):
            raise ReplyUncertain("Reddit answered 200 without the comment; it may have been posted")
        return _posted_comment(data, wait=_wait(headers))


def fullname(target: ReplyTarget) -> str:
    """The Reddit fullname (``t1_…`` or ``t3_…``) of what is answered: the raw item's ``name``, else its
    ``kind`` and ``id``, else the mention's external id (the reading connector stores the fullname)."""
    raw = target.raw
    data = mapping(raw.get("data"))
    name = text_of(data.get("name"))
    if name and _FULLNAME.match(name):
        return name
    kind, ident = text_of(raw.get("kind")), text_of(data.get("id"))
    if kind and ident and _FULLNAME.match(f"{kind}_{ident}"):
        return f"{kind}_{ident}"
    if _FULLNAME.match(target.external_id):
        return target.external_id
    raise ConnectorError(f"not a Reddit post or comment: {target.external_id!r} has no fullname")


def _posted_comment(data: Mapping[str, Any], *, wait: float | None = None) -> Posted:
    name = text_of(data.get("name")) or f"t1_{data.get('id')}"
    permalink = text_of(data.get("permalink"))
    url = f"{PERMALINK_BASE}{permalink}" if permalink and permalink.startswith("/") else None
    return Posted(external_id=name, url=url, wait=wait)


def _wait(headers: Mapping[str, str]) -> float | None:
    """Seconds until the rate-limit period ends when nothing of it remains (else None)."""
    remaining = seconds(headers.get("x-ratelimit-remaining"))
    if remaining is None or remaining >= 1:
        return None
    return seconds(headers.get("x-ratelimit-reset")) or DEFAULT_WAIT


def _refusal(errors: list[Any], body: Mapping[str, Any]) -> ConnectorError:
    """The first of Reddit's ``[CODE, message, field]`` errors as a refusal (or a deferral)."""
    first = errors[0] if isinstance(errors[0], list) else [errors[0]]
    code = str(first[0]).upper() if first else "UNKNOWN"
    message = str(first[1]) if len(first) > 1 else code
    said = f"Reddit: {message} ({code})"
    if code == "RATELIMIT":
        wait = seconds(body.get("ratelimit"))
        if wait is None and (found := _IN.search(message)):
            wait = float(found.group(1)) * _UNIT[found.group(2).lower()]
        return ReplyDeferred(said, retry_after=wait if wait is not None else DEFAULT_WAIT)
    if code in _LOCKED:
        return ReplyRefused("locked", said)
    if code in _GONE:
        return ReplyRefused("parent_gone", said)
    if code == "TOO_LONG":
        return ReplyRefused("too_long", said)
    if code in _FORBIDDEN:
        return ReplyRefused("forbidden", said)
    return ReplyRefused("invalid", said)


__all__ = ["RedditReplier", "RedditVoice", "fullname"]
