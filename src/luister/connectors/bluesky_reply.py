"""Answering on Bluesky as a voice: ``com.atproto.repo.createRecord`` on the voice's PDS, keyed by the effect.

- **Session:** ``com.atproto.server.createSession`` with the handle and an app password, kept per replier;
  an ``ExpiredToken`` (or any 401) is met once with ``refreshSession`` (or a new session) and the call is
  made again: the platform refused it before taking anything, and the record key guards it besides.
- **Threading:** the parent is the post answered (``uri`` + ``cid``); the root is the parent's own
  ``reply.root`` when it answers another post, else the parent. Before posting, ``app.bsky.feed.getPosts``
  (through the PDS) says whether the parent still exists (else ``parent_gone``), whether its thread
  takes replies from the voice (``viewer.replyDisabled``: ``locked``) and gives its current ``cid``.
- **Rich text:** links and ``@handle`` mentions become facets with UTF-8 **byte** offsets; a mention needs
  the account's DID (``com.atproto.identity.resolveHandle``); a handle that does not resolve stays text.
- **Length:** 300 graphemes.
- **Exactly once:** the record key (``rkey``) is the effect's key, so :meth:`BlueskyReplier.find_reply` is
  one ``com.atproto.repo.getRecord``: found is posted, ``RecordNotFound`` is certainly not, anything else
  cannot tell. A create whose key exists already answers with the record that has it.
- **Errors** (XRPC ``{"error", "message"}``): 400 too long / parent gone / invalid, 401 credentials, 403
  forbidden; 429 :class:`ReplyDeferred` until ``RateLimit-Reset`` (epoch seconds); a 5xx, a time-out or a
  dropped connection after sending :class:`ReplyUncertain`. ``Posted.wait`` when ``RateLimit-Remaining``
  is 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

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
from luister.connectors.reply_common import (
    RETRY_SOON,
    error_of,
    json_body,
    seconds_until,
    transport_failure,
)
from luister.net.http import FetchError, FetchResponse, SafeHttp

DEFAULT_SERVICE = "https://bsky.social"
LIMIT = 300  # graphemes
POST = "app.bsky.feed.post"
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)
_GRAPHEME = regex.compile(r"\X")
# the patterns of Bluesky's own rich-text docs (docs.bsky.app, "Links, mentions and rich text")
_MENTION = re.compile(
    r"(?:^|(?<=\W))@(([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)
_URL = re.compile(
    r"(?:^|(?<=\W))(https?://(www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b"
    r"([-a-zA-Z0-9()@:%_+.~#?&/=]*[-a-zA-Z0-9@%_+~#/=])?)"
)
_AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired"})

Clock = Callable[[], datetime]


class BlueskyVoice(BaseModel):
    service: str = Field(DEFAULT_SERVICE, description="The voice's PDS (or entryway) base URL.")
    handle: str = Field(description="The voice's handle, e.g. acme.bsky.social.")
    app_password: SecretStr = Field(description="An app password (Settings → App passwords), not the login.")
    language: str | None = Field(None, description="Language of replies (BCP 47, e.g. nl), set as langs.")

    @field_validator("service")
    @classmethod
    def _http_url(cls, value: str) -> str:
        _HTTP_URL.validate_python(value)
        return value.rstrip("/")

    @field_validator("handle")
    @classmethod
    def _bare_handle(cls, value: str) -> str:
        handle = value.strip().lstrip("@")
        if not handle:
            raise ValueError("handle is empty")
        return handle


def bluesky_length(text: str) -> int:
    """``text``'s length as Bluesky counts it: grapheme clusters."""
    return len(_GRAPHEME.findall(text))


def mentioned_handles(text: str) -> list[str]:
    """The handles ``text`` mentions (``@name.domain``), in order, each once."""
    return list(dict.fromkeys(match.group(1) for match in _MENTION.finditer(text)))


def facets(text: str, dids: Mapping[str, str]) -> list[dict[str, Any]]:
    """Pure: the link facets of ``text`` and a mention facet for each handle in ``dids``, with UTF-8 byte
    offsets (what a character index is not, once there is an accent or an emoji before it)."""

    def span(start: int, end: int) -> dict[str, int]:
        return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}

    found: list[tuple[int, dict[str, Any]]] = []
    for match in _URL.finditer(text):
        feature = {"$type": "app.bsky.richtext.facet#link", "uri": match.group(1)}
        found.append((match.start(1), {"index": span(match.start(1), match.end(1)), "features": [feature]}))
    for match in _MENTION.finditer(text):
        did = dids.get(match.group(1))
        if did:
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
            start = match.start(1) - 1  # the @ belongs to the mention
            found.append((start, {"index": span(start, match.end(1)), "features": [feature]}))
    return [facet for _, facet in sorted(found, key=lambda pair: pair[0])]


def thread_refs(post: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]] | None:
    """``(root, parent)`` strong refs for an answer to ``post`` (a PostView), or None without its cid."""
    uri, cid = as_text(post.get("uri")), as_text(post.get("cid"))
    if uri is None or cid is None:
        return None
    parent = {"uri": uri, "cid": cid}
    root = as_dict(as_dict(as_dict(post.get("record")).get("reply")).get("root"))
    if as_text(root.get("uri")) and as_text(root.get("cid")):
        return {"uri": str(root["uri"]), "cid": str(root["cid"])}, parent
    return parent, parent


@dataclass(slots=True)
class _Session:
    did: str
    access: str
    refresh: str


class BlueskyReplier:
    """One voice answering on Bluesky (see the module's notes)."""

    platform: ClassVar[str] = "bluesky"

    def __init__(self, voice: BlueskyVoice, *, http: SafeHttp, clock: Clock | None = None) -> None:
        self.voice = voice
        self.http = http
        self._clock = clock or (lambda: datetime.now(UTC))
        self._session: _Session | None = None
        self._dids: dict[str, str | None] = {}  # handle → DID (None: does not resolve)

    async def limit(self) -> int:
        return LIMIT

    def length(self, text: str) -> int:
        return bluesky_length(text)

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        root, parent = await self._thread(target)
        record: dict[str, Any] = {
            "$type": POST,
            "text": text,
            "createdAt": self._clock().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "reply": {"root": root, "parent": parent},
        }
        found = facets(text, await self._resolve(mentioned_handles(text)))
        if found:
            record["facets"] = found
        if self.voice.language:
            record["langs"] = [self.voice.language]
        session = await self._current()
        body = {"repo": session.did, "collection": POST, "rkey": key, "record": record}
        response = await self._xrpc("POST", "com.atproto.repo.createRecord", body=body, posting=True)
        if response.status == 200:
            created = as_dict(json_body(response))
            uri = as_text(created.get("uri"))
            if uri is None:
                raise ReplyUncertain("Bluesky took the post but did not say its uri")
            return Posted(external_id=uri, url=self._url(uri), wait=self._wait(response))
        error, message = error_of(response)
        if response.status == 400 and "already exist" in message.lower():  # our key: posted before
            posted = await self.find_reply(target, key=key, text=text)
            if posted is None:
                raise ReplyUncertain(f"Bluesky says the record exists but cannot show it: {message}")
            return posted
        raise self._refusal(response)

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        try:
            session = await self._current()
            params = {"repo": session.did, "collection": POST, "rkey": key}
            response = await self._xrpc("GET", "com.atproto.repo.getRecord", params=params)
        except (ReplyRefused, ReplyDeferred) as exc:
            raise ReplyUncertain(f"cannot look now: {exc}") from None
        if response.status == 200:
            uri = as_text(as_dict(json_body(response)).get("uri"))
            if uri is not None:
                return Posted(external_id=uri, url=self._url(uri))
        error, message = error_of(response)
        if response.status == 400 and error == "RecordNotFound":
            return None
        raise ReplyUncertain(f"Bluesky answered HTTP {response.status} {error}: {message}".rstrip(": "))

    # -- before posting: the thread and the mentions ----------------------------------------------
    async def _thread(self, target: ReplyTarget) -> tuple[dict[str, str], dict[str, str]]:
        uri = as_text(target.raw.get("uri")) or target.external_id
        response = await self._xrpc("GET", "app.bsky.feed.getPosts", params={"uris": uri})
        if response.status != 200:
            raise self._read_refusal(response)
        posts = as_dict(json_body(response)).get("posts")
        current = as_dict(posts[0]) if isinstance(posts, list) and posts else {}
        if not current:
            raise ReplyRefused("parent_gone", "the post answered is gone from Bluesky")
        if as_dict(current.get("viewer")).get("replyDisabled") is True:
            raise ReplyRefused("locked", "the author does not allow this voice to reply in this thread")
        refs = thread_refs(current) or thread_refs(target.raw)
        if refs is None:
            raise ReplyRefused("parent_gone", "Bluesky does not say which version of the post to answer")
        return refs

    async def _resolve(self, handles: list[str]) -> dict[str, str]:
        for handle in handles:
            if handle in self._dids:
                continue
            params = {"handle": handle}
            response = await self._xrpc("GET", "com.atproto.identity.resolveHandle", params=params)
            if response.status == 200:
                self._dids[handle] = as_text(as_dict(json_body(response)).get("did"))
            elif response.status == 400:  # no such handle: the mention stays plain text
                self._dids[handle] = None
            else:
                raise self._read_refusal(response)
        return {handle: did for handle in handles if (did := self._dids.get(handle))}

    # -- the session and the calls ----------------------------------------------------------------
    async def _current(self) -> _Session:
        if self._session is None:
            self._session = await self._login()
        return self._session

    async def _login(self) -> _Session:
        body = {"identifier": self.voice.handle, "password": self.voice.app_password.get_secret_value()}
        response = await self._send("POST", "com.atproto.server.createSession", body=body, token=None)
        return self._session_of(response)

    async def _renew(self, session: _Session) -> _Session:
        response = await self._send("POST", "com.atproto.server.refreshSession", token=session.refresh)
        try:
            self._session = self._session_of(response)
        except ReplyRefused:  # the refresh token is spent too: sign in again
            self._session = await self._login()
        return self._session

    def _session_of(self, response: FetchResponse) -> _Session:
        data = as_dict(json_body(response))
        did, access, refresh = (as_text(data.get(k)) for k in ("did", "accessJwt", "refreshJwt"))
        if response.status == 200 and did and access and refresh:
            return _Session(did, access, refresh)
        error, message = error_of(response)
        if response.status == 429 or response.status >= 500 or response.status == 200:
            raise self._read_refusal(response)
        if error == "AccountTakedown":
            raise ReplyRefused("forbidden", f"Bluesky has taken the voice's account down: {message}")
        raise ReplyRefused("credentials", f"Bluesky refused the voice's handle or app password: {message}")

    async def _xrpc(
        self,
        method: str,
        nsid: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        posting: bool = False,
    ) -> FetchResponse:
        """One call with the session; an expired or refused token is renewed once and the call repeated
        (it was refused before anything was taken)."""
        session = await self._current()
        response = await self._send(
            method, nsid, params=params, body=body, token=session.access, posting=posting
        )
        error, _ = error_of(response)
        if response.status == 401 or (response.status == 400 and error in _AUTH_ERRORS):
            session = await self._renew(session)
            response = await self._send(
                method, nsid, params=params, body=body, token=session.access, posting=posting
            )
        return response

    async def _send(
        self,
        method: str,
        nsid: str,
        *,
        token: str | None,
        params: Mapping[str, str] | None = None,
        body: Any = None,
        posting: bool = False,
    ) -> FetchResponse:
        headers = {"Accept": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        content = None
        if body is not None:
            content = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        url = f"{self.voice.service}/xrpc/{nsid}"
        try:
            return await self.http.request(method, url, params=params, content=content, headers=headers)
        except FetchError as exc:
            raise transport_failure(exc, posting=posting) from None

    # -- answers ----------------------------------------------------------------------------------
    def _refusal(self, response: FetchResponse) -> ConnectorError:
        """What an answer to the post itself means."""
        status = response.status
        error, message = error_of(response)
        said = f": {message or error}" if message or error else ""
        text = message.lower()
        if status == 400 and ("longer than" in text or "too long" in text or "graphemes" in text):
            return ReplyRefused("too_long", f"Bluesky refused the text{said}")
        if status == 400 and ("parent" in text or "could not locate" in text or error == "RecordNotFound"):
            return ReplyRefused("parent_gone", f"the post answered is gone from Bluesky{said}")
        if status == 401 or (status == 400 and error in _AUTH_ERRORS):
            return ReplyRefused("credentials", f"Bluesky refused the voice's session{said}")
        if status == 403:
            return ReplyRefused("forbidden", f"Bluesky does not allow this voice to post{said}")
        if status == 429:
            return ReplyDeferred(f"Bluesky's rate limit is reached{said}", retry_after=self._reset(response))
        if status >= 500:
            return ReplyUncertain(f"Bluesky answered HTTP {status}{said}")
        if status == 404:
            return ReplyRefused("not_found", f"the voice's service has no such method{said}")
        return ReplyRefused("invalid", f"Bluesky refused the post{said}")

    def _read_refusal(self, response: FetchResponse) -> ConnectorError:
        """What a failed call before the post means: nothing was posted, so never uncertain."""
        error = self._refusal(response)
        if isinstance(error, ReplyRefused | ReplyDeferred):
            return error
        return ReplyDeferred(str(error), retry_after=RETRY_SOON)

    def _url(self, uri: str) -> str:
        return f"https://bsky.app/profile/{self.voice.handle}/post/{uri.rsplit('/', 1)[-1]}"

    def _reset(self, response: FetchResponse) -> float:
        reset = response.headers.get("ratelimit-reset", "").strip()
        moment = datetime.fromtimestamp(int(reset), UTC) if reset.isdigit() else None
        return seconds_until(moment, self._clock())

    def _wait(self, response: FetchResponse) -> float | None:
        if response.headers.get("ratelimit-remaining", "").strip() != "0":
            return None
        return self._reset(response)


__all__ = [
    "DEFAULT_SERVICE",
    "LIMIT",
    "BlueskyReplier",
    "BlueskyVoice",
    "bluesky_length",
    "facets",
    "mentioned_handles",
    "thread_refs",
]
