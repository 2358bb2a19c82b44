"""``luister tokens`` in process, and the account's token page (in process; Chromium in tests/web)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from luister.cli import app
from luister.services.api_tokens import list_tokens
from luister.services.audit import entries
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, signed_in_client

runner = CliRunner()


def invoke(settings: Settings, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    env = {"LUISTER_DATABASE_URL": settings.database_url, "COLUMNS": "200"}
    if settings.database_schema:
        env["LUISTER_DATABASE_SCHEMA"] = settings.database_schema
    return runner.invoke(app, list(args), env=env, input=stdin)


def test_tokens_from_the_command_line(settings: Settings) -> None:
    assert invoke(settings, "init").exit_code == 0
    made = invoke(
        settings,
        "users",
        "add",
        "bi@voltaro.example",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="a long and secret passphrase\n",
    )
    assert made.exit_code == 0, made.output
    assert "No tokens" in invoke(settings, "tokens", "list").output
    created = invoke(
        settings, "tokens", "create", "bi@voltaro.example", "--name", "BI export", "--expires-days", "30"
    )
    assert created.exit_code == 0, created.output
    secret = re.search(r"lst_[A-Za-z0-9_-]{43}", created.output)
    assert secret is not None and "shown only now" in created.output
    listed = invoke(settings, "tokens", "list", "bi@voltaro.example").output
    assert "BI export" in listed and secret.group()[:12] in listed and secret.group() not in listed
    assert "active" in listed
    token_id = list_tokens(engine=open_database(settings=settings))[0].id
    assert invoke(settings, "tokens", "revoke", str(token_id)).exit_code == 0
    assert "revoked" in invoke(settings, "tokens", "list").output
    again = invoke(settings, "tokens", "revoke", str(token_id))
    assert again.exit_code == 2 and "already revoked" in again.output
    assert invoke(settings, "tokens", "create", "nobody@voltaro.example", "--name", "x").exit_code == 2
    assert (
        invoke(
            settings, "tokens", "create", "bi@voltaro.example", "--name", "x", "--expires-days", "0"
        ).exit_code
        == 2
    )
    audit = invoke(settings, "audit").output
    assert "token.create" in audit and "token.revoke" in audit


def csrf(client: TestClient) -> str:
    page = client.get("/account/tokens")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def test_the_token_page_creates_shows_once_and_revokes(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    empty = client.get("/account/tokens")
    assert "You have no tokens yet" in empty.text
    made = client.post(
        "/account/tokens", data={"name": "<b>script</b>", "expires_days": "30", "csrf": csrf(client)}
    )
    assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-token">(lst_[^<]+)<', made.text).group(1)  # type: ignore[union-attr]
    assert "&lt;b&gt;script&lt;/b&gt;" in made.text
    assert client.get("/api/v1/topics", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    later = client.get("/account/tokens").text
    assert secret not in later and secret[:12] in later and "active" in later
    assert client.post("/account/tokens", data={"name": "", "csrf": csrf(client)}).status_code == 400
    assert (
        client.post(
            "/account/tokens", data={"name": "x", "expires_days": "7", "csrf": csrf(client)}
        ).status_code
        == 400
    )
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 403  # no CSRF token
    engine = open_database(settings=sqlite_settings)
    [token] = list_tokens(engine=engine, email=EMAIL)
    assert client.post(f"/account/tokens/{token.id}/revoke", data={}).status_code == 403
    revoked = client.post(
        f"/account/tokens/{token.id}/revoke", data={"csrf": csrf(client)}, follow_redirects=True
    )
    assert revoked.status_code == 200 and "The token was revoked" in revoked.text
    assert client.get("/api/v1/topics", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert (
        client.post(f"/account/tokens/{token.id + 99}/revoke", data={"csrf": csrf(client)}).status_code == 404
    )
    dutch = client.get("/account/tokens", headers={"Accept-Language": "nl"})
    assert dutch.status_code == 200
    assert [e.action for e in entries(engine=engine, actor=EMAIL)][:2] == ["token.revoke", "token.create"]


def test_the_token_page_needs_a_sign_in(sqlite_settings: Settings) -> None:
    from luister.app import create_app
    from luister.runtime import Runtime

    client = TestClient(create_app(Runtime(sqlite_settings, engine=open_database(settings=sqlite_settings))))
    answer = client.get("/account/tokens", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
