"""The inbox over REST, on SQLite and PostgreSQL: a mention arrives, is listed and read with why it went
where it went, is assigned, noted and resolved, and the customer writing again reopens it. Every refusal
answers its status code and changes nothing; a department's people see only their department's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from api_helpers import Api

from luister.connectors.records import FieldMapping
from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.inbox import setup
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.services.ingest import Pipeline
from luister.services.topics import create_topic
from luister.storage.tables import audit_log
from luister.storage.writer import SqlMentionStore
from luister.testing import PASSWORD, raw_item, runtime_for

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday, within customer service's hours
PEOPLE = {"anna": "customer-service", "carla": "customer-service", "bob": "sales"}


def store(api: Api, *records: dict[str, Any], now: datetime = NOW) -> None:
    """Mentions through the real pipeline and event bus: they become conversations."""
    runtime = runtime_for(api.settings, api.engine)
    runtime.clock = lambda: now
    Pipeline(
        mapper=FieldMapping().map,
        store=SqlMentionStore(api.engine),
        origin="test",
        enrichers=runtime.enrichers(),
        events=runtime.event_bus(),
    ).run_batch([raw_item(r) for r in records])


def post(n: int, text: str, *, author: str = "klant_anna", at: datetime = NOW) -> dict[str, Any]:
    return {
        "id": f"p{n}",
        "channel": "mastodon",
        "text": text,
        "author": author,
        "lang": "nl",
        "created_at": at.isoformat(),
        "url": f"https://social.example/@{author}/{n}",
    }


@pytest.fixture
def inbox(api: Api) -> Api:
    """Topics, three agents in their departments with tokens, and the app's clock at ``NOW``."""
    api.client.app.state.runtime.clock = lambda: NOW  # type: ignore[attr-defined]
    create_topic(engine=api.engine, name="Voltaro", kind=TopicKind.brand, query="voltaro", actor="test")
    for name, department in PEOPLE.items():
        email = f"{name}@voltaro.example"
        create_user(
            engine=api.engine,
            email=email,
            name=name.title(),
            password=PASSWORD,
            role=Role.agent,
            department=department,
        )
        setup.set_member(engine=api.engine, actor="test", department_key=department, email=email, now=NOW)
        api.tokens[name] = create_token(engine=api.engine, email=email, name="t").secret
    return api


def complaint(api: Api) -> int:
    store(
        api,
        post(
            1,
            "@Voltaro mijn laadpaal doet het al drie dagen niet, slechte service! Wanneer komt "
            "er eindelijk een monteur?",
        ),
    )
    listed = api.get("/api/v1/conversations", role="anna").json()
    assert listed.get("total") == 1, listed
    return int(listed["items"][0]["id"])


def test_a_conversation_arrives_is_worked_resolved_and_reopened(inbox: Api) -> None:
    api = inbox
    cid = complaint(api)
    page = api.get("/api/v1/conversations", role="anna", params={"view": "all"}).json()
    assert page["counts"]["all"] == 1 and page["counts"]["breaching"] == 0
    assert [c["id"] for c in page["items"]] == [cid] and page["items"][0]["status"] == "new"
    detail = api.get(f"/api/v1/conversations/{cid}", role="anna").json()
    assert detail["department"] == "customer-service" and detail["route"]["by"] == "model"
    assert detail["route"]["because"] and detail["sla_state"] == "ok"
    assert [m["kind"] for m in detail["messages"]] == ["customer"]
    assert "laadpaal" in detail["messages"][0]["body"]
    assert {"created", "routed", "assigned"} <= {e["kind"] for e in detail["events"]}

    assigned = api.post(
        f"/api/v1/conversations/{cid}/assign", role="anna", json={"assignee": "carla@voltaro.example"}
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assignee"] == "carla@voltaro.example"
    mine = api.get("/api/v1/conversations", role="carla", params={"view": "mine"}).json()
    assert [c["id"] for c in mine["items"]] == [cid] and mine["counts"]["mine"] == 1

    noted = api.post(f"/api/v1/conversations/{cid}/notes", role="carla", json={"body": "@bob verkoopkans?"})
    assert noted.status_code == 200 and noted.json()["messages"][-1]["kind"] == "note"
    tagged = api.post(f"/api/v1/conversations/{cid}/tags", role="carla", json={"add": ["Laadpaal"]})
    assert tagged.json()["tags"] == ["laadpaal"]
    filtered = api.get("/api/v1/conversations", role="carla", params={"tag": "laadpaal"}).json()
    assert filtered["total"] == 1

    resolved = api.post(f"/api/v1/conversations/{cid}/status", role="carla", json={"move": "resolve"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert api.get("/api/v1/conversations", role="carla").json()["total"] == 0
    done = api.get("/api/v1/conversations", role="carla", params={"view": "resolved"}).json()
    assert [c["id"] for c in done["items"]] == [cid]

    later = NOW + timedelta(hours=2)
    store(api, post(2, "Voltaro, de monteur is niet gekomen.", at=later), now=later)
    again = api.get(f"/api/v1/conversations/{cid}", role="carla").json()
    assert again["status"] == "reopened" and again["cycle"] == 2
    assert [m["kind"] for m in again["messages"]] == ["customer", "note", "customer"]
    audited = {e["kind"] for e in again["events"]}
    assert {"assigned", "noted", "tagged", "status"} <= audited


def audited(api: Api) -> list[tuple[str, str, str | None]]:
    with api.engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log.c.actor, audit_log.c.action, audit_log.c.target).order_by(audit_log.c.id)
        )
        return [(r.actor, r.action, r.target) for r in rows if r.action.split(".")[0] in AUDITED]


AUDITED = {"conversation", "department", "routing_rule", "sla_policy", "canned_response"}


def test_the_other_changes_of_a_conversation_and_their_audit(inbox: Api) -> None:
    api = inbox
    cid = complaint(api)
    store(api, post(2, "@Voltaro nog steeds geen monteur, ik bel morgen", author="klant_bert"))
    other = next(c["id"] for c in api.get("/api/v1/conversations").json()["items"] if c["id"] != cid)
    url = f"/api/v1/conversations/{cid}"
    assert (
        api.post(f"{url}/priority", role="anna", json={"priority": "urgent"}).json()["priority"] == "urgent"
    )
    urgent = api.get("/api/v1/conversations", role="anna", params={"priority": "urgent"}).json()
    assert [c["id"] for c in urgent["items"]] == [cid]
    merged = api.post(f"/api/v1/conversations/{other}/merge", role="anna", json={"into": cid})
    assert merged.status_code == 200 and merged.json()["merged_into"] == cid
    assert merged.json()["status"] == "resolved"
    assert api.get(url).json()["message_count"] == 2
    called = api.post(f"{url}/answered-elsewhere", role="anna", json={"how": "phone", "note": "Gebeld"})
    assert called.status_code == 200, called.text
    assert called.json()["status"] == "resolved" and called.json()["answered_elsewhere"] == "phone"
    assert called.json()["first_response_at"] is not None and called.json()["sla_state"] == "met"
    assert api.post(f"{url}/answered-elsewhere", role="anna", json={"how": "phone"}).status_code == 409
    reopened = api.post(f"{url}/status", role="anna", json={"move": "reopen"})
    assert reopened.json()["status"] == "reopened" and reopened.json()["cycle"] == 2
    snoozed = api.post(
        f"{url}/status", role="anna", json={"move": "snooze", "snooze_until": "2026-12-02T09:00:00+01:00"}
    )
    assert snoozed.json()["status"] == "snoozed" and snoozed.json()["snoozed_until"].startswith(
        "2026-12-02T08:00"
    )
    assert api.get("/api/v1/conversations", params={"view": "snoozed"}).json()["total"] == 1
    anna = "anna@voltaro.example"
    assert [a for a in audited(api) if a[0] == anna] == [
        (anna, "conversation.priority", str(cid)),
        (anna, "conversation.merge", str(other)),
        (anna, "conversation.answered_elsewhere", str(cid)),
        (anna, "conversation.reopen", str(cid)),
        (anna, "conversation.snooze", str(cid)),
    ]


def test_a_departments_people_change_only_their_own_set_up(inbox: Api) -> None:
    api = inbox
    create_user(
        engine=api.engine,
        email="sam@voltaro.example",
        name="Sam",
        password=PASSWORD,
        role=Role.analyst,
        department="sales",
    )
    api.tokens["sam"] = create_token(engine=api.engine, email="sam@voltaro.example", name="t").secret
    before = audited(api)
    policy = {"first_response_minutes": 30, "next_response_minutes": None, "resolution_minutes": None}
    member = {"languages": ["nl"]}
    rule = {"conditions": {"intents": ["lead"]}, "department": "legal"}
    for answer in (
        api.put("/api/v1/sla-policies/legal/high", role="sam", json=policy),
        api.put("/api/v1/departments/legal", role="sam", json={"name_en": "Legal"}),
        api.put("/api/v1/departments/legal/members/anna@voltaro.example", role="sam", json=member),
        api.put("/api/v1/routing-rules/Leads", role="sam", json=rule),
    ):
        assert answer.status_code == 403, answer.text
    assert audited(api) == before
    assert api.put("/api/v1/sla-policies/sales/high", role="sam", json=policy).status_code == 200
    saved = api.put("/api/v1/routing-rules/Leads", role="sam", json={**rule, "department": "sales"})
    assert saved.status_code == 200 and saved.json()["created_by"] == "sam@voltaro.example"
    canned = api.put("/api/v1/canned-responses/Offerte/nl", role="sam", json={"body": "Hoi {first_name}!"})
    assert canned.json()["department"] == "sales"
    assert audited(api)[len(before) :] == [
        ("sam@voltaro.example", "sla_policy.save", "sales/high"),
        ("sam@voltaro.example", "routing_rule.save", "Leads"),
        ("sam@voltaro.example", "canned_response.save", "Offerte (nl)"),
    ]


def _state(api: Api, cid: int) -> dict[str, Any]:
    return dict(api.get(f"/api/v1/conversations/{cid}").json())


def test_every_refusal_answers_its_status_and_changes_nothing(inbox: Api) -> None:
    api = inbox
    cid = complaint(api)
    before = _state(api, cid)
    url = f"/api/v1/conversations/{cid}"

    refusals = [
        (api.get("/api/v1/conversations/987654"), 404),
        (api.post("/api/v1/conversations/987654/status", json={"move": "open"}), 404),
        (api.get(url, role="bob"), 404),  # sales: not theirs to see
        (api.post(f"{url}/status", role="bob", json={"move": "open"}), 404),
        (api.post(f"{url}/status", role="anna", json={"move": "reopen"}), 409),
        (api.post(f"{url}/status", role="anna", json={"move": "snooze"}), 409),  # no time given
        (api.post(f"{url}/status", role="anna", json={"move": "customer_wrote"}), 422),
        (api.post(f"{url}/transfer", role="anna", json={"department": "finance", "reason": "x"}), 422),
        (api.post(f"{url}/assign", role="anna", json={"assignee": "bob@voltaro.example"}), 422),
        (api.post(f"{url}/assign", role="anna", json={"assignee": "nobody@voltaro.example"}), 422),
        (api.post(f"{url}/merge", role="anna", json={"into": cid}), 409),
        (api.post(f"{url}/merge", role="anna", json={"into": 987654}), 422),
        (api.post(f"{url}/status", role="viewer", json={"move": "open"}), 403),
        (api.get("/api/v1/conversations", params={"department": "finance"}), 422),
        (api.get("/api/v1/conversations", params={"after": "9.n.5.1"}), 422),  # not a cursor
        (api.get("/api/v1/conversations", params={"view": "resolved", "after": "1.n.5.1"}), 422),
        (api.client.get(url), 401),
    ]
    for answer, status in refusals:
        assert answer.status_code == status, (answer.request.url, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    after = _state(api, cid)
    assert after == before
    assert [a[1] for a in audited(api)] == ["department.member"] * 3  # the fixture's: no refusal wrote one

    assert api.get("/api/v1/conversations", role="bob").json()["total"] == 0
    bulk = api.post("/api/v1/conversations/bulk", role="bob", json={"ids": [cid], "operation": "resolve"})
    assert bulk.status_code == 200 and bulk.json() == {
        "done": [],
        "problems": [{"id": cid, "problem": f"no conversation #{cid}"}],
    }
    assert _state(api, cid) == before


def test_pages_follow_each_other_by_cursor_and_find_words(inbox: Api) -> None:
    api = inbox
    things = ["laadpaal", "meter", "app", "thuisbatterij", "zonnepaneel"]
    store(
        api,
        *(
            post(
                n,
                f"@Voltaro mijn {things[n % 5]} doet het al {n + 2} dagen niet, slechte service!",
                author=f"klant{n}",
            )
            for n in range(7)
        ),
    )
    whole = api.get("/api/v1/conversations", role="anna", params={"per_page": 50}).json()
    assert whole["total"] == 7 and whole["next_after"] is None
    walked, after = [], None
    while True:
        params: dict[str, Any] = {"per_page": 3} | ({"after": after} if after else {})
        page = api.get("/api/v1/conversations", role="anna", params=params).json()
        walked += [c["id"] for c in page["items"]]
        after = page["next_after"]
        if after is None:
            break
    assert walked == [c["id"] for c in whole["items"]]
    found = api.get("/api/v1/conversations", role="anna", params={"q": "THUISBATTERIJ"}).json()
    assert found["total"] == 1 and "thuisbatterij" in found["items"][0]["subject"]
    by_author = api.get("/api/v1/conversations", role="anna", params={"q": "klant3 thuis"}).json()
    assert [c["author_handle"] for c in by_author["items"]] == ["klant3"]
    hostile = api.get("/api/v1/conversations", role="anna", params={"q": '") OR * NEAR(:'}).json()
    assert hostile["total"] == 0


def test_transfer_out_of_ones_department_answers_204(inbox: Api) -> None:
    api = inbox
    cid = complaint(api)
    moved = api.post(
        f"/api/v1/conversations/{cid}/transfer",
        role="anna",
        json={"department": "sales", "reason": "Wil een offerte", "priority": "high"},
    )
    assert moved.status_code == 204
    seen = api.get(f"/api/v1/conversations/{cid}", role="bob").json()
    assert seen["department"] == "sales" and seen["priority"] == "high"
    assert seen["route"] == {
        **seen["route"],
        "by": "transfer",
        "because": "Wil een offerte",
        "actor": "anna@voltaro.example",
    }
    assert api.get(f"/api/v1/conversations/{cid}", role="anna").status_code == 404


def test_setting_up_departments_rules_policies_and_canned_responses(inbox: Api) -> None:
    api = inbox
    member = api.put(
        "/api/v1/departments/sales/members/anna@voltaro.example",
        role="analyst",
        json={"languages": ["nl"], "capacity": 5, "availability": "away"},
    )
    assert member.status_code == 200, member.text
    anna = next(m for m in member.json()["members"] if m["email"] == "anna@voltaro.example")
    assert anna == {**anna, "languages": ["nl"], "capacity": 5, "availability": "away"}
    assert (
        api.put(
            "/api/v1/departments/finance/members/anna@voltaro.example", role="analyst", json={}
        ).status_code
        == 404
    )
    assert (
        api.put("/api/v1/departments/sales/members/x@voltaro.example", role="analyst", json={}).status_code
        == 404
    )
    assert (
        api.delete("/api/v1/departments/sales/members/anna@voltaro.example", role="analyst").status_code
        == 204
    )

    new = api.put(
        "/api/v1/departments/finance",
        role="analyst",
        json={
            "name_en": "Finance",
            "name_nl": "Financiën",
            "assignment": "round_robin",
            "calendar": {"zone": "Europe/Amsterdam", "holidays": ["NL"], "shifts": [[0, "09:00", "17:00"]]},
        },
    )
    assert new.status_code == 200 and new.json()["calendar"]["shifts"] == [[0, "09:00", "17:00"]]
    bad_calendar = api.put(
        "/api/v1/departments/finance",
        role="analyst",
        json={"name_en": "Finance", "calendar": {"shifts": [[0, "17:00", "09:00"]]}},
    )
    assert bad_calendar.status_code == 422 and "shift 1" in bad_calendar.json()["detail"]
    assert api.put("/api/v1/departments/Finance!", role="analyst", json={"name_en": "F"}).status_code == 422
    assert api.put("/api/v1/departments/finance", role="agent", json={"name_en": "F"}).status_code == 403

    rule = {
        "conditions": {"query": "laadpas*", "topics": ["Voltaro"]},
        "department": "product",
        "priority": "high",
        "tags": ["laadpas"],
    }
    saved = api.put("/api/v1/routing-rules/Laadpassen", role="analyst", json=rule)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {**saved.json(), "name": "Laadpassen", "department": "product", "priority": "high"}
    broken = api.put(
        "/api/v1/routing-rules/Kapot",
        role="analyst",
        json={**rule, "conditions": {"query": "laadpaal AND (storing"}},
    )
    assert broken.status_code == 422
    assert broken.json()["type"] == "urn:luister:problem:query-syntax"
    assert {"position", "line", "column"} <= set(broken.json())
    unknown = api.put("/api/v1/routing-rules/Kapot", role="analyst", json={**rule, "department": "nope"})
    assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]
    no_topic = api.put(
        "/api/v1/routing-rules/Kapot", role="analyst", json={**rule, "conditions": {"topics": ["Onbekend"]}}
    )
    assert no_topic.status_code == 422 and no_topic.json()["errors"][0]["loc"] == [
        "body",
        "conditions",
        "topics",
    ]
    assert api.put("/api/v1/routing-rules/Kapot", role="agent", json=rule).status_code == 403
    assert [r["name"] for r in api.get("/api/v1/routing-rules", role="viewer").json()] == ["Laadpassen"]

    store(api, post(1, "Voltaro, mijn laadpas werkt niet meer bij de paal", at=NOW - timedelta(hours=1)))
    cid = api.get("/api/v1/conversations").json()["items"][0]["id"]
    routed = api.get(f"/api/v1/conversations/{cid}").json()
    assert routed["department"] == "product" and routed["route"]["rule_name"] == "Laadpassen"
    simulated = api.post(
        "/api/v1/routing-rules/simulate",
        role="analyst",
        json={"conditions": {"query": "laadpas*"}, "department": "sales"},
    )
    assert simulated.status_code == 200, simulated.text
    assert simulated.json()["matched"] == 1 and simulated.json()["taken_from"] == {"product": 1}
    assert api.delete("/api/v1/routing-rules/Laadpassen", role="analyst").status_code == 204
    assert api.delete("/api/v1/routing-rules/Laadpassen", role="analyst").status_code == 404

    policy = {"first_response_minutes": 30, "next_response_minutes": 120, "resolution_minutes": 1440}
    put = api.put("/api/v1/sla-policies/sales/urgent", role="analyst", json=policy)
    assert put.status_code == 200 and put.json()["first_response_minutes"] == 30
    listed = api.get("/api/v1/sla-policies").json()
    assert {"department": "sales", "priority": "urgent", **policy}.items() <= next(
        p for p in listed if (p["department"], p["priority"]) == ("sales", "urgent")
    ).items()
    assert api.put("/api/v1/sla-policies/nope/urgent", role="analyst", json=policy).status_code == 404

    canned = api.put(
        "/api/v1/canned-responses/Excuses/nl",
        role="analyst",
        json={"body": "Hoi {first_name}, sorry! Groet, {agent_name}"},
    )
    assert canned.status_code == 200 and canned.json()["language"] == "nl"
    wrong = api.put("/api/v1/canned-responses/Excuses/en", role="analyst", json={"body": "Hi {nickname}"})
    assert wrong.status_code == 422
    assert [c["name"] for c in api.get("/api/v1/canned-responses", params={"language": "en"}).json()] == []
    assert [c["name"] for c in api.get("/api/v1/canned-responses").json()] == ["Excuses"]
