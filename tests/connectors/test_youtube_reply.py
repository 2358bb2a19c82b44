"""Replying on YouTube as a voice, against the stateful fake YouTube (tests/fakes/youtube.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes.base import CALM_TIMEOUT, STALL_TIMEOUT
from fakes.youtube import FakeYouTube
from luister.connectors.base import (
    Capability,
    Posted,
    ReplyDeferred,
    ReplyRefused,
    ReplyTarget,
    ReplyUncertain,
    require,
)
from luister.connectors.youtube import YouTubeConnector
from luister.connectors.youtube_reply import PACIFIC, YouTubeReplier, YouTubeVoice, until_quota_reset
from luister.domain.tid import new_key
from luister.net.http import FetchPolicy, SafeHttp
from luister.net.oauth import TokenCache

T = TypeVar("T")
ACME = "UCacmeChannel000000000"
NOON_UTC = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)  # 05:00 in California (PDT, UTC-7)


@pytest.fixture
def youtube() -> Iterator[FakeYouTube]:
    fake = FakeYouTube()
    with fake:
        yield fake


def voice(fake: FakeYouTube, **extra: Any) -> YouTubeVoice:
    fields = {"client_id": fake.client_id, "client_secret": fake.client_secret, "refresh_token": "refresh-1",
              "api": fake.url, "token_url": f"{fake.url}/token", **extra}  # fmt: skip
    return YouTubeVoice(**fields)


def run(fake: FakeYouTube, go: Callable[[YouTubeReplier], Awaitable[T]], *, timeout: float = CALM_TIMEOUT,
        **extra: Any) -> T:  # fmt: skip
    async def main() -> T:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=timeout, retries=0)
        async with SafeHttp(policy) as http:
            replier = YouTubeReplier(
                voice(fake, **extra), http=http, tokens=TokenCache(), now=lambda: NOON_UTC
            )
            return await go(replier)

    return asyncio.run(main())


def target(fake: FakeYouTube, comment_id: str) -> ReplyTarget:
    return ReplyTarget(external_id=comment_id, raw=fake.raw_item(comment_id))


def key() -> str:
    return new_key(datetime.now(UTC), 5)


def test_the_connector_declares_reply_and_builds_a_replier(youtube: FakeYouTube) -> None:
    connector = require(YouTubeConnector, Capability.reply)
    assert connector.voice_model is YouTubeVoice
    assert isinstance(connector.replier(voice(youtube), http=SafeHttp()), YouTubeReplier)
    assert "refresh-1" not in repr(voice(youtube)) and "client-secret" not in repr(voice(youtube))


def test_a_reply_to_a_reply_goes_to_the_top_level_comment(youtube: FakeYouTube) -> None:
    top = youtube.seed_thread(video_id="Vid00000001")
    other = youtube.seed_reply(top)

    async def go(replier: YouTubeReplier) -> tuple[Posted, Posted, int]:
        first = await replier.reply(target(youtube, top), "Thanks for watching", key=key())
        second = await replier.reply(target(youtube, other), "@other we are on it", key=key())
        return first, second, await replier.limit()

    first, second, limit = run(youtube, go)
    mine = [c for c in youtube.replies_to(top) if c["snippet"]["authorChannelId"]["value"] == ACME]
    assert [c["snippet"]["textOriginal"] for c in mine] == ["Thanks for watching", "@other we are on it"]
    assert youtube.replies_to(other) == []
    assert [first.external_id, second.external_id] == [c["id"] for c in mine]
    assert first.url == f"https://www.youtube.com/watch?v=Vid00000001&lc={first.external_id}"
    assert limit == 10_000


def test_without_raw_the_external_id_names_the_thread(youtube: FakeYouTube) -> None:
    top = youtube.seed_thread()
    reply_id = youtube.seed_reply(top)
    run(youtube, lambda r: r.reply(ReplyTarget(external_id=reply_id), "via the id", key=key()))
    assert [c["snippet"]["textOriginal"] for c in youtube.replies_to(top)][-1] == "via the id"


def test_find_reply_after_a_stall_finds_the_reply(youtube: FakeYouTube) -> None:
    top = youtube.seed_thread()
    for n in range(130):  # two pages of replies
        youtube.seed_reply(top, text=f"reply {n}")
    youtube.seed_reply(top, text="We are on it.", author="UCsomeoneElse")  # same words, not ours
    youtube.inject("stall_after_accept")
    effect = key()

    async def go(replier: YouTubeReplier) -> tuple[Posted | None, Posted | None]:
        with pytest.raises(ReplyUncertain):
            await replier.reply(target(youtube, top), "We are on it.", key=effect)
        found = await replier.find_reply(target(youtube, top), key=effect, text="We are on it.")
        missing = await replier.find_reply(target(youtube, top), key=effect, text="Never sent")
        return found, missing

    found, missing = run(youtube, go, timeout=STALL_TIMEOUT)
    [ours] = [c for c in youtube.replies_to(top) if c["snippet"]["authorChannelId"]["value"] == ACME]
    assert found is not None and found.external_id == ours["id"]
    assert missing is None
    assert sum(1 for method, path in youtube.requests if path == "/youtube/v3/channels") == 1


def test_find_reply_that_cannot_read_is_uncertain(youtube: FakeYouTube) -> None:
    top = youtube.seed_thread()
    youtube.delete(top)
    with pytest.raises(ReplyUncertain):
        run(youtube, lambda r: r.find_reply(ReplyTarget(external_id=top), key=key(), text="x"))


@pytest.mark.parametrize(
    ("setup", "text", "code"),
    [
        (lambda fake, top: fake.disable_comments("Vx4cmeAcme1"), "Hello", "locked"),
        (lambda fake, top: fake.delete(top), "Hello", "parent_gone"),
        (lambda fake, top: None, "x" * 10_001, "too_long"),
        (lambda fake, top: None, "  ", "invalid"),
    ],
)
def test_refusals(youtube: FakeYouTube, setup: Any, text: str, code: str) -> None:
    top = youtube.seed_thread()
    where = target(youtube, top)
    setup(youtube, top)
    with pytest.raises(ReplyRefused) as refused:
        run(youtube, lambda r: r.reply(where, text, key=key()))
    assert refused.value.code == code
    assert youtube.replies_to(top) == []


def test_forbidden_and_5xx(youtube: FakeYouTube) -> None:
    top = youtube.seed_thread()
    youtube.inject("fail", status=403, body={"error": {"code": 403, "message": "Forbidden", "errors": [
        {"reason": "forbidden", "domain": "youtube.comment"}]}})  # fmt: skip
    youtube.inject("fail", status=503, body={"error": {"code": 503, "message": "Backend Error", "errors": [
        {"reason": "backendError"}]}})  # fmt: skip

    async def go(replier: YouTubeReplier) -> None:
        with pytest.raises(ReplyRefused) as refused:
            await replier.reply(target(youtube, top), "Hello", key=key())
        assert refused.value.code == "forbidden"
        with pytest.raises(ReplyUncertain):
            await replier.reply(target(youtube, top), "Hello", key=key())

    run(youtube, go)
    assert youtube.replies_to(top) == []


def test_the_quota_defers_until_midnight_pacific(youtube: FakeYouTube) -> None:
    top = youtube.seed_thread()
    youtube.quota = 60  # one insert (50 units) and a little

    async def go(replier: YouTubeReplier) -> float:
        await replier.reply(target(youtube, top), "first", key=key())
        with pytest.raises(ReplyDeferred) as deferred:
            await replier.reply(target(youtube, top), "second", key=key())
        return deferred.value.retry_after

    assert run(youtube, go) == 19 * 3600 + 60  # 05:00 PDT to midnight, plus a minute
    assert [c["snippet"]["textOriginal"] for c in youtube.replies_to(top)] == ["first"]


def test_a_rate_limit_defers(youtube: FakeYouTube) -> None:
    top = youtube.seed_thread()
    youtube.inject("rate_limit", headers={"Retry-After": "30"})
    youtube.inject("rate_limit")
    for expected in (30.0, 60.0):
        with pytest.raises(ReplyDeferred) as deferred:
            run(youtube, lambda r: r.reply(target(youtube, top), "Hello", key=key()))
        assert deferred.value.retry_after == expected


def test_the_token_is_renewed_on_401(youtube: FakeYouTube) -> None:
    top = youtube.seed_thread()

    async def go(replier: YouTubeReplier) -> None:
        await replier.reply(target(youtube, top), "one", key=key())
        youtube.expire_tokens()
        await replier.reply(target(youtube, top), "two", key=key())
        youtube.expire_tokens()
        assert await replier.find_reply(target(youtube, top), key=key(), text="two") is not None

    run(youtube, go)
    assert [c["snippet"]["textOriginal"] for c in youtube.replies_to(top)] == ["one", "two"]
    assert youtube.token_requests == 3


def test_a_revoked_refresh_token_is_refused(youtube: FakeYouTube) -> None:
    top = youtube.seed_thread()
    for extra in ({"refresh_token": "revoked"}, {"client_secret": "wrong"}):
        with pytest.raises(ReplyRefused) as refused:
            run(youtube, lambda r: r.reply(target(youtube, top), "Hello", key=key()), **extra)
        assert refused.value.code == "credentials"
        assert "revoked" not in str(refused.value) and "wrong" not in str(refused.value)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_until_quota_reset_lands_on_pacific_midnight(now: datetime) -> None:
    now = now.replace(microsecond=0)  # whole seconds: the sum below stays exact in a float
    wait = until_quota_reset(now)
    local = datetime.fromtimestamp(now.timestamp() + wait - 60, PACIFIC)
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert local.date() > now.astimezone(PACIFIC).date()
    assert 60 < wait <= 25 * 3600 + 60  # within a day (25 hours on the night clocks go back)
