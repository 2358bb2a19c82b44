"""``/api/v1/topics``, ``/sources`` and ``/alerts``: create, read, change, delete; secrets masked; audited."""

from __future__ import annotations

from api_helpers import Api, seed

from luister.services.audit import entries
from luister.testing import raise_alert, runtime_for


def test_topics_crud_with_matching_and_query_errors(api: Api) -> None:
    seed(api.settings, api.engine, 8)
    made = api.post(
        "/api/v1/topics",
        role="analyst",
        json={"name": "Voltaro", "kind": "brand", "query": "voltaro", "description": "ons merk"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Voltaro" and made.json()["kind"] == "brand"
    assert (
        api.get("/api/v1/topics/Voltaro", role="viewer").json()["mentions"] == 6
    )  # matched after the answer
    assert api.post("/api/v1/topics", json={"name": "Voltaro", "query": "x"}).status_code == 409
    changed = api.put("/api/v1/topics/Voltaro", json={"kind": "brand", "query": "voltaro AND storing"})
    assert changed.status_code == 200 and changed.json()["query"] == "voltaro AND storing"
    assert api.get("/api/v1/topics/Voltaro").json()["mentions"] == 2
    assert api.put("/api/v1/topics/Nope", json={"query": "x"}).status_code == 404
    slash = api.post("/api/v1/topics", json={"name": "A/B test", "query": "topic:Voltaro lang:nl"})
    assert slash.status_code == 201 and api.get("/api/v1/topics/A/B test").json()["name"] == "A/B test"
    assert [t["name"] for t in api.get("/api/v1/topics").json()] == ["Voltaro", "A/B test"]

    syntax = api.post("/api/v1/topics", json={"name": "Broken", "query": "voltaro OR (storing"})
    assert syntax.status_code == 422 and syntax.json()["type"] == "urn:luister:problem:query-syntax"
    assert syntax.json()["position"] == 11 and syntax.json()["detail"].startswith("query: ")
    reference = api.post("/api/v1/topics", json={"name": "Loop", "query": "topic:Nobody"})
    assert reference.status_code == 422 and "Nobody" in reference.json()["detail"]
    assert api.post("/api/v1/topics", json={"name": "   ", "query": "x"}).status_code == 422
    assert api.post("/api/v1/topics", json={"name": "x" * 121, "query": "x"}).status_code == 422

    referred = api.delete("/api/v1/topics/Voltaro")
    assert referred.status_code == 409 and "A/B test" in referred.json()["detail"]
    assert api.delete("/api/v1/topics/A/B test").status_code == 204
    assert api.delete("/api/v1/topics/Voltaro").status_code == 204
    assert api.get("/api/v1/topics/Voltaro").status_code == 404 and api.get("/api/v1/topics").json() == []
    assert api.delete("/api/v1/topics/Voltaro").status_code == 404
    actions = [e.action for e in entries(engine=api.engine, actor="admin@voltaro.example")]
    assert actions.count("topic.save") == 2 and actions.count("topic.remove") == 2


def test_trying_a_query(api: Api) -> None:
    seed(api.settings, api.engine, 8)
    trial = api.post("/api/v1/topics/test", role="viewer", json={"query": "storing", "examples": 1})
    assert trial.status_code == 200, trial.text
    body = trial.json()
    assert body["sampled"] == 8 and body["matched"] == 2 and len(body["examples"]) == 1
    assert body["whole"] is True and body["index_reason"] is None  # all of history, through the index
    assert "storing" in body["examples"][0]["text"]
    bad = api.post("/api/v1/topics/test", json={"query": "lang:"})
    assert bad.status_code == 422 and bad.json()["position"] == 5
    assert api.post("/api/v1/topics/test", json={"query": "x", "sample": 0}).status_code == 422


def test_sources_with_health_and_masked_secrets(api: Api) -> None:
    made = api.post(
        "/api/v1/sources",
        role="analyst",
        json={
            "name": "crm-push",
            "connector": "webhook",
            "options": {"secret": "s3cret-s3cret-s3cret", "channel": "review"},
        },
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["options"]["secret"] == "***" and "s3cret" not in made.text  # sealed at rest, masked
    assert body["health"]["status"] == "new" and body["poll_interval_s"] == 7 * 24 * 3600
    feed = api.post(
        "/api/v1/sources",
        json={
            "name": "news",
            "connector": "rss",
            "poll_interval_s": 600,
            "options": {"url": "https://example.nl/feed.xml"},
        },
    )
    assert feed.status_code == 201, feed.text
    listed = api.get("/api/v1/sources", role="viewer")
    assert [s["name"] for s in listed.json()] == ["crm-push", "news"] and "s3cret" not in listed.text
    assert api.post("/api/v1/sources", json={"name": "news", "connector": "rss"}).status_code == 409
    for wrong in (
        {"name": "x", "connector": "myspace"},
        {"name": "x", "connector": "webhook"},
        {"name": "x", "connector": "webhook", "options": {"secret": "short"}},
        {"name": "x", "connector": "rss", "options": {"url": "https://a.example/\x00"}},
        {"name": "x", "connector": "rss", "poll_interval_s": 1},
    ):
        refused = api.post("/api/v1/sources", json=wrong)
        assert refused.status_code == 422, (wrong, refused.text)
        assert refused.json()["detail"]
    assert api.delete("/api/v1/sources/news").status_code == 204
    assert api.delete("/api/v1/sources/news").status_code == 404
    assert [s["name"] for s in api.get("/api/v1/sources").json()] == ["crm-push"]
    actions = [e.action for e in entries(engine=api.engine, actor="admin@voltaro.example")]
    assert actions.count("source.add") == 1 and actions.count("source.remove") == 1


def test_alerts_list(api: Api) -> None:
    runtime_for(api.settings, api.engine).load_demo(
        seed=7,
        count=1500,
        batch_size=1500,
    )
    alerts = api.get("/api/v1/alerts", role="viewer", params={"limit": 5})
    assert alerts.status_code == 200, alerts.text
    assert 0 < len(alerts.json()) <= 5
    assert all(a["status"] == "open" for a in api.get("/api/v1/alerts", params={"status": "open"}).json())
    assert api.get("/api/v1/alerts", params={"status": "gone"}).status_code == 422


def test_working_an_alert(api: Api) -> None:
    playbook = {
        "name": "Datalek",
        "steps": [{"title": "Juridische check", "owner": "legal", "due_minutes": 30}],
    }
    alert_id = raise_alert(
        api.engine, api.settings, rule="Crisis", text="Datalek bij Voltaro!", playbook=playbook
    )
    url = f"/api/v1/alerts/{alert_id}"
    detail = api.get(url, role="viewer").json()
    assert detail["status"] == "open" and detail["samples"] and detail["events"][0]["kind"] == "opened"
    assert api.post(f"{url}/acknowledge", role="viewer").status_code == 403  # viewers read, agents work
    acknowledged = api.post(f"{url}/acknowledge", role="agent")
    assert acknowledged.status_code == 200, acknowledged.text
    assert acknowledged.json()["acknowledged_by"] == "agent@voltaro.example"
    again = api.post(f"{url}/acknowledge", role="agent")
    assert again.status_code == 409 and "cannot acknowledge" in again.json()["detail"]
    done = api.post(f"{url}/steps/1", role="agent").json()["steps"][0]
    assert done["done_by"] == "agent@voltaro.example" and done["done_at"] and done["owner"] == "legal"
    assert api.post(f"{url}/steps/1", role="agent").status_code == 409
    assert api.post(f"{url}/steps/999", role="agent").status_code == 409
    assert api.post(f"{url}/resolve", role="agent", json={"note": "x" * 501}).status_code == 422
    resolved = api.post(f"{url}/resolve", role="agent", json={"note": "statement online"}).json()
    assert resolved["status"] == "resolved" and resolved["events"][-1]["detail"] == "statement online"
    assert api.post(f"{url}/resolve", role="agent").status_code == 409
    assert api.get("/api/v1/alerts/999999").status_code == 404
    assert api.post("/api/v1/alerts/999999/acknowledge", role="agent").status_code == 404
