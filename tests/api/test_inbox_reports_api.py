"""``/api/v1/inbox/reports`` and ``/api/v1/digests…`` on SQLite and PostgreSQL: figures with the ids behind
them, department scope, digests built, read and decided, and the errors with their status codes."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from inbox_report_data import NOW, seed
from luister.app import create_app
from luister.domain.accounts import Role
from luister.runtime import Runtime
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.settings import Settings

PERIOD = {"period": "2026-11-27..2026-12-04T12:00"}


def _client(settings: Settings, engine: Engine) -> tuple[TestClient, dict[str, dict[str, str]]]:
    create_user(
        engine=engine,
        email="admin@voltaro.example",
        name="Admin",
        password="a long and secret passphrase",
        role=Role.admin,
    )
    tokens = {
        email: {"Authorization": "Bearer " + create_token(engine=engine, email=email, name="t").secret}
        for email in ("admin@voltaro.example", "alice@voltaro.example", "pia@voltaro.example")
    }
    return TestClient(create_app(Runtime(settings, engine=engine, clock=lambda: NOW))), tokens


def test_the_report_carries_the_conversations_behind_each_figure(settings: Settings, engine: Engine) -> None:
    ids = seed(engine).ids
    client, tokens = _client(settings, engine)
    body = client.get("/api/v1/inbox/reports", params=PERIOD, headers=tokens["admin@voltaro.example"]).json()
    total = body["total"]
    assert total["volume"]["count"] == len(total["volume"]["ids"]) == 5
    first = total["first_response"]
    assert (first["median_business_seconds"], first["p90_business_seconds"]) == (5400, 36000)
    assert first["count"] == len(first["items"]) == 4 and set(first["ids"]) == {
        i["conversation_id"] for i in first["items"]
    }
    assert (total["attainment"]["met"], total["attainment"]["count"]) == (6, 8)
    assert total["backlog"]["max_seconds"] == timedelta(days=14, hours=2).total_seconds()
    assert {g["key"] for g in body["departments"]} == {"sales", "product"} and "business" in body["formulas"]
    sales = client.get("/api/v1/inbox/reports", params=PERIOD, headers=tokens["alice@voltaro.example"]).json()
    assert [g["key"] for g in sales["departments"]] == ["sales"] and ids["unanswered"] not in sales["total"][
        "volume"
    ]["ids"]
    bad = client.get(
        "/api/v1/inbox/reports", params={"period": "tomorrow"}, headers=tokens["alice@voltaro.example"]
    )
    assert bad.status_code == 422 and "period" in bad.json()["detail"]
    assert client.get("/api/v1/inbox/reports").status_code == 401


def test_digests_through_the_api(settings: Settings, engine: Engine) -> None:
    seed(engine)
    from inbox_report_data import said

    with engine.begin() as conn:
        for n in range(3):
            said(
                conn,
                "product",
                100 + n,
                f"de laadpas nummer {n} doet het niet",
                intent="complaint",
                when=NOW.replace(month=11, day=25),
            )
    client, tokens = _client(settings, engine)
    pia, alice = tokens["pia@voltaro.example"], tokens["alice@voltaro.example"]
    period = {"period_start": "2026-11-22T23:00:00Z", "period_end": "2026-11-29T23:00:00Z"}
    assert (
        client.post("/api/v1/digests", json={"department": "product", **period}, headers=alice).status_code
        == 404
    )
    built = client.post("/api/v1/digests", json={"department": "product", **period}, headers=pia)
    assert built.status_code == 200 and built.json()["created"] is True
    again = client.post("/api/v1/digests", json={"department": "product", **period}, headers=pia).json()
    assert again == {"digest_id": built.json()["digest_id"], "created": False}
    late = client.post(
        "/api/v1/digests",
        headers=pia,
        json={
            "department": "product",
            "period_start": "2026-12-01T00:00:00Z",
            "period_end": "2026-12-09T00:00:00Z",
        },
    )
    assert late.status_code == 422
    digest_id = built.json()["digest_id"]
    assert [d["id"] for d in client.get("/api/v1/digests", headers=pia).json()] == [digest_id]
    assert client.get("/api/v1/digests", headers=alice).json() == []
    assert client.get(f"/api/v1/digests/{digest_id}", headers=alice).status_code == 404
    detail = client.get(f"/api/v1/digests/{digest_id}", headers=pia).json()
    theme = detail["themes"][0]
    assert (theme["kind"], theme["theme"], theme["count"]) == (
        "complaint",
        "laadpas nummer",
        3,
    )  # a word pair wins a tie
    behind = client.get(theme["mentions_url"], headers=pia).json()
    assert len(behind) == theme["count"]
    decided = client.post(
        f"/api/v1/digests/items/{theme['id']}/decision",
        headers=pia,
        json={"decision": "declined", "outcome": "Bekend probleem, opgelost in 2.1"},
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "declined"
    assert len(decided.json()["examples"]) == 3
    wrong = client.post(
        f"/api/v1/digests/items/{theme['id']}/decision", headers=pia, json={"decision": "maybe"}
    )
    assert wrong.status_code == 422
    other = client.post(
        f"/api/v1/digests/items/{theme['id']}/decision", headers=alice, json={"decision": "declined"}
    )
    assert other.status_code == 404
