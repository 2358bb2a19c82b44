"""The policy and the processes over REST, on SQLite and PostgreSQL, and the gate: every write endpoint of
the inbox and its replies (walked from the app's route table, not listed by hand) refuses a person who has
not acknowledged the policy in force, and lets them through once they have; nobody approves their own
reply."""

from __future__ import annotations

import re

import pytest
from api_helpers import Api
from fastapi.routing import iter_route_contexts

from luister.services.api_tokens import create_token
from replies_helpers import ANNA, MAUD, NOW, Scene, reply_seq, scene

INBOX_EDGES = {
    "luister.api.inbox",
    "luister.api.inbox_replies",
    "luister.api.inbox_reports",
    "luister.api.inbox_voices",
}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Saying one has a conversation open (the collision warning's heartbeat) changes nothing of the inbox.
NOT_A_CHANGE = {("POST", "/api/v1/conversations/{conversation_id}/presence")}
ADMIN = "admin"  # the role whose token the api fixture holds (admin@voltaro.example)
REFUSED = "not acknowledged the social media policy (version 1)"


@pytest.fixture
def s(api: Api) -> Scene:
    api.client.app.state.runtime.clock = lambda: NOW  # type: ignore[attr-defined]
    found = scene(api.engine)
    for who in (ANNA, MAUD):
        api.tokens[who] = create_token(engine=api.engine, email=who, name="t").secret
    return found


def _publish(api: Api, **extra: object) -> None:
    made = api.post(
        "/api/v1/organisation/policy/versions", json={"title": "Beleid", "body": "# Wees eerlijk\n", **extra}
    )
    assert made.status_code == 201, made.text
    assert made.json()["state"] == "draft" and made.json()["html"] == "<h1>Wees eerlijk</h1>\n"
    done = api.post(f"/api/v1/organisation/policy/versions/{made.json()['number']}/publish")
    assert done.status_code == 200 and done.json()["state"] == "in_force", done.text


def _inbox_writes(api: Api) -> list[tuple[str, str]]:
    found = []
    for context in iter_route_contexts(api.client.app.routes):  # type: ignore[attr-defined]
        endpoint = context.endpoint
        if endpoint is not None and endpoint.__module__ in INBOX_EDGES and context.path:
            found.extend((m, context.path) for m in sorted((context.methods or set()) & WRITES))
    return [w for w in found if w not in NOT_A_CHANGE]


def _call(api: Api, method: str, path: str, who: str) -> tuple[int, str]:
    url = re.sub(r"\{[^}]+\}", "1", path)
    answer = api.client.request(method, url, headers=api.headers(who), json={})
    return answer.status_code, answer.text


def test_every_inbox_write_refuses_until_the_policy_is_acknowledged(api: Api, s: Scene) -> None:
    writes = _inbox_writes(api)
    paths = {p for _m, p in writes}
    assert len(writes) >= 25 and "/api/v1/inbox/drafts/{draft_id}/approve" in paths
    assert (
        "/api/v1/conversations/{conversation_id}/notes" in paths and "/api/v1/routing-rules/{name}" in paths
    )
    for method, path in writes:  # nothing in force yet: the gate is open
        status, text = _call(api, method, path, ADMIN)
        assert REFUSED not in text and status < 500, (method, path, status, text)
    _publish(api)
    for method, path in writes:
        status, text = _call(api, method, path, ADMIN)
        assert (status, REFUSED in text) == (403, True), (method, path, status, text)
    me = api.get("/api/v1/organisation/policy").json()["me"]
    assert me["pending"] and me["number"] == 1 and REFUSED in me["refusal"]
    ack = api.post("/api/v1/organisation/policy/versions/1/acknowledge")
    assert ack.status_code == 200 and ack.json() == {
        "number": 1,
        "pending": False,
        "due": None,
        "refusal": None,
    }
    for method, path in writes:
        status, text = _call(api, method, path, ADMIN)
        assert REFUSED not in text and status < 500, (method, path, status, text)


def test_the_reply_is_refused_with_a_clear_message_then_sent(api: Api, s: Scene) -> None:
    _publish(api)
    url = f"/api/v1/inbox/conversations/{s.conversation_id}/drafts"
    payload = {"voice_id": s.voice_id, "body": "Sorry, we bellen u", "seen_reply_seq": 0}
    refused = api.post(url, role=ANNA, json=payload)
    assert refused.status_code == 403 and REFUSED in refused.json()["detail"]
    assert reply_seq(s) == 0
    assert api.post("/api/v1/organisation/policy/versions/1/acknowledge", role=ANNA).status_code == 200
    assert api.post(url, role=ANNA, json=payload).status_code == 201


def test_nobody_approves_their_own_reply(api: Api, s: Scene) -> None:
    _publish(api, approval_rules=[{"name": "Alles", "kind": "all"}])
    for who in (MAUD, "admin"):
        assert api.post("/api/v1/organisation/policy/versions/1/acknowledge", role=who).status_code == 200
    url = f"/api/v1/inbox/conversations/{s.conversation_id}/drafts"
    made = api.post(url, role=MAUD, json={"voice_id": s.voice_id, "body": "Sorry", "seen_reply_seq": 0})
    assert made.status_code == 201 and made.json()["state"] == "approval", made.text
    own = api.post(f"/api/v1/inbox/drafts/{made.json()['id']}/approve", role=MAUD, json={})
    assert own.status_code == 403 and "nobody approves their own reply" in own.json()["detail"]
    assert api.post(f"/api/v1/inbox/drafts/{made.json()['id']}/approve", json={}).status_code == 200


def test_versions_diff_acknowledgements_and_refusals(api: Api, s: Scene) -> None:
    _publish(api)
    again = api.post(
        "/api/v1/organisation/policy/versions", json={"title": "v2", "body": "# Wees eerlijk\n\nEn snel.\n"}
    )
    assert again.json()["number"] == 2
    lines = api.get("/api/v1/organisation/policy/diff", params={"old": 1, "new": 2}).json()
    assert [(d["kind"], d["text"]) for d in lines if d["kind"] == "added"] == [
        ("added", ""),
        ("added", "En snel."),
    ]
    assert api.get("/api/v1/organisation/policy/diff", params={"old": 1, "new": 9}).status_code == 404
    assert api.post("/api/v1/organisation/policy/versions/2/publish", role="analyst").status_code == 403
    assert api.post("/api/v1/organisation/policy/versions/1/publish").status_code == 422
    bad = api.post(
        "/api/v1/organisation/policy/versions",
        json={"title": "x", "body": "y", "approval_rules": [{"name": "n", "kind": "nope"}]},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "approval_rules[0].kind"]
    assert api.post("/api/v1/organisation/policy/versions/2/acknowledge").status_code == 422  # not in force
    acks = api.get("/api/v1/organisation/policy/acknowledgements").json()
    assert all(a["acknowledged_at"] is None for a in acks) and ANNA in {a["email"] for a in acks}
    assert api.get("/api/v1/organisation/policy/acknowledgements", role="agent").status_code == 403


def test_the_matrix_over_rest(api: Api, s: Scene) -> None:
    body = {"name_nl": "Privacyverzoek", "name_en": "Privacy request", "conditions": {"query": "AVG OR GDPR"},
            "matrix": {"legal": "R", "customer-service": "I"}}  # fmt: skip
    saved = api.put("/api/v1/organisation/processes/privacy-request", json=body)
    assert saved.status_code == 200 and saved.json()["matrix"] == {"legal": "R", "customer-service": "I"}
    rules = api.get("/api/v1/routing-rules").json()
    assert any(r["name"] == "process: privacy-request" and r["department"] == "legal" for r in rules), rules
    bad = api.put("/api/v1/organisation/processes/privacy-request", json={**body, "matrix": {"legal": "C"}})
    assert bad.status_code == 422 and "exactly one" in bad.json()["detail"]
    bad = api.put(
        "/api/v1/organisation/processes/privacy-request", json={**body, "conditions": {"query": "AVG AND ("}}
    )
    assert bad.status_code == 422
    assert [p["key"] for p in api.get("/api/v1/organisation/processes", role="viewer").json()] == [
        "privacy-request"
    ]
    assert api.delete("/api/v1/organisation/processes/privacy-request").status_code == 204
    assert api.delete("/api/v1/organisation/processes/privacy-request").status_code == 404
