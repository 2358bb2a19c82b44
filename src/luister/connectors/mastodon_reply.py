"""Answering on Mastodon as a voice: ``POST /api/v1/statuses`` with an ``Idempotency-Key``.

- **The id on the replying instance.** ``in_reply_to_id`` must be the status's id on the voice's own
  instance, which differs from the id the listener saw when it read another instance. A status whose
  ``uri`` is a status URL of the voice's instance carries that id in its ``uri``; any other is looked up
  once with ``GET /api/v2/search?q=<uri>&resolve=true&type=statuses`` (not found: the parent is gone).
- **The author is mentioned.** Mastodon notifies only the accounts a status mentions, so a reply that
  does not mention the author already starts with ``@user@domain`` (``@user`` when they are on the
  voice's instance); Mastodon counts that mention as ``@user`` only. :func:`addressed` is the text that
  is posted, for a composer's preview.
- **Visibility:** the voice's (``public`` by default), or the parent's where that is more restricted, as
  Mastodon's own composer does.
- **Exactly once.** Mastodon keeps an ``Idempotency-Key`` for one hour per account: the same key again
  gives the status it made, not a new one. So :meth:`MastodonReplier.find_reply`, within the hour of the
  key's time (the key is a timestamp), re-posts with the key: the answer is the one status, made then or
  now. After the hour it reads the voice's own statuses (``verify_credentials`` for its id) newest first
  down to the key's time, for an answer to the same parent with the same plain text (mentions left out:
  Mastodon shows them without domain).
- **Errors:** 401 credentials, 403 forbidden, 404 parent gone, 422 too long or invalid; 429
  :class:`ReplyDeferred` until ``X-RateLimit-Reset`` (an ISO time); a 5xx, a time-out or a dropped
  connection after sending :class:`ReplyUncertain`. ``Posted.wait`` when ``X-RateLimit-Remaining`` is 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

import orjson
import regex
from pydantic import BaseModel, Field, HttpUrl, SecretStr, TypeAdapter, field_validator

from luister.connectors.base import (
    ConnectorError,
    Posted,
    ReplyDeferred,
    ReplyRefused,
    ReplyTarget,
    ReplyUncertain,
)
from luister.connectors.common import as_dict, as_text
from luister.connectors.html_text import html_to_text
from luister.connectors.reply_common import (
    RETRY_SOON,
    error_of,
    json_body,
    seconds_until,
    transport_failure,
)
from luister.domain.tid import key_time
from luister.net.http import FetchError, FetchResponse, SafeHttp

DEFAULT_LIMIT = 500
URL_LENGTH = 23  # every link counts as 23 characters, however long
IDEMPOTENCY_HOURS = 1  # how long Mastodon keeps an Idempotency-Key
_KEY_TRUST = timedelta(minutes=55)  # within this of the key's time a re-post with it is certainly safe
_CLOCK_SKEW = timedelta(minutes=10)
_MAX_PAGES = 25  # 1,000 of the voice's own statuses: further back than that, it cannot tell
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)
_GRAPHEME = regex.compile(r"\X")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)'\]]", re.IGNORECASE)
# Mastodon's Account::MENTION_RE, near enough: not after a letter, digit or slash
_MENTION = re.compile(r"(?<![\w/@])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@([a-z0-9.-]+[a-z0-9]))?", re.I)
_LOCAL_STATUS = re.compile(r"^/users/[^/]+/statuses/(\d+)$")
_VISIBILITY = ("public", "unlisted", "private", "direct")  # least to most restricted
_SPACE = re.compile(r"\s+")
_TID = "234567abcdefghijklmnopqrstuvwxyz"

Visibility = Literal["public", "unlisted", "private", "direct"]
Clock = Callable[[], datetime]


class MastodonVoice(BaseModel):
    instance: str = Field(
        description="Base URL of the voice's Mastodon instance, e.g. https://mastodon.social."
    )
    token: SecretStr = Field(
        description="Access token with scopes write:statuses and read (search, own statuses)."
    )
    account_id: str | None = Field(
        None, description="The voice's account id on its instance; asked (verify_credentials) when empty."
    )
    handle: str | None = Field(None, description="The voice's handle, e.g. acme (shown beside replies).")
    visibility: Visibility = Field(
        "public", description="Visibility of replies (a more restricted parent's visibility wins)."
    )
    language: str | None = Field(None, description="ISO 639 language of replies, e.g. nl; else detected.")

    @field_validator("instance")
    @classmethod
    def _http_url(cls, value: str) -> str:
        _HTTP_URL.validate_python(value)
        return value.rstrip("/")


def mastodon_length(text: str, *, url_length: int = URL_LENGTH) -> int:
    """``text``'s length as Mastodon counts it: graphemes, a link as ``url_length``, ``@user@domain`` as
    ``@user``."""
    countable = _URL.sub("x" * url_length, text)
    countable = _MENTION.sub(lambda match: "@" + match.group(1), countable)
    return len(_GRAPHEME.findall(countable))


def author_acct(target: ReplyTarget) -> str | None:
    """The answered author as ``user@domain``, from the raw status (else the target's ``author``)."""
    status = _status(target.raw)
    account = as_dict(status.get("account"))
    acct = as_text(account.get("acct"))
    if acct and "@" in acct.lstrip("@"):
        return acct.lstrip("@")
    if acct:  # local to the instance the listener read: its host is the account's (or status's) host
        for link in (account.get("url"), status.get("uri"), status.get("url")):
            host = urlsplit(link).hostname if isinstance(link, str) else None
            if host:
                return f"{acct}@{host}"
    author = (target.author or "").lstrip("@")
    return author if "@" in author else None


def addressed(text: str, acct: str | None, *, instance: str) -> str:
    """``text`` as posted: starting with a mention of ``acct`` (``user@domain``) unless it mentions them
    already; ``@user`` alone when they are on ``instance``."""
    if not acct:
        return text
    user, _, domain = acct.partition("@")
    local = domain.lower() == (urlsplit(instance).hostname or "").lower()
    for match in _MENTION.finditer(text):
        same_user = match.group(1).lower() == user.lower()
        if same_user and ((match.group(2) or "").lower() == domain.lower() or (local and not match.group(2))):
            return text
    return f"@{user if local else acct} {text}"


class MastodonReplier:
    """One voice answering on its Mastodon instance (see the module's notes)."""

    platform: ClassVar[str] = "mastodon"

    def __init__(self, voice: MastodonVoice, *, http: SafeHttp, clock: Clock | None = None) -> None:
        self.voice = voice
        self.http = http
        self._clock = clock or (lambda: datetime.now(UTC))
        self._limit: int | None = None
        self._url_length = URL_LENGTH
        self._local_ids: dict[str, str] = {}  # status uri → its id on the voice's instance
        self._account_id = voice.account_id

    # -- the Replier protocol --------------------------------------------------------------------
    async def limit(self) -> int:
        """``configuration.statuses.max_characters`` of ``/api/v2/instance`` (asked once; 500 when the
        instance does not say, or cannot be asked now)."""
        if self._limit is not None:
            return self._limit
        try:
            response = await self._call("GET", "/api/v2/instance")
        except FetchError:
            return DEFAULT_LIMIT  # not cached: asked again next time
        if response.status != 200:
            return DEFAULT_LIMIT
        statuses = as_dict(as_dict(as_dict(json_body(response)).get("configuration")).get("statuses"))
        limit, per_url = statuses.get("max_characters"), statuses.get("characters_reserved_per_url")
        self._limit = limit if isinstance(limit, int) and limit > 0 else DEFAULT_LIMIT
        if isinstance(per_url, int) and per_url > 0:
            self._url_length = per_url
        return self._limit

    def length(self, text: str) -> int:
        return mastodon_length(text, url_length=self._url_length)

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        parent = await self._local_id(target)
        return await self._post(target, text, key=key, parent=parent)

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        made = key_time(key)
        try:
            parent = await self._local_id(target)
        except (ReplyRefused, ReplyDeferred) as exc:
            raise ReplyUncertain(f"cannot find the post answered to look for the reply: {exc}") from None
        if made is not None and self._clock() - made < _KEY_TRUST:
            try:  # the key still holds: the platform answers the one status it made with it, or makes it now
                return await self._post(target, text, key=key, parent=parent)
            except ReplyRefused:
                return None  # refused before the key was looked at: no status has it
            except ReplyDeferred as exc:
                raise ReplyUncertain(f"cannot ask now: {exc}") from None
        posted_text = addressed(text, author_acct(target), instance=self.voice.instance)
        return await self._search_own(parent, posted_text, since=made)

    # -- posting ---------------------------------------------------------------------------------
    async def _post(self, target: ReplyTarget, text: str, *, key: str, parent: str) -> Posted:
        body: dict[str, Any] = {
            "status": addressed(text, author_acct(target), instance=self.voice.instance),
            "in_reply_to_id": parent,
            "visibility": _restricted(self.voice.visibility, _status(target.raw).get("visibility")),
        }
        if self.voice.language:
            body["language"] = self.voice.language
        try:
            response = await self._call(
                "POST", "/api/v1/statuses", content=orjson.dumps(body), headers={"Idempotency-Key": key}
            )
        except FetchError as exc:
            raise transport_failure(exc, posting=True) from None
        if 200 <= response.status < 300:
            status = json_body(response)
            if not isinstance(status, dict) or not as_text(str(status.get("id") or "")):
                raise ReplyUncertain(f"Mastodon answered HTTP {response.status} without a status")
            return Posted(
                external_id=str(status["id"]), url=as_text(status.get("url")), wait=self._wait(response)
            )
        raise self._refusal(response)

    def _refusal(self, response: FetchResponse) -> ConnectorError:
        status = response.status
        _, message = error_of(response)
        said = f": {message}" if message else ""
        if status == 401:
            return ReplyRefused("credentials", f"Mastodon refused the voice's access token{said}")
        if status == 403:
            return ReplyRefused("forbidden", f"Mastodon does not allow this voice to answer here{said}")
        if status == 404:
            return ReplyRefused("parent_gone", f"the post answered is gone from Mastodon{said}")
        if status == 422:
            long = "character limit" in message.lower() or "too long" in message.lower()
            return ReplyRefused("too_long" if long else "invalid", f"Mastodon refused the text{said}")
        if status == 429:
            return ReplyDeferred(f"Mastodon's rate limit is reached{said}", retry_after=self._reset(response))
        if status >= 500:
            return ReplyUncertain(f"Mastodon answered HTTP {status}{said}")
        return ReplyRefused("invalid", f"Mastodon answered HTTP {status}{said}")

    # -- the id on the voice's instance ----------------------------------------------------------
    async def _local_id(self, target: ReplyTarget) -> str:
        status = _status(target.raw)
        uri = as_text(status.get("uri"))
        if uri is None:  # no canonical address: the id as the listener saw it is all there is
            return str(status.get("id") or target.external_id)
        parts, home = urlsplit(uri), urlsplit(self.voice.instance)
        local = _LOCAL_STATUS.match(parts.path)
        if parts.netloc.lower() == home.netloc.lower() and local:
            return local.group(1)
        if uri in self._local_ids:
            return self._local_ids[uri]
        params = {"q": uri, "resolve": "true", "type": "statuses", "limit": "1"}
        try:
            response = await self._call("GET", "/api/v2/search", params=params)
        except FetchError as exc:
            raise transport_failure(exc, posting=False) from None
        if response.status >= 500:  # a read: nothing was posted
            raise ReplyDeferred(f"Mastodon's search answered HTTP {response.status}", retry_after=RETRY_SOON)
        if response.status != 200:
            raise self._refusal(response)
        statuses = as_dict(json_body(response)).get("statuses")
        found = [as_dict(s) for s in statuses] if isinstance(statuses, list) else []
        exact = [str(s["id"]) for s in found if s.get("id") and s.get("uri") == uri]
        ids = exact or [str(s["id"]) for s in found if s.get("id")]
        if not ids:
            raise ReplyRefused("parent_gone", "the post answered cannot be found from the voice's instance")
        self._local_ids[uri] = ids[0]
        return ids[0]

    # -- reconciling after the key's hour --------------------------------------------------------
    async def _search_own(self, parent: str, text: str, *, since: datetime | None) -> Posted | None:
        account = await self._own_id()
        wanted = _comparable(text)
        oldest = (since - _CLOCK_SKEW) if since else None
        params = {"limit": "40", "exclude_reblogs": "true"}
        for _ in range(_MAX_PAGES):
            page = await self._read(f"/api/v1/accounts/{account}/statuses", params)
            if not isinstance(page, list) or not page:
                return None
            for item in map(as_dict, page):
                content = item.get("content")
                plain = html_to_text(content) if isinstance(content, str) else ""
                if str(item.get("in_reply_to_id")) == parent and _comparable(plain) == wanted:
                    return Posted(external_id=str(item["id"]), url=as_text(item.get("url")))
            last = as_dict(page[-1])
            created = _moment(last.get("created_at"))
            if oldest is not None and created is not None and created < oldest:
                return None
            params = {**params, "max_id": str(last.get("id"))}
        raise ReplyUncertain("the voice posted too much since the reply to look through it all")

    async def _own_id(self) -> str:
        if self._account_id is None:
            account = as_dict(await self._read("/api/v1/accounts/verify_credentials", {}))
            if not account.get("id"):
                raise ReplyUncertain("Mastodon did not say which account the voice is")
            self._account_id = str(account["id"])
        return self._account_id

    async def _read(self, path: str, params: Mapping[str, str]) -> Any:
        try:
            response = await self._call("GET", path, params=params)
        except FetchError as exc:
            raise ReplyUncertain(f"cannot look now: {exc.reason}") from None
        if response.status != 200:
            raise ReplyUncertain(f"cannot look now: {self._refusal(response)}")
        return json_body(response)

    # -- HTTP ------------------------------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> FetchResponse:
        sent = {
            "Accept": "application/json",
            "Authorization": f"Bearer {self.voice.token.get_secret_value()}",
            **(headers or {}),
        }
        if content is not None:
            sent["Content-Type"] = "application/json"
        url = f"{self.voice.instance}{path}"
        return await self.http.request(method, url, params=params, content=content, headers=sent)

    def _reset(self, response: FetchResponse) -> float:
        return seconds_until(_moment(response.headers.get("x-ratelimit-reset")), self._clock())

    def _wait(self, response: FetchResponse) -> float | None:
        if response.headers.get("x-ratelimit-remaining", "").strip() != "0":
            return None
        return self._reset(response)


def _status(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The status a raw item is about: the boosted one for a boost."""
    data = dict(raw)
    return as_dict(data["reblog"]) if isinstance(data.get("reblog"), dict) else data


def _restricted(mine: str, parent: Any) -> str:
    if parent in _VISIBILITY and _VISIBILITY.index(parent) > _VISIBILITY.index(mine):
        return str(parent)
    return mine


def _comparable(text: str) -> str:
    """Plain text as Mastodon shows it back, for comparing: no mentions (shown without domain), spaces
    collapsed."""
    return _SPACE.sub(" ", _MENTION.sub("", text)).strip()


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


__all__ = [
    "DEFAULT_LIMIT",
    "MastodonReplier",
    "MastodonVoice",
    "addressed",
    "author_acct",
    "key_time",
    "mastodon_length",
]
