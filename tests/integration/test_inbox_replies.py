"""Replies from the inbox below the edges, on SQLite and PostgreSQL: proposing with and without approval,
four-eyes, an approver's edit kept beside the author's text, superseding, the send-time guard refusing
and confirming, the ledger's outcome settled into the conversation, and our reply fetched back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.effects.model import Settled, State
from luister.effects.tables import effect
from luister.inbox import replies
from luister.inbox.approval_rules import add_rule
from luister.inbox.intake import intake
from luister.inbox.model import Conflict, InboxError
from luister.inbox.replies import Answered, NotAllowed, TooLong
from luister.inbox.replies_read import approval_queue, drafts_of
from luister.inbox.tables import (
    conversation,
    conversation_event,
    conversation_message,
    notification,
    reply_draft,
)
from luister.services.accounts import set_language
from luister.storage.tables import audit_log, user_account
from replies_helpers import ANNA, CARLA, MAUD, NOW, ROOT, Scene, add_mention, native_reply, reply_seq, scene


@pytest.fixture
def s(engine: Engine) -> Scene:
    return scene(engine)


def _propose(s: Scene, actor: str = ANNA, *, seen: int | None = None, body: str = "Sorry!", **kw: Any) -> Any:
    return replies.propose(
        s.engine, conversation_id=s.conversation_id, voice_id=s.voice_id, body=body, actor=actor,
        seen_reply_seq=reply_seq(s) if seen is None else seen, now=NOW, **kw,
    )  # fmt: skip


def _effects(s: Scene) -> list[Any]:
    with s.engine.connect() as conn:
        return conn.execute(sa.select(effect).order_by(effect.c.id)).all()


def _draft(s: Scene, draft_id: int) -> Any:
    with s.engine.connect() as conn:
        return conn.execute(sa.select(reply_draft).where(reply_draft.c.id == draft_id)).one()


def _events(s: Scene, kind: str) -> list[Any]:
    with s.engine.connect() as conn:
        return conn.execute(
            sa.select(conversation_event).where(
                conversation_event.c.conversation_id == s.conversation_id, conversation_event.c.kind == kind
            )
        ).all()


def _settle(s: Scene, draft_id: int, state: State, **kw: Any) -> None:
    row = _draft(s, draft_id)
    with s.engine.begin() as conn:
        replies.settle(
            conn,
            Settled(effect_id=row.effect_id, origin=f"reply_draft:{draft_id}", kind="reply", state=state,
                    lane=f"voice:{s.voice_id}", body=row.body, at=NOW + timedelta(minutes=3), **kw),
        )  # fmt: skip


def test_without_rules_a_reply_is_planned_at_once_with_its_target(s: Scene) -> None:
    done = _propose(s, body="  Sorry voor het ongemak, we bellen u.  ")
    assert done.state == "sending" and done.reasons == () and done.effect_id
    [planned] = _effects(s)
    assert planned.state == "planned" and planned.lane == f"voice:{s.voice_id}"
    assert (
        planned.origin == f"reply_draft:{done.draft_id}"
        and planned.body == "Sorry voor het ongemak, we bellen u."
    )
    assert planned.target["external_id"] == "t1" and planned.target["author"] == "klant_anna"
    assert planned.target["raw"]["id"] == "t1" and planned.target["url"].endswith("/t1")
    assert reply_seq(s) == 1 and _draft(s, done.draft_id).effect_id == planned.id
    with s.engine.connect() as conn:
        assert conn.execute(
            sa.select(audit_log.c.action).where(audit_log.c.action == "conversation.reply_proposed")
        ).first()


def test_a_reply_in_a_thread_carries_the_root_s_raw_item(s: Scene) -> None:
    reply_mid = add_mention(s.engine, "t1-2", author="klant_anna", text="Nog steeds kapot", thread="t1")
    intake(engine=s.engine, mention_ids=[reply_mid], now=NOW)  # joins the conversation (same thread)
    done = _propose(s)
    [planned] = _effects(s)
    assert planned.target["external_id"] == "t1-2" and planned.target["thread_id"] == "t1"
    assert planned.target["root_raw"] == {"id": "t1", "content": "<b>Mijn laadpaal</b> doet het niet"}
    assert done.state == "sending"


def test_approval_rules_hold_the_reply_and_notify_the_approvers(s: Scene) -> None:
    add_rule(s.engine, name="Klachten", kind="intent", value="complaint", actor=ROOT, now=NOW)
    add_rule(s.engine, name="Nieuw", kind="new_agent", value="1", actor=ROOT, now=NOW)
    done = _propose(s)
    assert done.state == "approval" and done.effect_id is None
    assert done.reasons == ("Klachten: intent complaint", "Nieuw: the first 1 replies of an agent")
    assert _effects(s) == [] and reply_seq(s) == 0
    with s.engine.connect() as conn:
        told = conn.execute(
            sa.select(notification.c.user_id, notification.c.kind).where(notification.c.kind == "approval")
        ).all()
    assert len(told) == 2  # maud (analyst of customer service) and the admin; not anna herself
    queue = approval_queue(engine=s.engine)
    assert queue.count == 1 and queue.drafts[0].reasons == list(done.reasons)


def test_the_bell_asks_approval_in_each_approver_s_language(s: Scene) -> None:
    set_language(engine=s.engine, email=MAUD, language="nl", actor="t")
    add_rule(s.engine, name="Klachten", kind="intent", value="complaint", actor=ROOT, now=NOW)
    done = _propose(s)
    with s.engine.connect() as conn:
        told = dict(
            conn.execute(
                sa.select(user_account.c.email, notification.c.text)
                .join(user_account, user_account.c.id == notification.c.user_id)
                .where(notification.c.kind == "approval")
            ).all()
        )
    number = f"#{_draft(s, done.draft_id).conversation_id}"
    assert told[MAUD] == f"{ANNA} vraagt goedkeuring voor een antwoord in gesprek {number}"
    assert told[ROOT] == f"{ANNA} asks approval for a reply on conversation {number}"
    set_language(engine=s.engine, email=ANNA, language="nl", actor="t")
    replies.reject(s.engine, draft_id=done.draft_id, actor=MAUD, now=NOW, reason="te kort")
    with s.engine.connect() as conn:
        rejected = conn.execute(
            sa.select(notification.c.text).where(notification.c.kind == "reply_rejected")
        ).scalar_one()
    assert rejected == f"{MAUD} keurde je antwoord in gesprek {number} af: te kort"


def test_four_eyes_and_only_approvers_approve(s: Scene) -> None:
    add_rule(s.engine, name="Alles", kind="all", value=None, actor=ROOT, now=NOW)
    by_maud = _propose(s, MAUD)
    with pytest.raises(NotAllowed, match="nobody approves their own"):
        replies.approve(s.engine, draft_id=by_maud.draft_id, actor=MAUD, now=NOW)
    with pytest.raises(NotAllowed, match="only approvers"):
        replies.approve(s.engine, draft_id=by_maud.draft_id, actor=CARLA, now=NOW)
    assert _effects(s) == [] and _draft(s, by_maud.draft_id).state == "approval"
    replies.approve(s.engine, draft_id=by_maud.draft_id, actor=ROOT, now=NOW)
    assert _draft(s, by_maud.draft_id).state == "sending" and len(_effects(s)) == 1


def test_approving_with_an_edit_keeps_both_versions_and_supersedes_the_others(s: Scene) -> None:
    add_rule(s.engine, name="Alles", kind="all", value=None, actor=ROOT, now=NOW)
    first = _propose(s, ANNA, body="Sorry, we kijken ernaar")
    second = _propose(s, CARLA, body="Excuses! Wat is uw klantnummer?")
    done = replies.approve(
        s.engine, draft_id=second.draft_id, actor=MAUD, now=NOW, body="Excuses, wat is uw klantnummer?"
    )
    row = _draft(s, second.draft_id)
    assert (
        row.body == "Excuses, wat is uw klantnummer?"
        and row.original_body == "Excuses! Wat is uw klantnummer?"
    )
    assert row.approver_id is not None and row.state == "sending"
    assert _draft(s, first.draft_id).state == "superseded"
    [planned] = _effects(s)
    assert planned.id == done.effect_id and planned.body == "Excuses, wat is uw klantnummer?"
    versions = {
        d.id: (d.body, d.original_body, d.state, d.approver)
        for d in drafts_of(engine=s.engine, conversation_id=s.conversation_id)
    }
    assert versions[second.draft_id] == (row.body, row.original_body, "sending", MAUD)
    with pytest.raises(Conflict, match="not waiting for approval"):
        replies.approve(s.engine, draft_id=first.draft_id, actor=MAUD, now=NOW)


def test_reject_and_withdraw(s: Scene) -> None:
    add_rule(s.engine, name="Alles", kind="all", value=None, actor=ROOT, now=NOW)
    d = _propose(s)
    with pytest.raises(InboxError, match="say why"):
        replies.reject(s.engine, draft_id=d.draft_id, actor=MAUD, now=NOW, reason="  ")
    replies.reject(s.engine, draft_id=d.draft_id, actor=MAUD, now=NOW, reason="Te stellig")
    assert _draft(s, d.draft_id).decision_note == "Te stellig"
    e = _propose(s)
    with pytest.raises(NotAllowed, match="only its author"):
        replies.withdraw(s.engine, draft_id=e.draft_id, actor=CARLA, now=NOW)
    replies.withdraw(s.engine, draft_id=e.draft_id, actor=ANNA, now=NOW)
    assert _draft(s, e.draft_id).state == "withdrawn" and approval_queue(engine=s.engine).count == 0


def test_withdrawing_a_planned_reply_cancels_its_effect_but_not_once_tried(s: Scene) -> None:
    d = _propose(s)
    replies.withdraw(s.engine, draft_id=d.draft_id, actor=ANNA, now=NOW)
    assert [e.state for e in _effects(s)] == ["cancelled"]
    f = _propose(s)
    with s.engine.begin() as conn:
        conn.execute(effect.update().where(effect.c.id == f.effect_id).values(state="sending", attempts=1))
    with pytest.raises(Conflict, match="already on its way"):
        replies.withdraw(s.engine, draft_id=f.draft_id, actor=ANNA, now=NOW)


def test_the_guard_refuses_a_stale_reply_unless_confirmed(s: Scene) -> None:
    _propose(s, ANNA, seen=0)
    with pytest.raises(Answered, match="someone answered since you opened this") as refused:
        _propose(s, CARLA, seen=0)
    assert refused.value.reply_seq == 1 and "is on its way" in str(refused.value)
    assert len(_effects(s)) == 1
    _propose(s, CARLA, seen=0, confirm=True)
    assert len(_effects(s)) == 2 and reply_seq(s) == 2


def test_a_native_reply_at_the_source_moves_the_guard(s: Scene) -> None:
    native_reply(s, "n1")
    assert reply_seq(s) == 1
    with pytest.raises(Answered, match="voltaro answered"):
        _propose(s, seen=0)
    assert _effects(s) == []


def test_too_long_names_the_limit_and_the_unit(s: Scene) -> None:
    with pytest.raises(TooLong, match="is 12 characters long; mastodon takes at most 10 characters"):
        _propose(s, body="twaalf tekens", measure=lambda text: (12, 10))
    assert _effects(s) == []


def test_settled_sent_becomes_the_agent_message_and_counts_as_response(s: Scene) -> None:
    d = _propose(s)
    _settle(s, d.draft_id, State.sent, remote_id="r1", remote_url="https://social.example/@voltaro/r1")
    _settle(s, d.draft_id, State.sent, remote_id="r1")  # the runner may call twice after a crash
    with s.engine.connect() as conn:
        [msg] = conn.execute(
            sa.select(conversation_message).where(conversation_message.c.kind == "agent")
        ).all()
        row = conn.execute(sa.select(conversation).where(conversation.c.id == s.conversation_id)).one()
    assert (msg.remote_id, msg.draft_id, msg.author, msg.body) == ("r1", d.draft_id, "voltaro", "Sorry!")
    assert row.first_response_at is not None and row.message_count == 2
    assert _draft(s, d.draft_id).state == "sent"
    # the listener fetches our reply back: attached to the message, nothing counted twice, guard unmoved
    seq = reply_seq(s)
    native_reply(s, "r1")
    with s.engine.connect() as conn:
        agent = conn.execute(
            sa.select(conversation_message).where(conversation_message.c.kind == "agent")
        ).all()
        assert conn.execute(sa.select(conversation.c.message_count)).scalar() == 2
    assert len(agent) == 1 and agent[0].mention_id is not None and reply_seq(s) == seq


def test_settled_failed_and_unknown_are_said_in_plain_words(s: Scene) -> None:
    d = _propose(s)
    _settle(s, d.draft_id, State.unknown)
    _settle(s, d.draft_id, State.unknown)
    assert len(_events(s, "reply_checking")) == 1
    _settle(s, d.draft_id, State.failed, error="HTTP 410", error_code="parent_gone")
    [failed] = _events(s, "reply_failed")
    assert "deleted" in failed.detail["reason"] and _draft(s, d.draft_id).state == "failed"
    with s.engine.connect() as conn:
        assert conn.execute(
            sa.select(notification.c.text).where(notification.c.kind == "reply_failed")
        ).scalar()
    [read] = drafts_of(engine=s.engine, conversation_id=s.conversation_id)
    assert read.state == "failed" and "deleted" in (read.error or "")


def test_another_capability_s_effect_is_ignored(s: Scene) -> None:
    with s.engine.begin() as conn:
        replies.settle(conn, Settled(1, "post:3", "post", "voice:1", State.sent, "x", NOW))
    assert _events(s, "reply_sent") == []
