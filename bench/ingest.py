"""Ingest benchmark: import N synthetic mentions (JSONL) through the full pipeline; print mentions/s.

    python bench/ingest.py                       # 200,000 mentions into a fresh SQLite file
    python bench/ingest.py --postgres URL        # the same into a fresh PostgreSQL schema
    python bench/ingest.py --topics 1000         # with 1,000 topics (shapes of bench/match.py) matched
    python bench/ingest.py --analysis            # with fast-mode analysis (language, sentiment, intents)

Prints one figure per line. Parse, map, normalise, fingerprint, dedup and store are all timed.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import sqlalchemy as sa

from luister.analysis.analyser import Analyser
from luister.analysis.models import load_models
from luister.connectors.records import FieldMapping
from luister.domain.queries import format_query
from luister.heap import settle_for_bulk_work
from luister.services.analysis import AnalysisEnricher
from luister.services.importer import import_file
from luister.services.ingest import Enricher
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.settings import get_settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.tables import topic
from luister.storage.writer import SqlMentionStore

WORDS = (
    "voltaro storing app meter klantenservice factuur zonnepanelen wachttijd top snel geholpen "
    "energie contract prijs stroom gas overstappen vraag hoe waarom thanks support outage bill "
    "great service terrible waiting battery solar quote"
).split()
CHANNELS = ("mastodon", "bluesky", "reddit", "hackernews", "rss", "discourse")


def synthetic_file(path: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    with path.open("wb") as out:
        for n in range(count):
            channel = rng.choice(CHANNELS)
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            out.write(
                orjson.dumps(
                    {
                        "id": f"{channel[:2]}{n}",
                        "channel": channel,
                        "text": f"{text} #voltaro @user{rng.randint(1, 5000)} https://example.nl/p/{n}?utm_source=x",
                        "author_handle": f"user{rng.randint(1, 20000)}",
                        "author_name": f"User {n % 997}",
                        "followers": rng.randint(0, 50_000),
                        "created_at": (start + timedelta(seconds=n * 13)).isoformat().replace("+00:00", "Z"),
                        "url": f"https://{channel}.example/@u/{n}",
                        "lang": rng.choice(("nl", "en")),
                        "country": rng.choice(("NL", "BE", "GB", "US")),
                        "likes": rng.randint(0, 300),
                        "reposts": rng.randint(0, 40),
                    }
                )
            )
            out.write(b"\n")


def add_topics(engine: sa.Engine, count: int) -> None:
    """Store ``count`` topics of the shapes in bench/match.py (not timed)."""
    if not count:
        return
    from match import brand_names, topic_queries

    rng = random.Random(2)
    queries = topic_queries(rng, brand_names(rng, max(5, count // 4)), count)
    with engine.begin() as conn:
        conn.execute(
            topic.insert(),
            [
                {"name": name, "query": format_query(query), "kind": "other"}
                for name, query in queries.values()
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--postgres", metavar="URL", help="benchmark PostgreSQL instead of SQLite")
    parser.add_argument("--batch-size", type=int, default=get_settings().ingest_batch_size)
    parser.add_argument("--topics", type=int, default=0, help="match this many realistic topics at ingest")
    parser.add_argument("--analysis", action="store_true", help="analyse at ingest (fast mode)")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes preparing batches beside the writer (0: one core)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "mentions.jsonl"
        synthetic_file(data, args.count)
        schema = f"bench_{uuid.uuid4().hex[:10]}" if args.postgres else None
        url = args.postgres or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_engine(get_settings(database_url=url, database_schema=schema))
        upgrade(engine)
        try:
            add_topics(engine, args.topics)
            enrichers: list[Enricher] = [AnalysisEnricher(Analyser(load_models()))] if args.analysis else []
            if args.topics:
                enrichers.append(TopicMatchEnricher(load_matcher(engine=engine)))
            settle_for_bulk_work()  # as `luister import` does once it has loaded models and topics
            started = time.perf_counter()
            report = import_file(
                path=data,
                store=SqlMentionStore(engine),
                mapping=FieldMapping(),
                batch_size=args.batch_size,
                workers=args.workers,
                enrichers=enrichers,
            )
            elapsed = time.perf_counter() - started
        finally:
            if schema:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
    assert report.summary.stored == args.count, report.summary
    label = ("postgresql" if args.postgres else "sqlite") + (f"_{args.topics}_topics" if args.topics else "")
    label += "_analysed" if args.analysis else ""
    label += f"_{args.workers}_workers" if args.workers else ""
    print(f"ingest_{label}_mentions_per_s {args.count / elapsed:,.0f}")
    print(f"ingest_{label}_seconds {elapsed:.2f}")


if __name__ == "__main__":
    main()
