"""Schemathesis over the inbox's operations (as ``test_schemathesis.py`` does for all of them), on a database
that has conversations, people in departments and a routing rule, so that generated requests reach real
rows and not only 404s: no answer may be a 5xx, and every answer must match the schema. Then two clients
working the same conversations at once: no 5xx, and an end state in which every status is valid and the
counts equal the lists."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis
from api_helpers import Api, make_api
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from test_inbox_api import PEOPLE, post, store
from test_schemathesis import call_every_operation

from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.inbox import setup
from luister.inbox.read import View
from luister.inbox.status import Status
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.services.topics import create_topic
from luister.settings import Settings
from luister.testing import PASSWORD

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
MAX_EXAMPLES = 10  # per operation and mode: about 500 requests per backend
TEXTS = [
    "@Voltaro mijn laadpaal doet het al drie dagen niet, slechte service!",
    "Voltaro, hoe zet ik mijn laadpas over naar een nieuwe auto?",
    "Ik wil een offerte van Voltaro voor zonnepanelen en een thuisbatterij",
    "Voltaro storing in heel Utrecht, wanneer is dit opgelost??",
    "Ik stap over van Voltaro, de prijzen zijn te hoog geworden",
    "Voltaro jullie app crasht steeds bij het inloggen",
]


def populated(settings: Settings, engine: Engine, conversations: int = 12) -> Api:
    api = make_api(settings, engine)
    api.client.app.state.runtime.clock = lambda: NOW  # type: ignore[attr-defined]
    create_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro", actor="test")
    for name, department in PEOPLE.items():
        email = f"{name}@voltaro.example"
        create_user(
            engine=engine,
            email=email,
            name=name.title(),
            password=PASSWORD,
            role=Role.agent,
            department=department,
        )
        setup.set_member(engine=engine, actor="test", department_key=department, email=email, now=NOW)
        api.tokens[name] = create_token(engine=engine, email=email, name="t").secret
    setup.save_rule(
        engine=engine, actor="test", name="Offertes", conditions={"query": "offerte"}, department_key="sales"
    )
    store(
        api,
        *(
            post(n, f"{TEXTS[n % len(TEXTS)]} ({n})", author=f"klant{n}", at=NOW - timedelta(minutes=90 - n))
            for n in range(conversations)
        ),
    )
    return api


def test_no_inbox_operation_answers_with_a_server_error_or_off_schema(
    settings: Settings, engine: Engine
) -> None:
    api = populated(settings, engine)
    headers = api.headers("admin")
    with api.client:
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.client.app)
        operations = [
            op
            for op in (result.ok() for result in schema.get_all_operations())
            if "inbox" in op.definition.raw["tags"]
        ]
        assert len(operations) >= 20
        failures, calls = call_every_operation(operations, headers=headers, max_examples=MAX_EXAMPLES)
    assert not failures, "\n\n".join(failures)
    assert calls >= len(operations) * MAX_EXAMPLES


def test_two_clients_working_the_same_conversations_leave_a_consistent_inbox(
    settings: Settings, engine: Engine
) -> None:
    api = populated(settings, engine, conversations=8)
    with api.client:
        ids = [c["id"] for c in api.get("/api/v1/conversations", params={"per_page": 200}).json()["items"]]
    assert len(ids) >= 5  # the mentions that need action
    moves = ["open", "wait_customer", "resolve", "reopen", "wait_department", "open", "resolve"]
    answers: list[int] = []
    lock = threading.Lock()

    def work(role: str, offset: int) -> None:
        with TestClient(api.client.app, raise_server_exceptions=False) as client:
            headers = api.headers(role)
            for round_ in range(3):
                for n, cid in enumerate(ids):
                    move = moves[(n + offset + round_) % len(moves)]
                    calls: list[tuple[str, dict[str, Any]]] = [
                        (f"/api/v1/conversations/{cid}/status", {"move": move}),
                        (f"/api/v1/conversations/{cid}/notes", {"body": f"{role} {round_}"}),
                        (
                            f"/api/v1/conversations/{cid}/tags",
                            {"add": [f"r{round_}"], "remove": [f"r{round_ - 1}"]},
                        ),
                        (f"/api/v1/conversations/{cid}/assign", {"assignee": "anna@voltaro.example"}),
                    ]
                    for url, body in calls:
                        answer = client.post(url, headers=headers, json=body)
                        with lock:
                            answers.append(answer.status_code)
                bulk = client.post(
                    "/api/v1/conversations/bulk", headers=headers, json={"ids": ids, "operation": "resolve"}
                )
                with lock:
                    answers.append(bulk.status_code)

    threads = [threading.Thread(target=work, args=(role, n)) for n, role in enumerate(("admin", "analyst"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers and not [a for a in answers if a >= 500]
    assert set(answers) <= {200, 409, 422}

    with api.client:
        counts = api.get("/api/v1/conversations").json()["counts"]
        for view in View:
            listed = api.get("/api/v1/conversations", params={"view": view.value, "per_page": 200}).json()
            assert listed["total"] == len(listed["items"])
            assert all(Status(c["status"]) for c in listed["items"])
            if view is not View.resolved:
                assert counts[view.value] == listed["total"], view
        for cid in ids:
            detail = api.get(f"/api/v1/conversations/{cid}").json()
            notes = [m for m in detail["messages"] if m["kind"] == "note"]
            assert len(notes) == 6 and detail["message_count"] == len(detail["messages"])
            assert len(detail["tags"]) <= 3
