"""Security headers on every answer, Secure cookies behind a trusted TLS proxy, and the API docs served from
an installed package — also in Chromium, where the Content-Security-Policy must not break charts or docs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, ConsoleMessage

from luister.app import create_app
from luister.connectors.records import FieldMapping
from luister.runtime import Runtime
from luister.services.audit import entries
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import EMAIL, PASSWORD, create_account, raw_item, record, sign_in
from luister.web.security import CONTENT_SECURITY_POLICY


def app_client(settings: Settings) -> TestClient:
    return TestClient(create_app(Runtime(settings, engine=open_database(settings=settings))))


def test_every_answer_carries_the_security_headers(sqlite_settings: Settings) -> None:
    client = app_client(sqlite_settings)
    for path in ("/login", "/api/v1/mentions", "/static/luister.css", "/no-such-page", "/api/docs"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin" and "strict-transport-security" not in headers
    policy = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"


def test_the_api_docs_come_from_this_site(sqlite_settings: Settings) -> None:
    client = app_client(sqlite_settings)
    page = client.get("/api/docs").text
    assert "<script>" not in page and not re.search(r"""(src|href)="(https?:)?//""", page)
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', page):
        answer = client.get(asset)
        assert answer.status_code == 200 and len(answer.content) > 400, asset
    assert client.get("/redoc").status_code == 404  # it would load from a CDN


def sign_in_through(client: TestClient, **headers: str):  # type: ignore[no-untyped-def]
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token},
                       headers=headers, follow_redirects=False)  # fmt: skip


def test_cookies_are_secure_behind_a_trusted_tls_proxy_only(sqlite_settings: Settings) -> None:
    create_account(sqlite_settings)
    forwarded = {"x-forwarded-proto": "https", "x-forwarded-for": "203.0.113.7"}
    untrusted = sign_in_through(app_client(sqlite_settings), **forwarded)
    assert "secure" not in untrusted.headers["set-cookie"].lower()
    trusting = sqlite_settings.model_copy(update={"trusted_proxies": ["testclient"]})  # TestClient's address
    behind = sign_in_through(app_client(trusting), **forwarded)
    assert behind.status_code == 303 and "; secure" in behind.headers["set-cookie"].lower()
    assert behind.headers["strict-transport-security"] == "max-age=31536000"
    logins = [e.ip for e in entries(engine=open_database(settings=sqlite_settings)) if e.action == "login"]
    assert logins == ["203.0.113.7", "testclient"]  # the newest first: the proxy's client, then the direct


def collect_console(page) -> list[str]:  # type: ignore[no-untyped-def]
    problems: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and "Content Security Policy" in message.text:
            problems.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_charts_and_api_docs_work_under_the_policy(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    engine = open_database(settings=sqlite_settings)
    day = datetime.now(UTC) - timedelta(days=3)
    items = [raw_item(record(n, text=f"Voltaro {n}", created_at=(day + timedelta(hours=n)).isoformat()))
             for n in range(6)]  # fmt: skip
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(items)
    engine.dispose()
    create_account(sqlite_settings)
    page = browser.new_page()
    problems = collect_console(page)
    sign_in(page, live_server)
    page.wait_for_selector("[data-chart=volume][data-ready=yes] .main-svg")
    page.goto(live_server + "/api/docs")
    page.wait_for_selector('.opblock-summary-path[data-path="/api/v1/mentions"]')
    assert problems == []
    page.close()
