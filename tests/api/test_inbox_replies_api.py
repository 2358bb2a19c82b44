"""Replies over REST, on SQLite and PostgreSQL: propose (201), the guard (409 with the number now, then
confirm), too long (422), approval rules (manage only), four-eyes enforced by the API (403), approve with
an edit, reject, withdraw, the approval queue, and the detail's ``reply_seq``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from api_helpers import Api

from luister.effects.tables import effect
from luister.services.api_tokens import create_token
from replies_helpers import ANNA, CARLA, MAUD, NOW, Scene, scene


@pytest.fixture
def s(api: Api) -> Scene:
    api.client.app.state.runtime.clock = lambda: NOW  # type: ignore[attr-defined]
    found = scene(api.engine)
    for email in (ANNA, CARLA, MAUD):
        api.tokens[email] = create_token(engine=api.engine, email=email, name="t").secret
    return found


def _effects(api: Api) -> int:
    with api.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(effect)).scalar_one())


def _propose(api: Api, s: Scene, who: str, **body: object) -> object:
    payload = {"voice_id": s.voice_id, "body": "Sorry, we bellen u", "seen_reply_seq": 0, **body}
    return api.post(f"/api/v1/inbox/conversations/{s.conversation_id}/drafts", role=who, json=payload)


def test_propose_guard_and_confirm(api: Api, s: Scene) -> None:
    detail = api.get(f"/api/v1/conversations/{s.conversation_id}", role=ANNA).json()
    assert detail["reply_seq"] == 0
    made = _propose(api, s, ANNA)
    assert made.status_code == 201, made.text  # type: ignore[attr-defined]
    assert made.json()["state"] == "sending" and made.json()["author"] == ANNA  # type: ignore[attr-defined]
    stale = _propose(api, s, CARLA, body="Excuses!")
    assert stale.status_code == 409  # type: ignore[attr-defined]
    problem = stale.json()  # type: ignore[attr-defined]
    assert "someone answered since you opened this" in problem["detail"] and problem["reply_seq"] == 1
    assert _effects(api) == 1
    confirmed = _propose(api, s, CARLA, body="Excuses!", confirm=True)
    assert confirmed.status_code == 201 and _effects(api) == 2  # type: ignore[attr-defined]
    listed = api.get(f"/api/v1/inbox/conversations/{s.conversation_id}/drafts", role="viewer").json()
    assert [d["author"] for d in listed] == [ANNA, CARLA]
    assert api.get(f"/api/v1/conversations/{s.conversation_id}", role=ANNA).json()["reply_seq"] == 2


def test_too_long_and_viewers(api: Api, s: Scene) -> None:
    too_long = _propose(api, s, ANNA, body="x" * 10_001)
    assert too_long.status_code == 422  # type: ignore[attr-defined]
    assert _propose(api, s, "viewer").status_code == 403  # type: ignore[attr-defined]
    assert _effects(api) == 0


def test_four_eyes_is_enforced_by_the_api(api: Api, s: Scene) -> None:
    assert (
        api.post("/api/v1/inbox/approval-rules", role=ANNA, json={"name": "Alles", "kind": "all"}).status_code
        == 403
    )
    bad = api.post(
        "/api/v1/inbox/approval-rules", role=MAUD, json={"name": "X", "kind": "intent", "value": "boos"}
    )
    assert bad.status_code == 422
    rule = api.post("/api/v1/inbox/approval-rules", role=MAUD, json={"name": "Alles", "kind": "all"})
    assert rule.status_code == 201 and rule.json()["kind"] == "all"
    own = _propose(api, s, MAUD).json()  # type: ignore[attr-defined]
    assert own["state"] == "approval" and own["reasons"] == ["Alles: every reply"]
    refused = api.post(f"/api/v1/inbox/drafts/{own['id']}/approve", role=MAUD, json={})
    assert refused.status_code == 403 and "nobody approves their own" in refused.json()["detail"]
    assert api.post(f"/api/v1/inbox/drafts/{own['id']}/approve", role=ANNA, json={}).status_code == 403
    assert _effects(api) == 0
    anna = _propose(api, s, ANNA, body="Hallo").json()  # type: ignore[attr-defined]
    queue = api.get("/api/v1/inbox/approvals", role=MAUD).json()
    assert queue["count"] == 2 and [d["id"] for d in queue["drafts"]] == [own["id"], anna["id"]]
    approved = api.post(f"/api/v1/inbox/drafts/{anna['id']}/approve", role=MAUD, json={"body": "Hallo!"})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["state"], approved.json()["body"], approved.json()["original_body"]) == (
        "sending", "Hallo!", "Hallo",
    )  # fmt: skip
    assert approved.json()["approver"] == MAUD and _effects(api) == 1
    states = {
        d["id"]: d["state"] for d in api.get(f"/api/v1/inbox/conversations/{s.conversation_id}/drafts").json()
    }
    assert states == {own["id"]: "superseded", anna["id"]: "sending"}
    assert api.get("/api/v1/inbox/approvals", role=MAUD).json()["count"] == 0
    again = api.post(f"/api/v1/inbox/drafts/{own['id']}/approve", role="admin", json={})
    assert again.status_code == 409


def test_reject_withdraw_and_rules(api: Api, s: Scene) -> None:
    klachten = {"name": "Klachten", "kind": "intent", "value": "complaint"}
    rule = api.post("/api/v1/inbox/approval-rules", role=MAUD, json=klachten).json()
    first = _propose(api, s, ANNA).json()  # type: ignore[attr-defined]
    rejected = api.post(f"/api/v1/inbox/drafts/{first['id']}/reject", role=MAUD, json={"reason": "Te kort"})
    assert rejected.json()["state"] == "rejected" and rejected.json()["note"] == "Te kort"
    second = _propose(api, s, ANNA).json()  # type: ignore[attr-defined]
    assert api.post(f"/api/v1/inbox/drafts/{second['id']}/withdraw", role=CARLA).status_code == 403
    assert api.post(f"/api/v1/inbox/drafts/{second['id']}/withdraw", role=ANNA).json()["state"] == "withdrawn"
    assert api.post("/api/v1/inbox/drafts/999/withdraw", role=ANNA).status_code == 404
    assert [r["name"] for r in api.get("/api/v1/inbox/approval-rules", role=MAUD).json()] == ["Klachten"]
    assert api.delete(f"/api/v1/inbox/approval-rules/{rule['id']}", role=MAUD).status_code == 204
    assert api.delete(f"/api/v1/inbox/approval-rules/{rule['id']}", role=MAUD).status_code == 404
    third = _propose(api, s, ANNA, seen_reply_seq=0).json()  # type: ignore[attr-defined]
    assert third["state"] == "sending"
