"""Trending terms and top authors over stored mentions, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.topics import TopicKind
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.services.trends import estimated_impressions, top_authors, trending_terms
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def store(engine: Engine, rows: list[dict[str, object]]) -> None:
    pipeline = Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="t",
                        enrichers=[TopicMatchEnricher(load_matcher(engine=engine))])  # fmt: skip
    pipeline.run([raw_item(r, f"line {n}") for n, r in enumerate(rows)], batch_size=500)


def row(n: int, text: str, at: datetime, **extra: object) -> dict[str, object]:
    return {"id": f"m{n}", "channel": "mastodon", "text": text, "created_at": at.isoformat(),
            "author": f"user{n % 11}", **extra}  # fmt: skip


def test_trending_terms_per_topic(engine: Engine) -> None:
    voltaro = save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    rows = []
    for n in range(600):  # a week of ordinary talk
        at = NOW - timedelta(days=1, hours=1 + n % 159)
        rows.append(row(n, f"voltaro factuur vraag {n} over mijn termijnbedrag", at))
    for n in range(600, 640):  # today: the meter gateway is down, in different words
        at = NOW - timedelta(hours=1 + n % 20)
        rows.append(row(n, f"voltaro slimme meter geeft niks door ({n}) #storing", at))
    for n in range(640, 700):  # today, another brand's news, not in the topic
        rows.append(row(n, f"Enerlux verlaagt tarieven ({n})", NOW - timedelta(hours=n % 20)))
    store(engine, rows)
    everything = trending_terms(engine=engine, now=NOW, hours=24, baseline_days=7)
    assert {"slimme meter", "#storing", "enerlux verlaagt"} <= {b.term for b in everything.bursts}
    within = trending_terms(engine=engine, now=NOW, topic_id=voltaro.id, hours=24, baseline_days=7)
    terms = {b.term for b in within.bursts}
    assert {"slimme meter", "#storing"} <= terms and not any("enerlux" in t for t in terms)
    assert (within.mentions, within.baseline_mentions) == (40, 600)
    assert "factuur" not in terms


def test_top_authors_rank_by_estimated_impressions(engine: Engine) -> None:
    hour = timedelta(hours=1)
    store(engine, [
        row(1, "voltaro 1", NOW - hour, author="bigpaper", followers=200_000, likes=10, shares=5),
        row(2, "voltaro 2", NOW - 2 * hour, author="bigpaper", followers=200_000, replies=3),
        row(3, "voltaro 3", NOW - timedelta(hours=3), author="viral", followers=50, views=90_000),
        row(4, "voltaro 4", NOW - timedelta(hours=4), author="someone", followers=10),
        row(5, "voltaro 5", NOW - timedelta(days=30), author="old", followers=9_000_000),
    ])  # fmt: skip
    found = top_authors(engine=engine, start=NOW - timedelta(days=7), end=NOW)
    assert [a.handle for a in found] == ["viral", "bigpaper", "someone"]  # 90,000 views beat 2 × 40,000
    assert (found[1].mentions, found[1].engagement, found[1].impressions) == (2, 18, 80_000)
    assert found[0].impressions == 90_000 and found[2].impressions == 2
    assert estimated_impressions(followers=1000, views=None) == 200
    assert estimated_impressions(followers=1000, views=7) == 7
