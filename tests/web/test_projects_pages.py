"""The projects pages: the list with its timeline, a project with the overlap map and a KPI's attribution,
in English and Dutch, scoped to the reader's department, hostile names escaped, and at phone width the
page never scrolls sideways (Chromium)."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from luister.app import create_app
from luister.kpis import projects
from luister.runtime import Runtime
from luister.services.accounts import set_department, set_language
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, PASSWORD, create_account, sign_in

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from test_projects import seed_world  # noqa: E402

NOW = datetime(2026, 12, 1, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script>Zomer'


def test_projects_pages_in_the_browser(sqlite_settings: Settings, live_server: str, browser: Browser) -> None:
    create_account(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    brand, a, b, _ = seed_world(engine)
    legal = projects.create(engine=engine, actor="t", name=HOSTILE, kind="community", now=NOW,
                            starts_on=datetime(2026, 6, 20).date(), ends_on=datetime(2026, 7, 20).date(),
                            hashtags=["zomer"], countries=["NL"])  # fmt: skip
    projects.record_spend(engine=engine, actor="t", project_id=a, amount_cents=123_456, now=NOW,
                          spent_on=datetime(2026, 6, 12).date(), note="<b>ads</b>")  # fmt: skip
    engine.dispose()
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(page, live_server)
    page.goto(live_server + "/projects")
    expect(page.locator("h2")).to_have_text("Projects")
    expect(page.locator(".timeline li")).to_have_count(3)
    expect(page.locator(".projects-table")).to_contain_text(HOSTILE)  # shown as text, never run
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click(f"a[href='/projects/{a}'] >> nth=0")
    expect(page.locator(".timeline li")).to_have_count(3)  # itself, Prijs and the hostile one overlap it
    expect(page.locator(".timeline li.current")).to_contain_text("Zonnedeal")
    page.select_option("select[name=kpi]", f"mentions:{brand}")
    page.select_option("select[name=method]", "causal")
    page.click(".attribution-form button")
    expect(page.locator(".attribution-table")).to_contain_text("holds zero")
    expect(page.locator(".attribution-table tr.current")).to_contain_text("Zonnedeal")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots = Path(os.environ.get("SHOTS_DIR", "") or ".")
    page.screenshot(path=str(shots / "project-390.png"), full_page=True)
    page.goto(live_server + f"/projects/{legal}")
    expect(page.locator(".page-head h2")).to_have_text(HOSTILE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.close()


def test_projects_pages_in_dutch_and_scoped(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    create_account(sqlite_settings, role="viewer")
    brand, a, b, _ = seed_world(engine)
    hidden = projects.create(engine=engine, actor="t", name="Geheim", kind="campaign", now=NOW,
                             starts_on=NOW.date(), ends_on=NOW.date(), department="legal")  # fmt: skip
    client = TestClient(create_app(Runtime(sqlite_settings, engine=engine)))
    set_language(engine=engine, email=EMAIL, language="nl", actor="t")
    token = client.get("/login").text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf": token, "next": "/"})
    listing = client.get("/projects").text
    assert "Projecten" in listing and "Geheim" in listing and "Looptijd" in listing
    shown = client.get(f"/projects/{a}", params={"kpi": f"mentions:{brand}", "method": "position"})
    assert shown.status_code == 200 and "Overlapkaart" in shown.text and "dagen zonder project" in shown.text
    bad = client.get(f"/projects/{a}", params={"kpi": "mentions:99999", "method": "linear"})
    assert bad.status_code == 400 and "topic 99999" in bad.text
    set_department(engine=engine, email=EMAIL, department="marketing", actor="t")
    assert client.get(f"/projects/{hidden}").status_code == 404
    assert "Geheim" not in client.get("/projects").text
    engine.dispose()
