"""The report download on /goals (the form's default week, a PDF over the person's departments, bad dates
refused with a message) and the KPIs a project should move, shown on the project and on the KPI page."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from sqlalchemy.engine import Engine

from kpi_world import NOW, goals, world
from luister.app import create_app
from luister.domain.accounts import Role
from luister.kpis import projects, report_render
from luister.runtime import Runtime
from luister.services.accounts import create_user
from luister.settings import Settings
from luister.testing import PASSWORD

HOSTILE = '<script>alert("x")</script> Zon'


def _client(settings: Settings, engine: Engine, role: Role, language: str) -> TestClient:
    email = f"{role.value}-report@voltaro.example"
    create_user(engine=engine, email=email, name=role.value, password=PASSWORD, role=role, language=language)
    client = TestClient(create_app(Runtime(settings, engine=engine, clock=lambda: NOW)))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    done = client.post("/login", data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    return client


def test_a_viewer_downloads_the_report_from_the_goals_page(settings: Settings, engine: Engine) -> None:
    world(engine)
    ids = goals(engine)
    runs = {"starts_on": date(2026, 11, 16), "ends_on": date(2026, 12, 20)}
    pid = projects.create(engine=engine, actor="t", name=HOSTILE, kind="campaign", now=NOW,
                          kpi_ids=[ids["sov"]], **runs)  # fmt: skip
    client = _client(settings, engine, Role.viewer, "nl")
    page = client.get("/goals").text
    form = page[page.index('class="report-download"') :].split("</form>")[0]
    assert 'action="/reports/weekly_webcare.pdf"' in form and "Rapport downloaden (pdf)" in form
    assert 'name="from" value="2026-11-23"' in form and 'name="to" value="2026-11-29"' in form
    got = client.get(
        "/reports/weekly_webcare.pdf", params={"from": "2026-11-30", "to": "2026-12-06", "lang": "nl"}
    )
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(got.content)).pages).split()
    )
    assert "Share of voice" in text and "Streefcijfer: 45%" in text
    assert '<script>alert("x")</' in text  # the hostile project name drawn as text
    bad = client.get("/reports/weekly_webcare.pdf", params={"from": "30-11-2026"})
    assert bad.status_code == 400 and "JJJJ-MM-DD" in bad.text  # said in the reader's Dutch
    assert client.get("/reports/yearly.pdf").status_code == 400

    shown = client.get(f"/projects/{pid}").text  # the KPI it should move, and its attribution by default
    assert "Moet bewegen" in shown and f'<a href="/kpis/{ids["sov"]}">Share of voice</a>' in shown
    assert f'<option value="kpi:{ids["sov"]}" selected>' in shown
    assert "<script>alert" not in shown
    kpi_page = client.get(f"/kpis/{ids['sov']}").text
    assert "Projecten die deze KPI moeten bewegen" in kpi_page
    assert f'href="/projects/{pid}?kpi=kpi:{ids["sov"]}"' in kpi_page and "&lt;script&gt;" in kpi_page
    assert "Nog geen project noemt deze KPI." in client.get(f"/kpis/{ids['leads']}").text
    anonymous = TestClient(create_app(Runtime(settings, engine=engine, clock=lambda: NOW)))
    assert anonymous.get("/reports/weekly_webcare.pdf", follow_redirects=False).status_code in (302, 303, 401)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_mailed_report_reads_on_a_phone(engine: Engine, browser: Browser, language: str) -> None:
    """The e-mail's HTML at 390 px: a KPI card's cells stack and long words wrap, so nothing scrolls
    sideways (and at 1440 px it stays the 760 px wide table)."""
    world(engine)
    goals(engine)
    report = report_render.gather(engine=engine, template="weekly_webcare", start=date(2026, 11, 30),
                                  end=date(2026, 12, 7), now=NOW)  # fmt: skip
    page = browser.new_page(viewport={"width": 390, "height": 900})
    page.set_content(report_render.html(report, language))
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    page.set_viewport_size({"width": 1440, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") == 1440
    assert page.locator("table.kpi").first.bounding_box()["width"] <= 760  # type: ignore[index]
    page.close()
