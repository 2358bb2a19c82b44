"""Every page on a phone (390 px wide) in Chromium: no sideways scrolling, the whole menu visible and
readable on the header's colour, the language switch and Sign out within reach, wide tables scrolling
inside their box."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.plugins import load_plugins
from luister.services.accounts import set_role
from luister.services.database import open_database
from luister.services.sources import add_source
from luister.services.topics import save_topic
from luister.settings import Settings
from luister.storage.secrets import Cipher
from luister.testing import EMAIL, create_account, raise_alert, sign_in

PHONE = {"width": 390, "height": 844}
LONG = "Voltaro_storing_" * 12  # a word without spaces, longer than the screen is wide


def seed(settings: Settings) -> int:
    engine = open_database(settings=settings)
    create_account(settings)
    set_role(engine=engine, email=EMAIL, role=Role.admin, actor="cli")
    save_topic(
        engine=engine, name=("Voltaro " + LONG)[:120], kind=TopicKind.brand, query="voltaro OR storing"
    )
    add_source(
        engine=engine,
        connectors=load_plugins().connectors(),
        cipher=Cipher.of(settings),
        name="energieblog",
        connector="rss",
        options={"url": "https://energieblog.example/feed/", "channel": "blog"},
    )
    text = f"Datalek bij Voltaro: mijn gegevens zijn gelekt {LONG} https://x.example/{LONG}"
    alert_id = raise_alert(engine, settings, rule="Crisis", text=text)
    engine.dispose()
    return alert_id


WIDEST = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.parentElement.closest('main *:is(table, pre, .table-scroll, [data-panel])'))
  .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 6)"""


def check_phone_layout(page: Page, path: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width} px wide: {page.evaluate(WIDEST)}"
    header = page.locator("header").bounding_box()
    assert header is not None
    for item in [*page.locator("header nav a").all(), page.locator("form.language button"),
                 page.locator("form.signout button")]:  # fmt: skip
        box = item.bounding_box()
        assert item.is_visible() and box is not None, path
        assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], f"{path}: {item.inner_text()}"
        assert header["y"] <= box["y"] and box["y"] + box["height"] <= header["y"] + header["height"], path
    for table in page.locator("main table").all():  # a wide table scrolls inside, the page does not
        box = table.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"] + 0.5, path


@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_page_fits_a_phone(
    sqlite_settings: Settings, live_server: str, browser: Browser, language: str
) -> None:
    alert_id = seed(sqlite_settings)
    context = browser.new_context(viewport=PHONE, extra_http_headers={"accept-language": language})
    page = context.new_page()
    page.goto(live_server + "/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sign_in(page, live_server)
    links = [a.get_attribute("href") for a in page.locator("header nav a").all()]
    assert links == [
        "/",
        "/inbox",
        "/mentions",
        "/alerts",
        "/goals",
        "/topics",
        "/sources",
        "/organisation",
        "/users",
    ]
    paths = ["/", "/inbox", "/mentions", "/mentions/1", "/alerts", f"/alerts/{alert_id}", "/goals", "/topics",
             "/topics/1/edit", "/topics/1/delete", "/sources", "/sources/new", "/sources/energieblog",
             "/sources/energieblog/remove", "/account", "/account/tokens", "/users", "/organisation",
             "/organisation/policy", "/organisation/processes", "/organisation/maturity",
             "/organisation/training", "/organisation/knowledge", "/organisation/mentoring",
             "/reports/schedules", "/alerts/rules", "/alerts/channels?kind=email"]  # fmt: skip
    for path in paths:
        answer = page.goto(live_server + path)
        assert answer is not None and answer.status == 200, path
        if path == "/":
            page.wait_for_selector("[data-chart=volume][data-ready=yes]")
        check_phone_layout(page, path)
    context.close()
