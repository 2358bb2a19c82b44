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
    html = client(sqlite_settings).get("/").text
    assert "&lt;script&gt;" in html and "<script>window" not in html
    assert "&lt;img src=x onerror=" in html and "&lt;b&gt;kop&lt;/b&gt;" in html
    assert 'href="javascript:' not in html


def test_overview_shows_sentiment_and_intents(sqlite_settings: Settings) -> None:
    seed(sqlite_settings)
    html = client(sqlite_settings).get("/").text
    assert "<caption>Sentiment</caption>" in html and "<caption>Intent</caption>" in html
    assert 'class="sentiment negative"' in html  # "Voltaro storing", "app kapot" read as negative


def test_overview_lists_the_latest_alerts_escaped(sqlite_settings: Settings) -> None:
    from datetime import UTC, datetime, timedelta

    from luister.domain.alerting import RuleKind
    from luister.domain.topics import TopicKind
    from luister.services.alert_detection import check_rules
    from luister.services.alert_rules import save_rule
    from luister.services.topics import save_topic

    engine = open_database(settings=sqlite_settings)
    save_topic(engine=engine, name="<i>Voltaro</i>", kind=TopicKind.brand, query="voltaro")
    save_rule(
        engine=engine, name="Storing <b>", kind=RuleKind.query, query="storing", topic_name="<i>Voltaro</i>"
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
    html = client(sqlite_settings).get("/").text
    assert "<h2>Alerts</h2>" in html
    assert "&lt;i&gt;Voltaro&lt;/i&gt;: 2 new mentions match storing" in html
    assert "rule Storing &lt;b&gt;" in html


def test_hostile_text_runs_nothing_in_the_browser(
    sqlite_settings: Settings, live_server: str, browser: Browser, tmp_path: Path
) -> None:
    seed(sqlite_settings)
    create_account(sqlite_settings)
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server)
    texts = page.locator(".mentions .text").all_inner_texts()
    assert any(HOSTILE[0] in text for text in texts)
    assert any(HOSTILE[1] in text for text in texts)
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator(".mentions script, .mentions img, .mentions svg").count() == 0
    assert dialogs == []
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    page.close()
