"""The overview with a chosen range of dates, in Dutch: the period spelled out, each headline figure
against the previous period, refusals in the reader's language, on a phone and a wide screen."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser

from luister.alerts.actions import save_rule
from luister.alerts.detection import check_rules
from luister.alerts.model import RuleKind
from luister.connectors.records import FieldMapping
from luister.domain.topics import TopicKind
from luister.services.accounts import set_language
from luister.services.analysis import ingest_enrichers
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import EMAIL, create_account, raw_item, record, sign_in, signed_in_client

WEEK = (date(2026, 11, 2), date(2026, 11, 8))  # a finished week: 2–8 November 2026


def seed(settings: Settings) -> None:
    """Three mentions in the week, two in the week before (Amsterdam days), one after."""
    engine = open_database(settings=settings)
    moments = [datetime(2026, 11, 1, 23, 30, tzinfo=UTC), datetime(2026, 11, 5, 12, tzinfo=UTC),
               datetime(2026, 11, 8, 22, 30, tzinfo=UTC),  # 2 Nov 00:30, 5 Nov, 8 Nov 23:30 local
               datetime(2026, 11, 1, 22, 30, tzinfo=UTC), datetime(2026, 10, 27, 9, tzinfo=UTC),  # before
               datetime(2026, 11, 9, 9, tzinfo=UTC)]  # fmt: skip
    items = [raw_item(record(n, text=f"Voltaro {n}", created_at=m.isoformat(), followers=100))
             for n, m in enumerate(moments)]  # fmt: skip
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(items)
    engine.dispose()


def dutch(settings: Settings) -> None:
    create_account(settings)
    engine = open_database(settings=settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    engine.dispose()


def test_a_chosen_week_against_the_week_before_in_dutch(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    web = signed_in_client(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    engine.dispose()
    page = web.get("/", params={"from": WEEK[0].isoformat(), "to": WEEK[1].isoformat()})
    assert page.status_code == 200
    assert '<option value="30" selected data-custom>2–8 november 2026</option>' in page.text
    assert '<span class="spelled">2–8 november 2026</span> (Europe/Amsterdam)' in page.text
    changes = dict(re.findall(r'data-change="(\w+)">([^<]*)</small>', page.text))
    assert changes["mentions"] == "+50 % t.o.v. de 7 dagen ervoor"  # 3 against 2
    assert changes["reach"] == "+50 % t.o.v. de 7 dagen ervoor"
    assert 'name="from" value="2026-11-02"' in page.text and 'name="to" value="2026-11-08"' in page.text
    charts = json.loads(
        html.unescape(re.search(r'id="charts"[^>]*>(.*?)</script>', page.text, re.S).group(1))
    )  # type: ignore[union-attr]
    volume = [t for t in charts["volume"]["data"] if any(t["y"])][0]
    assert volume["x"] == [f"2026-11-0{d}" for d in range(2, 9)] and volume["y"] == [1, 0, 0, 1, 0, 0, 1]
    first = parse_qs(urlsplit(volume["customdata"][0]).query)  # the bar opens its local day's mentions
    assert (first["since"], first["until"]) == (["2026-11-01T23:00"], ["2026-11-02T23:00"])


def test_ranges_that_cannot_be_shown_say_why_in_the_readers_language(sqlite_settings: Settings) -> None:
    web = signed_in_client(sqlite_settings)
    cases = {("2026-11-08", "2026-11-02"): ("the end date lies before the start date",
                                            "de einddatum ligt vóór de begindatum"),
             ("2023-01-01", "2026-11-02"): ("a range of dates is at most 731 days (two years)",
                                            "een reeks datums is hoogstens 731 dagen (twee jaar)"),
             ("gisteren", "2026-11-02"): ("from: “gisteren” is not a date; write it as YYYY-MM-DD",
                                          "van: „gisteren” is geen datum; schrijf hem als JJJJ-MM-DD")}  # noqa: E501  # fmt: skip
    for (first, last), (english, _dutch) in cases.items():
        answer = web.get("/", params={"from": first, "to": last})
        assert answer.status_code == 400 and f'role="alert">{english}</p>' in answer.text, answer.text
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    engine.dispose()
    for (first, last), (_english, dutch_text) in cases.items():
        answer = web.get("/", params={"from": first, "to": last})
        assert answer.status_code == 400 and f'role="alert">{dutch_text}</p>' in answer.text, answer.text
        assert 'name="from"' in answer.text  # the form stays, to try again
    panel = web.get("/overview/panel/latest", params={"from": "2026-11-08", "to": "2026-11-02"})
    assert panel.status_code == 400


def test_the_chosen_range_on_a_phone_and_a_wide_screen(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    seed(sqlite_settings)
    dutch(sqlite_settings)
    for width in (390, 1440):
        page = browser.new_page(viewport={"width": width, "height": 900})
        sign_in(page, live_server)
        page.fill("input[name=from]", WEEK[0].isoformat())
        page.fill("input[name=to]", WEEK[1].isoformat())
        page.click("form.scope button[type=submit]")
        page.wait_for_url("**/?**from=*")
        page.wait_for_selector("[data-chart=volume][data-ready=yes]")
        assert page.locator("select[name=days] option:checked").inner_text() == "2–8 november 2026"
        assert page.locator("[data-change=mentions]").inner_text() == "+50 % t.o.v. de 7 dagen ervoor"
        assert page.locator(".totals strong").first.inner_text() == "3"
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{scroll} px wide at {width} px"
        for name in ("from", "to"):
            box = page.locator(f"input[name={name}]").bounding_box()
            assert box is not None and box["x"] + box["width"] <= width
        bars = page.locator("[data-chart=volume] .trace.bars .point path")
        assert bars.count() >= 1
        page.close()


def test_an_alert_shows_the_mentions_of_its_spike_and_links_to_all_of_them(sqlite_settings: Settings) -> None:
    web = signed_in_client(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    save_rule(engine=engine, actor="test", name="Negatief", kind=RuleKind.negative_share,
              topic_name="Voltaro", threshold=0.6, min_count=5)  # fmt: skip
    now = datetime(2026, 11, 18, 12, 30, tzinfo=UTC)
    angry = "Voltaro is waardeloos, slechte service, nooit meer"
    rows = [(now - timedelta(minutes=m), f"{angry} {m}", 100) for m in range(1, 8)]
    rows += [(now - timedelta(minutes=9), "Voltaro is geweldig, top service, heel blij", 10**6),
             (now - timedelta(hours=3), f"{angry} eerder", 10**6)]  # fmt: skip
    items = [raw_item(record(n, text=text, created_at=at.isoformat(), followers=f))
             for n, (at, text, f) in enumerate(rows)]  # fmt: skip
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="t",
             enrichers=[*ingest_enrichers(settings=sqlite_settings),
                        TopicMatchEnricher(load_matcher(engine=engine))]).run_batch(items)  # fmt: skip
    (change,) = check_rules(engine=engine, now=now)
    engine.dispose()
    page = web.get(f"/alerts/{change.alert_id}").text
    assert "all 7 mentions of this spike" in page and "geweldig" not in page and "eerder" not in page
    link = re.search(r'<a class="all-mentions" href="([^"]+)"', page)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(href).query)
    assert query == {"topic": ["Voltaro"], "since": ["2026-11-18T11:30"], "until": ["2026-11-18T12:30"],
                     "sentiment": ["negative"]}  # fmt: skip
    listed = web.get(href).text
    assert listed.count('class="text"') == 7 and "geweldig" not in listed
