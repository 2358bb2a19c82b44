"""The overview page: in process, and in a real browser with hostile mention text."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from luister.connectors.records import FieldMapping
from luister.services.analysis import ingest_enrichers
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import create_account, raw_item, record, sign_in, signed_in_client

HOSTILE = [
    '<script>window.__pwned = "script"</script> Voltaro storing',
    "<img src=x onerror=\"window.__pwned = 'img'\"> Voltaro app kapot",
    '"><svg onload="window.__pwned=\'svg\'"> klantenservice',
]


def seed(settings: Settings) -> None:
    engine = open_database(settings=settings)
    items = [
        raw_item(record(n, text=text, title="<b>kop</b>" if n == 0 else None))
        for n, text in enumerate(HOSTILE)
    ]
    items.append(raw_item(record(9, url="javascript:alert(1)")))
    pipeline = Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test",
                        enrichers=ingest_enrichers(settings=settings))  # fmt: skip
    pipeline.run_batch(items)
    engine.dispose()


def client(settings: Settings) -> TestClient:
    return signed_in_client(settings)  # type: ignore[no-any-return]


def test_empty_state_tells_what_to_do(sqlite_settings: Settings) -> None:
    response = client(sqlite_settings).get("/")
    assert response.status_code == 200
    assert "No mentions yet" in response.text and "luister demo" in response.text


def test_health(sqlite_settings: Settings) -> None:
    assert client(sqlite_settings).get("/healthz").json()["status"] == "ok"


def test_mention_text_is_escaped_in_html(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    browser_client = client(sqlite_settings)
    html = browser_client.get("/overview/panel/latest").text
    assert "&lt;script&gt;" in html and "<script>window" not in html
    assert "&lt;img src=x onerror=" in html and "&lt;b&gt;kop&lt;/b&gt;" in html
    assert 'href="javascript:' not in html
    page = browser_client.get("/").text
    assert "<script>window" not in page and "onerror" not in page


def test_overview_shows_totals_sentiment_and_competitors(sqlite_settings: Settings) -> None:
    from luister.domain.topics import TopicKind
    from luister.services.matching import rematch
    from luister.services.topics import save_topic

    seed(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    save_topic(
        engine=engine, name="<img src=x onerror=alert(1)>", kind=TopicKind.competitor, query="klantenservice"
    )
    rematch(engine=engine)
    web = client(sqlite_settings)
    html = web.get("/").text
    assert ">4</a></strong><span>mentions" in html
    assert "Share of voice: brand vs competitors" in html and "Brand vs competitors" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert 'data-chart="volume"' in html and "/vendor/plotly.min.js" in html
    bad = web.get("/", params={"topic": "nope"})
    assert bad.status_code == 400 and "there is no topic" in bad.text
    assert web.get("/", params={"since": "yesterday"}).status_code == 400


def test_panels_and_plotly_are_served(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    web = client(sqlite_settings)
    for name in ("authors", "terms", "engaging", "latest"):
        assert web.get(f"/overview/panel/{name}").status_code == 200, name
    assert web.get("/overview/panel/nothing").status_code == 404
    js = web.get("/vendor/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000 and "max-age" in js.headers["cache-control"]


def test_overview_lists_the_latest_alerts_escaped(sqlite_settings: Settings) -> None:
    from datetime import UTC, datetime, timedelta

    from luister.alerts.actions import save_rule
    from luister.alerts.detection import check_rules
    from luister.alerts.model import RuleKind
    from luister.domain.topics import TopicKind
    from luister.services.topics import save_topic

    engine = open_database(settings=sqlite_settings)
    save_topic(engine=engine, name="<i>Voltaro</i>", kind=TopicKind.brand, query="voltaro")
    save_rule(
        engine=engine,
        actor="test",
        name="Storing <b>",
        kind=RuleKind.query,
        query="storing",
        topic_name="<i>Voltaro</i>",
    )
    items = [
        raw_item(record(n, text="Voltaro storing", created_at=datetime.now(UTC).isoformat()))
        for n in range(2)
    ]
    pipeline = Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test",
                        enrichers=[TopicMatchEnricher(load_matcher(engine=engine))])  # fmt: skip
    pipeline.run_batch(items)
    assert check_rules(engine=engine, now=datetime.now(UTC) + timedelta(seconds=1))
    engine.dispose()
    web = client(sqlite_settings)
    html = web.get("/").text
    assert "<h2>Alerts</h2>" in html
    assert "&lt;i&gt;Voltaro&lt;/i&gt;: 2 new mentions match storing" in html
    assert "rule Storing &lt;b&gt;" in html
    save_topic(engine=open_database(settings=sqlite_settings), name="Enerlux", kind=TopicKind.competitor,
               query="enerlux")  # fmt: skip
    assert "<h2>Alerts</h2>" in web.get("/", params={"topic": "<i>Voltaro</i>"}).text
    assert "<h2>Alerts</h2>" not in web.get("/", params={"topic": "Enerlux"}).text  # only the topic's own
    from luister.services.accounts import set_language
    from luister.testing import EMAIL

    set_language(engine=open_database(settings=sqlite_settings), email=EMAIL, language="nl", actor="test")
    assert "&lt;i&gt;Voltaro&lt;/i&gt;: 2 nieuwe vermeldingen voldoen aan storing" in web.get("/").text
    from luister.services.accounts import set_department

    engine = open_database(settings=sqlite_settings)
    save_topic(
        engine=engine, name="<i>Voltaro</i>", kind=TopicKind.brand, query="voltaro", department="legal"
    )
    set_department(engine=engine, email=EMAIL, department="webcare", actor="test")
    assert "<h2>Meldingen</h2>" not in web.get("/").text  # another department's topic: its alert is not shown


def test_hostile_text_runs_nothing_in_the_browser(
    sqlite_settings: Settings, live_server: str, browser: Browser, tmp_path: Path
) -> None:
    seed(sqlite_settings)
    create_account(sqlite_settings)
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server)
    page.wait_for_selector("[data-panel='/overview/panel/latest?'][data-ready=yes]")
    texts = page.locator(".mentions .text").all_inner_texts()
    assert any(HOSTILE[0] in text for text in texts)
    assert any(HOSTILE[1] in text for text in texts)
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator(".mentions script, .mentions img, .mentions svg").count() == 0
    assert dialogs == []
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    page.close()


def test_clicking_a_chart_opens_the_mentions_behind_it(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    from datetime import UTC, datetime, timedelta

    engine = open_database(settings=sqlite_settings)
    day = datetime(2026, 10, 1, 9, tzinfo=UTC)
    items = [
        raw_item(
            record(n, text=f"Voltaro bericht {n}", created_at=(day + timedelta(days=offset)).isoformat())
        )
        for n, offset in enumerate([0, 0, 0, 0, 0, 2, 2, 2])  # five on the first day, three two days later
    ]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(items)
    engine.dispose()
    create_account(sqlite_settings)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server)
    page.wait_for_selector("[data-chart=volume][data-ready=yes]")
    bars = page.locator("[data-chart=volume] .trace.bars .point path")
    heights = [box["height"] if (box := bars.nth(i).bounding_box()) else 0 for i in range(bars.count())]
    tallest = bars.nth(heights.index(max(heights))).bounding_box()
    assert tallest is not None
    page.mouse.click(tallest["x"] + tallest["width"] / 2, tallest["y"] + tallest["height"] - 3)
    page.wait_for_url("**/mentions?**")
    assert "since=2026-10-01" in page.url and "until=2026-10-02" in page.url
    assert page.locator(".mentions li").count() == 5
    assert page.locator("input[name=since]").input_value() == "2026-10-01"  # the period, in the form
    assert page.locator("input[name=until]").input_value() == "2026-10-02"
    page.close()


def test_odd_addresses_get_an_answer_not_a_server_error(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    web = client(sqlite_settings)
    odd = [
        "0001-01-01",
        "1970-01-02",
        "2199-12-30",
        "9999-12-31T23:59",
        "2026-11-01T25:00",
        "abc",
        "-1",
        "\x00",
        "%",
        "<script>",
    ]
    for path in ("/", "/mentions", "/overview/panel/latest", "/overview/panel/authors"):
        for name in ("days", "since", "until", "from", "to", "topic", "country", "before"):
            for value in odd:
                answer = web.get(path, params={name: value})
                assert answer.status_code < 500, (path, name, value, answer.status_code)
    assert web.get("/", params={"since": "0001-01-01"}).status_code == 400
    for number in (0, -1, 2**63, 10**30):  # ids no table can hold: no database error reaches the page
        for path in (f"/mentions/{number}", f"/alerts/{number}", f"/topics/{number}/edit"):
            assert web.get(path).status_code in (404, 422), path


def test_panels_stay_inside_their_columns(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    """A long handle and big numbers must not push the authors table over the trending panel beside it."""
    engine = open_database(settings=sqlite_settings)
    handle = "zonnepaneelfreak143.heel-lang-voorbeeld.bsky.social"
    items = [raw_item(record(n, author=handle, followers=2_240_490_000, channel="bluesky")) for n in range(3)]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(items)
    engine.dispose()
    create_account(sqlite_settings)
    for width in (1280, 900):
        page = browser.new_page(viewport={"width": width, "height": 900})
        sign_in(page, live_server)
        page.wait_for_selector("[data-panel^='/overview/panel/authors'][data-ready=yes]")
        assert handle in page.locator("table.authors").inner_text()
        page.locator("table.authors").scroll_into_view_if_needed()
        panel = page.locator(".panels > .panel").first.bounding_box()  # boxes are in viewport coordinates
        table = page.locator("table.authors").bounding_box()
        assert panel is not None and table is not None
        # just right of the authors panel, level with its table: the gap or the next panel, not the table
        beside = page.evaluate(
            "([x, y]) => !!document.elementFromPoint(x, y)?.closest('table.authors')",
            [panel["x"] + panel["width"] + 4, table["y"] + table["height"] / 2],
        )
        assert beside is False, f"the authors table spills over the next panel at {width} px"
        page.close()


def test_chart_labels_are_whole_and_read_as_typed(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    """Long topic names end in an ellipsis inside the chart, quotes show as quotes, and the country
    "unknown" is not cut to "nknown" at the axis's edge."""
    from datetime import UTC, datetime, timedelta

    from luister.domain.topics import TopicKind
    from luister.services.topics import save_topic

    engine = open_database(settings=sqlite_settings)
    long_name = 'Voltaro "Zonnedeal" zomercampagne in Nederland en België'
    save_topic(engine=engine, name=long_name, kind=TopicKind.brand, query="voltaro")
    save_topic(engine=engine, name="O'Neill & <Co>", kind=TopicKind.competitor, query="oneill")
    day = datetime.now(UTC) - timedelta(days=2)
    texts = ["Voltaro storing", "Voltaro app kapot", "oneill is beter"]
    items = [raw_item(record(n, text=text, created_at=(day + timedelta(minutes=n)).isoformat()))
             for n, text in enumerate(texts)]  # fmt: skip
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test",
             enrichers=[TopicMatchEnricher(load_matcher(engine=engine))]).run_batch(items)  # fmt: skip
    engine.dispose()
    create_account(sqlite_settings)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server)
    page.wait_for_selector("[data-chart=voice][data-ready=yes] .ytick text")
    names = page.locator("[data-chart=voice] .ytick text").evaluate_all(
        "ticks => ticks.map(t => t.textContent)"
    )
    assert sorted(names) == ["O'Neill & <Co>", 'Voltaro "Zonnedeal" zomerca…']  # 28 characters at most
    for chart, label in (("voice", "Voltaro"), ("channels", "unknown")):
        plot = page.locator(f"[data-chart={chart}]").bounding_box()
        tick = page.locator(f"[data-chart={chart}] .ytick text", has_text=label).bounding_box()
        assert plot is not None and tick is not None and tick["x"] >= plot["x"], (chart, label)
    page.close()


def test_a_range_of_dates_and_the_period_menu_show_the_period_in_force(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    from datetime import UTC, datetime, timedelta

    from luister.web.ranges import spell_days

    engine = open_database(settings=sqlite_settings)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(minutes=30)
    items = [raw_item(record(n, text=f"Voltaro {n}", created_at=(now - timedelta(days=n)).isoformat()))
             for n in (1, 2, 10, 40)]  # fmt: skip
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(items)
    engine.dispose()
    create_account(sqlite_settings)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, live_server)
    today = now.astimezone(sqlite_settings.zone).date()  # dates are days in the listened-to time zone
    first, last = today - timedelta(days=12), today - timedelta(days=2)  # both included
    page.fill("input[name=from]", first.isoformat())
    page.fill("input[name=to]", last.isoformat())
    page.click("form.scope button[type=submit]")
    page.wait_for_url("**/?**from=*")
    chosen = page.locator("select[name=days] option:checked").inner_text()
    assert chosen == spell_days(first, last, "en")  # the menu names the period in force
    assert page.locator(".period .spelled").inner_text() == chosen
    assert page.input_value("input[name=from]") == first.isoformat()
    assert page.locator(".totals strong").first.inner_text() == "2"  # 10 and 2 days ago; not 1 (after)
    page.select_option("select[name=days]", "7")  # a period from the menu replaces the dates
    assert page.input_value("input[name=from]") == "" and page.input_value("input[name=to]") == ""
    page.click("form.scope button[type=submit]")
    page.wait_for_url("**/?**days=7*")
    assert page.locator("select[name=days] option:checked").inner_text().startswith("last 7 days (")
    assert page.locator(".totals strong").first.inner_text() == "2"  # 1 and 2 days ago
    page.close()
