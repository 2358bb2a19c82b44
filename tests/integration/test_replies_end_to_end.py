"""A reply from the inbox to Mastodon, end to end on both databases: a customer's post is ingested and
becomes a conversation; an agent's reply waits for approval (four-eyes), is approved, goes out through
the runtime's effects runner with the voice's encrypted credentials, lands threaded on the fake
instance exactly once, is stored in the conversation as the response, and when the listener fetches
our reply back it is recognised as that message — not a new conversation, not a second response."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fakes.mastodon import FakeMastodon
from luister.connectors.mastodon import MastodonConnector, MastodonOptions
from luister.domain.accounts import Role
from luister.effects.tables import effect
from luister.inbox import replies, setup
from luister.inbox.approval_rules import add_rule
from luister.inbox.replies_read import drafts_of
from luister.inbox.tables import conversation, conversation_message, reply_draft, voice
from luister.inbox.voices import add_voice
from luister.services.accounts import create_user
from luister.services.ingest import Pipeline
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, runtime_for

AGENT, APPROVER = "anna@voltaro.example", "maud@voltaro.example"


def _ingest(runtime: Any, engine: Engine, statuses: list[dict[str, Any]], instance: str) -> None:
    connector = MastodonConnector(MastodonOptions(instance=instance, tag="laadpaal"))
    Pipeline(
        mapper=partial(lambda item, fetched: connector.map_item(item, fetched_at=fetched)),
        store=SqlMentionStore(engine),
        origin="mastodon-test",
        enrichers=runtime.enrichers(),
        events=runtime.event_bus(),
    ).run_batch([raw_item(status) for status in statuses])


@pytest.mark.postgres
def test_a_reply_goes_from_the_inbox_to_mastodon_once_and_comes_back_as_itself(
    settings: Settings, engine: Engine
) -> None:
    settings = settings.model_copy(update={"fetch_allow": ["127.0.0.1"]})  # the fake instance is local
    runtime = runtime_for(settings, engine, analysis=False)
    now = datetime.now(UTC)
    for email, role in ((AGENT, Role.agent), (APPROVER, Role.analyst)):
        create_user(engine=engine, email=email, name=email[:4].title(), password="lang-genoeg-wachtwoord-42",
                    role=role, department="customer-service")  # fmt: skip
        setup.set_member(engine=engine, actor="test", department_key="customer-service", email=email, now=now)
    setup.save_rule(engine=engine, actor="test", name="Laadpalen", conditions={"query": "laadpaal"},
                    department_key="customer-service")  # fmt: skip
    add_rule(engine, name="Every reply is checked", kind="all", value=None, actor="test", now=now)

    with FakeMastodon(max_characters=500) as fake:
        _, token = fake.add_account("voltaro", "voltaro-token")
        host = fake.url.split("//")[1].split(":")[0]
        voice_id = add_voice(
            engine=engine, actor="test", channel="mastodon", handle=f"@voltaro@{host}", name="Voltaro",
            connector="mastodon", credentials={"instance": fake.url, "token": token},
            connectors=runtime.connectors(), cipher=runtime.cipher,
        )  # fmt: skip
        with engine.connect() as conn:
            stored = conn.execute(sa.select(voice.c.credentials).where(voice.c.id == voice_id)).scalar_one()
        assert token not in stored and "instance" not in stored  # encrypted at rest

        status = fake.seed("Mijn laadpaal doet het niet meer, wie helpt?", username="klant")
        _ingest(runtime, engine, [status], fake.url)
        with engine.connect() as conn:
            conversation_id, seq = conn.execute(sa.select(conversation.c.id, conversation.c.reply_seq)).one()

        proposed = replies.propose(
            engine, conversation_id=conversation_id, voice_id=voice_id, body="Vervelend! We sturen je een DM",
            actor=AGENT, seen_reply_seq=seq, now=now, measure=runtime.reply_measure(voice_id),
        )  # fmt: skip
        (draft,) = drafts_of(engine=engine, conversation_id=conversation_id)
        assert draft.state == "approval" and proposed
        with pytest.raises(replies.NotAllowed):  # nobody approves their own reply
            replies.approve(engine, draft_id=draft.id, actor=AGENT, now=now)
        too_long = "x" * 501
        with pytest.raises(replies.TooLong, match="500"):  # the instance's own limit, asked of it
            replies.propose(engine, conversation_id=conversation_id, voice_id=voice_id, body=too_long,
                            actor=AGENT, seen_reply_seq=seq, now=now,
                            measure=runtime.reply_measure(voice_id))  # fmt: skip
        replies.approve(engine, draft_id=draft.id, actor=APPROVER, now=now)

        report = asyncio.run(runtime.run_effects(once=True))
        assert (report.sent, report.problems) == (1, [])
        (answer,) = fake.replies_to(str(status["id"]))
        assert answer["in_reply_to_id"] == str(status["id"]) and "We sturen je een DM" in fake.text_of(
            answer["id"]
        )
        (draft,) = drafts_of(engine=engine, conversation_id=conversation_id)
        assert draft.state == "sent"
        with engine.connect() as conn:
            row = conn.execute(sa.select(effect.c.state, effect.c.remote_id)).one()
            agent_messages = conn.execute(
                sa.select(conversation_message.c.remote_id, conversation_message.c.mention_id)
                .where(conversation_message.c.kind == "agent")
            ).all()  # fmt: skip
            first_response = conn.execute(sa.select(conversation.c.first_response_at)).scalar_one()
        assert row == ("sent", str(answer["id"]))
        assert [m.remote_id for m in agent_messages] == [str(answer["id"])] and first_response is not None
        assert asyncio.run(runtime.run_effects(once=True)).sent == 0  # never twice

        _ingest(runtime, engine, [answer], fake.url)  # the listener fetches our own reply back
        with engine.connect() as conn:
            conversations = conn.execute(sa.select(sa.func.count()).select_from(conversation)).scalar_one()
            agent_messages = conn.execute(
                sa.select(conversation_message.c.remote_id, conversation_message.c.mention_id)
                .where(conversation_message.c.kind == "agent")
            ).all()  # fmt: skip
        assert conversations == 1
        assert len(agent_messages) == 1 and agent_messages[0].mention_id is not None
        assert len(fake.replies_to(str(status["id"]))) == 1

        # the customer asks to be forgotten: our reply's effect (their post in its target) goes too
        from luister.privacy import actions as privacy_actions
        from luister.privacy.subjects import Subject

        subject = Subject.of(channel="mastodon", handle=f"@klant@{host}")
        privacy_actions.erase(engine=engine, subject=subject, actor="test", now=now)
        with engine.connect() as conn:
            left = [conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    for t in (effect, conversation, reply_draft)]  # fmt: skip
        assert left == [0, 0, 0]


def _scene(
    settings: Settings, engine: Engine, fake: FakeMastodon, *, token: str
) -> tuple[Any, int, int, int, dict[str, Any]]:
    """A conversation from a customer's status on the fake, an agent, and our voice (no approval rules)."""
    settings = settings.model_copy(update={"fetch_allow": ["127.0.0.1"]})
    runtime = runtime_for(settings, engine, analysis=False)
    now = datetime.now(UTC)
    create_user(engine=engine, email=AGENT, name="Anna", password="lang-genoeg-wachtwoord-42",
                role=Role.agent, department="customer-service")  # fmt: skip
    setup.set_member(engine=engine, actor="test", department_key="customer-service", email=AGENT, now=now)
    setup.save_rule(engine=engine, actor="test", name="Laadpalen", conditions={"query": "laadpaal"},
                    department_key="customer-service")  # fmt: skip
    host = fake.url.split("//")[1].split(":")[0]
    voice_id = add_voice(
        engine=engine, actor="test", channel="mastodon", handle=f"@voltaro@{host}", name="Voltaro",
        connector="mastodon", credentials={"instance": fake.url, "token": token},
        connectors=runtime.connectors(), cipher=runtime.cipher,
    )  # fmt: skip
    status = fake.seed("Mijn laadpaal laadt niet", username="klant")
    _ingest(runtime, engine, [status], fake.url)
    with engine.connect() as conn:
        conversation_id, seq = conn.execute(sa.select(conversation.c.id, conversation.c.reply_seq)).one()
    replies.propose(engine, conversation_id=conversation_id, voice_id=voice_id, body="We helpen je graag!",
                    actor=AGENT, seen_reply_seq=seq, now=now)  # fmt: skip
    return runtime, conversation_id, seq, voice_id, status


def _timeline(engine: Engine, conversation_id: int) -> list[tuple[str, Any]]:
    from luister.inbox.tables import conversation_event

    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(conversation_event.c.kind, conversation_event.c.detail)
            .where(conversation_event.c.conversation_id == conversation_id)
            .order_by(conversation_event.c.id)
        ).all()  # fmt: skip
    return [(kind, detail) for kind, detail in rows]


@pytest.mark.postgres
@pytest.mark.parametrize("problem", ["expired token", "deleted parent"])
def test_a_refused_reply_says_why_in_the_conversation_and_is_never_retried(
    settings: Settings, engine: Engine, problem: str
) -> None:
    with FakeMastodon() as fake:
        _, token = fake.add_account("voltaro", "voltaro-token")
        used = "expired-token" if problem == "expired token" else token
        runtime, conversation_id, _seq, _voice, status = _scene(settings, engine, fake, token=used)
        if problem == "deleted parent":
            fake.delete(str(status["id"]))
        report = asyncio.run(runtime.run_effects(once=True))
        assert report.failed == 1 and not fake.replies_to(str(status["id"]))
        (draft,) = drafts_of(engine=engine, conversation_id=conversation_id)
        words = "credentials" if problem == "expired token" else "was deleted"
        assert draft.state == "failed" and words in (draft.error or "")
        failed = [detail for kind, detail in _timeline(engine, conversation_id) if kind == "reply_failed"]
        assert len(failed) == 1 and words in failed[0]["reason"]
        assert asyncio.run(runtime.run_effects(once=True)).failed == 0  # failed is final: nothing re-sent


@pytest.mark.postgres
def test_a_rate_limited_reply_waits_says_so_and_goes_out_once_later(
    settings: Settings, engine: Engine
) -> None:
    with FakeMastodon() as fake:
        _, token = fake.add_account("voltaro", "voltaro-token")
        runtime, conversation_id, _seq, _voice, status = _scene(settings, engine, fake, token=token)
        fake.inject("rate_limit", headers={"X-RateLimit-Reset": "2020-01-01T00:00:00.000Z"})
        report = asyncio.run(runtime.run_effects(once=True))
        assert (report.deferred, report.sent) == (1, 0) and not fake.replies_to(str(status["id"]))
        (draft,) = drafts_of(engine=engine, conversation_id=conversation_id)
        assert draft.state == "sending" and draft.waiting_until is not None
        waiting = [detail for kind, detail in _timeline(engine, conversation_id) if kind == "reply_waiting"]
        assert len(waiting) == 1 and "waiting until" in waiting[0]["reason"]
        time.sleep(1.1)  # the wait the platform asked for (at least a second)
        assert asyncio.run(runtime.run_effects(once=True)).sent == 1
        assert len(fake.replies_to(str(status["id"]))) == 1
