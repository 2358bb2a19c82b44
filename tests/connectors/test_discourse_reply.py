"""Replying on Discourse as a voice, against the stateful fake forum (tests/fakes/discourse.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from fakes.base import CALM_TIMEOUT, STALL_TIMEOUT
from fakes.discourse import FakeDiscourse
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
from luister.connectors.discourse import DiscourseConnector
from luister.connectors.discourse_reply import DiscourseReplier, DiscourseVoice
from luister.domain.tid import new_key
from luister.net.http import FetchPolicy, SafeHttp

T = TypeVar("T")


@pytest.fixture
def forum() -> Iterator[FakeDiscourse]:
    fake = FakeDiscourse()
    with fake:
        yield fake


def voice(fake: FakeDiscourse, **extra: Any) -> DiscourseVoice:
    return DiscourseVoice(**{"url": fake.url + "/", "api_key": "k3y", "api_username": "acme", **extra})


def run(fake: FakeDiscourse, go: Callable[[DiscourseReplier], Awaitable[T]], *, timeout: float = CALM_TIMEOUT,
        **extra: Any) -> T:  # fmt: skip
    async def main() -> T:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=timeout, retries=0)
        async with SafeHttp(policy) as http:
            return await go(DiscourseReplier(voice(fake, **extra), http=http))

    return asyncio.run(main())


def target(fake: FakeDiscourse, topic_id: int, number: int) -> ReplyTarget:
    return ReplyTarget(external_id=f"{topic_id}/{number}", raw=fake.raw_item(topic_id, number))


def key(minutes_ago: float = 0) -> str:
    return new_key(datetime.now(UTC) - timedelta(minutes=minutes_ago), 3)


def test_the_connector_declares_reply_and_builds_a_replier(forum: FakeDiscourse) -> None:
    connector = require(DiscourseConnector, Capability.reply)
    assert connector.voice_model is DiscourseVoice
    assert isinstance(connector.replier(voice(forum), http=SafeHttp()), DiscourseReplier)
    assert "k3y" not in repr(voice(forum))
    assert voice(forum).url == forum.url


def test_a_reply_goes_to_the_topic_in_reply_to_the_post(forum: FakeDiscourse) -> None:
    topic = forum.seed_topic(title="Widgets broke")
    second = forum.seed_post(topic)

    async def go(replier: DiscourseReplier) -> tuple[Posted, Posted]:
        first = await replier.reply(target(forum, topic, second), "Sorry, <b>fixing</b> it", key=key())
        bare = ReplyTarget(external_id=f"{topic}/1")  # no raw: from the external id
        return first, await replier.reply(bare, "Welcome!", key=key())

    first, on_op = run(forum, go)
    [reply] = forum.replies_to(f"{topic}/{second}")
    assert (reply["raw"], reply["username"], reply["topic_id"]) == ("Sorry, <b>fixing</b> it", "acme", topic)
    assert first == Posted(f"{topic}/3", f"{forum.url}/t/widgets-broke/{topic}/3")
    assert on_op.external_id == f"{topic}/4"
    assert [p["raw"] for p in forum.replies_to(f"{topic}/1")] == ["Welcome!"]
    with pytest.raises(ConnectorError, match="no topic"):
        run(forum, lambda r: r.reply(ReplyTarget(external_id="abc"), "x", key=key()))


def test_the_limit_is_the_forum_s_max_post_length(forum: FakeDiscourse) -> None:
    forum.max_post_length = 5000
    assert run(forum, lambda r: r.limit()) == 5000
    assert run(forum, lambda r: r.limit(), url=forum.url + "/nothing-here") == 32_000


def test_find_reply_after_a_stall_finds_the_post(forum: FakeDiscourse) -> None:
    topic = forum.seed_topic()
    forum.seed_post(topic, raw="We are on it.", username="acme", reply_to=None)  # ours, to the topic
    forum.seed_post(topic, raw="Other words", username="acme", reply_to=1)
    forum.seed_post(topic, raw="We are on it.", username="dave", reply_to=1)  # not ours
    for n in range(45):  # the reply lands after three chunks of posts
        forum.seed_post(topic, raw=f"chatter {n}")
    forum.inject("stall_after_accept")
    effect = key()

    async def go(replier: DiscourseReplier) -> tuple[Posted | None, Posted | None, Posted | None]:
        with pytest.raises(ReplyUncertain):
            await replier.reply(target(forum, topic, 1), "We are on it.", key=effect)
        for n in range(30):
            forum.seed_post(topic, raw=f"later {n}")
        found = await replier.find_reply(target(forum, topic, 1), key=effect, text="We are on it.\n")
        other = await replier.find_reply(target(forum, topic, 1), key=effect, text="Not posted")
        on_2 = await replier.find_reply(target(forum, topic, 2), key=effect, text="We are on it.")
        return found, other, on_2

    found, other, on_2 = run(forum, go, timeout=STALL_TIMEOUT)
    posted = [
        p for p in forum.replies_to(f"{topic}/1") if p["username"] == "acme" and p["raw"] == "We are on it."
    ]
    assert found is not None and found.external_id == f"{topic}/{posted[-1]['post_number']}"
    assert found.url is not None and found.url.endswith(found.external_id)
    assert (other, on_2) == (None, None)


def test_find_reply_stops_at_the_key_s_time(forum: FakeDiscourse) -> None:
    topic = forum.seed_topic()
    for n in range(60):
        forum.seed_post(topic, raw=f"chatter {n}")
    # a key made an hour and a half from now: every post is older than it, so one chunk suffices
    assert run(forum, lambda r: r.find_reply(target(forum, topic, 1), key=key(-90), text="x")) is None
    assert sum(1 for _, path in forum.requests if path == f"/t/{topic}/posts.json") == 1
    assert run(forum, lambda r: r.find_reply(target(forum, topic, 1), key=key(), text="x")) is None
    assert sum(1 for _, path in forum.requests if path == f"/t/{topic}/posts.json") == 1 + 3


def test_find_reply_on_a_deleted_topic_is_none_and_a_broken_forum_uncertain(forum: FakeDiscourse) -> None:
    topic = forum.seed_topic()
    where = target(forum, topic, 1)
    forum.delete_topic(topic)
    assert run(forum, lambda r: r.find_reply(where, key=key(), text="x")) is None
    with pytest.raises(ReplyUncertain):
        run(forum, lambda r: r.find_reply(where, key=key(), text="x"), api_key="wrong")


def test_too_similar_finds_the_reply_posted_moments_ago(forum: FakeDiscourse) -> None:
    forum.unique_window = 300
    topic = forum.seed_topic()
    other = forum.seed_topic()

    async def go(replier: DiscourseReplier) -> tuple[Posted, Posted]:
        first = await replier.reply(target(forum, topic, 1), "Thanks, looking.", key=key())
        again = await replier.reply(target(forum, topic, 1), "Thanks, looking.", key=key())
        with pytest.raises(ReplyRefused) as refused:
            await replier.reply(target(forum, other, 1), "Thanks, looking.", key=key())
        assert refused.value.code == "invalid" and "too similar" in str(refused.value)
        return first, again

    first, again = run(forum, go)
    assert first == again
    assert len(forum.replies_to(f"{topic}/1")) == 1


@pytest.mark.parametrize(
    ("setup", "text", "extra", "code"),
    [
        (lambda fake, topic: fake.close(topic), "Hello there", {}, "locked"),
        (lambda fake, topic: fake.delete_topic(topic), "Hello there", {}, "parent_gone"),
        (lambda fake, topic: None, "x" * 32_001, {}, "too_long"),
        (lambda fake, topic: None, "x", {}, "invalid"),
        (lambda fake, topic: None, "Hello there", {"api_key": "wrong"}, "credentials"),
        (lambda fake, topic: None, "Hello there", {"api_username": "mallory"}, "credentials"),
    ],
)
def test_refusals(forum: FakeDiscourse, setup: Any, text: str, extra: dict[str, str], code: str) -> None:
    topic = forum.seed_topic()
    where = target(forum, topic, 1)
    setup(forum, topic)
    with pytest.raises(ReplyRefused) as refused:
        run(forum, lambda r: r.reply(where, text, key=key()), **extra)
    assert refused.value.code == code
    assert forum.replies_to(f"{topic}/1") == []
    assert "wrong" not in str(refused.value)


def test_a_403_on_an_open_topic_is_forbidden(forum: FakeDiscourse) -> None:
    topic = forum.seed_topic()
    denied = {
        "errors": ["You are not permitted to view the requested resource."],
        "error_type": "invalid_access",
    }
    forum.inject("fail", status=403, body=denied)
    with pytest.raises(ReplyRefused) as refused:
        run(forum, lambda r: r.reply(target(forum, topic, 1), "Hello", key=key()))
    assert refused.value.code == "forbidden"


def test_a_rate_limit_defers_and_a_5xx_is_uncertain(forum: FakeDiscourse) -> None:
    topic = forum.seed_topic()
    forum.inject("rate_limit", headers={"Retry-After": "9"})
    forum.inject("fail", status=429, body={"errors": ["Slow down"], "error_type": "rate_limit",
                                           "extras": {"wait_seconds": 4}})  # fmt: skip
    forum.inject("fail", status=503, body={"errors": ["down"]})

    async def go(replier: DiscourseReplier) -> list[Any]:
        seen: list[Any] = []
        for _ in range(3):
            try:
                await replier.reply(target(forum, topic, 1), "Hello", key=key())
            except ReplyDeferred as exc:
                seen.append(exc.retry_after)
            except ReplyUncertain:
                seen.append("uncertain")
        return seen

    assert run(forum, go) == [9.0, 4.0, "uncertain"]
    assert forum.replies_to(f"{topic}/1") == []


def test_a_dropped_connection_is_uncertain_and_reconciled(forum: FakeDiscourse) -> None:
    topic = forum.seed_topic()
    forum.inject("drop_after_accept")

    async def go(replier: DiscourseReplier) -> Posted | None:
        with pytest.raises(ReplyUncertain):
            await replier.reply(target(forum, topic, 1), "Dropped", key=key())
        return await replier.find_reply(target(forum, topic, 1), key=key(), text="Dropped")

    found = run(forum, go)
    assert found is not None and found.external_id == f"{topic}/2"
    assert len(forum.replies_to(f"{topic}/1")) == 1


def test_find_reply_reads_the_raw_of_the_likeliest_candidate_first(forum: FakeDiscourse) -> None:
    topic = forum.seed_topic()
    for n in range(8):  # the voice's earlier answers to the same post, with other words
        forum.seed_post(topic, raw=f"Earlier answer {n}", username="acme", reply_to=1)
    effect = key()
    run(forum, lambda r: r.reply(target(forum, topic, 1), "This one", key=effect))
    for n in range(8):
        forum.seed_post(topic, raw=f"Later answer {n}", username="acme", reply_to=1)
    before = len(forum.requests)
    found = run(forum, lambda r: r.find_reply(target(forum, topic, 1), key=effect, text="This one"))
    assert found is not None and found.external_id == f"{topic}/10"
    raws = [path for _, path in forum.requests[before:] if path.startswith("/posts/")]
    assert len(raws) == 1  # the reply itself, not the sixteen other candidates
