"""The responsibility matrix drives the inbox, on SQLite and PostgreSQL: the process's Accountable
department approves its replies (held, approved by A, sent once), its Consulted people are told in the bell
when a conversation of the process is opened or escalated (once each), and its Informed departments get
the process's themes in their digest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import Role, Scope
from luister.effects.model import Settled, State
from luister.effects.tables import effect
from luister.inbox import actions, replies, setup
from luister.inbox.digest_actions import build_digest
from luister.inbox.digest_read import digest_detail
from luister.inbox.intake import intake
from luister.inbox.model import Conflict
from luister.inbox.replies_read import approval_queue, drafts_of
from luister.inbox.tables import conversation, conversation_tag, department, notification, reply_draft
from luister.organisation import processes_actions
from luister.services.accounts import create_user
from luister.storage.tables import mention
from replies_helpers import ANNA, MAUD, NOW, PASSWORD, ROOT, Scene, add_mention, scene

BEA = "bea@voltaro.example"  # analyst of billing: the process's Accountable department
BOB = "bob@voltaro.example"  # agent of billing
LEO = "leo@voltaro.example"  # agent of legal: Consulted
IDA = "ida@voltaro.example"  # agent of marketing: Informed
PROCESS = "billing-complaint"
CONDITIONS = {"query": "factuur OR jaarafrekening"}


@dataclass
class World:
    s: Scene
    conversation_id: int


def _department(engine: Engine, key: str, name: str, *people: tuple[str, Role, str]) -> None:
    with engine.begin() as conn:  # the six the inbox starts with are there; billing is new
        if conn.execute(sa.select(department.c.id).where(department.c.key == key)).first() is None:
            conn.execute(department.insert().values(key=key, name_en=name, name_nl=name, calendar={}))
    for email, role, language in people:
        create_user(
            engine=engine, email=email, name=email.split("@")[0].title(), password=PASSWORD, role=role,
            department=key, language=language,
        )  # fmt: skip
        setup.set_member(engine=engine, actor="test", department_key=key, email=email, now=NOW)


def _save(engine: Engine, matrix: dict[str, str]) -> None:
    processes_actions.save_process(
        engine=engine, key=PROCESS, name_nl="Klacht over de factuur", name_en="Billing complaint",
        conditions=CONDITIONS, matrix=matrix, actor=ROOT, now=NOW,
    )  # fmt: skip


def _opened(engine: Engine, external_id: str, text: str, at: Any = NOW) -> int:
    mid = add_mention(engine, external_id, author=f"klant_{external_id}", text=text, thread=None, at=at)
    with engine.begin() as conn:  # a complaint, as analysis would have it
        conn.execute(mention.update().where(mention.c.id == mid).values(primary_intent="complaint"))
    intake(engine=engine, mention_ids=[mid], now=at)
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(conversation.c.id)
                .join(conversation_tag, conversation_tag.c.conversation_id == conversation.c.id)
                .where(conversation_tag.c.tag == PROCESS)
                .order_by(conversation.c.id.desc())
                .limit(1)
            ).scalar_one()
        )


@pytest.fixture
def w(engine: Engine) -> World:
    s = scene(engine)
    _department(engine, "billing", "Billing", (BEA, Role.analyst, "en"), (BOB, Role.agent, "en"))
    _department(engine, "legal", "Legal", (LEO, Role.agent, "nl"))
    _department(engine, "marketing", "Marketing", (IDA, Role.agent, "en"))
    _save(engine, {"customer-service": "R", "billing": "A", "legal": "C", "marketing": "I"})
    return World(s, _opened(engine, "f1", "Mijn factuur klopt niet, veel te hoog!"))


def _notified(engine: Engine, kind: str, conversation_id: int) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            (r.user_id, r.text)
            for r in conn.execute(
                sa.select(notification.c.user_id, notification.c.text)
                .where(notification.c.kind == kind, notification.c.conversation_id == conversation_id)
                .order_by(notification.c.id)
            )
        ]


def _ids(engine: Engine, *emails: str) -> list[int]:
    with engine.connect() as conn:
        found: dict[str, int] = dict(conn.execute(sa.text("SELECT email, id FROM user_account")).all())
    return [int(found[e]) for e in emails]


def test_a_reply_waits_for_the_accountable_department_and_is_sent_once(w: World) -> None:
    e, cid = w.s.engine, w.conversation_id
    held = replies.propose(e, conversation_id=cid, voice_id=w.s.voice_id, body="Sorry, we kijken ernaar.",
                           actor=ANNA, seen_reply_seq=0, now=NOW)  # fmt: skip
    assert held.state == "approval" and held.effect_id is None
    assert held.reasons == (f"process {PROCESS}: approval by billing (accountable)",)
    assert [who for who, _ in _notified(e, "approval", cid)] == _ids(e, BEA)  # only A's approver is asked
    [draft] = drafts_of(engine=e, conversation_id=cid)
    assert draft.accountable == "billing" and approval_queue(engine=e).drafts[0].accountable == "billing"
    billing = Scope("billing")  # the conversation is customer service's: billing sees what it approves
    assert [d.id for d in approval_queue(engine=e, scope=billing).drafts] == [held.draft_id]
    assert approval_queue(engine=e, scope=Scope("legal")).count == 0
    later = NOW + timedelta(minutes=5)
    with pytest.raises(replies.NotAllowed, match="approval by billing, the accountable department"):
        replies.approve(e, draft_id=held.draft_id, actor=MAUD, now=later, scope=Scope("customer-service"))
    done = replies.approve(e, draft_id=held.draft_id, actor=BEA, now=later, scope=billing)
    assert done.state == "sending" and done.effect_id
    with pytest.raises(Conflict):
        replies.approve(e, draft_id=held.draft_id, actor=BEA, now=later)
    with e.connect() as conn:
        origin = f"reply_draft:{held.draft_id}"
        planned = conn.execute(sa.select(effect).where(effect.c.origin == origin)).all()
    assert len(planned) == 1
    with e.begin() as conn:
        replies.settle(conn, Settled(
            effect_id=planned[0].id, origin=f"reply_draft:{held.draft_id}", kind="reply", state=State.sent,
            lane=f"voice:{w.s.voice_id}", body=planned[0].body, at=later + timedelta(minutes=1),
        ))  # fmt: skip
        row = conn.execute(sa.select(reply_draft).where(reply_draft.c.id == held.draft_id)).one()
    assert row.state == "sent" and row.approver_id == _ids(e, BEA)[0]


def test_without_an_accountable_department_the_matrix_holds_nothing(w: World) -> None:
    e, cid = w.s.engine, w.conversation_id
    _save(e, {"customer-service": "R", "legal": "C"})
    sent = replies.propose(e, conversation_id=cid, voice_id=w.s.voice_id, body="Sorry!", actor=ANNA,
                           seen_reply_seq=0, now=NOW)  # fmt: skip
    assert sent.state == "sending" and sent.reasons == ()


def test_an_admin_of_no_department_may_stand_in_for_the_accountable_one(w: World) -> None:
    e, cid = w.s.engine, w.conversation_id
    held = replies.propose(e, conversation_id=cid, voice_id=w.s.voice_id, body="Sorry!", actor=ANNA,
                           seen_reply_seq=0, now=NOW)  # fmt: skip
    assert replies.approve(e, draft_id=held.draft_id, actor=ROOT, now=NOW).state == "sending"


def test_the_consulted_are_told_when_opened_and_escalated_once_each(w: World) -> None:
    e, cid = w.s.engine, w.conversation_id
    [(leo, text)] = _notified(e, "consulted", cid)
    assert leo == _ids(e, LEO)[0]
    assert text == f"gesprek #{cid} (Klacht over de factuur) is geopend: je afdeling wordt geraadpleegd (C)"
    actions.transfer(engine=e, conversation_id=cid, to_department="billing", reason="factuurfout",
                     actor=ROOT, now=NOW)  # fmt: skip
    assert len(_notified(e, "consulted", cid)) == 1  # once per conversation, however often escalated
    with e.begin() as conn:  # someone joins legal: the next escalation tells them, and only them
        conn.execute(sa.text("UPDATE user_account SET department = 'legal' WHERE email = :e"), {"e": BOB})
    actions.transfer(engine=e, conversation_id=cid, to_department="customer-service", reason="terug",
                     actor=ROOT, now=NOW)  # fmt: skip
    told = _notified(e, "consulted", cid)
    assert [who for who, _ in told] == _ids(e, LEO, BOB)
    escalated = f"conversation #{cid} (Billing complaint) was escalated: your department is consulted (C)"
    assert told[1][1] == escalated


def test_a_conversation_of_no_process_consults_nobody(w: World) -> None:
    e = w.s.engine
    actions.transfer(engine=e, conversation_id=w.s.conversation_id, to_department="billing", reason="x",
                     actor=ROOT, now=NOW)  # fmt: skip
    assert _notified(e, "consulted", w.s.conversation_id) == []


def test_the_informed_department_s_digest_has_the_process_s_themes(w: World) -> None:
    e = w.s.engine
    _opened(e, "f2", "Weer een factuur met een fout bedrag", at=NOW + timedelta(hours=1))
    start, end = NOW - timedelta(days=1), NOW + timedelta(days=1)
    built = build_digest(engine=e, department="marketing", period_start=start, period_end=end,
                         now=end + timedelta(hours=1))  # fmt: skip
    detail = digest_detail(engine=e, digest_id=built.digest_id)
    assert built.items >= 1
    assert any(item.theme == "factuur" and item.count == 2 for item in detail.items)
    legal = build_digest(engine=e, department="legal", period_start=start, period_end=end,
                         now=end + timedelta(hours=1))  # fmt: skip
    assert legal.items == 0  # consulted, not informed: its digest has none of it


def test_the_refusals_speak_dutch_to_dutch_readers(w: World) -> None:
    e, cid = w.s.engine, w.conversation_id
    with e.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_account SET language = 'nl' WHERE email IN (:a, :m)"), {"a": ANNA, "m": MAUD}
        )
    held = replies.propose(e, conversation_id=cid, voice_id=w.s.voice_id, body="Sorry!", actor=ANNA,
                           seen_reply_seq=0, now=NOW)  # fmt: skip
    with pytest.raises(replies.NotAllowed, match="^alleen goedkeurders \\(analisten en beheerders\\) keuren"):
        replies.approve(e, draft_id=held.draft_id, actor=ANNA, now=NOW)
    with pytest.raises(replies.NotAllowed, match="^dit antwoord wacht op goedkeuring door billing"):
        replies.approve(e, draft_id=held.draft_id, actor=MAUD, now=NOW)
    with pytest.raises(replies.NotAllowed, match="^alleen wie het schreef trekt een antwoord in"):
        replies.withdraw(e, draft_id=held.draft_id, actor=MAUD, now=NOW)
    with pytest.raises(
        replies.NotAllowed, match="^alleen goedkeurders \\(analisten en beheerders\\) keuren antwoorden af"
    ):
        replies.reject(e, draft_id=held.draft_id, actor=ANNA, reason="nee", now=NOW)
    own = replies.propose(e, conversation_id=cid, voice_id=w.s.voice_id, body="Nog eens", actor=MAUD,
                          seen_reply_seq=0, now=NOW, confirm=True)  # fmt: skip
    with pytest.raises(replies.NotAllowed, match="^niemand keurt zijn eigen antwoord goed"):
        replies.approve(e, draft_id=own.draft_id, actor=MAUD, now=NOW)
