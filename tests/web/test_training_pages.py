"""The training pages: my belt and certificates, reading a module and taking its quiz (scored on the
server), the report per department, and the admins' gates switch; in English and Dutch, a module's raw
HTML shown as text, and at phone width (390 px) and desktop width (1440 px) no page scrolls sideways."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from luister.app import create_app
from luister.domain.accounts import Role
from luister.organisation import training
from luister.organisation.training_actions import submit_attempt
from luister.organisation.training_read import department_report
from luister.runtime import Runtime
from luister.services.accounts import set_department, set_language, set_role
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, PASSWORD, create_account, sign_in
from luister.web.pages.organisation_training import rendered


def key(slug: str) -> list[int | None]:
    return [q.answer for q in training.module(slug, "en").questions]


def test_training_in_the_browser_at_phone_and_desktop_width(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    create_account(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    set_department(engine=engine, email=EMAIL, department="customer-service", actor="t")
    long_ago = datetime.now(UTC) - timedelta(days=350)  # white expires within the month
    for slug in ("listening-basics", "the-policy"):
        submit_attempt(
            engine=engine, actor=EMAIL, module=slug, language="en", answers=key(slug), now=long_ago
        )
    engine.dispose()
    shots = Path(os.environ.get("SHOTS_DIR", "") or ".")
    for width in (390, 1440):
        page = browser.new_page(viewport={"width": width, "height": 844})
        sign_in(page, live_server)
        page.goto(live_server + "/organisation/training")
        expect(page.locator("h2")).to_have_text("Training")
        belt = "white" if width == 390 else "yellow"  # the quiz below, passed at 390 px, earns yellow
        expect(page.locator(".training-standing .belt")).to_have_text(belt)
        expect(page.locator(".certificates .expiring").first).to_contain_text("expires soon")
        expect(page.locator(".training-modules li")).to_have_count(len(training.modules("en")))
        expect(page.locator(".gates")).to_contain_text("send a reply without an approver")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(shots / f"training-{width}.png"), full_page=True)
        page.click("a[href='/organisation/training/modules/tone-of-voice']")
        expect(page.locator("h2").first).to_have_text("Tone of voice")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for n, answer in enumerate(key("tone-of-voice")):
            page.check(f"input[name=q{n}][value='{answer if n else (answer or 0) + 1}']")  # one wrong: 80 %
        page.click(".quiz button")
        expect(page.locator(".quiz-result.passed")).to_contain_text("4 of 5 right (80 %)")
        expect(page.locator(".quiz fieldset.wrong")).to_have_count(1)
        if width == 390:
            expect(page.locator(".quiz-result")).to_contain_text("You earned the yellow belt.")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(shots / f"training-quiz-{width}.png"), full_page=True)
        page.goto(live_server + "/organisation/training/report")
        expect(page.locator(".training-report tbody tr")).to_have_count(1)
        expect(page.locator(".training-report")).to_contain_text("customer-service")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.close()


def test_training_pages_in_dutch_with_the_admins_switch(sqlite_settings: Settings) -> None:
    create_account(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    client = TestClient(create_app(Runtime(sqlite_settings, engine=engine)))
    set_language(engine=engine, email=EMAIL, language="nl", actor="t")
    token = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token, "next": "/"})
    page = client.get("/organisation/training").text
    assert "Mijn band" in page and "nog geen band" in page and "Crisiscommunicatie" in page
    assert "Bandpoorten aanzetten" not in page  # an analyst does not switch the gates
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post("/organisation/training/gates", data={"csrf": csrf, "on": "1"}).status_code == 403
    module = client.get("/organisation/training/modules/privacy").text
    assert "Privacy in openbare gesprekken" in module and "groen" in module and "voldoende bij 80 %" in module
    answered = client.post("/organisation/training/modules/privacy", data={"csrf": csrf, "q0": "1"})
    assert (
        answered.status_code == 200 and "Niet geslaagd" in answered.text and "1 van 5 goed" in answered.text
    )
    assert client.get("/organisation/training/modules/nope").status_code == 404
    set_role(engine=engine, email=EMAIL, role=Role.admin, actor="t")
    switched = client.post(
        "/organisation/training/gates", data={"csrf": csrf, "on": "1"}, follow_redirects=True
    )
    assert "De bandpoorten staan aan" in switched.text and "Bandpoorten uitzetten" in switched.text
    report = client.get("/organisation/training/report").text
    assert "Trainingsrapport" in report and "(geen afdeling)" in report
    assert [r.people for r in department_report(engine=engine, now=datetime.now(UTC))] == [1]


def test_a_module_s_html_is_shown_as_text() -> None:
    html = str(rendered("# Kop\n\n<script>alert(1)</script> **vet** `code`"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<h1>Kop</h1>" in html and "<strong>vet</strong>" in html and "<code>code</code>" in html
