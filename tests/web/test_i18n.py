"""The web pages in Dutch and English."""

from __future__ import annotations

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from luister.app import create_app
from luister.runtime import Runtime
from luister.services.accounts import get_user
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, create_account, sign_in
from luister.web.catalogue import template_messages
from luister.web.i18n import pick_language, read_catalog


def test_every_text_of_the_pages_has_a_dutch_translation() -> None:
    dutch = {m.id: m.string for m in read_catalog("nl") if m.id}
    missing = [text for text in template_messages() if not dutch.get(text)]
    assert missing == [], f"run scripts/i18n.py and translate: {missing}"


def test_the_browser_language_decides_before_sign_in(sqlite_settings: Settings) -> None:
    client = TestClient(create_app(Runtime(sqlite_settings, engine=open_database(settings=sqlite_settings))))
    assert "Inloggen" in client.get("/login", headers={"Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"}).text
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "fr-FR,en;q=0.5"}).text
    assert pick_language(None, None) == "en" and pick_language("nl", "en-GB") == "nl"


def test_switching_language_in_the_browser_sticks(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    create_account(sqlite_settings)
    page = browser.new_page()
    sign_in(page, live_server)
    assert page.locator("nav").inner_text().split() == [
        "Overview",
        "Inbox",
        "Mentions",
        "Alerts",
        "Goals",
        "Topics",
        "Sources",
        "Organisation",
    ]
    page.click("form.language button")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    assert page.locator("nav").inner_text().split() == [
        "Overzicht",
        "Inbox",
        "Vermeldingen",
        "Meldingen",
        "Doelen",
        "Onderwerpen",
        "Bronnen",
        "Organisatie",
    ]
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("form.language button").inner_text() == "English"
    page.click("nav >> text=Vermeldingen")
    expect(page.locator("button:has-text('Zoeken')")).to_have_count(1)
    assert get_user(engine=open_database(settings=sqlite_settings), email=EMAIL).language == "nl"
    page.close()
