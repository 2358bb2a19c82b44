"""Searching mentions, reading one with its raw payload, correcting its labels — also in Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import Browser

from luister.connectors.records import FieldMapping
from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.services.accounts import set_department, set_role
from luister.services.analysis import ingest_enrichers
from luister.services.audit import entries
from luister.services.corrections import corrected_mentions
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import EMAIL, create_account, raw_item, record, sign_in, signed_in_client

TEXTS = [
    "Voltaro storing: de app ligt eruit <script>window.__pwned=1</script>",
    "Super geholpen door Voltaro, top service",
    "Stroomwijs verhoogt de prijzen",
]


def seed(settings: Settings) -> None:
    engine = open_database(settings=settings)
    items = [
        raw_item(record(n, text=text, lang=None, thread_id="t1"), f"line {n}") for n, text in enumerate(TEXTS)
    ]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test",
             enrichers=ingest_enrichers(settings=settings)).run_batch(items)  # fmt: skip
    engine.dispose()


def test_search_with_the_query_language_and_filters(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    client = signed_in_client(sqlite_settings)
    everything = client.get("/mentions").text
    assert everything.count('class="text"') == 3 and "&lt;script&gt;" in everything
    found = client.get("/mentions", params={"q": 'voltaro -"top service"'}).text
    assert found.count('class="text"') == 1 and "storing" in found
    negative = client.get("/mentions", params={"sentiment": "negative"}).text
    assert "storing" in negative and "Super geholpen" not in negative
    bad = client.get("/mentions", params={"q": "voltaro AND ("})
    assert bad.status_code == 400 and "expected" in bad.text


def test_paging_is_keyset_and_complete(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    items = [raw_item(record(n, text=f"bericht nummer {n}"), f"line {n}") for n in range(120)]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="t").run_batch(items)
    client = signed_in_client(sqlite_settings)
    seen: list[str] = []
    url = "/mentions"
    while url:
        page = client.get(url).text
        seen += re.findall(r"bericht nummer (\d+)", page)
        more = re.search(r'href="(/mentions\?[^"]+)">Older', page)
        url = more.group(1).replace("&amp;", "&") if more else ""
    assert sorted(map(int, seen)) == list(range(120))


def test_detail_shows_raw_and_thread_and_a_correction_is_stored(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    client = signed_in_client(sqlite_settings)
    page = client.get("/mentions/1")
    assert page.status_code == 200 and "Raw payload" in page.text and "In the same thread" in page.text
    assert re.search(r'primary intent <strong class="primary-intent">\w+</strong>', page.text)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page.text and "<script>window" not in page.text
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert client.post("/mentions/1/correct", data={"sentiment": "neutral"}).status_code == 403  # no CSRF
    form = {"sentiment": "negative", "intent": ["complaint", "crisis"], "csrf": token}
    done = client.post("/mentions/1/correct", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert [
        (c.sentiment, c.intents) for c in corrected_mentions(engine=open_database(settings=sqlite_settings))
    ] == [("negative", ("complaint", "crisis"))]
    assert entries(engine=open_database(settings=sqlite_settings))[0].actor == EMAIL
    assert client.get("/mentions/999").status_code == 404


def test_detail_names_its_topics_and_the_mention_it_nearly_copies(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    save_topic(engine=engine, name="Voltaro <b>", kind=TopicKind.brand, query="voltaro")
    save_topic(engine=engine, name="Storingen", kind=TopicKind.other, query="storing OR plat")
    save_topic(engine=engine, name="Enerlux", kind=TopicKind.competitor, query="enerlux")
    text = "Grote storing bij Voltaro, app en slimme meter liggen plat"
    items = [
        raw_item(record(1, text=text)),
        raw_item(record(2, text=f"RT @nos: {text}! https://nos.example/1")),
    ]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test",
             enrichers=[TopicMatchEnricher(load_matcher(engine=engine))]).run_batch(items)  # fmt: skip
    client = signed_in_client(sqlite_settings)
    copy = client.get("/mentions/2").text
    assert (
        '<a href="/mentions?topic=Storingen">Storingen</a>, '
        '<a href="/mentions?topic=Voltaro+%3Cb%3E">Voltaro &lt;b&gt;</a>'
    ) in copy  # alphabetically, escaped, each a link to its mentions
    assert "Enerlux" not in copy
    assert 'near-duplicate of</em> <a href="/mentions/1">#1</a>' in copy
    original = client.get("/mentions/1").text
    assert "near-duplicate of" not in original and "Storingen</a>" in original
    save_topic(
        engine=engine, name="Storingen", kind=TopicKind.other, query="storing OR plat", department="legal"
    )
    set_department(engine=engine, email=EMAIL, department="webcare", actor="test")
    assert "Storingen" not in client.get("/mentions/1").text  # another department's topic is not named


def test_a_viewer_cannot_correct(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    client = signed_in_client(sqlite_settings)
    set_role(engine=open_database(settings=sqlite_settings), email=EMAIL, role=Role.viewer, actor="test")
    page = client.get("/mentions/1").text
    assert "Correct the labels" not in page
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    refused = client.post("/mentions/1/correct", data={"sentiment": "neutral", "csrf": token})
    assert refused.status_code == 403 and "may not do this" in refused.text


def test_correcting_a_label_in_the_browser(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    seed(sqlite_settings)
    create_account(sqlite_settings)
    page = browser.new_page()
    sign_in(page, live_server)
    page.click("text=Mentions")
    page.fill("input[name=q]", "storing")
    page.click("button:has-text('Search')")
    page.click(".mentions a:has-text('details')")
    assert page.evaluate("window.__pwned === undefined")
    page.select_option("select[name=sentiment]", "neutral")
    page.check("input[value=feedback]")
    page.click("button:has-text('Save correction')")
    page.wait_for_url(re.compile(r".*corrected=1"))
    assert page.locator(".analysis .sentiment").inner_text() == "neutral"
    assert "feedback" in page.locator(".analysis .intents").inner_text()
    assert "human" in page.locator(".analysis").inner_text()
    page.close()


def test_a_broken_page_cursor_is_a_clear_error(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    client = signed_in_client(sqlite_settings)
    for cursor in ("500000", "x.y", "1" * 60):
        page = client.get("/mentions", params={"before": cursor})
        assert page.status_code == 400 and "no longer exists" in page.text


def test_topic_references_and_deep_nesting_on_the_page(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    engine.dispose()
    client = signed_in_client(sqlite_settings)
    found = client.get("/mentions", params={"q": "topic:voltaro AND storing"})
    assert found.status_code == 200 and found.text.count('class="text"') == 1 and "storing" in found.text
    unknown = client.get("/mentions", params={"q": "topic:Nergens"})
    assert unknown.status_code == 400
    assert "the query refers to unknown topic &#39;Nergens&#39;" in unknown.text
    deep = client.get("/mentions", params={"q": "NOT " * 500 + "a"})
    assert deep.status_code == 400 and "nested too deeply at column 129" in deep.text


def test_links_in_the_text_open_outside_and_nothing_else_becomes_a_link() -> None:
    from luister.web.context import linked

    text = (
        'Zie https://voltaro.example/storing?a=1&b=2. En "javascript:alert(1)" '
        '<b>https://x.example/"onmouseover=x</b>'
    )
    html = str(linked(text))
    url = "https://voltaro.example/storing?a=1&amp;b=2"
    opens = 'rel="nofollow noopener noreferrer ugc" target="_blank"'
    assert html.startswith(f'Zie <a href="{url}" {opens}>{url}</a>.')
    assert "javascript:alert(1)" in html and 'href="javascript' not in html and "<b>" not in html
    assert '<a href="https://x.example/" rel' in html and "&#34;onmouseover=x&lt;/b&gt;" in html
    assert str(linked("geen link: http//x en ftp://y")) == "geen link: http//x en ftp://y"


def test_the_list_links_to_the_original_post(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    page = signed_in_client(sqlite_settings).get("/mentions").text
    assert page.count('target="_blank">original ↗</a>') == 3
