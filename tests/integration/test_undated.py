"""Mentions whose source gave no date (issue #24): kept, dated when fetched and marked; counted in totals
(a topic's mentions) but in no period's figures, the rollups' incremental and rebuilt counts agreeing;
and reported, as a warning, in their source's health. On both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.rollups import ALL_TOPICS, UNDATED
from luister.domain.sources import SourceStatus
from luister.domain.topics import TopicKind
from luister.plugins import load_plugins
from luister.services import analytics
from luister.services.analysis import ingest_enrichers
from luister.services.ingest import Pipeline, prepare_batch
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.mentions import search_mentions
from luister.services.sources import add_source, get_source, list_sources
from luister.services.topics import list_topics, save_topic
from luister.services.trends import top_authors, trending_terms
from luister.settings import Settings
from luister.storage import rollups
from luister.storage.tables import ROLLUP_TABLES, source_run
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record, sealing_cipher

FETCHED = datetime(2026, 11, 18, 12, 10, tzinfo=UTC)


def store(
    settings: Settings, engine: Engine, records: list[dict[str, Any]], *, fetched_at: datetime,
    source_id: int | None = None,
) -> None:  # fmt: skip
    pipeline = Pipeline(
        mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test", source_id=source_id,
        enrichers=[*ingest_enrichers(settings=settings), TopicMatchEnricher(load_matcher(engine=engine))],
    )  # fmt: skip
    items = [raw_item(r, f"line {n}") for n, r in enumerate(records)]
    pipeline.store_prepared(prepare_batch(items, mapper=pipeline.mapper, origin="test", source_id=source_id,
                                          enrichers=pipeline.enrichers, fetched_at=fetched_at))  # fmt: skip


def undated(n: int, **fields: Any) -> dict[str, Any]:
    found = record(n, **fields)
    del found["created_at"]
    return found


def hour_rows(engine: Engine) -> dict[tuple[Any, ...], int]:
    table = ROLLUP_TABLES["rollup_hour"]
    with engine.connect() as conn:
        found: dict[tuple[Any, ...], int] = {}
        for row in conn.execute(sa.select(table.c.topic_id, table.c.bucket, table.c.mentions)):
            found[(row.topic_id, row.bucket)] = found.get((row.topic_id, row.bucket), 0) + row.mentions
        return found


def test_undated_mentions_count_in_totals_but_in_no_period(settings: Settings, engine: Engine) -> None:
    voltaro = save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    dated = [record(n, created_at=(FETCHED - timedelta(hours=3)).isoformat()) for n in range(3)]
    store(settings, engine, dated, fetched_at=FETCHED)
    store(settings, engine, [undated(100 + n) for n in range(4)], fetched_at=FETCHED)

    hours = hour_rows(engine)
    assert hours[(ALL_TOPICS, UNDATED)] == 4 and hours[(voltaro.id, UNDATED)] == 4
    fetch_hour = FETCHED.replace(minute=0)
    assert (ALL_TOPICS, fetch_hour) not in hours  # not counted at the hour they were fetched
    assert hours[(ALL_TOPICS, fetch_hour - timedelta(hours=3))] == 3
    # the incremental counts equal a recount from scratch, also once retention made old buckets final
    assert rollups.recount(engine, repair=False).drift == []
    with engine.begin() as conn:
        rollups.mark_final(conn, FETCHED - timedelta(days=2))
    assert rollups.recount(engine, repair=False).drift == []
    rollups.rebuild(engine)
    assert hour_rows(engine) == hours

    # totals that are no time series include them; a period's figures do not, and say how many are left out
    assert {t.name: t.mentions for t in list_topics(engine=engine)} == {"Voltaro": 7}
    day = FETCHED.replace(hour=0, minute=0)
    for topic_id in (ALL_TOPICS, voltaro.id):
        seen = analytics.overview(
            engine=engine,
            scope=analytics.Scope(since=day, until=day + timedelta(days=1), topic_id=topic_id),
        )
        assert seen.totals.mentions == 3 and sum(p.mentions for p in seen.series) == 3
        assert seen.undated == 4
    far_back = analytics.Scope(since=datetime(1969, 12, 1, tzinfo=UTC), until=day + timedelta(days=1))
    assert analytics.overview(engine=engine, scope=far_back).totals.mentions == 3  # no period holds them

    # the mention read model says which are undated; published_at is then when they were fetched
    page = search_mentions(engine=engine)
    marked = {m.published_at: m.date_known for m in page.mentions}
    assert marked == {FETCHED: False, FETCHED - timedelta(hours=3): True}


def test_a_source_health_warns_of_mentions_without_a_date(settings: Settings, engine: Engine) -> None:
    now = FETCHED + timedelta(hours=1)
    feed = add_source(
        engine=engine,
        connectors=load_plugins().connectors(),
        cipher=sealing_cipher(),
        name="nieuws",
        connector="rss",
        options={"url": "https://nieuws.example/feed"},
    )
    other = add_source(
        engine=engine,
        connectors=load_plugins().connectors(),
        cipher=sealing_cipher(),
        name="blog",
        connector="rss",
        options={"url": "https://blog.example/feed"},
    )
    with engine.begin() as conn:
        conn.execute(source_run.insert(), [
            {"source_id": s.id, "started_at": FETCHED, "finished_at": FETCHED, "fetched": 14, "stored": 14,
             "rejected": 0, "error": None}
            for s in (feed, other)
        ])  # fmt: skip
    store(settings, engine, [undated(n) for n in range(12)], fetched_at=FETCHED, source_id=feed.id)
    store(settings, engine, [record(50 + n) for n in range(2)], fetched_at=FETCHED, source_id=feed.id)
    store(settings, engine, [undated(60)], fetched_at=FETCHED - timedelta(days=3), source_id=feed.id)  # old
    store(settings, engine, [undated(70)], fetched_at=FETCHED, source_id=other.id)

    health = {s.name: s.health for s in list_sources(engine=engine, now=now)}
    assert health["nieuws"].status is SourceStatus.ok  # a warning, not a fault
    assert health["nieuws"].undated == 12 and health["blog"].undated == 1
    assert health["nieuws"].warnings == (
        "12 mentions without a date in the last 24 hours: dated when fetched",
    )
    assert health["blog"].warnings == ("1 mention without a date in the last 24 hours: dated when fetched",)
    assert get_source(engine=engine, name="nieuws", now=now).health.undated == 12
    assert get_source(engine=engine, name="nieuws", now=now + timedelta(days=2)).health.warnings == ()


def test_undated_mentions_make_no_trending_terms(settings: Settings, engine: Engine) -> None:
    """An import of old undated items about one thing is no burst of that thing in the fetch window."""
    now = FETCHED + timedelta(hours=1)
    store(settings, engine, [undated(n, text=f"Voltaro faillissement archief {n}") for n in range(40)],
          fetched_at=FETCHED)  # fmt: skip
    found = trending_terms(engine=engine, now=now, hours=24, min_mentions=3)
    assert found.mentions == 0 and found.bursts == []
    assert top_authors(engine=engine, start=now - timedelta(days=1), end=now) == []
