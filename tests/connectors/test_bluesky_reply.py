"""Replying on Bluesky against a stateful fake PDS: root/parent, byte-offset facets, rkey, sessions,
errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from fakes.base import CALM_TIMEOUT, STALL_TIMEOUT
from fakes.bluesky import FakeBluesky
from luister.connectors.base import (
    Capability,
    Posted,
    ReplyDeferred,
    ReplyRefused,
    ReplyTarget,
    ReplyUncertain,
    require,
)
from luister.connectors.bluesky import BlueskyConnector
from luister.connectors.bluesky_reply import (
    BlueskyReplier,
    BlueskyVoice,
    bluesky_length,
    facets,
    mentioned_handles,
)
from luister.net.http import FetchPolicy, SafeHttp

T = TypeVar("T")
ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_clock = iter(range(1, 1_000_000))


def key() -> str:
    """A fresh effect key (an AT Protocol TID)."""
    value = (int(datetime.now(UTC).timestamp() * 1_000_000) << 10) | (next(_clock) % 1024)
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


@pytest.fixture
def fake() -> Iterator[FakeBluesky]:
    platform = FakeBluesky()
    platform.add_account("acme.test", "app-pass-word")
    with platform:
        yield platform


def run(fake: FakeBluesky, use: Callable[[BlueskyReplier], Awaitable[T]], *, password: str = "app-pass-word",
        timeout: float = CALM_TIMEOUT, **voice: Any) -> T:  # fmt: skip
    async def go() -> T:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=timeout)
        async with SafeHttp(policy) as http:
            settings = BlueskyVoice(service=fake.url, handle="@acme.test", app_password=password, **voice)  # type: ignore[arg-type]
            replier = BlueskyConnector.replier(settings, http=http)
            assert isinstance(replier, BlueskyReplier)
            return await use(replier)

    return asyncio.run(go())


def target_of(post: dict[str, Any]) -> ReplyTarget:
    return ReplyTarget(external_id=post["uri"], raw=post, author=post["author"]["handle"])


def record_of(fake: FakeBluesky, post: dict[str, Any]) -> dict[str, Any]:
    [reply] = fake.replies_to(post["uri"])
    return reply


def test_the_connector_declares_reply_and_require_hands_out_the_protocol() -> None:
    assert Capability.reply in BlueskyConnector.capabilities
    assert require(BlueskyConnector, Capability.reply).voice_model is BlueskyVoice


def test_voice_settings_keep_the_app_password_secret() -> None:
    voice = BlueskyVoice(handle="@acme.bsky.social", app_password="abcd-efgh")  # type: ignore[arg-type]
    assert voice.service == "https://bsky.social" and voice.handle == "acme.bsky.social"
    assert "abcd-efgh" not in repr(voice) and "abcd-efgh" not in voice.model_dump_json()


def test_a_reply_to_a_top_level_post_has_it_as_root_and_parent(fake: FakeBluesky) -> None:
    post = fake.seed("Mijn bestelling is kwijt")
    k = key()
    posted = run(fake, lambda r: r.reply(target_of(post), "Sorry, we zoeken het uit.", key=k), language="nl")
    reply = record_of(fake, post)
    ref = {"uri": post["uri"], "cid": post["cid"]}
    assert reply["value"]["reply"] == {"root": ref, "parent": ref}
    assert reply["uri"].endswith(f"/app.bsky.feed.post/{k}") and posted.external_id == reply["uri"]
    assert posted.url == f"https://bsky.app/profile/acme.test/post/{k}"
    assert reply["value"]["langs"] == ["nl"] and reply["value"]["createdAt"].endswith("Z")
    assert "facets" not in reply["value"]


def test_a_reply_to_a_reply_keeps_the_threads_root(fake: FakeBluesky) -> None:
    root = fake.seed("Storing?")
    middle = fake.seed("Bij mij ook", handle="bob.test", reply_to=root)
    run(fake, lambda r: r.reply(target_of(middle), "We werken eraan.", key=key()))
    reply = record_of(fake, middle)
    assert reply["value"]["reply"]["root"] == {"uri": root["uri"], "cid": root["cid"]}
    assert reply["value"]["reply"]["parent"] == {"uri": middle["uri"], "cid": middle["cid"]}
    assert [r["uri"] for r in fake.replies_to(root["uri"])] == [middle["uri"]]  # bob's; ours answers his


def test_facets_have_utf8_byte_offsets_past_accents_and_emoji(fake: FakeBluesky) -> None:
    bob = fake.add_account("bob.test")
    post = fake.seed("Vraag")
    text = "Café 👩‍👩‍👧 hoi @bob.test — zie https://example.com/pad?x=1 of @niemand.test."
    run(fake, lambda r: r.reply(target_of(post), text, key=key()))
    value = record_of(fake, post)["value"]
    data = value["text"].encode()
    spans = {
        data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in value["facets"]
    }
    assert spans == {
        "@bob.test": {"$type": "app.bsky.richtext.facet#mention", "did": bob["did"]},
        "https://example.com/pad?x=1": {
            "$type": "app.bsky.richtext.facet#link",
            "uri": "https://example.com/pad?x=1",
        },
    }  # @niemand.test does not resolve: plain text
    assert value["facets"][0]["index"]["byteStart"] != text.index("@bob.test")  # bytes, not characters


def test_facets_are_pure_and_ordered() -> None:
    text = "é @a.test https://x.test"
    found = facets(text, {"a.test": "did:plc:a"})
    assert [f["index"] for f in found] == [{"byteStart": 3, "byteEnd": 10}, {"byteStart": 11, "byteEnd": 25}]
    assert mentioned_handles("@a.test en @a.test, mail a@b.test") == ["a.test"]


def test_the_same_key_twice_makes_one_record(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")
    k = key()

    async def twice(r: BlueskyReplier) -> tuple[Posted, Posted]:
        return await r.reply(target_of(post), "Antwoord", key=k), await r.reply(
            target_of(post), "Antwoord", key=k
        )

    first, second = run(fake, twice)
    assert first.external_id == second.external_id and len(fake.replies_to(post["uri"])) == 1


def test_after_a_stall_find_reply_finds_the_record_by_its_key(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")
    fake.inject("stall_after_accept")
    k = key()

    async def go(r: BlueskyReplier) -> Posted | None:
        with pytest.raises(ReplyUncertain):
            await r.reply(target_of(post), "Antwoord", key=k)
        return await r.find_reply(target_of(post), key=k, text="Antwoord")

    found = run(fake, go, timeout=STALL_TIMEOUT)
    assert found is not None and found.external_id == record_of(fake, post)["uri"]


def test_after_a_dropped_connection_the_record_is_found(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")
    fake.inject("drop_after_accept")
    k = key()

    async def go(r: BlueskyReplier) -> Posted | None:
        with pytest.raises(ReplyUncertain):
            await r.reply(target_of(post), "Antwoord", key=k)
        return await r.find_reply(target_of(post), key=k, text="Antwoord")

    assert run(fake, go) is not None and len(fake.replies_to(post["uri"])) == 1


def test_find_reply_says_none_when_the_key_has_no_record(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")
    assert run(fake, lambda r: r.find_reply(target_of(post), key=key(), text="Antwoord")) is None


def test_find_reply_cannot_tell_when_the_pds_fails(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")

    async def go(r: BlueskyReplier) -> None:
        await r.find_reply(target_of(post), key=key(), text="x")  # signs in
        fake.stop()
        await r.find_reply(target_of(post), key=key(), text="x")

    with pytest.raises(ReplyUncertain):
        run(fake, go)


def test_an_expired_access_token_is_refreshed_once(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")

    async def go(r: BlueskyReplier) -> Posted:
        await r.find_reply(target_of(post), key=key(), text="x")  # signs in
        fake.expire_sessions()
        return await r.reply(target_of(post), "Antwoord", key=key())

    run(fake, go)
    assert len(fake.replies_to(post["uri"])) == 1
    calls = [p.rsplit("/", 1)[-1] for _, p in fake.requests]
    assert calls.count("com.atproto.server.createSession") == 1
    assert calls.count("com.atproto.server.refreshSession") == 1


def test_a_revoked_session_signs_in_again(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")

    async def go(r: BlueskyReplier) -> Posted:
        await r.find_reply(target_of(post), key=key(), text="x")
        fake.revoke_sessions()
        return await r.reply(target_of(post), "Antwoord", key=key())

    run(fake, go)
    calls = [p.rsplit("/", 1)[-1] for _, p in fake.requests]
    assert calls.count("com.atproto.server.createSession") == 2 and len(fake.replies_to(post["uri"])) == 1


def refused(fake: FakeBluesky, post: dict[str, Any], text: str = "Antwoord", **kw: Any) -> Exception:
    async def go(r: BlueskyReplier) -> Exception:
        try:
            await r.reply(target_of(post), text, key=key())
        except (ReplyRefused, ReplyDeferred, ReplyUncertain) as exc:
            return exc
        raise AssertionError("posted")

    return run(fake, go, **kw)


def test_a_wrong_app_password_is_refused_as_credentials(fake: FakeBluesky) -> None:
    error = refused(fake, fake.seed("Vraag"), password="wrong")
    assert isinstance(error, ReplyRefused) and error.code == "credentials"


def test_a_deleted_parent_is_refused_as_gone(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")
    fake.delete(post["uri"])
    error = refused(fake, post)
    assert isinstance(error, ReplyRefused) and error.code == "parent_gone"
    assert fake.replies_to(post["uri"]) == []


def test_a_parent_gone_answer_from_the_pds_is_parent_gone(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")
    fake.inject(
        "fail", status=400, body={"error": "InvalidRequest", "message": "Could not locate record: parent"}
    )
    error = refused(fake, post)
    assert isinstance(error, ReplyRefused) and error.code == "parent_gone"


def test_a_locked_thread_is_refused_as_locked(fake: FakeBluesky) -> None:
    post = fake.seed("Vraag")
    fake.lock_thread(post["uri"])
    error = refused(fake, post)
    assert isinstance(error, ReplyRefused) and error.code == "locked"


def test_a_text_over_300_graphemes_is_refused_as_too_long(fake: FakeBluesky) -> None:
    error = refused(fake, fake.seed("Vraag"), text="é" * 301)
    assert isinstance(error, ReplyRefused) and error.code == "too_long"


def test_an_invalid_record_is_refused_as_invalid(fake: FakeBluesky) -> None:
    fake.inject("fail", status=400, body={"error": "InvalidRequest", "message": "Invalid langs"})
    error = refused(fake, fake.seed("Vraag"))
    assert isinstance(error, ReplyRefused) and error.code == "invalid"


def test_a_forbidden_account_is_refused(fake: FakeBluesky) -> None:
    fake.inject(
        "fail", status=403, body={"error": "AccountTakedown", "message": "Account has been taken down"}
    )
    error = refused(fake, fake.seed("Vraag"))
    assert isinstance(error, ReplyRefused) and error.code == "forbidden"


def test_a_rate_limit_defers_until_the_reset(fake: FakeBluesky) -> None:
    fake.inject("rate_limit")
    error = refused(fake, fake.seed("Vraag"))
    assert isinstance(error, ReplyDeferred) and 590 <= error.retry_after <= 601


def test_a_server_error_after_sending_is_uncertain(fake: FakeBluesky) -> None:
    fake.inject("fail", status=502, body={"error": "UpstreamFailure", "message": "bad gateway"})
    assert isinstance(refused(fake, fake.seed("Vraag")), ReplyUncertain)


def test_the_last_allowed_post_says_how_long_to_wait(fake: FakeBluesky) -> None:
    fake.points = 6  # two creates
    post = fake.seed("Vraag")
    first = run(fake, lambda r: r.reply(target_of(post), "Een", key=key()))
    second = run(fake, lambda r: r.reply(target_of(post), "Twee", key=key()))
    assert first.wait is None and second.wait is not None and 3500 < second.wait <= 3601
    error = refused(fake, post)
    assert isinstance(error, ReplyDeferred) and error.retry_after > 3500


def test_an_unreachable_pds_defers_before_anything_is_sent() -> None:
    async def go() -> Exception:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=0.5)
        async with SafeHttp(policy) as http:
            voice = BlueskyVoice(service="http://127.0.0.1:9", handle="a.test", app_password="p")  # type: ignore[arg-type]
            post = {"uri": "at://did:plc:x/app.bsky.feed.post/3k", "cid": "bafy"}
            try:
                await BlueskyReplier(voice, http=http).reply(ReplyTarget("x", raw=post), "x", key=key())
            except ReplyDeferred as exc:
                return exc
            raise AssertionError("not deferred")

    assert asyncio.run(go()).retry_after > 0


def test_length_is_graphemes_and_the_limit_300(fake: FakeBluesky) -> None:
    assert bluesky_length("👩‍👩‍👧 café") == 6 and bluesky_length("e\u0301") == 1
    assert run(fake, lambda r: r.limit()) == 300
