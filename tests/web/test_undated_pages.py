"""Mentions without a known date on the pages (issue #24), in English and Dutch and on a phone: marked
"date unknown — fetched …" wherever a mention's date shows, warned of in their source's health, and said
apart on the overview — which leaves them out of its figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.plugins import load_plugins
from luister.services.accounts import set_language
from luister.services.database import open_database
from luister.services.ingest import Pipeline, prepare_batch
from luister.services.sources import add_source
from luister.settings import Settings
from luister.storage.secrets import Cipher
from luister.storage.tables import source_run
from luister.storage.writer import SqlMentionStore
from luister.testing import EMAIL, create_account, raw_item, record, sign_in, signed_in_client

PHONE = {"width": 390, "height": 844}


def seed(settings: Settings) -> datetime:
    """A source with a run, 12 undated mentions fetched just now and one dated; returns the fetch time."""
    fetched = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    engine: Engine = open_database(settings=settings)
    feed = add_source(
        engine=engine,
        connectors=load_plugins().connectors(),
        cipher=Cipher.of(settings),
        name="archief",
        connector="rss",
        options={"url": "https://archief.example/feed"},
    )
    with engine.begin() as conn:
        conn.execute(source_run.insert().values(source_id=feed.id, started_at=fetched, finished_at=fetched,
                                                fetched=13, stored=13, rejected=0))  # fmt: skip
    records = [record(n, text=f"Voltaro archiefbericht {n}") for n in range(12)]
    for found in records:
        del found["created_at"]
    records.append(record(99, text="Voltaro met datum", created_at="2026-10-01T09:00:00Z"))
    pipeline = Pipeline(
        mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="t", source_id=feed.id
    )
    items = [raw_item(r, f"line {n}") for n, r in enumerate(records)]
    pipeline.store_prepared(prepare_batch(items, mapper=pipeline.mapper, origin="t", source_id=feed.id,
                                          fetched_at=fetched))  # fmt: skip
    engine.dispose()
    return fetched


def test_undated_mentions_are_marked_in_english_and_dutch(sqlite_settings: Settings) -> None:
    fetched = seed(sqlite_settings)
    stamp = fetched.strftime("%Y-%m-%d %H:%M") + " UTC"
    client = signed_in_client(sqlite_settings)
    listing = client.get("/mentions").text
    assert listing.count(f"date unknown — fetched {stamp}") == 12
    assert "2026-10-01 09:00 UTC" in listing  # the dated one as before
    detail = client.get("/mentions/1").text
    assert f"date unknown — fetched {stamp}" in detail
    sources = client.get("/sources").text
    assert 'class="badge undated"' in sources and "dates missing" in sources
    assert "12 mentions without a date in the last 24 hours: dated when fetched" in sources
    assert 'class="badge ok"' in sources  # a warning, not a fault
    source = client.get("/sources/archief").text
    assert "12 mentions without a date in the last 24 hours" in source and "no spike" in source
    overview = client.get("/").text
    assert "12 mentions have no date (the source gave none)" in overview

    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="cli")
    engine.dispose()
    assert client.get("/mentions").text.count(f"datum onbekend — opgehaald {stamp}") == 12
    dutch_sources = client.get("/sources").text
    assert "12 vermeldingen zonder datum in de laatste 24 uur: gedateerd bij het ophalen" in dutch_sources
    assert "datums ontbreken" in dutch_sources
    assert "12 vermeldingen hebben geen datum" in client.get("/").text


def test_undated_mentions_on_a_phone_in_chromium(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    seed(sqlite_settings)
    create_account(sqlite_settings)
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server)
    for path in ("/mentions", "/sources", "/sources/archief", "/mentions/1"):
        page.goto(live_server + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    page.goto(live_server + "/mentions")
    marked = page.locator(".date-unknown")
    assert marked.count() == 12 and marked.first.inner_text().startswith("date unknown — fetched ")
    assert "no date" in (marked.first.get_attribute("title") or "")
    page.goto(live_server + "/sources")
    badge = page.locator(".source-card .badge.undated")
    assert badge.inner_text() == "dates missing" and badge.is_visible()
    assert (badge.get_attribute("title") or "").startswith("12 mentions without a date")
    page.close()
