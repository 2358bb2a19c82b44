"""The maturity pages in Chromium: answering the questionnaire, the assessment with its evidence links,
the organisation model and the history, in English and Dutch, at 390 and 1440 px; a hostile note is shown
as text."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Browser, expect

from luister.services.accounts import set_department, set_language
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, create_account, sign_in, signed_in_client

HOSTILE = '<script>alert("x")</script>kwartaal'


def test_maturity_pages_in_the_browser(sqlite_settings: Settings, live_server: str, browser: Browser) -> None:
    create_account(sqlite_settings)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(page, live_server)
    page.goto(live_server + "/organisation/maturity")
    expect(page.locator("h2")).to_have_text("Social business maturity")
    expect(page.locator(".maturity-card").first).to_contain_text("Nobody has answered")
    expect(page.locator(".maturity-table tbody tr")).to_have_count(7)
    page.click("text=Answer the questionnaire")
    expect(page.locator(".questionnaire fieldset")).to_have_count(7)
    for key, stage in {"strategy": 4, "people": 3, "governance": 3, "processes": 4, "training": 3,
                       "measurement": 4, "technology": 4}.items():  # fmt: skip
        page.check(f"input[name={key}][value='{stage}']")
    page.fill("textarea[name=note]", HOSTILE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("button:has-text('Save the answers')")
    expect(page).to_have_url(live_server + "/organisation/maturity")
    expect(page.locator(".maturity-card .stage").first).to_have_text("4 · Formalized")
    expect(page.locator(".maturity-card .note")).to_have_text(HOSTILE)  # shown as text, never run
    links = page.locator(".maturity-table td.links a")
    assert links.count() >= 7
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert {"/topics", "/inbox/approvals", "/goals", "/projects", "/inbox/digests"} <= hrefs
    expect(page.locator("#model")).to_contain_text("Organisation model")
    expect(page.locator(".next-steps li").first).to_contain_text("→")
    expect(page.locator(".maturity-history tbody tr")).to_have_count(6)
    page.click('button:has-text("Take this month\'s snapshot")')
    expect(page.locator(".maturity-history tbody tr").first).not_to_contain_text("computed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots = Path(os.environ.get("SHOTS_DIR", "") or ".")
    page.screenshot(path=str(shots / "maturity-390.png"), full_page=True)

    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    engine.dispose()
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server + "/organisation/maturity")
    expect(page.locator("h2")).to_have_text("Volwassenheid als social business")
    expect(page.locator(".maturity-card .stage").first).to_have_text("4 · Geformaliseerd")
    expect(page.locator(".maturity-table")).to_contain_text("Governance en beleid")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    page.goto(live_server + "/organisation/maturity?at=2020-01-01")
    expect(page.locator(".maturity-card").first).to_contain_text("Nog niemand heeft de vragenlijst ingevuld")
    page.goto(live_server + "/organisation/maturity?at=morgen")
    expect(page.locator(".problem")).to_contain_text("at:")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_maturity_pages_in_process(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)  # an analyst across departments
    empty = client.get("/organisation/maturity")
    assert empty.status_code == 200 and "Nobody has answered the questionnaire yet." in empty.text
    assert empty.text.count('href="/inbox/approvals"') >= 2  # the evidence is linked even without data
    asked = client.get("/organisation/maturity/questionnaire")
    assert asked.status_code == 200 and asked.text.count('type="radio"') == 42
    form = {"csrf": _csrf(asked.text), "note": HOSTILE, "strategy": "4", "people": "3", "governance": "3",
            "processes": "4", "training": "3", "measurement": "4"}  # fmt: skip
    refused = client.post("/organisation/maturity/questionnaire", data=form)
    assert refused.status_code == 400 and "no answer for technology" in refused.text
    assert 'value="4" required checked' in refused.text  # what was chosen stays chosen
    done = client.post("/organisation/maturity/questionnaire", data={**form, "technology": "4"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/organisation/maturity"
    shown = client.get("/organisation/maturity").text
    assert "4 · Formalized" in shown and "&lt;script&gt;alert(" in shown and HOSTILE not in shown
    assert client.post("/organisation/maturity/snapshot", data={"csrf": "old"}).status_code in (400, 403)
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    set_department(engine=engine, email=EMAIL, department="legal", actor="test")
    engine.dispose()
    dutch = client.get("/organisation/maturity").text
    assert "Volwassenheid als social business" in dutch and "4 · Geformaliseerd" in dutch
    assert "Vul de vragenlijst in" not in dutch  # someone of one department does not answer for the company
    legal = client.post("/organisation/maturity/questionnaire", data={**form, "technology": "2",
                                                                     "csrf": _csrf(dutch)})  # fmt: skip
    assert legal.status_code == 403 and "over de afdelingen heen" in legal.text
    assert client.get("/organisation/maturity", params={"at": "morgen"}).status_code == 400
