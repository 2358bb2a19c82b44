"""The belt gate, walked (issue #32): every write endpoint of the inbox and its replies — found from the
app's route table, not listed by hand — has the gate action it answers to, and for each belt (none, white …
black) the API and the web actions allow or refuse as :data:`luister.organisation.belts.GATES` says, in an
ordinary conversation and in a crisis one. A route added later fails here until it has an expectation.

Gates on, controlled clock: the belts were earned ten days before ``NOW``; an agent of each belt proposes,
an analyst of each belt approves and rejects. Admins are exempt; the role checks still come first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from luister.app import create_app
from luister.domain.accounts import Role
from luister.inbox import replies, setup
from luister.inbox.tables import conversation, reply_draft
from luister.organisation import training
from luister.organisation.belts import GATES, Action, Belt, allows
from luister.organisation.training_actions import set_gates, submit_attempt
from luister.runtime import Runtime
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.services.database import open_database
from luister.settings import Settings
from replies_helpers import NOW, PASSWORD, ROOT, Scene, reply_seq, scene

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
INBOX = ("/inbox", "/api/v1/conversations", "/api/v1/inbox", "/api/v1/departments", "/api/v1/routing-rules",
         "/api/v1/sla-policies", "/api/v1/canned-responses", "/api/v1/digests", "/api/v1/voices")  # fmt: skip
REPLY = "reply"  # proposing: drafting, and sending at once where the belt allows (else it waits)
GATED = {
    "POST /api/v1/inbox/conversations/{conversation_id}/drafts": REPLY,
    "POST /inbox/{conversation_id}/reply": REPLY,
    "POST /api/v1/inbox/drafts/{draft_id}/approve": Action.reply_approve,
    "POST /api/v1/inbox/drafts/{draft_id}/reject": Action.reply_approve,
    "POST /inbox/drafts/{draft_id}/approve": Action.reply_approve,
    "POST /inbox/drafts/{draft_id}/reject": Action.reply_approve,
}
# Every other write of the inbox: not gated by belts (Action.inbox_work), roles and departments decide.
UNGATED = {
    "POST /inbox/bulk",
    "POST /inbox/availability",
    "POST /inbox/notifications/{notification_id}/open",
    "POST /inbox/notifications/read",
    "POST /inbox/departments/{key}",
    "POST /inbox/departments/{key}/members",
    "POST /inbox/departments/{key}/members/remove",
    "POST /inbox/policies",
    "POST /inbox/rules",
    "POST /inbox/rules/remove",
    "POST /inbox/canned",
    "POST /inbox/voices",
    "POST /inbox/voices/{voice_id}/check",
    "POST /inbox/voices/{voice_id}/remove",
    "POST /inbox/digests/items/{item_id}/decide",
    "POST /inbox/digests/build",
    "POST /inbox/{conversation_id}/presence",
    "POST /inbox/drafts/{draft_id}/withdraw",
    "POST /inbox/approval-rules",
    "POST /inbox/approval-rules/{rule_id}/remove",
    "POST /inbox/{conversation_id}/move",
    "POST /inbox/{conversation_id}/assign",
    "POST /inbox/{conversation_id}/transfer",
    "POST /inbox/{conversation_id}/priority",
    "POST /inbox/{conversation_id}/tags",
    "POST /inbox/{conversation_id}/note",
    "POST /inbox/{conversation_id}/elsewhere",
    "POST /inbox/{conversation_id}/merge",
    "POST /api/v1/conversations/bulk",
    *{
        f"POST /api/v1/conversations/{{conversation_id}}/{a}"
        for a in (
            "status",
            "assign",
            "transfer",
            "notes",
            "tags",
            "priority",
            "answered-elsewhere",
            "merge",
            "presence",
        )
    },
    "PUT /api/v1/departments/{key}",
    "PUT /api/v1/departments/{key}/members/{email}",
    "DELETE /api/v1/departments/{key}/members/{email}",
    "POST /api/v1/routing-rules/simulate",
    "PUT /api/v1/routing-rules/{name}",
    "DELETE /api/v1/routing-rules/{name}",
    "PUT /api/v1/sla-policies/{key}/{priority}",
    "PUT /api/v1/canned-responses/{name}/{language}",
    "POST /api/v1/digests",
    "POST /api/v1/digests/items/{item_id}/decision",
    "POST /api/v1/voices",
    "PATCH /api/v1/voices/{voice_id}",
    "DELETE /api/v1/voices/{voice_id}",
    "POST /api/v1/voices/{voice_id}/check",
    "POST /api/v1/inbox/drafts/{draft_id}/withdraw",
    "POST /api/v1/inbox/approval-rules",
    "DELETE /api/v1/inbox/approval-rules/{rule_id}",
}
LADDER: list[Belt | None] = [None, *Belt]


def name(belt: Belt | None) -> str:
    return belt.name if belt else "none"


@dataclass
class Person:
    email: str
    token: str
    web: TestClient
    csrf: str


@dataclass
class World:
    engine: Engine
    plain: Scene
    crisis: Scene
    agents: dict[str, Person]
    analysts: dict[str, Person]
    app: object


def _earn(engine: Engine, email: str, belt: Belt | None) -> None:
    for b, slugs in training.by_belt().items():
        if belt is not None and b <= belt:
            for slug in slugs:
                key = [q.answer for q in training.module(slug, "en").questions]
                submit_attempt(engine=engine, actor=email, module=slug, language="en", answers=list(key),
                               now=NOW - timedelta(days=10))  # fmt: skip


def _person(app: object, engine: Engine, email: str, role: Role, belt: Belt | None) -> Person:
    create_user(
        engine=engine, email=email, name=email, password=PASSWORD, role=role, department="customer-service"
    )
    setup.set_member(engine=engine, actor="test", department_key="customer-service", email=email, now=NOW)
    _earn(engine, email, belt)
    web = TestClient(app)  # type: ignore[arg-type]
    form = web.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    done = web.post("/login", data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"},
                    follow_redirects=False)  # fmt: skip
    assert done.status_code == 303, done.text
    page = web.get("/organisation/training").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return Person(email, create_token(engine=engine, email=email, name="walk").secret, web, csrf)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('walk') / 'walk.db'}",
                        data_dir=tmp_path_factory.mktemp("data"))  # fmt: skip
    engine = open_database(settings=settings)
    plain = scene(engine, n=1)
    crisis = scene(engine, n=2, with_people=False)
    with engine.begin() as conn:
        conn.execute(
            conversation.update().where(conversation.c.id == crisis.conversation_id).values(intent="crisis")
        )
    set_gates(engine=engine, actor=ROOT, on=True, now=NOW)
    app = create_app(Runtime(settings, engine=engine, clock=lambda: NOW))
    agents = {name(b): _person(app, engine, f"agent-{name(b)}@walk.example", Role.agent, b) for b in LADDER}
    analysts = {
        name(b): _person(app, engine, f"analyst-{name(b)}@walk.example", Role.analyst, b) for b in LADDER
    }
    yield World(engine, plain, crisis, agents, analysts, app)
    engine.dispose()


def _writes(app: object) -> set[str]:
    found = set()
    for context in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        if context.path.startswith(INBOX):
            found |= {f"{m} {context.path}" for m in (context.methods or set()) & WRITES}
    return found


def test_every_write_endpoint_of_the_inbox_has_its_gate(world: World) -> None:
    writes = _writes(world.app)
    assert len(writes) > 40
    assert writes - set(GATED) - UNGATED == set(), "a new inbox write endpoint: say which gate applies"
    assert set(GATED) | UNGATED <= writes, "an expectation for a route that is gone"
    assert GATES[Action.inbox_work].ordinary is None and GATES[Action.inbox_work].sensitive is None


def _latest_state(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(sa.select(reply_draft.c.state).order_by(reply_draft.c.id.desc()).limit(1)).scalar()
        )


def _expected_reply(belt: Belt | None, s: Scene) -> int | str:
    context = {"intent": "crisis" if s.thread == "t2" else "complaint", "department": "customer-service"}
    if not allows(belt, Action.reply_draft, context):
        return 403
    return "sending" if allows(belt, Action.reply_send, context) else "approval"


@pytest.mark.parametrize("belt", LADDER, ids=name)
@pytest.mark.parametrize("where", ["plain", "crisis"])
def test_proposing_a_reply_by_api_and_on_the_web(world: World, belt: Belt | None, where: str) -> None:
    s = getattr(world, where)
    person = world.agents[name(belt)]
    expected = _expected_reply(belt, s)
    api = world.agents[name(belt)].web.post(
        f"/api/v1/inbox/conversations/{s.conversation_id}/drafts",
        headers={"Authorization": f"Bearer {person.token}"},
        json={"voice_id": s.voice_id, "body": f"API {name(belt)}", "seen_reply_seq": reply_seq(s)},
    )
    if expected == 403:
        assert api.status_code == 403 and "belt is needed to write replies" in api.json()["detail"]
    else:
        assert api.status_code == 201, api.text
        assert api.json()["state"] == expected
        if expected == "approval":
            assert "belt is needed to send replies without an approver" in api.json()["reasons"][0]
    web = person.web.post(
        f"/inbox/{s.conversation_id}/reply",
        data={"csrf": person.csrf, "voice_id": str(s.voice_id), "seen_reply_seq": str(reply_seq(s)),
              "body": f"Web {name(belt)}"},
        follow_redirects=False,
    )  # fmt: skip
    if expected == 403:
        assert web.status_code == 403 and "belt is needed" in web.text
    else:
        assert web.status_code == 303, web.text
        assert _latest_state(world.engine) == expected


def _waiting_draft(world: World, s: Scene) -> int:
    """A reply waiting for approval: an orange belt may write in a crisis conversation, not send."""
    done = replies.propose(world.engine, conversation_id=s.conversation_id, voice_id=s.voice_id,
                           body="Wacht op goedkeuring", actor=world.agents["orange"].email,
                           seen_reply_seq=reply_seq(s), now=NOW)  # fmt: skip
    assert done.state == "approval"
    return done.draft_id


@pytest.mark.parametrize("belt", LADDER, ids=name)
@pytest.mark.parametrize("where", ["plain", "crisis"])
def test_approving_and_rejecting_by_api_and_on_the_web(world: World, belt: Belt | None, where: str) -> None:
    s = getattr(world, where)
    person = world.analysts[name(belt)]
    allowed = allows(belt, Action.reply_approve, {"intent": "crisis" if where == "crisis" else "complaint"})
    bearer = {"Authorization": f"Bearer {person.token}"}
    calls = [
        lambda d: person.web.post(f"/api/v1/inbox/drafts/{d}/approve", headers=bearer, json={}),
        lambda d: person.web.post(
            f"/api/v1/inbox/drafts/{d}/reject", headers=bearer, json={"reason": "toon"}
        ),
        lambda d: person.web.post(
            f"/inbox/drafts/{d}/approve", data={"csrf": person.csrf}, follow_redirects=False
        ),
        lambda d: person.web.post(
            f"/inbox/drafts/{d}/reject", data={"csrf": person.csrf, "reason": "toon"}, follow_redirects=False
        ),
    ]
    for call in calls:
        draft_id = _waiting_draft(world, s)
        answer = call(draft_id)
        if allowed:
            assert answer.status_code in (200, 303), answer.text
            with world.engine.connect() as conn:
                state = conn.execute(
                    sa.select(reply_draft.c.state).where(reply_draft.c.id == draft_id)
                ).scalar()
            assert state in ("sending", "rejected")
        else:
            assert answer.status_code == 403 and "a black belt is needed to approve" in answer.text


def test_ungated_writes_never_ask_for_a_belt(world: World) -> None:
    """Someone without a belt still works conversations: a note, an assignment, a status, a tag."""
    person, s = world.agents["none"], world.plain
    bearer = {"Authorization": f"Bearer {person.token}"}
    base = f"/api/v1/conversations/{s.conversation_id}"
    assert person.web.post(f"{base}/notes", headers=bearer, json={"body": "gezien"}).status_code in (200, 201)
    assert person.web.post(f"{base}/tags", headers=bearer, json={"add": ["laadpaal"]}).status_code == 200
    moved = person.web.post(f"/inbox/{s.conversation_id}/note", data={"csrf": person.csrf, "body": "web"},
                            follow_redirects=False)  # fmt: skip
    assert moved.status_code == 303
    for route in sorted(UNGATED):  # whatever each answers for a bare call, it is never a belt's refusal
        method, path = route.split(" ", 1)
        url = re.sub(r"\{[^}]+\}", "1", path)
        answer = person.web.request(method, url, headers=bearer if url.startswith("/api") else None,
                                    data=None if url.startswith("/api") else {"csrf": person.csrf},
                                    follow_redirects=False)  # fmt: skip
        assert answer.status_code < 500 and "belt is needed" not in answer.text, route
