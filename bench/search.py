"""Search benchmark: the first page of a query and a year's count over all of history, through the index.

    python bench/search.py                          # 1,000,000 mentions on SQLite (built once, kept)
    python bench/search.py --mentions 10000000      # 10M (about 4 GB; the corpus generator does any size)
    python bench/search.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/search.py --ingest 100000          # also: ingest rate and disk with the index on and off

The corpus is ``luister.demo.corpus`` (three years, 8 channels, 50 topics, Zipf-like words with accents,
apostrophes, hyphens, hashtags, handles, links and emoji), written through the real batch writer. Prints
one figure per line: p50/p95 in milliseconds per kind of query over --repeat runs each.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from luister.demo.corpus import RARE, START, corpus, topics
from luister.domain.mention_filter import MentionFilter
from luister.domain.topics import TopicKind
from luister.services.mentions import count_matches, search_mentions
from luister.services.topics import save_topic
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.tables import mention
from luister.storage.writer import SqlMentionStore

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "bench"
NONE = MentionFilter()
QUERIES = {
    "rare_term": (RARE, NONE),
    "common_term_filtered": ("storing", MentionFilter(channel="reddit", country="NL", sentiment="negative")),
    "phrase": ('"slecht geholpen"', NONE),
    "near": ("klantenservice NEAR/5 (wachten OR bellen)", NONE),
    "wildcard": ("factuur* OR storing*", NONE),
    "not": ("voltaro -storing -factuur", NONE),
    "hashtag_or_domain": ("#storing OR voltaro.nl", NONE),
    "topic_like": ('voltaro AND "slimme meter"', NONE),
}
COUNTS = {
    "count_year_common": "storing",
    "count_year_rare_brand": "windkracht",
    "count_year_phrase": '"de klantenservice"',
    "count_year_wildcard": "factuur*",
}


def write(url: str, count: int, *, index: bool = True, schema: str | None = None) -> float:
    """A fresh database of ``count`` corpus mentions; returns mentions per CPU second of writing (the
    process's CPU time: on a shared machine wall time mostly measures the neighbours)."""
    engine = create_engine(Settings(database_url=url, database_schema=schema))
    upgrade(engine)
    for name, kind, query in topics():
        save_topic(engine=engine, name=name, kind=TopicKind(kind), query=query)
    store = SqlMentionStore(engine, index=index)
    batch, spent = [], 0.0
    for item in corpus(count):
        batch.append(item)
        if len(batch) == 5000:
            started = time.process_time()
            store.write_batch(batch)
            spent += time.process_time() - started
            batch.clear()
    if batch:
        started = time.process_time()
        store.write_batch(batch)
        spent += time.process_time() - started
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return count / spent


def timed(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    run()  # warm the caches once
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def measure(url: str, repeat: int, schema: str | None = None) -> None:
    engine = create_engine(Settings(database_url=url, database_schema=schema))
    with engine.connect() as conn:
        print(f"mentions {conn.execute(sa.select(sa.func.count()).select_from(mention)).scalar_one()}")
    for name, (query, filters) in QUERIES.items():
        page = search_mentions(engine=engine, query=query, filters=filters, limit=50)
        p50, p95 = timed(
            lambda q=query, f=filters: search_mentions(engine=engine, query=q, filters=f, limit=50), repeat
        )
        print(f"{name}_first_page_p50_ms {p50:.1f}")
        print(f"{name}_first_page_p95_ms {p95:.1f}")
        scanned = f" (scanned: {page.index_reason})" if page.index_reason else ""
        print(f"{name}_first_page_rows {len(page.mentions)}{scanned}")
    since = START + timedelta(days=365)
    until = since + timedelta(days=365)
    for name, query in COUNTS.items():
        counted = count_matches(engine=engine, query=query, since=since, until=until)
        p50, p95 = timed(
            lambda q=query: count_matches(engine=engine, query=q, since=since, until=until),
            max(3, repeat // 4),
        )  # type: ignore[misc]
        print(f"{name}_p50_ms {p50:.0f}")
        print(f"{name}_p95_ms {p95:.0f}")
        print(f"{name}_matches {counted.count}")
    engine.dispose()


def ingest_and_disk(count: int) -> None:
    """The same mentions written with the index kept and without it: rate and bytes per mention."""
    with tempfile.TemporaryDirectory() as folder:
        for index in (False, True):
            path = Path(folder) / f"ingest-{index}.db"
            rate = write(f"sqlite:///{path}", count, index=index)
            state = "on" if index else "off"
            engine = create_engine(Settings(database_url=f"sqlite:///{path}"))
            with engine.begin() as conn:
                conn.exec_driver_sql("VACUUM")
            engine.dispose()
            print(f"ingest_index_{state}_mentions_per_cpu_s {rate:.0f}")
            print(f"disk_index_{state}_bytes_per_mention {path.stat().st_size / count:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--postgres", help="a PostgreSQL URL: measure there (schema bench_search_<n>)")
    parser.add_argument("--ingest", type=int, default=0, help="also measure ingest and disk at this size")
    args = parser.parse_args()
    if args.ingest:
        ingest_and_disk(args.ingest)
    if args.postgres:
        schema = f"bench_search_{args.mentions}"
        probe = sa.create_engine(args.postgres)
        with probe.begin() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}
            ).first()
            if args.rebuild and exists:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        if args.rebuild or not exists:
            started = time.perf_counter()
            rate = write(args.postgres, args.mentions, schema=schema)
            print(f"build_mentions_per_cpu_s {rate:.0f}")
            print(f"build_s {time.perf_counter() - started:.0f}")
        measure(args.postgres, args.repeat, schema=schema)
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"search-{args.mentions}.db"
    if args.rebuild or not path.exists():
        for stale in CACHE.glob(f"{path.name}*"):
            stale.unlink()
        started = time.perf_counter()
        rate = write(f"sqlite:///{path}", args.mentions)
        print(f"build_mentions_per_cpu_s {rate:.0f}")
        print(f"build_s {time.perf_counter() - started:.0f}")
    print(f"disk_bytes_per_mention {path.stat().st_size / args.mentions:.0f}")
    measure(f"sqlite:///{path}", args.repeat)


if __name__ == "__main__":
    main()
