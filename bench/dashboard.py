"""Dashboard benchmark: the overview and mention-list requests on a large SQLite database.

    python bench/dashboard.py                    # 1,000,000 mentions (built once, kept in .cache/bench/)
    python bench/dashboard.py --mentions 100000  # a smaller database
    python bench/dashboard.py --rebuild          # build the database again

The database is written through the real batch writer (so the rollups are maintained as at ingest):
90 days, 8 channels, 7 countries, Dutch/English/other, sentiment and intents as an analyser would set
them, 12 topics (a brand, 5 competitors, campaigns) matched to about 60 % of the mentions. Requests go
through the whole app in process (routing, session, services, template), signed in. Prints one figure
per line: p50 and p95 in milliseconds per kind of request, over --repeat runs each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from luister.app import create_app
from luister.domain.accounts import Role
from luister.domain.mentions import Mention
from luister.domain.topics import TopicKind
from luister.runtime import Runtime
from luister.services.accounts import create_user
from luister.services.analytics import default_scope
from luister.services.mentions import page_cursor
from luister.services.topics import save_topic
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.tables import mention
from luister.storage.writer import SqlMentionStore
from luister.web.pages.overview import SLOW_PANELS

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "bench"
START = datetime(2026, 8, 1, tzinfo=UTC)
DAYS = 90
CHANNELS = (("rss", 5), ("mastodon", 4), ("reddit", 3), ("bluesky", 3), ("hackernews", 1), ("discourse", 1),
            ("review", 1), ("webhook", 1))  # fmt: skip
COUNTRIES = (("NL", 6), ("BE", 3), (None, 3), ("GB", 1), ("DE", 1), ("US", 1), ("FR", 1))
LANGUAGES = (("nl", 8), ("en", 4), ("de", 1), (None, 1))
SENTIMENTS = (("negative", 3), ("neutral", 4), ("positive", 2))
INTENTS = ((), ("complaint",), ("question",), ("praise",), ("complaint", "churn"), ("lead",), ("feedback",))
COMPETITORS = ("Stroomwijs", "Enerlux", "Groenstroom", "Wattwerk", "Zonnig")
TOPICS = (
    [("Voltaro", TopicKind.brand, "voltaro")]
    + [(name, TopicKind.competitor, name.lower()) for name in COMPETITORS]
    + [(f"Campagne {n}", TopicKind.campaign, f"campagne{n}") for n in range(1, 7)]
)
PASSWORD = "dashboard-measure-1234"


def weighted(rng: random.Random, options: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def synthetic(count: int, topic_ids: list[int], seed: int = 7) -> Iterator[Mention]:
    rng = random.Random(seed)
    fetched = START + timedelta(days=DAYS)
    seconds = DAYS * 86400
    for n in range(count):
        published = START + timedelta(seconds=int(seconds * n / count) + rng.randint(0, 59))
        channel = str(weighted(rng, CHANNELS))
        matched = tuple(t for t in topic_ids if rng.random() < (0.45 if t == topic_ids[0] else 0.04))
        sentiment = str(weighted(rng, SENTIMENTS))
        text = f"bericht {n} over {'voltaro' if matched else 'energie'} en de klantenservice, " * 2
        yield Mention(
            channel=channel, external_id=f"b{n}", text=text, published_at=published, fetched_at=fetched,
            raw='{"bench": true}', url=f"https://example.nl/{channel}/{n}",
            author_handle=f"user{rng.randint(1, 40000)}",
            author_followers=rng.choice((10, 150, 1200, 25000)), language=weighted(rng, LANGUAGES),  # type: ignore[arg-type]
            country=weighted(rng, COUNTRIES), like_count=rng.randint(0, 20), share_count=rng.randint(0, 3),  # type: ignore[arg-type]
            reply_count=rng.randint(0, 4), topic_ids=matched, sentiment=sentiment,
            sentiment_score={"negative": -0.7, "neutral": 0.0, "positive": 0.6}[sentiment],
            sentiment_confidence=0.8, intents=rng.choice(INTENTS), analysis_model="bench",
        )  # fmt: skip


def build(url: str, count: int) -> None:
    engine = create_engine(Settings(database_url=url))
    upgrade(engine)
    topic_ids = [
        save_topic(engine=engine, name=name, kind=kind, query=query).id for name, kind, query in TOPICS
    ]
    create_user(engine=engine, email="bench@luister.local", name="Bench", password=PASSWORD, role=Role.admin,
                actor="bench")  # fmt: skip
    store = SqlMentionStore(engine)
    batch: list[Mention] = []
    started = time.perf_counter()
    for item in synthetic(count, topic_ids):
        batch.append(item)
        if len(batch) == 5000:
            store.write_batch(batch)
            batch.clear()
    if batch:
        store.write_batch(batch)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"build_mentions_per_s {count / (time.perf_counter() - started):.0f}")
    engine.dispose()


def measure(client: TestClient, path: str, repeat: int) -> tuple[float, float]:
    client.get(path)  # warm caches and the page cache once
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"dashboard-{args.mentions}.db"
    if args.rebuild or not path.exists():
        for stale in CACHE.glob(f"{path.name}*"):
            stale.unlink()
        build(f"sqlite:///{path}", args.mentions)
    settings = Settings(database_url=f"sqlite:///{path}")
    engine = create_engine(settings)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(mention)).scalar_one()
        middle = conn.execute(
            sa.select(mention.c.published_at, mention.c.id).where(mention.c.id == stored // 2)
        ).one()
    print(f"mentions {stored}")
    client = TestClient(create_app(Runtime(settings, engine=engine)))
    login = client.get("/login")
    token = login.text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"email": "bench@luister.local", "password": PASSWORD, "csrf": token})
    day = (START + timedelta(days=60)).strftime("%Y-%m-%d")
    requests = {
        "overview_all_30d": "/",
        "overview_brand_30d": "/?topic=Voltaro",
        "overview_brand_90d_filtered": "/?topic=Voltaro&days=90&channel=mastodon&country=NL",
        "overview_competitor_7d": "/?topic=Enerlux&days=7",
        "mentions_first_page": "/mentions",
        "mentions_topic": "/mentions?topic=Voltaro",
        "mentions_deep_page": f"/mentions?before={page_cursor(*middle)}",
        "mentions_drill_day_sentiment": (
            f"/mentions?topic=Voltaro&since={day}&until={day}T23:59&sentiment=negative"
        ),
        "mentions_drill_channel_country": "/mentions?topic=Enerlux&channel=reddit&country=BE",
        "mentions_query": "/mentions?q=klantenservice%20AND%20voltaro",
        "panel_latest": "/overview/panel/latest?topic=Voltaro",
        "panel_authors": "/overview/panel/authors?topic=Voltaro",
        "panel_engaging": "/overview/panel/engaging?topic=Voltaro",
    }
    for name, request in requests.items():
        p50, p95 = measure(client, request, args.repeat)
        print(f"{name}_p50_ms {p50:.1f}")
        print(f"{name}_p95_ms {p95:.1f}")
    # The authors, terms and engagement panels are kept five minutes per scope; a first visit computes them:
    scope = default_scope(engine=engine, days=30, topic_id=1)
    for name, compute in SLOW_PANELS.items():
        started = time.perf_counter()
        compute(engine, scope)
        print(f"panel_{name}_uncached_ms {(time.perf_counter() - started) * 1000:.0f}")


if __name__ == "__main__":
    main()
