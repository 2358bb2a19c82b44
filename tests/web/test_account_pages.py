"""The account page (password, sessions, sign out everywhere) and the administrators' Users page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from luister.accounts.actions import SignInRefused, sign_in
from luister.app import create_app
from luister.domain.accounts import Role
from luister.runtime import Runtime
from luister.services.accounts import create_user, get_user, set_role
from luister.services.audit import entries
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, PASSWORD, signed_in_client

OTHER = "bram@voltaro.example"


def csrf(client: TestClient, path: str = "/account") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)  # type: ignore[union-attr]


def second_browser(settings: Settings, password: str = PASSWORD) -> TestClient:
    client = TestClient(create_app(Runtime(settings, engine=open_database(settings=settings))))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"email": EMAIL, "password": password, "csrf": token},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client


def test_changing_the_password_signs_out_the_other_sessions(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    other = second_browser(sqlite_settings)
    page = client.get("/account")
    assert page.status_code == 200 and page.text.count("<tr>") == 3  # the header row and two sessions
    new = "a fresh and long passphrase"
    differ = client.post("/account/password", data={"current": PASSWORD, "new": new, "repeat": new + "x",
                                                    "csrf": csrf(client)})  # fmt: skip
    assert differ.status_code == 400 and "the new passwords differ" in differ.text
    common = "Password1234"
    weak = client.post("/account/password", data={"current": PASSWORD, "new": common, "repeat": common,
                                                  "csrf": csrf(client)})  # fmt: skip
    assert weak.status_code == 400 and "too easy to guess" in weak.text
    done = client.post("/account/password", data={"current": PASSWORD, "new": new, "repeat": new,
                                                  "csrf": csrf(client)})  # fmt: skip
    assert done.status_code == 200 and "your other sessions were signed out" in done.text
    assert other.get("/", follow_redirects=False).status_code == 303
    assert client.get("/").status_code == 200
    again = second_browser(sqlite_settings, new)
    out = again.post("/account/sign-out-everywhere", data={"csrf": csrf(again)}, follow_redirects=False)
    assert out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303  # everywhere: this one too
    assert again.get("/", follow_redirects=False).status_code == 303


def test_administrators_unlock_reset_and_switch_accounts(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    assert client.get("/users", follow_redirects=False).status_code == 403  # an analyst may not
    set_role(engine=engine, email=EMAIL, role=Role.admin, actor="cli")
    bram = create_user(engine=engine, email=OTHER, name="Bram <b>", password=PASSWORD, role=Role.agent)
    for _ in range(5):
        try:
            sign_in(engine=engine, email=OTHER, password="x" * 12, address="10.0.0.9", now=_now())
        except SignInRefused:
            pass
    page = client.get("/users")
    assert (
        page.status_code == 200
        and "Bram &lt;b&gt;" in page.text
        and "waiting after wrong passwords" in page.text
    )
    token = csrf(client, "/users")
    assert "Lift the wait" in page.text
    lifted = client.post(f"/users/{bram.id}/unlock", data={"csrf": token})
    assert "The wait on signing in was lifted." in lifted.text and "waiting after" not in lifted.text
    weak = client.post(f"/users/{bram.id}/password", data={"password": "Password1234", "csrf": token})
    assert weak.status_code == 400 and "too easy to guess" in weak.text
    reset = client.post(
        f"/users/{bram.id}/password", data={"password": "a long and quiet river 9", "csrf": token}
    )
    assert "The password was set" in reset.text
    assert sign_in(
        engine=engine, email=OTHER, password="a long and quiet river 9", address="10.0.0.8", now=_now()
    )
    off = client.post(f"/users/{bram.id}/active", data={"active": "0", "csrf": token})
    assert (
        "switched off and signed out everywhere" in off.text
        and not get_user(engine=engine, email=OTHER).active
    )
    client.post(f"/users/{bram.id}/active", data={"active": "1", "csrf": token})
    assert get_user(engine=engine, email=OTHER).active
    assert client.post("/users/999/unlock", data={"csrf": token}).status_code == 404
    assert client.post(f"/users/{bram.id}/unlock", data={}).status_code == 403  # no CSRF token
    trail = [e.action for e in entries(engine=engine, actor=EMAIL)]
    assert trail[:4] == ["user.activate", "user.deactivate", "user.password", "user.unlock"]
    engine.dispose()


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)
