"""Replying on a Discourse forum as a voice: a post in the topic, in reply to the post answered.

The voice is a forum user with an API key (admin, API keys: a user key, or an all-users key acting as
``api_username``), sent as the ``Api-Key`` and ``Api-Username`` headers, never in the URL.

A reply is ``POST /posts.json`` with ``{"raw", "topic_id", "reply_to_post_number"}``, both taken from the
target's raw item (``{"topic": {"id", "slug"}, "post": {"post_number", …}}``, what the reading connector
stores) or else from its external id ``<topic_id>/<post_number>``. Discourse answers the new post
(``id``, ``topic_id``, ``post_number``, ``topic_slug``); the reply's external id is
``<topic_id>/<post_number>`` as the reading connector makes it, its URL ``<forum>/t/<slug>/<topic>/<n>``.
A post held for review (``{"action": "enqueued", "pending_post": …}``) was taken: it counts as posted, with
the external id ``pending:<id>``.

Refusals: 422 ``{"errors": [...], "error_type": "invalid_parameters"}`` → too_long ("Body is limited to …
characters", "too long") or invalid; "too similar to what you recently posted" means this voice posted the
same text moments ago, so the replier looks for it there and answers it as posted when it is the reply to
this post; 403 ``invalid_access`` → credentials when the key is refused, locked when the topic is closed or
archived (the replier looks), else forbidden; 404 → parent_gone; 429 (``Retry-After``,
``extras.wait_seconds``) → :class:`ReplyDeferred`; 5xx → :class:`ReplyUncertain`.

The limit is the forum's ``max_post_length`` (``GET /site/settings.json``, the settings the forum's own
composer reads), or Discourse's default of 32000 when the forum does not tell.

Discourse keeps no idempotency key. ``find_reply`` reads the topic's post stream from its end, 20 posts a
request (``/t/<id>/posts.json?post_ids[]=…``), back to the post answered or to the time the effect's key
was made, for a post by ``api_username`` replying to that post; a candidate's ``raw`` (``/posts/<id>.json``)
must be the text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from pydantic import BaseModel, Field, HttpUrl, SecretStr, TypeAdapter, field_validator

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
    key_time,
    mapping,
    reading_failed,
    same_text,
    seconds,
    since,
    text_of,
    transport_failure,
)
from luister.net.http import FetchError, FetchResponse, SafeHttp

PLATFORM = "Discourse"
DEFAULT_LIMIT = 32_000  # Discourse's default max_post_length
DEFAULT_WAIT = 60.0
CHUNK = 20  # posts a posts.json request, as Discourse's own client asks
MAX_CHUNKS = 50  # find_reply reads at most the last 1000 posts of a topic
_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


class DiscourseVoice(BaseModel):
    """A forum user we answer as, through an API key."""

    url: str = Field(description="Base URL of the forum, e.g. https://forum.example.com.")
    api_key: SecretStr = Field(description="API key (admin, API keys); sent as Api-Key, never logged.")
    api_username: str = Field(description="The user the replies are posted as (Api-Username).")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        _HTTP_URL.validate_python(value)
        return value.rstrip("/")

    @field_validator("api_username")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("api_username is empty")
        return value.strip()


class DiscourseReplier:
    """Posts as one Discourse voice (see the module's docstring)."""

    def __init__(self, voice: DiscourseVoice, *, http: SafeHttp) -> None:
        self.voice = voice
        self.http = http
        self._limit: int | None = None

    async def limit(self) -> int:
        if self._limit is None:
            try:
                settings = mapping(json_body(await self._get("/site/settings.json")))
            except FetchError:
                return DEFAULT_LIMIT  # not remembered: the next call asks again
            found = settings.get("max_post_length")
            ok = isinstance(found, int) and not isinstance(found, bool) and found > 0
            self._limit = found if ok and isinstance(found, int) else DEFAULT_LIMIT
        return self._limit

    def length(self, text: str) -> int:
        return len(text)

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        topic_id, number = where(target)
        body = {"raw": text, "topic_id": topic_id, "reply_to_post_number": number}
        headers = {**self._headers(), "Content-Type": "application/json"}
        try:
            response = await self.http.post(
                f"{self.voice.url}/posts.json", content=orjson.dumps(body), headers=headers
            )
        except FetchError as exc:
            raise transport_failure(exc, posting=True, platform=PLATFORM) from None
        if response.status == 200:
            return self._posted(response)
        failure = await self._refusal(response, target, text, key)
        if isinstance(failure, Posted):
            return failure  # "too similar": the same reply was posted moments ago, and is there
        raise failure

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        topic_id, number = where(target)
        try:
            response = await self._get(f"/t/{topic_id}.json")
        except FetchError as exc:
            if exc.status in (404, 410):
                return None  # the topic is gone, and any reply with it
            raise reading_failed(exc, PLATFORM) from None
        topic = mapping(json_body(response))
        stream = mapping(topic.get("post_stream"))
        ids = [i for i in (stream.get("stream") or []) if isinstance(i, int) and not isinstance(i, bool)]
        if not isinstance(stream.get("stream"), list):
            raise ReplyUncertain("Discourse answered the topic without its post stream")
        loaded = {post["id"]: post for post in _posts(stream) if isinstance(post.get("id"), int)}
        oldest = since(key)
        for start in range(len(ids), 0, -CHUNK)[:MAX_CHUNKS]:
            chunk = ids[max(0, start - CHUNK) : start]
            posts = [loaded[i] for i in chunk if i in loaded]
            wanted = [i for i in chunk if i not in loaded]
            if wanted:
                posts += await self._chunk(topic_id, wanted)
            # each candidate's raw costs a request: the one posted closest after the key is the likeliest
            for post in sorted((p for p in posts if self._ours(p, number)), key=_nearest(key_time(key))):
                found = await self._if_same(post, text, topic)
                if found is not None:
                    return found
            numbers = [_int(post.get("post_number")) for post in posts]
            times = [t for t in (_moment(post.get("created_at")) for post in posts) if t is not None]
            if (numbers and min(numbers) <= number) or (oldest is not None and times and min(times) < oldest):
                return None  # back to the post answered, or to before the effect was planned
        if len(ids) > CHUNK * MAX_CHUNKS:
            raise ReplyUncertain(f"the reply was not among the topic's last {CHUNK * MAX_CHUNKS} posts")
        return None

    def _ours(self, post: Mapping[str, Any], number: int) -> bool:
        if str(post.get("username", "")).lower() != self.voice.api_username.lower():
            return False
        reply_to = post.get("reply_to_post_number")
        return _int(post.get("post_number")) > number and (
            reply_to == number or (reply_to is None and number == 1)
        )

    async def _if_same(self, post: Mapping[str, Any], text: str, topic: Mapping[str, Any]) -> Posted | None:
        raw = post.get("raw")
        if not isinstance(raw, str):
            try:
                raw = mapping(json_body(await self._get(f"/posts/{post['id']}.json"))).get("raw")
            except FetchError as exc:
                raise reading_failed(exc, PLATFORM) from None
        if not same_text(raw, text):
            return None
        return self._of(post, slug=text_of(topic.get("slug")))

    async def _chunk(self, topic_id: int, ids: list[int]) -> list[Mapping[str, Any]]:
        query = urlencode([("post_ids[]", str(i)) for i in ids])
        try:
            response = await self._get(f"/t/{topic_id}/posts.json?{query}")
        except FetchError as exc:
            raise reading_failed(exc, PLATFORM) from None
        return _posts(mapping(mapping(json_body(response)).get("post_stream")))

    async def _get(self, path: str) -> FetchResponse:
        return await self.http.get(f"{self.voice.url}{path}", headers=self._headers())

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/json",
            "Api-Key": self.voice.api_key.get_secret_value(),
            "Api-Username": self.voice.api_username,
        }

    def _posted(self, response: FetchResponse) -> Posted:
        body = mapping(json_body(response))
        pending = mapping(body.get("pending_post"))
        if body.get("action") == "enqueued" and pending.get("id") is not None:
            return Posted(external_id=f"pending:{pending['id']}")  # held for the forum's review
        if _int(body.get("topic_id")) <= 0 or _int(body.get("post_number")) <= 0:
            raise ReplyUncertain("Discourse answered 200 without the post; it may have been posted")
        return self._of(body, slug=None)

    def _of(self, post: Mapping[str, Any], *, slug: str | None) -> Posted:
        topic_id, number = _int(post.get("topic_id")), _int(post.get("post_number"))
        slug = text_of(post.get("topic_slug")) or slug or "-"
        return Posted(
            external_id=f"{topic_id}/{number}", url=f"{self.voice.url}/t/{slug}/{topic_id}/{number}"
        )

    async def _refusal(
        self, response: FetchResponse, target: ReplyTarget, text: str, key: str
    ) -> ConnectorError | Posted:
        status = response.status
        body = mapping(json_body(response))
        errors = body.get("errors")
        said = "; ".join(str(e) for e in errors) if isinstance(errors, list) and errors else f"HTTP {status}"
        message = f"Discourse: {said}"
        lowered = said.lower()
        if status == 429:
            extras = mapping(body.get("extras"))
            wait = seconds(response.headers.get("retry-after")) or seconds(extras.get("wait_seconds"))
            return ReplyDeferred(message, retry_after=wait or DEFAULT_WAIT)
        if status >= 500:
            return ReplyUncertain(f"Discourse answered HTTP {status}; the reply may have been posted")
        if status == 422:
            if "too similar" in lowered:  # this voice posted the same text moments ago: was it this reply?
                found = await self.find_reply(target, key=key, text=text)
                return found if found is not None else ReplyRefused("invalid", message)
            if "too long" in lowered or "limited to" in lowered:
                return ReplyRefused("too_long", message)
            if "closed" in lowered or "archived" in lowered:
                return ReplyRefused("locked", message)
            return ReplyRefused("invalid", message)
        if status == 401 or (
            status == 403 and ("api username or key" in lowered or "not logged in" in lowered)
        ):
            return ReplyRefused("credentials", message)
        if status == 403:
            return ReplyRefused("locked" if await self._closed(target) else "forbidden", message)
        if status in (404, 410):
            return ReplyRefused("parent_gone", message)
        return ReplyRefused("invalid", message)

    async def _closed(self, target: ReplyTarget) -> bool:
        """Whether the topic answered is closed or archived (a 403's usual reason), as far as it can tell."""
        topic_id, _ = where(target)
        try:
            topic = mapping(json_body(await self._get(f"/t/{topic_id}.json")))
        except FetchError:
            return False
        return bool(topic.get("closed") or topic.get("archived"))


def where(target: ReplyTarget) -> tuple[int, int]:
    """The topic id and the post number answered: from the raw item, else from ``<topic>/<number>``."""
    raw = target.raw
    topic, post = mapping(raw.get("topic")), mapping(raw.get("post"))
    topic_id = _int(topic.get("id")) or _int(post.get("topic_id"))
    number = _int(post.get("post_number"))
    if topic_id <= 0 or number <= 0:
        head, _, tail = target.external_id.partition("/")
        topic_id, number = _int(head), _int(tail)
    if topic_id <= 0 or number <= 0:
        raise ConnectorError(f"not a Discourse post: {target.external_id!r} has no topic and post number")
    return topic_id, number


def _nearest(moment: float | None) -> Callable[[Mapping[str, Any]], tuple[int, float]]:
    """Sort key: posts made after ``moment`` first, earliest first; then those before it, latest first
    (a server clock behind ours); newest first when there is no moment."""

    def order(post: Mapping[str, Any]) -> tuple[int, float]:
        created = _moment(post.get("created_at"))
        if moment is None or created is None:
            return (2, -float(_int(post.get("post_number"))))
        return (0, created - moment) if created >= moment else (1, moment - created)

    return order


def _posts(stream: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    posts = stream.get("posts")
    return [post for post in posts if isinstance(post, Mapping)] if isinstance(posts, list) else []


def _int(value: Any) -> int:
    """A positive whole number from JSON, else 0."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


def _moment(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


__all__ = ["DiscourseReplier", "DiscourseVoice", "where"]
