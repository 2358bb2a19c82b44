"""Creating an API token on the account page in Chromium, and using it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from luister.app import create_app
from luister.runtime import Runtime
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import create_account, sign_in


def test_creating_a_token_in_the_browser(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    create_account(sqlite_settings, role="viewer")
    page = browser.new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/account/tokens")
    assert page.locator("p.empty").count() == 1
    page.fill("input[name=name]", "Power BI")
    page.select_option("select[name=expires_days]", "30")
    page.click("form.tokens button[type=submit]")
    secret = page.locator("#new-token").inner_text().strip()
    assert secret.startswith("lst_") and len(secret) == 47
    assert page.locator("table.tokens tbody tr").count() == 1
    assert "Power BI" in page.locator("table.tokens").inner_text()
    client = TestClient(create_app(Runtime(sqlite_settings, engine=open_database(settings=sqlite_settings))))
    assert client.get("/api/v1/mentions", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    page.click("table.tokens button[type=submit]")
    page.wait_for_url(live_server + "/account/tokens?revoked=1")
    assert page.locator("#new-token").count() == 0 and "revoked" in page.locator("table.tokens").inner_text()
    assert client.get("/api/v1/mentions", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    page.close()
