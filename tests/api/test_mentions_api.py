"""``/api/v1/mentions``: filters, keyset paging that is complete, detail with raw and thread, corrections."""

from __future__ import annotations

import csv
import io

import orjson
from api_helpers import Api, seed

from luister.domain.topics import TopicKind
from luister.services.accounts import set_department
from luister.services.audit import entries
from luister.services.matching import rematch
from luister.services.topics import save_topic


def test_paging_is_keyset_stable_and_complete(api: Api) -> None:
    seed(api.settings, api.engine, 45, analyse=False)
    seen: list[int] = []
    cursor = None
    while True:
        page = api.get(
            "/api/v1/mentions", params={"limit": 10, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += [m["id"] for m in page["items"]]
        if page["next"] is None:
            break
        seed(api.settings, api.engine, 1, analyse=False)  # newer mentions arriving do not shift the pages
        cursor = page["next"]
    assert len(seen) == 45 == len(set(seen)) and seen == sorted(seen, reverse=True)
    assert api.get("/api/v1/mentions", params={"limit": 200}).json()["next"] is None


def test_filters_and_the_query_language(api: Api) -> None:
    seed(api.settings, api.engine, 12)
    save_topic(engine=api.engine, name="Stroomwijs", kind=TopicKind.competitor, query="stroomwijs")
    rematch(engine=api.engine)

    def texts(**params: object) -> list[str]:
        answer = api.get("/api/v1/mentions", params=params)
        assert answer.status_code == 200, answer.text
        return [m["text"] for m in answer.json()["items"]]

    assert len(texts()) == 12
    assert all("Stroomwijs" in t for t in texts(topic="Stroomwijs")) and len(texts(topic="Stroomwijs")) == 3
    assert all("Voltaro" in t for t in texts(q="voltaro")) and len(texts(q="voltaro")) == 9
    assert len(texts(q='voltaro -"top service"')) == 6
    assert len(texts(channel="reddit")) == 4 and len(texts(country="BE")) == 6
    assert len(texts(channel="reddit", country="BE")) == 2
    negative = api.get("/api/v1/mentions", params={"sentiment": "negative"}).json()["items"]
    assert negative and all(m["sentiment"] == "negative" for m in negative)
    assert all(
        "question" in m["intents"]
        for m in api.get("/api/v1/mentions", params={"intent": "question"}).json()["items"]
    )
    everything = api.get("/api/v1/mentions", params={"limit": 200}).json()["items"]
    assert {m["primary_intent"] for m in everything} >= {"churn", "praise"}
    for m in everything:  # the most urgent of the set
        order = ["crisis", "churn", "lead", "complaint", "question", "feedback", "praise", "other"]
        assert m["primary_intent"] == min(m["intents"], key=order.index)
    churn = api.get("/api/v1/mentions", params={"primary_intent": "churn"}).json()["items"]
    assert churn and all(m["primary_intent"] == "churn" for m in churn)
    assert [m["text"] for m in churn] == texts(q="primary:churn")
    exported = api.get("/api/v1/mentions", params={"format": "csv", "limit": 5})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    newest = api.get("/api/v1/mentions", params={"limit": 5}).json()
    assert [int(r["id"]) for r in rows] == [m["id"] for m in newest["items"]]
    assert [r["primary_intent"] for r in rows] == [m["primary_intent"] for m in newest["items"]]
    assert exported.headers["X-Next"] == newest["next"]
    assert texts(since="2999-01-01T00:00:00Z") == [] and len(texts(until="2999-01-01")) == 12
    assert texts(since="2026-10-01T09:05:00+00:00", until="2026-10-01T09:07:00Z") == [
        f"{t} ({n})"
        for n, t in (
            (6, "Stroomwijs verhoogt de prijzen weer, ik stap over"),
            (5, "Super geholpen door Voltaro, top service en snel antwoord"),
        )
    ]


def test_bad_input_is_a_problem_never_a_server_error(api: Api) -> None:
    bad = api.get("/api/v1/mentions", params={"q": "voltaro AND ("})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    problem = bad.json()
    assert problem["type"] == "urn:luister:problem:query-syntax" and problem["position"] == 12
    assert problem["column"] == 13 and "^" in problem["detail"]
    for params in (
        {"limit": 0},
        {"limit": 201},
        {"sentiment": "great"},
        {"cursor": "abc"},
        {"cursor": "99999999999999999999"},
        {"since": "yesterday"},
        {"topic": "nope"},
        {"channel": "a\x00b"},
        {"since": "0001-01-01T00:00:00+05:00"},
    ):
        answer = api.get("/api/v1/mentions", params=params)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["status"] == 422 and answer.json()["detail"]
    validation = api.get("/api/v1/mentions", params={"limit": 0}).json()
    assert validation["type"] == "urn:luister:problem:validation"
    assert validation["errors"][0]["loc"] == ["query", "limit"]
    missing = api.get("/api/v1/mentions/999999")
    assert missing.status_code == 404 and missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no mention with id 999999",
    }
    assert api.get("/api/v1/mentions/0").status_code == 422
    nowhere = api.get("/api/v1/nothing-here")
    assert nowhere.status_code == 404 and nowhere.headers["content-type"] == "application/problem+json"
    page = api.client.get("/nothing-here")  # pages: an error page with the layout (test_dutch_pages.py)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_detail_has_raw_payload_and_thread(api: Api) -> None:
    seed(api.settings, api.engine, 6)
    first = api.get("/api/v1/mentions", params={"limit": 200}).json()["items"][-1]
    detail = api.get(f"/api/v1/mentions/{first['id']}").json()
    assert orjson.loads(detail["raw"])["id"] == "m0" and detail["analysis_model"]
    assert [m["text"][-3:] for m in detail["thread"]] == ["(3)"]
    assert detail["sentiment"] in ("negative", "neutral", "positive") and detail["intent_scores"]
    assert detail["topics"] == []
    save_topic(engine=api.engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    save_topic(engine=api.engine, name="Hulp", kind=TopicKind.other, query="helpt OR geholpen")
    rematch(engine=api.engine)
    assert api.get(f"/api/v1/mentions/{first['id']}").json()["topics"] == ["Hulp", "Voltaro"]
    save_topic(
        engine=api.engine, name="Hulp", kind=TopicKind.other, query="helpt OR geholpen", department="sales"
    )
    set_department(engine=api.engine, email="agent@voltaro.example", department="service", actor="test")
    assert api.get(f"/api/v1/mentions/{first['id']}", role="agent").json()["topics"] == ["Voltaro"]
    assert api.get(f"/api/v1/mentions/{first['id']}").json()["topics"] == ["Hulp", "Voltaro"]  # admin: all


def test_correcting_labels(api: Api) -> None:
    seed(api.settings, api.engine, 2)
    target = api.get("/api/v1/mentions").json()["items"][0]["id"]
    answer = api.post(
        f"/api/v1/mentions/{target}/labels",
        role="agent",
        json={"sentiment": "positive", "intents": ["praise", "lead"]},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["sentiment"] == "positive" and body["intents"] == ["praise", "lead"]
    assert body["primary_intent"] == "lead"
    assert body["analysis_model"] == "human"
    assert [e.action for e in entries(engine=api.engine, actor="agent@voltaro.example")] == [
        "mention.correct"
    ]
    for wrong in ({}, {"sentiment": "meh"}, {"intents": []}, {"intents": ["other", "lead"]}):
        refused = api.post(f"/api/v1/mentions/{target}/labels", role="agent", json=wrong)
        assert refused.status_code == 422, (wrong, refused.text)
    headers = api.headers("agent") | {"Content-Type": "application/json"}
    not_json = api.client.post(f"/api/v1/mentions/{target}/labels", content=b"{", headers=headers)
    assert not_json.status_code == 422 and not_json.json()["errors"][0]["type"] == "json_invalid"


def test_a_dash_asks_for_mentions_without_a_value(api: Api) -> None:
    from luister.connectors.records import FieldMapping
    from luister.services.ingest import Pipeline
    from luister.storage.writer import SqlMentionStore
    from luister.testing import raw_item, record

    seed(api.settings, api.engine, 6, analyse=False)
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(api.engine), origin="test").run_batch(
        [raw_item(record(100, text="waar vandaan?", country=None))]
    )
    everything = api.get("/api/v1/mentions").json()["items"]
    unknown = api.get("/api/v1/mentions", params={"country": "-"}).json()["items"]
    assert [m["text"] for m in unknown] == ["waar vandaan?"] and len(everything) == 7
    assert api.get("/api/v1/mentions", params={"country": ""}).json()["items"] == everything


def test_topic_references_and_deep_nesting_in_the_search_query(api: Api) -> None:
    seed(api.settings, api.engine, 12)
    save_topic(engine=api.engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    found = api.get("/api/v1/mentions", params={"q": 'topic:Voltaro AND -"top service"'})
    assert found.status_code == 200, found.text
    texts = [m["text"] for m in found.json()["items"]]
    assert len(texts) == 6 and all("Voltaro" in t and "top service" not in t for t in texts)
    unknown = api.get("/api/v1/mentions", params={"q": "topic:Nergens AND storing"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "q: the query refers to unknown topic 'Nergens'"
    deep = api.get("/api/v1/mentions", params={"q": "(" * 900 + "a" + ")" * 900})
    assert deep.status_code == 422 and deep.json()["column"] == 33
    assert deep.json()["detail"].startswith("q: nested too deeply at column 33: at most 32 levels")
