"""The mention list sorted by reach and by engagement: one page, with the sort indexes of migration 0031
and without them (dropped), on a fresh database of --mentions rows.

    python bench/sorts.py                         # 200,000 mentions on SQLite
    python bench/sorts.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

Prints one figure per line: the p50 in milliseconds of the first page and of the tenth (followed by its
cursors) over --repeat runs, per sort, ``indexed`` and ``unindexed``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from luister.services.mentions import search_mentions
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.tables import SORT_INDEXES, mention

START = datetime(2024, 1, 1, tzinfo=UTC)
WORDS = "voltaro storing factuur klantenservice wachten bellen slimme meter laadpaal stroom prijs".split()


def fill(engine: Engine, count: int) -> None:
    """``count`` mentions over two years, followers and engagement skewed as on social media."""
    chance = random.Random(26)
    batch = []
    with engine.begin() as conn:
        for n in range(count):
            text = " ".join(chance.choices(WORDS, k=30))
            moment = START + timedelta(seconds=n * 300)
            batch.append({
                "channel": chance.choice(("mastodon", "reddit", "bluesky")), "external_id": f"b{n}",
                "text": text, "raw": f'{{"text": "{text}"}}', "published_at": moment, "fetched_at": moment,
                "author_followers": None if n % 9 == 0 else int(chance.paretovariate(1.2) * 50),
                "like_count": int(chance.paretovariate(1.5)) - 1, "share_count": None if n % 4 else n % 7,
                "reply_count": int(chance.paretovariate(2.0)) - 1,
            })  # fmt: skip
            if len(batch) == 10_000:
                conn.execute(mention.insert(), batch)
                batch.clear()
        if batch:
            conn.execute(mention.insert(), batch)
        conn.exec_driver_sql("ANALYZE")


def p50_ms(run: Callable[[], object], repeat: int) -> float:
    run()  # warm the caches once
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def tenth_page(engine: Engine, sort: str) -> str | None:
    before = None
    for _ in range(9):
        before = search_mentions(engine=engine, sort=sort, before=before, limit=50).next_before
    return before


def measure(engine: Engine, state: str, repeat: int) -> None:
    def page(sort: str, before: str | None) -> Callable[[], object]:
        return lambda: search_mentions(engine=engine, sort=sort, before=before, limit=50)

    for sort in ("reach", "engagement"):
        first = p50_ms(page(sort, None), repeat)
        tenth = p50_ms(page(sort, tenth_page(engine, sort)), repeat)
        print(f"{sort}_first_page_{state}_p50_ms {first:.1f}")
        print(f"{sort}_tenth_page_{state}_p50_ms {tenth:.1f}")


def run(engine: Engine, count: int, repeat: int) -> None:
    upgrade(engine)
    started = time.perf_counter()
    fill(engine, count)
    print(f"mentions {count}")
    print(f"build_s {time.perf_counter() - started:.0f}")
    measure(engine, "indexed", repeat)
    with engine.begin() as conn:
        for name in SORT_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX {name}")
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()  # no connection keeps a plan made with the indexes
    measure(engine, "unindexed", repeat)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--postgres", help="a PostgreSQL URL: measure there (schema bench_sorts)")
    args = parser.parse_args()
    if args.postgres:
        engine = create_engine(Settings(database_url=args.postgres, database_schema="bench_sorts"))
        try:
            run(engine, args.mentions, args.repeat)
        finally:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA IF EXISTS bench_sorts CASCADE")
            engine.dispose()
        return
    with tempfile.TemporaryDirectory() as folder:
        run(
            create_engine(Settings(database_url=f"sqlite:///{Path(folder) / 'sorts.db'}")),
            args.mentions,
            args.repeat,
        )


if __name__ == "__main__":
    main()
