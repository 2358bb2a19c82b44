"""Training below the edges, on SQLite and PostgreSQL: quiz attempts scored and stored with their audit
rows, belts earned, the department report, and the belt gate in the inbox's reply actions — off until
training is switched on, admins exempt, and dropping the moment a certificate expires (controlled clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import Scope
from luister.inbox import replies
from luister.inbox.replies import NotAllowed
from luister.organisation import training
from luister.organisation.belts import Belt, expires
from luister.organisation.training_actions import set_gates, submit_attempt
from luister.organisation.training_read import UnknownPerson, department_report, standing
from luister.storage.tables import audit_log
from replies_helpers import ANNA, CARLA, MAUD, NOW, ROOT, Scene, reply_seq, scene


def key(slug: str) -> list[int | None]:
    return [q.answer for q in training.module(slug, "en").questions]


def earn(engine: Engine, email: str, belt: Belt, at: datetime) -> None:
    """Pass every module up to ``belt`` at ``at``."""
    for b, slugs in training.by_belt().items():
        if b <= belt:
            for slug in slugs:
                done = submit_attempt(
                    engine=engine, actor=email, module=slug, language="en", answers=key(slug), now=at
                )
                assert done.passed


@pytest.fixture
def s(engine: Engine) -> Scene:
    return scene(engine)


def _propose(s: Scene, actor: str, now: datetime) -> replies.Proposed:
    return replies.propose(
        s.engine, conversation_id=s.conversation_id, voice_id=s.voice_id, body="Vervelend! Ik kijk ernaar.",
        actor=actor, seen_reply_seq=reply_seq(s), now=now,
    )  # fmt: skip


def test_an_attempt_is_scored_stored_and_audited(s: Scene) -> None:
    answers = key("listening-basics")
    wrong = [(answers[0] or 0) + 1, *answers[1:3], None, None]
    failed = submit_attempt(
        engine=s.engine, actor=ANNA, module="listening-basics", language="nl", answers=wrong, now=NOW
    )
    assert (failed.correct, failed.passed, failed.belt_after) == (2, False, None)
    assert failed.right == (False, True, True, False, False)
    passed = submit_attempt(engine=s.engine, actor=ANNA, module="listening-basics", language="nl",
                            answers=answers, now=NOW)  # fmt: skip
    assert passed.passed and passed.belt_after is None  # the policy module is part of white too
    done = submit_attempt(engine=s.engine, actor=ANNA, module="the-policy", language="en",
                          answers=key("the-policy"), now=NOW)  # fmt: skip
    assert done.belt_after is Belt.white
    mine = standing(engine=s.engine, email=ANNA, now=NOW, language="nl")
    assert mine.belt is Belt.white and mine.next_belt is Belt.yellow
    assert mine.certificates[0].expires_at == expires(NOW)
    assert {m.slug: m.attempts for m in mine.modules}["listening-basics"] == 2
    with s.engine.connect() as conn:
        actions = list(conn.scalars(sa.select(audit_log.c.action).where(audit_log.c.actor == ANNA)))
    assert actions.count("training.attempt") == 3 and "training.belt" in actions
    with pytest.raises(training.BadAnswers):
        submit_attempt(engine=s.engine, actor=ANNA, module="crisis", language="en", answers=[0], now=NOW)
    with pytest.raises(UnknownPerson):
        submit_attempt(engine=s.engine, actor="nobody@x.example", module="crisis", language="en",
                       answers=key("crisis"), now=NOW)  # fmt: skip


def test_gates_are_off_until_training_is_switched_on(s: Scene) -> None:
    assert _propose(s, ANNA, NOW).state == "sending"  # no belt, and nothing changes for existing teams


def test_white_drafts_green_sends_black_approves_and_the_gate_drops_at_expiry(s: Scene) -> None:
    set_gates(engine=s.engine, actor=ROOT, on=True, now=NOW)
    with pytest.raises(NotAllowed, match="a white belt is needed to write replies"):
        _propose(s, ANNA, NOW)
    earn(s.engine, ANNA, Belt.white, NOW - timedelta(days=300))
    held = _propose(s, ANNA, NOW)
    assert held.state == "approval" and "green belt is needed to send" in held.reasons[0]
    with pytest.raises(NotAllowed, match="a black belt is needed to approve"):
        replies.approve(s.engine, draft_id=held.draft_id, actor=MAUD, now=NOW)  # an analyst, no belt
    earn(s.engine, MAUD, Belt.black, NOW - timedelta(days=1))
    assert replies.approve(s.engine, draft_id=held.draft_id, actor=MAUD, now=NOW).state == "sending"
    earn(s.engine, CARLA, Belt.green, NOW)
    assert _propose(s, CARLA, NOW).state == "sending"
    # the controlled clock: Anna's white belt rests on passes 300 days old; 65 days on it has expired
    later = expires(NOW - timedelta(days=300))
    with pytest.raises(NotAllowed, match="no belt yet \\(or it expired\\)"):
        _propose(s, ANNA, later)
    assert _propose(s, ANNA, later - timedelta(seconds=1)).state == "approval"
    # admins are exempt, with no belt at all
    assert _propose(s, ROOT, NOW).state == "sending"


def test_crisis_and_legal_conversations_need_more(s: Scene) -> None:
    set_gates(engine=s.engine, actor=ROOT, on=True, now=NOW)
    earn(s.engine, CARLA, Belt.green, NOW)
    with s.engine.begin() as conn:
        conn.execute(sa.text("UPDATE conversation SET intent = 'crisis' WHERE id = :id"),
                     {"id": s.conversation_id})  # fmt: skip
    held = _propose(s, CARLA, NOW)
    assert held.state == "approval" and "blue belt is needed" in held.reasons[0]
    earn(s.engine, ANNA, Belt.white, NOW)
    with pytest.raises(NotAllowed, match="orange belt is needed to write replies in crisis"):
        _propose(s, ANNA, NOW)
    earn(s.engine, CARLA, Belt.blue, NOW)
    assert _propose(s, CARLA, NOW).state == "sending"


def test_the_refusal_is_in_the_persons_language(s: Scene) -> None:
    set_gates(engine=s.engine, actor=ROOT, on=True, now=NOW)
    with s.engine.begin() as conn:
        conn.execute(sa.text("UPDATE user_account SET language = 'nl' WHERE email = :e"), {"e": ANNA})
    with pytest.raises(
        NotAllowed, match="een witte band is nodig om antwoorden te schrijven: je hebt nog geen"
    ):
        _propose(s, ANNA, NOW)
    earn(s.engine, ANNA, Belt.white, NOW)
    held = _propose(s, ANNA, NOW)
    assert (
        "groene band is nodig om antwoorden zonder goedkeurder te versturen: je band is wit"
        in held.reasons[0]
    )


def test_the_department_report_shares_people_per_belt(s: Scene) -> None:
    earn(s.engine, ANNA, Belt.white, NOW)
    earn(s.engine, CARLA, Belt.green, NOW - timedelta(days=350))
    rows = {r.department: r for r in department_report(engine=s.engine, now=NOW)}
    service = rows["customer-service"]
    assert service.people == 3 and service.counts == {None: 1, Belt.white: 1, Belt.green: 1}
    assert service.shares[Belt.white] == pytest.approx(1 / 3)
    assert service.expiring == 1  # Carla's green expires within a month
    assert rows[""].people == 1  # the admin, without a department
    only = department_report(engine=s.engine, now=NOW, scope=Scope("customer-service"))
    assert [r.department for r in only] == ["customer-service"]
    assert department_report(engine=s.engine, now=NOW, scope=Scope("nobody-here")) == []
    after = {r.department: r for r in department_report(engine=s.engine, now=expires(NOW))}
    assert after["customer-service"].counts == {None: 3}  # every certificate has expired
