"""Voices and presence in the browser. In process: the voices page lists voices with masked credentials,
managers add, change, check and remove them, agents cannot, Dutch and English. In Chromium: two people
open the same conversation and each sees the other within about a second, typing included; names escaped."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, expect

from fakes.voice import TOKEN, EchoPlatform, EchoPlugin
from luister import plugins
from luister.app import create_app
from luister.domain.accounts import Role
from luister.inbox.tables import conversation, voice
from luister.runtime import Runtime
from luister.services.accounts import create_user, set_language
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, PASSWORD, create_account, signed_in_client

BRAM = "bram@voltaro.example"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _echo_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugins, "installed", lambda: plugins.load_plugins(EchoPlugin()))


def csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def client_for(settings: Settings, email: str) -> TestClient:
    client = TestClient(create_app(Runtime(settings, engine=open_database(settings=settings))))
    token = csrf(client.get("/login").text)
    done = client.post("/login", data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    return client


def test_the_voices_page_adds_checks_and_removes_voices_masked(sqlite_settings: Settings) -> None:
    s = sqlite_settings.model_copy(update={"fetch_allow": ["127.0.0.1"]})
    client = signed_in_client(s)
    page = client.get("/inbox/voices")
    assert page.status_code == 200 and "No voices yet." in page.text
    assert 'name="cred.echo.access_token" type="password"' in page.text
    with EchoPlatform() as platform:
        form: dict[str, Any] = {
            "csrf": csrf(page.text),
            "channel": "echo",
            "handle": "@voltaro",
            "name": "<b>Voltaro</b>",
            "connector": "echo",
            "cred.echo.base_url": platform.url,
            "cred.echo.access_token": TOKEN,
        }
        saved = client.post("/inbox/voices", data=form, follow_redirects=False)
        assert saved.status_code == 303, saved.text
        listed = client.get("/inbox/voices").text
        assert "••••XY" in listed and TOKEN not in listed and TOKEN[:-2] not in listed
        assert "&lt;b&gt;Voltaro&lt;/b&gt;" in listed and "<b>Voltaro</b>" not in listed
        with open_database(settings=s).connect() as conn:
            voice_id = conn.execute(sa.select(voice.c.id)).scalar_one()
        checked = client.post(f"/inbox/voices/{voice_id}/check", data={"csrf": csrf(listed)})
        assert "the credentials work: replies of up to 500 characters" in checked.text
        # a change with the secret left empty keeps it; the name changes
        edit = client.get(f"/inbox/voices?edit={voice_id}").text
        assert TOKEN not in edit
        changed = client.post("/inbox/voices", data={**form, "id": str(voice_id), "name": "Voltaro NL",
                              "active": "on", "cred.echo.access_token": "", "csrf": csrf(edit)},
                              follow_redirects=False)  # fmt: skip
        assert changed.status_code == 303
        again = client.post(f"/inbox/voices/{voice_id}/check", data={"csrf": csrf(edit)})
        assert "Voltaro NL" in again.text and "the credentials work" in again.text
    bad = client.post("/inbox/voices", data={**form, "handle": "@other", "cred.echo.access_token": ""})
    assert bad.status_code == 422 and "credentials.access_token" in bad.text
    removed = client.post(
        f"/inbox/voices/{voice_id}/remove", data={"csrf": csrf(edit)}, follow_redirects=False
    )
    assert removed.status_code == 303 and "No voices yet." in client.get("/inbox/voices").text


def test_agents_see_voices_but_cannot_change_them_and_dutch_reads_dutch(sqlite_settings: Settings) -> None:
    create_account(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    create_user(engine=engine, email=BRAM, name="Bram", password=PASSWORD, role=Role.agent)
    set_language(engine=engine, email=BRAM, language="nl", actor="test")
    agent = client_for(sqlite_settings, BRAM)
    page = agent.get("/inbox/voices")
    assert page.status_code == 200 and "Stemmen" in page.text and "Nog geen stemmen." in page.text
    assert 'action="/inbox/voices"' not in page.text  # no form for an agent
    refused = agent.post("/inbox/voices", data={"csrf": csrf(agent.get("/inbox").text), "channel": "echo",
                                                "handle": "@x", "name": "x"})  # fmt: skip
    assert refused.status_code == 403
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(voice)).scalar_one() == 0


def _sign_in(context: BrowserContext, base: str, email: str) -> Page:
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def test_two_people_on_one_conversation_see_each_other_and_typing(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    create_account(sqlite_settings, role="agent")  # "Anouk <de Vries>": escaped, never markup
    engine = open_database(settings=sqlite_settings)
    create_user(engine=engine, email=BRAM, name="Bram", password=PASSWORD, role=Role.agent)
    set_language(engine=engine, email=BRAM, language="nl", actor="test")
    at = datetime.now(UTC)
    with engine.begin() as conn:
        conversation_id = conn.execute(
            conversation.insert()
            .values(
                channel="mastodon", subject="laadpaal", route={}, cycle_started_at=at, last_customer_at=at
            )
            .returning(conversation.c.id)
        ).scalar_one()
    anouk_context = browser.new_context(viewport=PHONE)
    bram_context = browser.new_context(viewport=PHONE)
    try:
        anouk = _sign_in(anouk_context, live_server, EMAIL)
        bram = _sign_in(bram_context, live_server, BRAM)
        url = f"{live_server}/inbox/{conversation_id}"
        anouk.goto(url)
        bram.goto(url)
        banner_anouk, banner_bram = anouk.locator("#presence"), bram.locator("#presence")
        expect(banner_anouk).to_have_text("Bram is viewing", timeout=2500)
        expect(banner_bram).to_have_text("Anouk <de Vries> bekijkt dit gesprek", timeout=2500)
        assert anouk.evaluate("document.querySelectorAll('#presence *').length") == 0  # text, not markup
        bram.locator("textarea[name=body]").type("Ik bel de klant")
        expect(banner_anouk).to_have_text("Bram is typing…", timeout=2500)
        box = banner_anouk.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        expect(banner_anouk).to_have_text("Bram is viewing", timeout=6000)  # 3 s after the last key
        bram.close()
        expect(banner_anouk).to_be_hidden(timeout=8000)  # gone once Bram's page is
    finally:
        anouk_context.close()
        bram_context.close()
