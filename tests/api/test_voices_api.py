"""Voices and presence over REST, on SQLite and PostgreSQL: managers add, change, check and remove voices;
agents cannot; credentials never appear in any answer or audit row; a department's people manage only
their department's voices; presence answers who else is on a conversation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from api_helpers import Api, make_api
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from fakes.voice import TOKEN, EchoPlatform, EchoPlugin
from luister.app import create_app
from luister.domain.accounts import Role
from luister.inbox.setup import save_department
from luister.inbox.tables import conversation
from luister.plugins import load_plugins
from luister.runtime import Runtime
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.settings import Settings
from luister.storage.tables import audit_log
from luister.testing import PASSWORD

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
PASSWORD_VALUE = "pw-correct-horse-battery"


@pytest.fixture
def api(settings: Settings, engine: Engine) -> Iterator[Api]:
    """The app with the echo connector installed, a key, and loopback allowed for the fake platform."""
    made = make_api(settings, engine)
    configured = settings.model_copy(
        update={"encryption_key": SecretStr(Fernet.generate_key().decode()), "fetch_allow": ["127.0.0.1"]}
    )
    runtime = Runtime(configured, engine=engine, plugins=load_plugins(EchoPlugin()), clock=lambda: NOW)
    made.client = TestClient(create_app(runtime))
    with made.client:
        yield made


def body(base_url: str = "http://127.0.0.1:9", **extra: object) -> dict[str, object]:
    credentials = {"base_url": base_url, "access_token": TOKEN, "password": PASSWORD_VALUE}
    return {
        "channel": "echo",
        "handle": "@voltaro",
        "name": "Voltaro",
        "connector": "echo",
        "credentials": credentials,
    } | extra


def no_secrets(text: str) -> None:
    assert TOKEN not in text and TOKEN[:-2] not in text and PASSWORD_VALUE not in text


def test_managers_add_read_change_and_remove_voices_never_seeing_secrets(api: Api) -> None:
    created = api.post("/api/v1/voices", json=body())
    assert created.status_code == 201, created.text
    no_secrets(created.text)
    voice = created.json()
    assert voice["credentials"] == {
        "base_url": "http://127.0.0.1:9",
        "access_token": "••••XY",
        "password": "••••",
    }
    listed = api.get("/api/v1/voices", role="agent")  # everyone reads them, masked
    assert listed.status_code == 200 and [v["id"] for v in listed.json()] == [voice["id"]]
    no_secrets(listed.text)
    one = api.get(f"/api/v1/voices/{voice['id']}")
    assert one.json() == voice
    changed = api.client.patch(
        f"/api/v1/voices/{voice['id']}", headers=api.headers(), json={"name": "Voltaro NL", "active": False}
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Voltaro NL"
    assert changed.json()["credentials"] == voice["credentials"] and not changed.json()["active"]
    dropped = api.client.patch(
        f"/api/v1/voices/{voice['id']}", headers=api.headers(), json={"connector": None}
    )
    assert dropped.json()["connector"] is None and dropped.json()["credentials"] == {}
    assert api.delete(f"/api/v1/voices/{voice['id']}").status_code == 204
    assert api.get(f"/api/v1/voices/{voice['id']}").status_code == 404
    with api.engine.connect() as conn:
        audit = json.dumps([[r.action, r.detail] for r in conn.execute(sa.select(audit_log))])
    assert "voice.add" in audit and "voice.update" in audit and "voice.delete" in audit
    no_secrets(audit)


def test_agents_and_viewers_cannot_manage_voices(api: Api) -> None:
    for role in ("agent", "viewer"):
        refused = api.post("/api/v1/voices", json=body(), role=role)
        assert refused.status_code == 403, refused.text
    voice_id = api.post("/api/v1/voices", json=body()).json()["id"]
    assert (
        api.client.patch(
            f"/api/v1/voices/{voice_id}", headers=api.headers("agent"), json={"name": "x"}
        ).status_code
        == 403
    )
    assert api.delete(f"/api/v1/voices/{voice_id}", role="agent").status_code == 403
    assert api.post(f"/api/v1/voices/{voice_id}/check", role="agent").status_code == 403
    assert api.post("/api/v1/voices", json=body(handle="@analyst"), role="analyst").status_code == 201


def test_bad_credentials_answer_422_naming_the_field_without_the_value(api: Api) -> None:
    wrong = body()
    wrong["credentials"] = {"base_url": "x", "access_token": None, "password": PASSWORD_VALUE}
    refused = api.post("/api/v1/voices", json=wrong)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "credentials", "access_token"]
    no_secrets(refused.text)
    unknown = api.post("/api/v1/voices", json=body(connector="nope"))
    assert unknown.status_code == 422 and "no connector 'nope'" in unknown.json()["detail"]
    assert api.get("/api/v1/voices").json() == []


def test_check_tells_whether_the_platform_takes_the_credentials(api: Api) -> None:
    with EchoPlatform() as platform:
        voice_id = api.post("/api/v1/voices", json=body(platform.url)).json()["id"]
        checked = api.post(f"/api/v1/voices/{voice_id}/check")
        works = "the credentials work: replies of up to 500 characters"
        assert checked.json() == {"ok": True, "message": works, "limit": 500}
        creds = {"base_url": platform.url, "access_token": "wrong-token-00"}
        api.client.patch(f"/api/v1/voices/{voice_id}", headers=api.headers(), json={"credentials": creds})
        failed = api.post(f"/api/v1/voices/{voice_id}/check").json()
    assert failed["ok"] is False and "refused (credentials)" in failed["message"]
    assert "wrong-token" not in json.dumps(failed)


def test_a_departments_people_manage_only_their_departments_voices(api: Api) -> None:
    for key in ("customer-service", "sales"):
        save_department(engine=api.engine, actor="cli", key=key, name_en=key)
    create_user(
        engine=api.engine,
        email="ann@voltaro.example",
        name="Ann",
        password=PASSWORD,
        role=Role.analyst,
        department="customer-service",
    )
    token = create_token(engine=api.engine, email="ann@voltaro.example", name="t").secret
    headers = {"Authorization": f"Bearer {token}"}
    own = api.client.post("/api/v1/voices", headers=headers, json=body(department="customer-service"))
    assert own.status_code == 201, own.text
    other = api.client.post("/api/v1/voices", headers=headers, json=body(handle="@s", department="sales"))
    assert other.status_code == 403
    company = api.post("/api/v1/voices", json=body(handle="@company")).json()["id"]
    assert api.client.delete(f"/api/v1/voices/{company}", headers=headers).status_code == 403
    sales = api.post("/api/v1/voices", json=body(handle="@sales", department="sales")).json()["id"]
    assert api.client.get(f"/api/v1/voices/{sales}", headers=headers).status_code == 404


def test_presence_answers_who_else_is_viewing_and_typing(api: Api) -> None:
    with api.engine.begin() as conn:
        conversation_id = conn.execute(
            conversation.insert()
            .values(channel="echo", subject="s", route={}, cycle_started_at=NOW, last_customer_at=NOW)
            .returning(conversation.c.id)
        ).scalar_one()
    url = f"/api/v1/conversations/{conversation_id}/presence"
    assert api.post(url, json={"typing": True}, role="agent").json() == {"viewing": [], "typing": []}
    seen = api.post(url, json={}, role="viewer")
    assert seen.json() == {"viewing": ["agent"], "typing": ["agent"]}
    assert api.post(url, json={"typing": False}, role="agent").json() == {"viewing": ["viewer"], "typing": []}
    assert api.post("/api/v1/conversations/999999/presence", json={}).status_code == 404
    assert api.client.post(url, json={}).status_code == 401


def test_schemathesis_finds_no_server_error_in_voices_and_presence(api: Api) -> None:
    """Generated valid and invalid requests against the voices and presence operations, with a voice and
    a conversation in the database: no 5xx, every answer as the schema says, no secret in any answer."""
    import schemathesis
    from test_schemathesis import call_every_operation

    api.post("/api/v1/voices", json=body())
    with api.engine.begin() as conn:
        conn.execute(conversation.insert().values(channel="echo", subject="s", route={}, cycle_started_at=NOW,
                                                  last_customer_at=NOW))  # fmt: skip
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.client.app)
    operations = [
        op for op in (r.ok() for r in schema.get_all_operations())
        if "/voices" in op.path or op.path.endswith("/presence")
    ]  # fmt: skip
    assert len(operations) == 7
    failures, _ = call_every_operation(operations, headers=api.headers("admin"), max_examples=8)
    assert not failures, "\n\n".join(failures)
    no_secrets(api.get("/api/v1/voices").text)
