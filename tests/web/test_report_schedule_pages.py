"""The scheduled reports page in Chromium, on a phone (390 px) in Dutch and English: an analyst adds a
schedule (its hostile name shown as text), sends it now and sees the run with its e-mail's state; bad
input names the field; a viewer sees the schedules without the buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser
from test_responsive import PHONE, check_phone_layout

from luister.domain.accounts import Role
from luister.kpis.reports import add_schedule
from luister.services.accounts import set_role
from luister.services.database import open_database
from luister.settings import Settings
from luister.storage.tables import user_account
from luister.testing import EMAIL, create_account, sign_in

HOSTILE = "<script>alert(1)</script> Webcare weekly"


@pytest.mark.parametrize("language", ["en", "nl"])
def test_an_analyst_schedules_and_sends_a_report_on_a_phone(
    sqlite_settings: Settings, live_server: str, browser: Browser, language: str
) -> None:
    create_account(sqlite_settings, role="analyst")
    engine = open_database(settings=sqlite_settings)
    with engine.begin() as conn:  # the account's language decides once signed in
        conn.execute(user_account.update().values(language=language))
    engine.dispose()
    context = browser.new_context(viewport=PHONE, extra_http_headers={"accept-language": language})
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/reports/schedules")
    assert page.locator("h2").inner_text() == (
        "Geplande rapporten" if language == "nl" else "Scheduled reports"
    )
    check_phone_layout(page, "/reports/schedules")

    page.fill("input[name=name]", HOSTILE)
    page.fill("input[name=recipients]", "not an address")
    page.click("form.panel button[type=submit]")
    assert ("Ontvangers" if language == "nl" else "Recipients") in page.locator("p.error").inner_text()

    page.fill("input[name=name]", HOSTILE)
    page.fill("input[name=recipients]", "team@voltaro.example, pr@voltaro.example")
    page.select_option("select[name=weekday]", "friday")
    page.fill("input[name=at]", "16:30")
    page.click("form.panel button[type=submit]")
    page.wait_for_url(live_server + "/reports/schedules?done=added")
    section = page.locator("section.report-schedule")
    assert section.locator("h3").inner_text() == HOSTILE  # text, never markup
    assert "16:30" in section.inner_text() and "pr@voltaro.example" in section.inner_text()

    page.click("section.report-schedule form[action$='/send-now'] button")
    page.wait_for_url(live_server + "/reports/schedules?done=send-now")
    row = page.locator("section.report-schedule tbody tr")
    assert row.count() == 1 and ("gepland" if language == "nl" else "planned") in row.inner_text()
    assert EMAIL in row.inner_text()
    check_phone_layout(page, "/reports/schedules")

    page.click("section.report-schedule form[action$='/pause'] button")
    assert ("gepauzeerd" if language == "nl" else "paused") in page.locator(
        "section.report-schedule h3"
    ).inner_text()

    engine = open_database(settings=sqlite_settings)
    set_role(engine=engine, email=EMAIL, role=Role.viewer, actor="cli")
    engine.dispose()
    page.goto(live_server + "/reports/schedules")
    assert page.locator("section.report-schedule").count() == 1 and page.locator("main form").count() == 0
    context.close()


def test_a_department_sees_its_own_and_the_companys_schedules_in_dutch_on_a_phone(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    """An analyst of marketing, in Dutch at 390 px: marketing's and the company's schedules, buttons on
    marketing's only; customer service's is absent and answers 404; the company's refuses in Dutch."""
    create_account(sqlite_settings, role="analyst")
    engine = open_database(settings=sqlite_settings)
    with engine.begin() as conn:
        conn.execute(user_account.update().values(language="nl", department="marketing"))
    now = datetime.now(UTC)
    made = (("Zonnebloemactie weekly", "marketing"), ("Klachtenbalie weekly", "customer-service"),
            ("Bedrijf maandelijks", None))  # fmt: skip
    ids = {name: add_schedule(engine=engine, name=name, recipients=["bureau@extern.example"], weekday=4,
                              at="16:30", now=now, actor="test", department=department)
           for name, department in made}  # fmt: skip
    engine.dispose()
    context = browser.new_context(viewport=PHONE, extra_http_headers={"accept-language": "nl"})
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(live_server + "/reports/schedules")
    check_phone_layout(page, "/reports/schedules")
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]
    sections = page.locator("section.report-schedule")
    assert sections.locator("h3").all_inner_texts() == ["Bedrijf maandelijks", "Zonnebloemactie weekly"]
    assert "Klachtenbalie" not in page.content()
    assert sections.nth(0).locator(".department").inner_text() == "Rapport van het hele bedrijf"
    assert sections.nth(1).locator(".department").inner_text() == "Afdeling: marketing"
    assert sections.nth(0).locator("form").count() == 0 and sections.nth(1).locator("form").count() == 3
    assert "Voor je afdeling, marketing" in page.locator("form.panel").inner_text()
    assert page.locator("select[name=department]").count() == 0  # one's own department, always
    page.screenshot(path="/tmp/schedscope-schedules-nl-390.png", full_page=True)
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    refusals = (("Klachtenbalie weekly", 404, "Dit rapportschema bestaat niet."),
                ("Bedrijf maandelijks", 403, "Dit rapportschema is van het hele bedrijf"))  # fmt: skip
    for name, status, text in refusals:
        answer = page.request.post(f"{live_server}/reports/schedules/{ids[name]}/pause",
                                   form={"csrf": csrf or ""}, max_redirects=0)  # fmt: skip
        assert answer.status == status and text in answer.text(), (name, answer.status)
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server + "/reports/schedules")
    assert page.evaluate("document.documentElement.scrollWidth") == 1440
    page.screenshot(path="/tmp/schedscope-schedules-nl-1440.png", full_page=True)
    context.close()
