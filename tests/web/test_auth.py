"""Signing in and out: sessions, CSRF, throttling, safe redirects — in process and in a real browser."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from luister.accounts.tables import sign_in_failure
from luister.app import create_app
from luister.runtime import Runtime
from luister.services.audit import entries
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, PASSWORD, create_account, sign_in, signed_in_client


def anonymous(settings: Settings) -> TestClient:
    return TestClient(create_app(Runtime(settings, engine=open_database(settings=settings))))


def form_token(client: TestClient) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]


def test_pages_need_a_session(sqlite_settings: Settings) -> None:
    response = anonymous(sqlite_settings).get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/")
    assert anonymous(sqlite_settings).get("/healthz").status_code == 200


def test_signing_in_and_out(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    cookie = client.cookies.jar
    session = next(c for c in cookie if c.name == "luister_session")
    assert session.has_nonstandard_attr("HttpOnly") and session.get_nonstandard_attr("SameSite") == "lax"
    page = client.get("/")
    assert page.status_code == 200 and "Anouk &lt;de Vries&gt; · analyst" in page.text
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    out = client.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    assert client.get("/", follow_redirects=False).status_code == 303
    actions = [e.action for e in entries(engine=open_database(settings=sqlite_settings))]
    assert actions[:3] == ["logout", "login", "user.create"]


def test_wrong_password_and_missing_csrf(sqlite_settings: Settings) -> None:
    create_account(sqlite_settings)
    client = anonymous(sqlite_settings)
    token = form_token(client)
    wrong = client.post("/login", data={"email": EMAIL, "password": "nope", "csrf": token})
    assert wrong.status_code == 401 and "wrong e-mail address or password" in wrong.text
    unknown = client.post("/login", data={"email": "x@y.example", "password": PASSWORD, "csrf": token})
    assert unknown.status_code == 401 and "wrong e-mail address or password" in unknown.text
    forged = anonymous(sqlite_settings).post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf": "x"}
    )
    assert forged.status_code == 403 and "luister_session" not in forged.cookies


def test_wrong_passwords_make_sign_in_wait_the_same_for_every_account_name(sqlite_settings: Settings) -> None:
    create_account(sqlite_settings)
    client = anonymous(sqlite_settings)
    token = form_token(client)
    for email in (EMAIL, "nobody@voltaro.example"):
        for _ in range(4):  # three free failures, then a wait
            client.post("/login", data={"email": email, "password": "wrong password!", "csrf": token})
        held = client.post("/login", data={"email": email, "password": PASSWORD, "csrf": token})
        assert held.status_code == 429 and held.headers["retry-after"] == "1"
        assert "Too many attempts; try again in a moment (1 s)." in held.text
    engine = open_database(settings=sqlite_settings)
    with engine.begin() as conn:  # twenty failures a moment ago: the wait is at its longest
        conn.execute(sign_in_failure.update().where(sign_in_failure.c.key == "account:" + EMAIL)
                     .values(failures=20, last_failed_at=datetime.now(UTC)))  # fmt: skip
    dutch = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token},
                        headers={"accept-language": "nl"})  # fmt: skip
    assert dutch.status_code == 429 and int(dutch.headers["retry-after"]) in range(895, 901)
    assert re.search(r"Te veel pogingen; probeer het zo opnieuw \((89\d|900) s\)\.", dutch.text)


def test_signing_out_ends_the_session_on_the_server(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    stolen = client.cookies["luister_session"]
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    client.post("/logout", data={"csrf": token})
    replay = anonymous(sqlite_settings)
    replay.cookies.set("luister_session", stolen)
    assert replay.get("/", follow_redirects=False).status_code == 303  # the copied cookie opens nothing


def test_next_only_leads_within_the_site(sqlite_settings: Settings) -> None:
    create_account(sqlite_settings)
    for target, expected in (("//evil.example/x", "/"), ("https://evil.example", "/"), ("/?x=1", "/?x=1")):
        client = anonymous(sqlite_settings)
        data = {"email": EMAIL, "password": PASSWORD, "csrf": form_token(client), "next": target}
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.headers["location"] == expected


def test_sign_in_and_out_in_the_browser(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    create_account(sqlite_settings)
    page = browser.new_page()
    page.goto(live_server + "/")
    assert page.url == live_server + "/login?next=/"
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "wrong e-mail address or password" in page.locator(".error").inner_text()
    sign_in(page, live_server)
    assert "Anouk <de Vries>" in page.locator("header").inner_text()
    page.click("text=Sign out")
    page.wait_for_url(live_server + "/login")
    page.close()
