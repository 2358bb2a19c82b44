"""The inbox report and digest pages: every figure links to a list that shows exactly what it counts, in
English and Dutch, scoped to the reader's department; digests are built, read and decided in the browser's
forms; and at phone width the page itself never scrolls sideways (Chromium)."""

from __future__ import annotations

import os
import re
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Browser
from sqlalchemy.engine import Engine

from inbox_report_data import NOW, PASSWORD, said, seed
from luister.app import create_app
from luister.domain.topics import TopicKind
from luister.inbox.digest_actions import build_digest
from luister.runtime import Runtime
from luister.services.database import open_database
from luister.services.topics import create_topic
from luister.settings import Settings
from luister.testing import create_account, sign_in

DRILL = re.compile(r'<a href="(/inbox/reports/list\?[^"]+)">([^<]*)</a>')
ROW = re.compile(r"<tr><td>")


def _client(settings: Settings, engine: Engine, email: str, language: str = "en") -> TestClient:
    client = TestClient(create_app(Runtime(settings, engine=engine, clock=lambda: NOW)))
    client.headers["Accept-Language"] = language
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return client


def _csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def test_every_figure_opens_the_list_it_counts(settings: Settings, engine: Engine) -> None:
    ids = seed(engine).ids
    client = _client(settings, engine, "alice@voltaro.example")  # sales sees sales's figures only
    page = client.get("/inbox/reports", params={"period": "2026-11-27..2026-12-04T12:00"})
    assert page.status_code == 200
    links = DRILL.findall(page.text)
    assert links and "Product" not in page.text
    for href, shown in links:
        listing = client.get(unescape(href))
        assert listing.status_code == 200
        rows = len(ROW.findall(listing.text))
        count = int(re.search(r'data-count="(\d+)"', listing.text).group(1))  # type: ignore[union-attr]
        assert rows == count
        if "figure=volume" in href or ("figure=backlog" in href and shown.isdigit()):
            assert int(shown) == rows, href  # the number in the table is the length of its list
    total = client.get(
        "/inbox/reports/list", params={"period": "2026-11-27..2026-12-04T12:00", "figure": "first_response"}
    ).text
    assert "median 1h 30min, p90 10h" in total  # the report's figure, over the rows below it
    assert f'href="/inbox/{ids["weekend"]}"' in total and '2h</td><td class="n">2d 18h' in total
    assert client.get("/inbox/reports", params={"period": "later"}).status_code == 400
    assert client.get("/inbox/reports/list", params={"figure": "nonsense"}).status_code == 400

    dutch = _client(settings, engine, "pia@voltaro.example", "nl").get("/inbox/reports").text
    assert "Eerste reactie" in dutch and "Per afdeling" in dutch and "Sales" not in dutch


def test_digests_are_built_read_and_decided_in_the_browser(settings: Settings, engine: Engine) -> None:
    seed(engine)
    create_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro", actor="test")
    when = NOW.replace(month=11, day=25)  # in the last whole week (Monday 23 to Monday 30)
    with engine.begin() as conn:
        for n, text in enumerate(["laadpas <script>x</script> kapot", "laadpas weg", "de laadpas weer"]):
            said(conn, "product", 100 + n, text, intent="complaint", when=when)
    client = _client(settings, engine, "pia@voltaro.example", "nl")
    listing = client.get("/inbox/digests")
    assert listing.status_code == 200 and "Nog geen overzichten" in listing.text
    built = client.post(
        "/inbox/digests/build",
        data={"csrf": _csrf(listing.text), "department": "product"},
        follow_redirects=False,
    )
    assert built.status_code == 303
    detail = client.get(built.headers["location"])
    assert "laadpas" in detail.text and "3 vermeldingen" in detail.text
    assert "<script>x" not in detail.text and "&lt;script&gt;" in detail.text
    item = re.search(r'href="/inbox/digests/items/(\d+)"', detail.text).group(1)  # type: ignore[union-attr]
    assert len(re.findall(r'<a href="/inbox/\d+">', client.get(f"/inbox/digests/items/{item}").text)) == 3
    decided = client.post(
        f"/inbox/digests/items/{item}/decide",
        data={"csrf": _csrf(detail.text), "decision": "taken_up", "outcome": "Nieuwe passen"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    assert "opgepakt" in client.get(built.headers["location"]).text
    # sales does not see product's digests
    sales = _client(settings, engine, "alice@voltaro.example")
    assert sales.get(built.headers["location"]).status_code == 404
    assert sales.get(f"/inbox/digests/items/{item}").status_code == 404


def test_the_reports_page_fits_a_phone(sqlite_settings: Settings, live_server: str, browser: Browser) -> None:
    engine = open_database(settings=sqlite_settings)
    seed(engine)
    create_account(sqlite_settings)
    create_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro", actor="test")
    when = NOW.replace(month=11, day=25)
    with engine.begin() as conn:
        for n, (text, intent) in enumerate(
            [
                (
                    "Mijn laadpas van Voltaro doet het niet, al drie dagen geen paal die hem pakt",
                    "complaint",
                ),
                ("laadpas geweigerd", "complaint"),
                ("Graag een donkere modus in de app", "feedback"),
                ("Donkere modus zou fijn zijn!", "feedback"),
                ("Wanneer komt de thuislader?", "question"),
            ]
        ):
            said(conn, "product", 100 + n, text, intent=intent, when=when)
    start, end = NOW.replace(month=11, day=22, hour=23), NOW.replace(month=11, day=29, hour=23)
    digest_id = build_digest(engine=engine, department="product", period_start=start, period_end=end, now=NOW)
    engine.dispose()
    shots = Path(os.environ.get("SHOTS_DIR", "") or ".")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in(page, live_server)
    pages = (
        ("/inbox/reports?period=90d", "inbox-reports"),
        ("/inbox/reports/list?period=90d&figure=first_response", "inbox-report-list"),
        ("/inbox/digests", "inbox-digests"),
        (f"/inbox/digests/{digest_id.digest_id}", "inbox-digest"),
    )
    for path, name in pages:
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        page.screenshot(path=str(shots / f"{name}-390.png"), full_page=True)
    page.close()
