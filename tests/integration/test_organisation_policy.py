"""The policy end to end below the edges, on SQLite and PostgreSQL: versions with a diff, publishing asks
everyone, acknowledgements in the audit log, the gate on every inbox action, the policy's approval rules
are the inbox's; and processes whose RACI matrix routes the inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.inbox import actions, replies
from luister.inbox.approval_rules import list_rules
from luister.inbox.intake import intake
from luister.inbox.model import Refused
from luister.inbox.read import conversation_detail
from luister.inbox.tables import department
from luister.organisation import policy_actions, policy_read, processes_actions, processes_read
from luister.organisation.policy import PolicyProblem
from luister.organisation.processes import ProcessProblem
from luister.storage.tables import audit_log
from replies_helpers import ANNA, CARLA, MAUD, NOW, ROOT, Scene, add_mention, reply_seq, scene

V1 = "# Social media beleid\n\nWe zijn eerlijk en snel.\n\n- Reageer binnen een uur.\n"
V2 = (
    "# Social media beleid\n\nWe zijn eerlijk en snel.\n\n"
    "- Reageer binnen dertig minuten.\n- Geen <b>HTML</b>.\n"
)


@pytest.fixture
def s(engine: Engine) -> Scene:
    return scene(engine)


def _propose(s: Scene, actor: str, **kw: object) -> replies.Proposed:
    return replies.propose(
        s.engine, conversation_id=s.conversation_id, voice_id=s.voice_id, body="Sorry!", actor=actor,
        seen_reply_seq=reply_seq(s), now=kw.pop("now", NOW + timedelta(hours=1)), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def _audit(engine: Engine, action: str) -> list[tuple[str, str | None]]:
    with engine.connect() as conn:
        return [
            (r.actor, r.target)
            for r in conn.execute(
                sa.select(audit_log.c.actor, audit_log.c.target)
                .where(audit_log.c.action == action)
                .order_by(audit_log.c.id)
            )
        ]


def test_versions_publish_acknowledge_and_diff(s: Scene) -> None:
    e = s.engine
    one = policy_actions.write_version(engine=e, title="Beleid", body=V1, actor=ROOT, now=NOW)
    two = policy_actions.write_version(engine=e, title="Beleid v2", body=V2, actor=ROOT, now=NOW)
    assert (one, two) == (1, 2)
    assert [v.state for v in policy_read.list_versions(engine=e, now=NOW)] == ["draft", "draft"]
    policy_actions.publish(engine=e, number=1, actor=ROOT, now=NOW)
    assert policy_read.standing(engine=e, user_id=1, now=NOW).number == 1
    with pytest.raises(PolicyProblem, match="not the one in force"):
        policy_actions.acknowledge(engine=e, email=ANNA, number=2, now=NOW)
    assert policy_actions.acknowledge(engine=e, email=ANNA, number=1, now=NOW)
    assert not policy_actions.acknowledge(engine=e, email=ANNA, number=1, now=NOW)  # once
    policy_actions.publish(engine=e, number=2, actor=ROOT, now=NOW + timedelta(days=1))
    with pytest.raises(PolicyProblem, match="was published"):
        policy_actions.publish(engine=e, number=2, actor=ROOT, now=NOW + timedelta(days=1))
    later = NOW + timedelta(days=1, hours=1)
    states = {v.number: v.state for v in policy_read.list_versions(engine=e, now=later)}
    assert states == {1: "superseded", 2: "in_force"}
    acks = policy_read.acknowledgements(engine=e, now=later)
    assert {a.email for a in acks} == {ANNA, CARLA, MAUD, ROOT}
    assert all(a.acknowledged_at is None for a in acks)  # a new version asks everyone again
    policy_actions.acknowledge(engine=e, email=CARLA, number=2, now=later)
    acks = policy_read.acknowledgements(engine=e, now=later)
    assert [a.email for a in acks if a.acknowledged_at] == [CARLA] and acks[-1].email == CARLA
    assert _audit(e, "policy.acknowledge") == [(ANNA, "1"), (CARLA, "2")]
    assert [t for _a, t in _audit(e, "policy.publish")] == ["1", "2"]
    lines = policy_read.version_diff(engine=e, old=1, new=2)
    assert [(d.kind, d.text) for d in lines if d.kind != "same"][-3:] == [
        ("removed", "- Reageer binnen een uur."),
        ("added", "- Reageer binnen dertig minuten."),
        ("added", "- Geen <b>HTML</b>."),
    ]
    shown = policy_read.version(engine=e, number=2, now=later)
    assert "&lt;b&gt;HTML&lt;/b&gt;" in shown.html and shown.version.acknowledged == 1


def test_whoever_has_not_acknowledged_cannot_work_the_inbox(s: Scene) -> None:
    e = s.engine
    policy_actions.write_version(engine=e, title="Beleid", body=V1, actor=ROOT, now=NOW)
    policy_actions.publish(engine=e, number=1, actor=ROOT, now=NOW)
    at = NOW + timedelta(minutes=5)
    common = {"engine": e, "conversation_id": s.conversation_id, "now": at}
    for work in (
        lambda: _propose(s, ANNA, now=at),
        lambda: actions.add_note(body="even kijken", actor=ANNA, **common),
        lambda: actions.tag(add=["x"], actor=ANNA, **common),
    ):
        with pytest.raises(Refused, match="not acknowledged the social media policy \\(version 1\\)"):
            work()
    assert reply_seq(s) == 0 and conversation_detail(engine=e, conversation_id=s.conversation_id).tags == []
    policy_actions.acknowledge(engine=e, email=ANNA, number=1, now=at)
    assert _propose(s, ANNA, now=at).state == "sending"
    actions.add_note(body="gedaan", actor="cli", **common)  # the operator's CLI is not a person: not gated


def test_the_gate_speaks_dutch_to_dutch_users_and_waits_out_the_grace_days(s: Scene) -> None:
    e = s.engine
    with e.begin() as conn:
        from luister.storage.tables import user_account

        conn.execute(user_account.update().where(user_account.c.email == ANNA).values(language="nl"))
    policy_actions.write_version(engine=e, title="Beleid", body=V1, actor=ROOT, now=NOW, grace_days=7)
    policy_actions.publish(engine=e, number=1, actor=ROOT, now=NOW - timedelta(days=30))
    # the grace counts from when anna joined (now, in real time), so within a week she still works
    actions.add_note(engine=e, conversation_id=s.conversation_id, body="ok", actor=ANNA, now=NOW)
    far = NOW + timedelta(days=400)
    with pytest.raises(Refused, match="socialemediabeleid \\(versie 1\\)"):
        actions.add_note(engine=e, conversation_id=s.conversation_id, body="ok", actor=ANNA, now=far)


def test_a_version_s_approval_rules_become_the_inbox_s(s: Scene) -> None:
    e = s.engine
    rules = [{"name": "Klachten", "kind": "intent", "value": "complaint"}]
    policy_actions.write_version(engine=e, title="v1", body=V1, actor=ROOT, now=NOW, approval_rules=rules)
    policy_actions.write_version(
        engine=e, title="v2", body=V2, actor=ROOT, now=NOW, approval_rules=[{"name": "Alles", "kind": "all"}]
    )
    with pytest.raises(PolicyProblem, match=r"approval_rules\[0\].kind"):
        policy_actions.write_version(
            engine=e, title="v3", body=V2, actor=ROOT, now=NOW, approval_rules=[{"name": "x", "kind": "nope"}]
        )
    policy_actions.publish(engine=e, number=1, actor=ROOT, now=NOW)
    assert [(r.name, r.kind, r.value) for r in list_rules(engine=e)] == [
        ("policy: Klachten (v1)", "intent", "complaint")
    ]
    for who in (ANNA, MAUD, ROOT):
        policy_actions.acknowledge(engine=e, email=who, number=1, now=NOW)
    held = _propose(s, ANNA)
    assert held.state == "approval" and held.reasons == ("policy: Klachten (v1): intent complaint",)
    with pytest.raises(replies.NotAllowed, match="nobody approves their own"):  # four eyes still hold
        by_maud = _propose(s, MAUD, confirm=True)
        replies.approve(e, draft_id=by_maud.draft_id, actor=MAUD, now=NOW + timedelta(hours=1))
    policy_actions.publish(engine=e, number=2, actor=ROOT, now=NOW + timedelta(hours=2))
    assert [(r.name, r.kind) for r in list_rules(engine=e)] == [("policy: Alles (v2)", "all")]


def test_the_matrix_routes_a_process_and_changing_it_moves_the_mentions(s: Scene) -> None:
    e = s.engine
    with e.begin() as conn:
        conn.execute(
            department.insert().values(key="billing", name_en="Billing", name_nl="Facturen", calendar={})
        )
    conditions = {"query": "factuur OR jaarafrekening"}
    processes_actions.save_process(
        engine=e, key="billing-complaint", name_nl="Klacht over de factuur", name_en="Billing complaint",
        conditions=conditions, matrix={"billing": "R", "customer-service": "C"}, actor=ROOT, now=NOW,
    )  # fmt: skip
    first = add_mention(e, "f1", author="klant_bert", text="Mijn factuur klopt niet!", thread=None)
    intake(engine=e, mention_ids=[first], now=NOW)
    with pytest.raises(ProcessProblem, match="exactly one"):
        processes_actions.save_process(
            engine=e, key="billing-complaint", name_nl="x", name_en="x", conditions=conditions,
            matrix={"billing": "C"}, actor=ROOT, now=NOW,
        )  # fmt: skip
    processes_actions.save_process(
        engine=e, key="billing-complaint", name_nl="Klacht over de factuur", name_en="Billing complaint",
        conditions=conditions, matrix={"billing": "A", "customer-service": "R"}, actor=ROOT, now=NOW,
    )  # fmt: skip
    second = add_mention(e, "f2", author="klant_cor", text="Jaarafrekening veel te hoog", thread=None)
    intake(engine=e, mention_ids=[second], now=NOW)
    [p] = processes_read.list_processes(engine=e)
    assert p.matrix == {"billing": "A", "customer-service": "R"}
    with e.connect() as conn:
        from luister.inbox.tables import conversation, conversation_message

        routed = dict(
            conn.execute(
                sa.select(conversation_message.c.mention_id, department.c.key)
                .join(conversation, conversation.c.id == conversation_message.c.conversation_id)
                .join(department, department.c.id == conversation.c.department_id)
                .where(conversation_message.c.mention_id.in_((first, second)))
            ).all()
        )
    assert routed == {first: "billing", second: "customer-service"}
    assert [t for _a, t in _audit(e, "process.save")] == ["billing-complaint", "billing-complaint"]
