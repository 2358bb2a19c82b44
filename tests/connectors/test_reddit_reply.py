"""Replying on Reddit as a voice, against the stateful fake Reddit (tests/fakes/reddit.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from fakes.base import CALM_TIMEOUT, STALL_TIMEOUT
from fakes.reddit import FakeReddit
from luister.connectors.base import (
    Capability,
    ConnectorError,
    Posted,
    ReplyDeferred,
    ReplyRefused,
    ReplyTarget,
    ReplyUncertain,
    require,
)
from luister.connectors.reddit import RedditConnector
from luister.connectors.reddit_reply import RedditReplier, RedditVoice
from luister.domain.tid import new_key
from luister.net.http import FetchPolicy, SafeHttp
from luister.net.oauth import TokenCache

T = TypeVar("T")
AGENT = "server:luister-test:1.0 (by /u/acme)"


@pytest.fixture
def reddit() -> Iterator[FakeReddit]:
    fake = FakeReddit()
    with fake:
        yield fake


def voice(fake: FakeReddit, **extra: Any) -> RedditVoice:
    fields: dict[str, Any] = {
        "client_id": "app-id", "client_secret": "app-secret", "username": "u/acme", "password": "hunter2",
        "user_agent": AGENT, "oauth_api": fake.url, "api": fake.url, **extra,
    }  # fmt: skip
    return RedditVoice(**fields)


def run(fake: FakeReddit, go: Callable[[RedditReplier], Awaitable[T]], *, timeout: float = CALM_TIMEOUT,
        **extra: Any) -> T:  # fmt: skip
    async def main() -> T:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=timeout, retries=0)
        async with SafeHttp(policy) as http:
            return await go(RedditReplier(voice(fake, **extra), http=http, tokens=TokenCache()))

    return asyncio.run(main())


def target(fake: FakeReddit, fullname: str) -> ReplyTarget:
    return ReplyTarget(external_id=fullname, raw=fake.child(fullname))


def key(minutes_ago: float = 0) -> str:
    return new_key(datetime.now(UTC) - timedelta(minutes=minutes_ago), 7)


def test_the_connector_declares_reply_and_builds_a_replier(reddit: FakeReddit) -> None:
    connector = require(RedditConnector, Capability.reply)
    assert connector.voice_model is RedditVoice
    assert isinstance(connector.replier(voice(reddit), http=SafeHttp()), RedditReplier)
    assert voice(reddit).username == "acme"
    assert "hunter2" not in repr(voice(reddit))


def test_a_reply_to_a_post_and_to_a_comment_goes_to_their_fullnames(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    comment = reddit.seed_comment(post)

    async def go(replier: RedditReplier) -> tuple[Posted, Posted, int, int]:
        first = await replier.reply(target(reddit, post), "Thanks for the post!", key=key())
        second = await replier.reply(target(reddit, comment), "Sorry & <thanks>", key=key())
        return first, second, await replier.limit(), replier.length("héllo")

    first, second, limit, length = run(reddit, go)
    [on_post] = [c for c in reddit.replies_to(post) if c["author"] == "acme"]
    [on_comment] = reddit.replies_to(comment)
    assert (on_post["body"], on_post["author"]) == ("Thanks for the post!", "acme")
    assert on_comment["body"] == "Sorry & <thanks>"
    assert first.external_id == on_post["name"] and first.external_id.startswith("t1_")
    assert first.url == f"https://www.reddit.com{on_post['permalink']}"
    assert second.external_id == on_comment["name"]
    assert first.wait is None
    assert (limit, length) == (10_000, 5)


def test_the_fullname_comes_from_kind_and_id_or_the_external_id(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    kind_and_id = ReplyTarget(external_id="x", raw={"kind": "t3", "data": {"id": post[3:]}})
    bare = ReplyTarget(external_id=post)

    async def go(replier: RedditReplier) -> None:
        await replier.reply(kind_and_id, "one", key=key())
        await replier.reply(bare, "two", key=key())

    run(reddit, go)
    assert sorted(c["body"] for c in reddit.replies_to(post)) == ["one", "two"]
    with pytest.raises(ConnectorError, match="no fullname"):
        run(reddit, lambda r: r.reply(ReplyTarget(external_id="12345"), "x", key=key()))


def test_find_reply_after_a_stall_finds_the_comment(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    for n in range(3):
        reddit.seed_comment(post, body=f"other {n}", author="acme")  # the voice's other comments
    reddit.inject("stall_after_accept")
    effect = key()

    async def go(replier: RedditReplier) -> tuple[Posted | None, Posted | None]:
        with pytest.raises(ReplyUncertain):
            await replier.reply(target(reddit, post), "We are on it.\n", key=effect)
        found = await replier.find_reply(target(reddit, post), key=effect, text="We are on it.")
        other = await replier.find_reply(target(reddit, post), key=effect, text="Something else")
        return found, other

    found, other = run(reddit, go, timeout=STALL_TIMEOUT)
    [posted] = [c for c in reddit.replies_to(post) if not c["body"].startswith("other")]
    assert found is not None and found.external_id == posted["name"]
    assert other is None


def test_find_reply_after_a_dropped_connection(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    reddit.inject("drop_after_accept")

    async def go(replier: RedditReplier) -> Posted | None:
        with pytest.raises(ReplyUncertain):
            await replier.reply(target(reddit, post), "Dropped", key=key())
        return await replier.find_reply(target(reddit, post), key=key(), text="Dropped")

    found = run(reddit, go)
    assert found is not None and [c["name"] for c in reddit.replies_to(post)] == [found.external_id]


def test_find_reply_pages_back_to_the_key_and_no_further(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    reddit.seed_comment(post, body="Needle", author="acme")
    for n in range(120):  # pushes the needle to the second page of the voice's comments
        reddit.seed_comment(reddit.seed_post(), body=f"hay {n}", author="acme")

    found = run(reddit, lambda r: r.find_reply(target(reddit, post), key=key(), text="Needle"))
    assert found is not None and found.external_id == reddit.replies_to(post)[0]["name"]
    pages = sum(1 for method, path in reddit.requests if path == "/user/acme/comments")
    assert pages == 2
    # a key made two hours later than the comments: the first page is older than it, so one page suffices
    missing = run(reddit, lambda r: r.find_reply(target(reddit, post), key=key(-120), text="Absent"))
    assert missing is None
    assert sum(1 for _, path in reddit.requests if path == "/user/acme/comments") == 3


def test_find_reply_that_cannot_read_is_uncertain(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    with pytest.raises(ReplyUncertain):
        run(
            reddit,
            lambda r: r.find_reply(target(reddit, post), key=key(), text="x"),
            oauth_api=reddit.url + "/nope",
        )


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda fake, post: fake.lock_thread(post), "locked"),
        (lambda fake, post: fake.archive(post), "locked"),
        (lambda fake, post: fake.delete(post), "parent_gone"),
    ],
)
def test_refusals_from_the_thread(reddit: FakeReddit, setup: Any, code: str) -> None:
    post = reddit.seed_post()
    setup(reddit, post)
    with pytest.raises(ReplyRefused) as refused:
        run(reddit, lambda r: r.reply(target(reddit, post), "Hello", key=key()))
    assert refused.value.code == code
    assert reddit.replies_to(post) == []


def test_a_deleted_comment_and_a_too_long_text_are_refused(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    comment = reddit.seed_comment(post)
    reddit.delete(comment)
    with pytest.raises(ReplyRefused) as gone:
        run(reddit, lambda r: r.reply(target(reddit, comment), "Hello", key=key()))
    with pytest.raises(ReplyRefused) as long:
        run(reddit, lambda r: r.reply(target(reddit, post), "x" * 10_001, key=key()))
    assert (gone.value.code, long.value.code) == ("parent_gone", "too_long")
    assert "too long" in str(long.value)


def test_reddit_s_ratelimit_error_and_429_defer(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    reddit.inject("fail", status=200, body={"json": {"errors": [
        ["RATELIMIT", "you are doing that too much. try again in 5 minutes.", "ratelimit"]]}})  # fmt: skip
    reddit.inject("fail", status=200, body={"json": {"ratelimit": 12.5, "errors": [
        ["RATELIMIT", "you are doing that too much. try again in 13 seconds.", "ratelimit"]]}})  # fmt: skip
    reddit.inject("rate_limit")

    async def go(replier: RedditReplier) -> list[float]:
        waits = []
        for _ in range(3):
            with pytest.raises(ReplyDeferred) as deferred:
                await replier.reply(target(reddit, post), "Hello", key=key())
            waits.append(deferred.value.retry_after)
        return waits

    assert run(reddit, go) == [300.0, 12.5, 420.0]
    assert reddit.replies_to(post) == []


def test_the_last_allowed_request_says_how_long_to_wait(reddit: FakeReddit) -> None:
    reddit.allowance, reddit.reset = 2, 90
    post = reddit.seed_post()

    async def go(replier: RedditReplier) -> list[float | None]:
        return [(await replier.reply(target(reddit, post), t, key=key())).wait for t in ("a", "b")]

    assert run(reddit, go) == [None, 90.0]


def test_a_5xx_is_uncertain_and_other_statuses_refuse(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    reddit.inject("fail", status=502, body={"message": "Bad Gateway"})
    reddit.inject("fail", status=403, body={"message": "Forbidden", "error": 403})
    reddit.inject("fail", status=404, body={"message": "Not Found", "error": 404})
    reddit.inject("fail", status=200, body={"json": {"errors": [["USER_BLOCKED", "blocked", None]]}})
    reddit.inject("fail", status=200, body={"json": {"errors": [["SOMETHING_NEW", "new", None]]}})
    reddit.inject("fail", status=200, body={"json": {"errors": []}})

    async def go(replier: RedditReplier) -> list[str]:
        seen = []
        for _ in range(6):
            try:
                await replier.reply(target(reddit, post), "Hello", key=key())
            except ReplyRefused as exc:
                seen.append(exc.code)
            except ReplyUncertain:
                seen.append("uncertain")
        return seen

    assert run(reddit, go) == ["uncertain", "forbidden", "parent_gone", "forbidden", "invalid", "uncertain"]


def test_the_token_is_renewed_on_401(reddit: FakeReddit) -> None:
    post = reddit.seed_post()

    async def go(replier: RedditReplier) -> None:
        await replier.reply(target(reddit, post), "one", key=key())
        reddit.expire_tokens()
        await replier.reply(target(reddit, post), "two", key=key())
        reddit.expire_tokens()
        assert await replier.find_reply(target(reddit, post), key=key(), text="two") is not None

    run(reddit, go)
    assert sorted(c["body"] for c in reddit.replies_to(post)) == ["one", "two"]
    assert reddit.token_requests == 3


def test_wrong_credentials_are_refused(reddit: FakeReddit) -> None:
    post = reddit.seed_post()
    for extra in ({"password": "wrong"}, {"client_secret": "wrong"}):
        with pytest.raises(ReplyRefused) as refused:
            run(reddit, lambda r: r.reply(target(reddit, post), "Hello", key=key()), **extra)
        assert refused.value.code == "credentials"
        assert "wrong" not in str(refused.value)
    assert reddit.replies_to(post) == []


def test_a_token_endpoint_out_of_reach_defers() -> None:
    fake = FakeReddit()
    with fake:
        url = fake.url
    voice_ = voice(fake, api=url, oauth_api=url)  # the fake is stopped: nothing listens there now

    async def go() -> None:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=0.5, retries=0)
        async with SafeHttp(policy) as http:
            replier = RedditReplier(voice_, http=http, tokens=TokenCache())
            await replier.reply(ReplyTarget(external_id="t3_abc"), "Hello", key=key())

    with pytest.raises(ReplyDeferred):
        asyncio.run(go())


def test_two_voices_of_one_app_get_their_own_tokens(reddit: FakeReddit) -> None:
    reddit.accounts["other"] = "pa55"
    post = reddit.seed_post()

    async def go() -> None:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=CALM_TIMEOUT, retries=0)
        tokens = TokenCache()  # shared, as the process's TOKENS is
        async with SafeHttp(policy) as http:
            for name, password in (("acme", "hunter2"), ("other", "pa55")):
                replier = RedditReplier(
                    voice(reddit, username=name, password=password), http=http, tokens=tokens
                )
                await replier.reply(target(reddit, post), f"from {name}", key=key())

    asyncio.run(go())
    assert {(c["author"], c["body"]) for c in reddit.replies_to(post)} == {
        ("acme", "from acme"),
        ("other", "from other"),
    }
