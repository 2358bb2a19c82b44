"""Sources and the listener: resume without loss or duplicates, backoff, health, masked secrets."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from pytest_httpserver import HTTPServer
from sqlalchemy.engine import Engine

from luister.connectors.hackernews import HackerNewsConnector
from luister.connectors.reddit import RedditConnector
from luister.connectors.rss import RssConnector
from luister.domain.sources import SourceStatus
from luister.domain.topics import TopicKind
from luister.net.http import FetchPolicy, SafeHttp
from luister.services.listen import Listener, SourceRunResult
from luister.services.sources import (
    SourceError,
    add_source,
    get_source,
    list_sources,
    raw_options,
    remove_source,
)
from luister.services.topics import save_topic
from luister.storage.secrets import CannotDecrypt, Cipher
from luister.storage.tables import mention, source
from luister.storage.writer import SqlMentionStore
from luister.testing import FakeConnector, record, sealing_cipher

CONNECTORS = {"fake": FakeConnector}
PAGES = [[record(n) for n in range(p * 3, p * 3 + 3)] for p in range(4)]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def listener(engine: Engine, clock: Clock) -> Listener:
    return Listener(
        engine=engine,
        store=SqlMentionStore(engine),
        connectors=CONNECTORS,
        cipher=sealing_cipher(),
        clock=clock,
        rng=random.Random(1),
    )


def set_options(engine: Engine, name: str, **options: object) -> None:
    with engine.begin() as conn:
        current = conn.execute(sa.select(source.c.options).where(source.c.name == name)).scalar_one()
        conn.execute(source.update().where(source.c.name == name).values(options={**current, **options}))


def stored_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(mention.c.external_id)).scalars())


def test_a_failure_mid_way_resumes_without_loss_or_duplicates(engine: Engine) -> None:
    clock = Clock()
    add_source(
        engine=engine,
        cipher=sealing_cipher(),
        connectors=CONNECTORS,
        name="forum",
        connector="fake",
        options={"pages": PAGES, "fail_at_page": 2},
    )
    [first] = asyncio.run(listener(engine, clock).run_due())
    assert (first.fetched, first.stored) == (6, 6) and "503" in (first.error or "")
    assert get_source(engine=engine, name="forum", now=clock.now).health.status is SourceStatus.failing

    set_options(engine, "forum", fail_at_page=None)
    clock.now += timedelta(hours=7)  # past any backoff
    [second] = asyncio.run(listener(engine, clock).run_due())
    assert (second.fetched, second.stored, second.error) == (6, 6, None)
    assert stored_ids(engine) == sorted(f"m{n}" for n in range(12))
    with engine.connect() as conn:
        assert conn.execute(sa.select(source.c.cursor)).scalar_one() == {"page": 4}
        assert set(conn.execute(sa.select(mention.c.source_id)).scalars()) == {
            get_source(engine=engine, name="forum").id
        }


def test_failing_sources_back_off_and_recover(engine: Engine) -> None:
    clock = Clock()
    add_source(
        engine=engine,
        cipher=sealing_cipher(),
        connectors=CONNECTORS,
        name="flaky",
        connector="fake",
        options={"pages": PAGES, "fail_at_page": 0},
    )
    delays = []
    for _ in range(3):
        asyncio.run(listener(engine, clock).run_due())
        next_at = get_source(engine=engine, name="flaky").next_run_at
        assert next_at is not None
        delays.append(next_at - clock.now)
        assert asyncio.run(listener(engine, clock).run_due()) == []  # not due again yet
        clock.now = next_at
    assert all(d >= timedelta(seconds=60) for d in delays)
    set_options(engine, "flaky", fail_at_page=None)
    [ok] = asyncio.run(listener(engine, clock).run_due())
    assert ok.error is None
    found = get_source(engine=engine, name="flaky", now=clock.now)
    assert found.next_run_at == clock.now + timedelta(seconds=60)
    assert found.health.status is SourceStatus.ok


def test_malformed_payloads_show_as_format_drift(engine: Engine) -> None:
    clock = Clock()
    good = [[record(n) for n in range(10)]]
    add_source(
        engine=engine,
        cipher=sealing_cipher(),
        connectors=CONNECTORS,
        name="drift",
        connector="fake",
        options={"pages": good},
    )
    asyncio.run(listener(engine, clock).run_due())
    clock.now += timedelta(days=2)
    broken = [[{"id": f"x{n}", "text": ""} for n in range(8)] + [record(100), record(101)]]
    set_options(engine, "drift", pages=broken)
    with engine.begin() as conn:
        conn.execute(source.update().values(cursor=None))
    [run] = asyncio.run(listener(engine, clock).run_due(names=["drift"]))
    assert (run.fetched, run.stored, run.rejected) == (10, 2, 8)
    health = get_source(engine=engine, name="drift", now=clock.now).health
    assert health.status is SourceStatus.drifting and "format" in health.detail


def test_page_problems_without_items_fail_the_run(engine: Engine) -> None:
    add_source(
        engine=engine,
        cipher=sealing_cipher(),
        connectors=CONNECTORS,
        name="html",
        connector="fake",
        options={"pages": [[]], "problems": ["got an HTML page instead of a feed"]},
    )
    [run] = asyncio.run(listener(engine, Clock()).run_due())
    assert run.error == "got an HTML page instead of a feed"
    assert get_source(engine=engine, name="html").last_error == run.error


def test_sources_validate_options_and_mask_secrets(engine: Engine) -> None:
    with pytest.raises(SourceError, match="unknown connector"):
        add_source(
            engine=engine,
            cipher=sealing_cipher(),
            connectors=CONNECTORS,
            name="x",
            connector="twitter",
            options={},
        )
    for taken in ("new", "blog/remove"):  # the sources pages' own addresses
        with pytest.raises(SourceError, match="taken by the web pages"):
            add_source(
                engine=engine,
                cipher=sealing_cipher(),
                connectors=CONNECTORS,
                name=taken,
                connector="fake",
                options={},
            )
    with pytest.raises(SourceError, match="invalid options for fake: pages"):
        add_source(
            engine=engine,
            cipher=sealing_cipher(),
            connectors=CONNECTORS,
            name="x",
            connector="fake",
            options={"pages": "nope"},
        )
    add_source(
        engine=engine,
        cipher=sealing_cipher(),
        connectors=CONNECTORS,
        name="secret",
        connector="fake",
        options={"api_token": "abcdefghijkl"},
    )
    [found] = list_sources(engine=engine)
    assert found.options["api_token"] == "***"  # sealed: not even its last characters are shown
    assert found.health.status is SourceStatus.new
    with pytest.raises(SourceError, match="exists"):
        add_source(
            engine=engine,
            cipher=sealing_cipher(),
            connectors=CONNECTORS,
            name="secret",
            connector="fake",
            options={},
        )
    remove_source(engine=engine, name="secret")
    assert list_sources(engine=engine) == []


# --- topics pushed to the platform's search (Hacker News' Algolia API on a local server) ------------------

HN = {"hackernews": HackerNewsConnector}
RSS = {"rss": RssConnector}
HN_DATA = Path(__file__).parent.parent / "data" / "hackernews"
NO_HITS = {"hits": [], "nbHits": 0, "nbPages": 0, "page": 0, "hitsPerPage": 2}


def listen_http(
    engine: Engine, connectors: Mapping[str, type[Any]], names: Sequence[str] | None = None
) -> list[SourceRunResult]:
    async def run() -> list[SourceRunResult]:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=0)) as http:
            found = Listener(
                engine=engine,
                store=SqlMentionStore(engine),
                connectors=connectors,
                cipher=sealing_cipher(),
                http=http,
                clock=Clock(),
                rng=random.Random(1),
            )
            return await found.run_due(names=names)

    return asyncio.run(run())


def expect_search(server: HTTPServer, terms: str, answer: str | dict[str, Any], **filters: str) -> None:
    query = {"query": terms, "tags": "(story,comment)", "hitsPerPage": "2", "page": filters.pop("page", "0")}
    if filters:
        query["numericFilters"] = filters["numeric"]
    expected = server.expect_ordered_request("/api/v1/search_by_date", query_string=query)
    if isinstance(answer, dict):
        expected.respond_with_json(answer)
    else:
        expected.respond_with_data((HN_DATA / answer).read_bytes(), content_type="application/json")


def cursor_of(engine: Engine, name: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(source.c.cursor).where(source.c.name == name)).scalar_one()


def test_topics_become_platform_searches_with_a_cursor_each(engine: Engine, httpserver: HTTPServer) -> None:
    save_topic(
        engine=engine, name="voltaro", kind=TopicKind.brand, query='(voltaro OR "volt aro") -vacature lang:en'
    )
    save_topic(engine=engine, name="wild", kind=TopicKind.other, query="*service OR klacht")
    options = {"topics": "*", "api": httpserver.url_for(""), "hits_per_page": 2}
    add_source(
        engine=engine,
        cipher=sealing_cipher(),
        connectors=HN,
        name="hn",
        connector="hackernews",
        options=options,
    )
    expect_search(httpserver, "voltaro", "newer.json")
    expect_search(httpserver, '"volt aro"', NO_HITS)
    [first] = listen_http(engine, HN)
    httpserver.check_assertions()
    assert (first.error, first.fetched, first.stored) == (None, 3, 3)
    assert any(
        "'wild' is not searched on the platform" in note and "wildcard *service" in note
        for note in first.notes
    )
    voltaro = {"since": 1717588800, "ids": ["40000020"]}
    assert cursor_of(engine, "hn") == {"searches": {"voltaro": voltaro, '"volt aro"': {}}}

    save_topic(
        engine=engine, name="beta", kind=TopicKind.competitor, query="beta"
    )  # a new topic: its own backfill
    httpserver.clear()
    expect_search(httpserver, "beta", "page0.json")  # topics in name order
    expect_search(httpserver, "beta", "page1.json", page="1", numeric="created_at_i<=1717581603")
    expect_search(httpserver, "voltaro", NO_HITS, numeric="created_at_i>=1717588800")
    expect_search(httpserver, '"volt aro"', NO_HITS)
    [second] = listen_http(engine, HN, names=["hn"])
    httpserver.check_assertions()
    assert (second.error, second.fetched, second.stored) == (None, 3, 2)  # 40000010 was stored already
    beta = {"since": 1717581603, "ids": ["40000010"]}
    assert cursor_of(engine, "hn") == {"searches": {"voltaro": voltaro, '"volt aro"': {}, "beta": beta}}


def test_own_terms_keep_their_cursor_and_a_failing_search_stops_no_other(
    engine: Engine, httpserver: HTTPServer
) -> None:
    save_topic(engine=engine, name="voltaro", kind=TopicKind.brand, query="voltaro -vacature")
    save_topic(engine=engine, name="x", kind=TopicKind.other, query="NOT x")
    options = {"query": "acme", "api": httpserver.url_for(""), "hits_per_page": 2}
    add_source(
        engine=engine,
        cipher=sealing_cipher(),
        connectors=HN,
        name="hn",
        connector="hackernews",
        options=options,
    )
    with engine.begin() as conn:  # the cursor of a run from before the source had topics
        conn.execute(source.update().values(cursor={"since": 1717588800, "ids": ["40000020"]}))
    set_options(engine, "hn", topics=["voltaro", "x", "missing"])
    expect_search(httpserver, "acme", NO_HITS, numeric="created_at_i>=1717588800")
    httpserver.expect_ordered_request("/api/v1/search_by_date").respond_with_data("nope", status=400)
    [run] = listen_http(engine, HN)
    httpserver.check_assertions()
    assert (
        run.error is not None
        and run.error.startswith("search 'voltaro': FetchError")
        and "HTTP 400" in run.error
    )
    assert "topics: no topic named 'missing'" in run.notes
    assert any(
        "'x' is not searched" in note and "own terms (its query 'acme') still run" in note
        for note in run.notes
    )
    assert cursor_of(engine, "hn") == {"searches": {"": {"since": 1717588800, "ids": ["40000020"]}}}


def test_app_credentials_are_stored_whole_and_shown_masked(engine: Engine) -> None:
    options = {"subreddit": "acme", "client_id": "app-id-123", "client_secret": "s3cret-value-456"}
    added = add_source(
        engine=engine,
        cipher=sealing_cipher(),
        connectors={"reddit": RedditConnector},
        name="r",
        connector="reddit",
        options=options,
    )
    assert (added.options["client_id"], added.options["client_secret"]) == ("***", "***")
    stored, _ = raw_options(engine=engine, cipher=sealing_cipher(), source_id=added.id)
    assert (stored["client_id"], stored["client_secret"]) == ("app-id-123", "s3cret-value-456")
    with engine.connect() as conn:  # at rest: encrypted, whatever reads the database file
        row = conn.execute(sa.select(source.c.options).where(source.c.id == added.id)).scalar_one()
    assert row["subreddit"] == "acme"
    assert "app-id-123" not in str(row) and "s3cret-value-456" not in str(row)
    assert set(row["client_secret"]) == {"$sealed"}
    with pytest.raises(CannotDecrypt, match="cannot decrypt option 'client_id' of source 'r'"):
        raw_options(engine=engine, cipher=Cipher([Fernet.generate_key()]), source_id=added.id)


def test_push_only_sources_are_not_run_by_listening(engine: Engine) -> None:
    from luister.connectors.webhook import WebhookConnector
    from luister.storage.tables import source_run

    connectors = {"fake": FakeConnector, "webhook": WebhookConnector}
    add_source(engine=engine, cipher=sealing_cipher(), connectors=connectors, name="crm", connector="webhook",
               options={"secret": "s" * 24})  # fmt: skip
    runner = Listener(
        engine=engine,
        store=SqlMentionStore(engine),
        connectors=connectors,
        cipher=sealing_cipher(),
        clock=Clock(),
    )
    assert asyncio.run(runner.run_due()) == []
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(source_run)).scalar_one() == 0


def test_a_long_retry_after_is_kept_to_at_the_next_run(engine: Engine, httpserver: HTTPServer) -> None:
    """Retry-After: 3600 on a feed: one request, and the source is not due again for an hour."""
    add_source(engine=engine, cipher=sealing_cipher(), connectors=RSS, name="feed", connector="rss",
               options={"url": httpserver.url_for("/feed.xml")})  # fmt: skip
    httpserver.expect_request("/feed.xml").respond_with_data("", status=429, headers={"Retry-After": "3600"})
    [run] = listen_http(engine, RSS)
    assert run.retry_after == 3600 and "Retry-After" in (run.error or "")
    assert len(httpserver.log) == 1
    next_at = get_source(engine=engine, name="feed").next_run_at
    assert next_at is not None and next_at >= Clock().now + timedelta(hours=1)
