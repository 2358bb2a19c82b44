"""Replying on Mastodon against a stateful fake instance: threading, local ids, idempotency, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from fakes.base import CALM_TIMEOUT, STALL_TIMEOUT
from fakes.mastodon import FakeMastodon
from luister.connectors.base import (
    Capability,
    Posted,
    ReplyDeferred,
    ReplyRefused,
    ReplyTarget,
    ReplyUncertain,
    require,
)
from luister.connectors.mastodon import MastodonConnector
from luister.connectors.mastodon_reply import (
    MastodonReplier,
    MastodonVoice,
    addressed,
    key_time,
    mastodon_length,
)
from luister.net.http import FetchPolicy, SafeHttp

T = TypeVar("T")
KEY_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def tid(moment: datetime, clock_id: int = 7) -> str:
    """An effect key made at ``moment`` (the AT Protocol TID format of luister.effects.keys)."""
    value = (int(moment.timestamp() * 1_000_000) << 10) | clock_id
    return "".join(KEY_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(13)))


@pytest.fixture
def fake() -> Iterator[FakeMastodon]:
    platform = FakeMastodon(max_characters=500)
    with platform:
        yield platform


def run(fake: FakeMastodon, use: Callable[[MastodonReplier], Awaitable[T]], *, token: str | None = None,
        now: datetime | None = None, timeout: float = CALM_TIMEOUT, **voice: Any) -> T:  # fmt: skip
    if token is None:
        _, token = fake.add_account("acme", "acme-token")

    async def go() -> T:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=timeout)
        async with SafeHttp(policy) as http:
            settings = MastodonVoice(instance=fake.url, token=token, **voice)  # type: ignore[arg-type]
            replier = MastodonConnector.replier(settings, http=http)
            assert isinstance(replier, MastodonReplier)
            if now is not None:
                replier._clock = lambda: now
            return await use(replier)

    return asyncio.run(go())


def target_of(status: dict[str, Any]) -> ReplyTarget:
    return ReplyTarget(external_id=status["id"], url=status["url"], raw=status)


def key() -> str:
    return tid(datetime.now(UTC))


def test_the_connector_declares_reply_and_require_hands_out_the_protocol() -> None:
    assert Capability.reply in MastodonConnector.capabilities
    assert require(MastodonConnector, Capability.reply).voice_model is MastodonVoice


def test_voice_settings_keep_the_token_secret() -> None:
    voice = MastodonVoice(instance="https://mastodon.social/", token="s3cret")  # type: ignore[arg-type]
    assert voice.instance == "https://mastodon.social"
    assert "s3cret" not in repr(voice) and "s3cret" not in voice.model_dump_json()


def test_a_reply_is_threaded_under_a_local_status_and_mentions_its_author(fake: FakeMastodon) -> None:
    parent = fake.seed("Mijn pakket is kwijt", username="klant")
    posted = run(fake, lambda r: r.reply(target_of(parent), "Sorry! We zoeken het uit.", key=key()))
    [reply] = fake.replies_to(parent["id"])
    assert posted.external_id == reply["id"] and posted.url == reply["url"]
    assert reply["in_reply_to_id"] == parent["id"] and reply["visibility"] == "public"
    assert fake.text_of(reply["id"]) == "@klant Sorry! We zoeken het uit."  # same instance: no domain
    assert reply["account"]["username"] == "acme"


def test_a_remote_status_is_resolved_to_its_local_id_first(fake: FakeMastodon) -> None:
    remote = fake.seed_remote("Is er een storing?", domain="social.example", username="bob")
    posted = run(fake, lambda r: r.reply(target_of(remote), "Ja, we werken eraan.", key=key()))
    [reply] = fake.replies_to(remote["id"])  # the other instance's id, resolved here to a new one
    assert (
        reply["in_reply_to_id"] != remote["id"]
        and fake.statuses[reply["in_reply_to_id"]]["uri"] == remote["uri"]
    )
    assert posted.external_id == reply["id"]
    assert fake.text_of(reply["id"]) == "@bob@social.example Ja, we werken eraan."
    searches = [p for m, p in fake.requests if p == "/api/v2/search"]
    assert len(searches) == 1


def test_a_text_that_mentions_the_author_already_is_left_alone() -> None:
    assert addressed("Hoi @Bob@social.example!", "bob@social.example", instance="https://x.test") == (
        "Hoi @Bob@social.example!"
    )
    assert addressed("Hoi @bob", "bob@x.test", instance="https://x.test") == "Hoi @bob"
    assert addressed("Hoi @bob", "bob@social.example", instance="https://x.test") == (
        "@bob@social.example Hoi @bob"  # another bob
    )
    assert addressed("Hoi", None, instance="https://x.test") == "Hoi"


def test_a_restricted_parent_keeps_the_reply_restricted(fake: FakeMastodon) -> None:
    parent = fake.seed("Alleen volgers", username="klant", visibility="private")
    run(fake, lambda r: r.reply(target_of(parent), "Dank!", key=key()))
    [reply] = fake.replies_to(parent["id"])
    assert reply["visibility"] == "private"


def test_the_same_key_within_the_hour_makes_one_status(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    k = key()

    async def twice(r: MastodonReplier) -> tuple[Posted, Posted]:
        return await r.reply(target_of(parent), "Antwoord", key=k), await r.reply(
            target_of(parent), "Antwoord", key=k
        )

    first, second = run(fake, twice)
    assert first.external_id == second.external_id and len(fake.replies_to(parent["id"])) == 1


def test_after_a_stall_find_reply_within_the_hour_returns_the_one_status(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    fake.inject("stall_after_accept")
    k = key()

    async def go(r: MastodonReplier) -> Posted | None:
        with pytest.raises(ReplyUncertain):
            await r.reply(target_of(parent), "Antwoord", key=k)
        return await r.find_reply(target_of(parent), key=k, text="Antwoord")

    found = run(fake, go, timeout=STALL_TIMEOUT)
    [reply] = fake.replies_to(parent["id"])
    assert found is not None and found.external_id == reply["id"]


def test_after_a_dropped_connection_the_reply_is_uncertain_then_found(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    fake.inject("drop_after_accept")
    k = key()

    async def go(r: MastodonReplier) -> Posted | None:
        with pytest.raises(ReplyUncertain):
            await r.reply(target_of(parent), "Antwoord", key=k)
        return await r.find_reply(target_of(parent), key=k, text="Antwoord")

    found = run(fake, go)
    assert found is not None and [s["id"] for s in fake.replies_to(parent["id"])] == [found.external_id]


def test_after_the_hour_find_reply_searches_the_voices_own_statuses(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    other = fake.seed("Andere vraag", username="klant")
    sent = datetime.now(UTC)
    k = tid(sent)
    text = "Kijk op https://example.com/a/very/long/path/that/is/shortened?x=1 en\n\nbel ons 😀"
    run(fake, lambda r: r.reply(target_of(parent), text, key=k))
    run(fake, lambda r: r.reply(target_of(other), text, key=tid(sent, 9)))  # same text, another parent
    for n in range(45):  # more than a page of later statuses
        fake.seed(f"later {n}", username="acme")
    fake.advance(2 * 3600)
    later = sent + timedelta(hours=2)
    posts_before = len([1 for m, _ in fake.requests if m == "POST"])
    found = run(fake, lambda r: r.find_reply(target_of(parent), key=k, text=text), now=later)
    [reply] = fake.replies_to(parent["id"])
    assert found is not None and found.external_id == reply["id"]
    assert len([1 for m, _ in fake.requests if m == "POST"]) == posts_before  # looked, never re-posted
    assert ("GET", "/api/v1/accounts/verify_credentials") in fake.requests


def test_after_the_hour_a_reply_that_is_not_there_is_none(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    run(fake, lambda r: r.reply(target_of(parent), "Een ander antwoord", key=key()))
    later = datetime.now(UTC) + timedelta(hours=2)
    k = tid(datetime.now(UTC))
    assert run(fake, lambda r: r.find_reply(target_of(parent), key=k, text="Antwoord"), now=later) is None


def test_within_the_hour_a_refused_key_means_not_there(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    fake.delete(parent["id"])
    assert run(fake, lambda r: r.find_reply(target_of(parent), key=key(), text="Antwoord")) is None
    assert fake.replies_to(parent["id"]) == []


def test_find_reply_cannot_tell_while_the_instance_is_down(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    fake.inject("fail", status=503, body={"error": "Service Unavailable"})
    with pytest.raises(ReplyUncertain):
        run(fake, lambda r: r.find_reply(target_of(parent), key=key(), text="Antwoord"))


def refused(fake: FakeMastodon, parent: dict[str, Any], text: str = "Antwoord", **kw: Any) -> Exception:
    async def go(r: MastodonReplier) -> Exception:
        try:
            await r.reply(target_of(parent), text, key=key())
        except (ReplyRefused, ReplyDeferred, ReplyUncertain) as exc:
            return exc
        raise AssertionError("posted")

    return run(fake, go, **kw)


def test_a_bad_token_is_refused_as_credentials(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    error = refused(fake, parent, token="wrong")
    assert isinstance(error, ReplyRefused) and error.code == "credentials"


def test_a_forbidden_voice_is_refused(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    fake.inject("fail", status=403, body={"error": "This action is not allowed"})
    error = refused(fake, parent)
    assert isinstance(error, ReplyRefused) and error.code == "forbidden"
    assert "not allowed" in str(error)


def test_a_deleted_parent_is_refused_as_gone(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    fake.delete(parent["id"])
    error = refused(fake, parent)
    assert isinstance(error, ReplyRefused) and error.code == "parent_gone"


def test_a_remote_parent_that_cannot_be_resolved_is_gone(fake: FakeMastodon) -> None:
    remote = fake.seed_remote("Weg")
    fake.remote.clear()
    error = refused(fake, remote)
    assert isinstance(error, ReplyRefused) and error.code == "parent_gone"


def test_a_too_long_text_is_refused_as_too_long(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    error = refused(fake, parent, text="x" * 501)
    assert isinstance(error, ReplyRefused) and error.code == "too_long"
    assert fake.replies_to(parent["id"]) == []


def test_an_invalid_text_is_refused_as_invalid(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    fake.inject("fail", status=422, body={"error": "Validation failed: Visibility is not included"})
    error = refused(fake, parent)
    assert isinstance(error, ReplyRefused) and error.code == "invalid"


def test_a_rate_limit_defers_until_the_reset(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    fake.inject("rate_limit")
    error = refused(fake, parent)
    assert isinstance(error, ReplyDeferred) and 500 < error.retry_after <= 600  # the fake resets in 10 min


def test_a_server_error_is_uncertain(fake: FakeMastodon) -> None:
    parent = fake.seed("Vraag", username="klant")
    fake.inject("fail", status=502, body={"error": "Bad Gateway"})
    assert isinstance(refused(fake, parent), ReplyUncertain)


def test_the_last_allowed_post_says_how_long_to_wait(fake: FakeMastodon) -> None:
    fake.status_limit = 2
    parent = fake.seed("Vraag", username="klant")
    first = run(fake, lambda r: r.reply(target_of(parent), "Een", key=tid(datetime.now(UTC), 1)))
    second = run(fake, lambda r: r.reply(target_of(parent), "Twee", key=tid(datetime.now(UTC), 2)))
    assert first.wait is None
    assert second.wait is not None and 3 * 3600 - 60 < second.wait <= 3 * 3600
    error = refused(fake, parent)
    assert isinstance(error, ReplyDeferred) and error.retry_after > 3 * 3600 - 60


def test_an_unreachable_instance_defers_before_anything_is_sent() -> None:
    async def go() -> Exception:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=0.5)
        async with SafeHttp(policy) as http:
            voice = MastodonVoice(instance="http://127.0.0.1:9", token="t")  # type: ignore[arg-type]
            status = {"id": "1", "uri": "http://127.0.0.1:9/users/a/statuses/1"}
            try:
                await MastodonReplier(voice, http=http).reply(target_of(status | {"url": None}), "x", key="k")
            except ReplyDeferred as exc:
                return exc
            raise AssertionError("not deferred")

    assert asyncio.run(go()).retry_after > 0


def test_the_limit_comes_from_the_instance_and_is_asked_once(fake: FakeMastodon) -> None:
    fake.max_characters = 1000

    async def twice(r: MastodonReplier) -> tuple[int, int]:
        return await r.limit(), await r.limit()

    assert run(fake, twice) == (1000, 1000)
    assert len([p for _, p in fake.requests if p == "/api/v2/instance"]) == 1


def test_length_counts_links_as_23_and_mentions_without_domain() -> None:
    assert mastodon_length("hallo") == 5
    assert mastodon_length("zie https://example.com/" + "a" * 100) == 4 + 23
    assert mastodon_length("@bob@social.example hoi") == len("@bob hoi")
    assert mastodon_length("👩‍👩‍👧 café") == 1 + 1 + 4  # graphemes: one family, one é
    assert mastodon_length("mail me: a@b.example") == len("mail me: a@b.example")  # not a mention


def test_key_time_reads_the_effect_keys_moment() -> None:
    moment = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    assert key_time(tid(moment)) == moment
    assert key_time("not-a-key") is None
