"""The scheduled reports page in Chromium, on a phone (390 px) in Dutch and English: an analyst adds a
schedule (its hostile name shown as text), sends it now and sees the run with its e-mail's state; bad
input names the field; a viewer sees the schedules without the buttons."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser
from test_responsive import PHONE, check_phone_layout

from luister.domain.accounts import Role
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
