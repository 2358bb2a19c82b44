"""Replying in the browser: in Chromium an agent composes a reply that waits for approval, a second person
approves it on the approvals page and the conversation shows it as sending; with forms, the send-time
guard's warning offers "send anyway", and a channel nobody can reply on says "answer at the source"."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect

from luister.app import create_app
from luister.effects.tables import effect
from luister.inbox.approval_rules import add_rule
from luister.inbox.tables import voice
from luister.runtime import Runtime
from luister.services.database import open_database
from luister.settings import Settings
from replies_helpers import ANNA, CARLA, MAUD, NOW, PASSWORD, ROOT, native_reply, scene


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_compose_approve_and_sending_in_chromium(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    engine = open_database(settings=sqlite_settings)
    s = scene(engine)
    add_rule(engine, name="Alles", kind="all", value=None, actor=ROOT, now=NOW)
    anna = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(anna, live_server, ANNA)
    anna.goto(f"{live_server}/inbox/{s.conversation_id}")
    expect(anna.locator(".messages")).to_contain_text("<b>Mijn laadpaal</b>")  # hostile text as text
    anna.fill("textarea#reply-body", "Sorry! We sturen vandaag een monteur 👩‍🔧")
    expect(anna.locator("[data-counter]")).to_have_text("40")
    assert anna.evaluate("document.documentElement.scrollWidth") <= 390
    anna.click("text=Send reply")
    expect(anna.locator(".draft .draft-state")).to_contain_text("waiting for approval")
    maud = browser.new_context().new_page()
    sign_in(maud, live_server, MAUD)
    maud.goto(f"{live_server}/inbox/approvals")
    expect(maud.locator("h2")).to_contain_text("(1)")
    maud.fill("textarea[name=body]", "Sorry! We sturen vandaag een monteur.")
    maud.click("text=Approve and send")
    expect(maud.locator(".empty")).to_be_visible()
    anna.reload()
    expect(anna.locator(".draft .draft-state")).to_contain_text("sending")
    expect(anna.locator(".draft .text").first).to_have_text("Sorry! We sturen vandaag een monteur.")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(effect)).scalar() == 1
    engine.dispose()


def _client(settings: Settings, email: str) -> tuple[TestClient, str]:
    engine = open_database(settings=settings)
    client = TestClient(create_app(Runtime(settings, engine=engine)))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/inbox/1").text
    return client, re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_guard_warns_and_sends_anyway_with_forms(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    s = scene(engine)
    client, csrf = _client(sqlite_settings, CARLA)
    native_reply(s, "n1")  # our voice answered at the source after carla opened the page
    form = {
        "csrf": csrf,
        "voice_id": str(s.voice_id),
        "seen_reply_seq": "0",
        "body": "Excuses <script>x</script>",
    }
    warned = client.post(f"/inbox/{s.conversation_id}/reply", data=form)
    assert warned.status_code == 409 and "Someone answered since you opened this" in warned.text
    assert "&lt;script&gt;x&lt;/script&gt;" in warned.text and "<script>x</script>" not in warned.text
    again = dict(re.findall(r'name="(confirm|seen_reply_seq)" value="([^"]*)"', warned.text))
    assert again == {"confirm": "1", "seen_reply_seq": "1"}
    sent = client.post(f"/inbox/{s.conversation_id}/reply", data=form | again, follow_redirects=False)
    assert sent.status_code == 303
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(effect)).scalar() == 1
    with engine.begin() as conn:
        conn.execute(voice.update().values(connector=None))  # nobody can reply on this channel now
    page = client.get(f"/inbox/{s.conversation_id}").text
    assert "answer at the source" in page and "https://social.example/@klant_anna/t1" in page
    engine.dispose()
