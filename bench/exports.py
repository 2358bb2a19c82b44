"""Streamed exports: 1,000,000 mentions as CSV and as XLSX; time and peak memory of each.

    python bench/exports.py                 # 1,000,000 mentions
    python bench/exports.py --rows 100000

A fresh SQLite database gets ``--rows`` mentions (inserted in batches, so that loading costs little
memory). Each export then runs in a fresh (spawned) child process of its own, through
``luister.kpis.exports`` exactly as the API and the CLI call it (server-side cursor, CSV pieces / XLSX
written in write-only mode), writing to a file; the child reports the time and its memory: the peak
resident memory (``ru_maxrss``: everything, SQLite's and openpyxl's C memory included, and the database
file pages read through SQLite's memory map, which are page cache, not the export's own), the peak
anonymous memory (``RssAnon`` of /proc/self/status, sampled after every piece: the heap, Python's and
C's, without mapped files) and, with ``--tracemalloc`` (slower), the peak of Python's own allocations.
Prints one figure per line.

    python bench/exports.py --rows 200000 --formats csv --tracemalloc
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from luister.kpis.exports import Format, chunks, mentions_table
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.tables import mention

START = datetime(2025, 1, 1, tzinfo=UTC)
BATCH = 20_000


def load(url: str, rows: int) -> None:
    engine = create_engine(Settings(database_url=url))
    upgrade(engine)
    with engine.begin() as conn:
        for first in range(0, rows, BATCH):
            conn.execute(
                mention.insert(),
                [
                    {
                        "channel": "mastodon",
                        "external_id": str(n),
                        "author_handle": f"@user{n % 5000}",
                        "text": f'Mijn stroom van Voltaro viel weer uit, bericht {n}: =1+1 ; "quote"',
                        "language": "nl",
                        "country": "NL",
                        "published_at": START + timedelta(seconds=30 * n),
                        "fetched_at": START + timedelta(seconds=30 * n),
                        "raw": "{}",
                        "sentiment": "negative",
                        "sentiment_score": -0.5 - (n % 50) / 100,
                        "like_count": n % 17,
                        "share_count": n % 5,
                    }  # fmt: skip
                    for n in range(first, min(first + BATCH, rows))
                ],
            )
    engine.dispose()


def rss_anon_mb() -> float:
    """The process's anonymous resident memory now (Linux), in MB; 0 where /proc is missing."""
    try:
        with open("/proc/self/status") as status:
            line = next((x for x in status if x.startswith("RssAnon:")), "RssAnon: 0 kB")
    except OSError:
        return 0.0
    return int(line.split()[1]) / 1024


def export(url: str, fmt: str, out: str, traced: bool, answer: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    engine = create_engine(Settings(database_url=url))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    anon_before = anon = rss_anon_mb()
    if traced:
        tracemalloc.start()
    began = time.perf_counter()
    size = 0
    with open(out, "wb") as handle:
        for piece in chunks(mentions_table(engine=engine), Format(fmt)):
            handle.write(piece)
            size += len(piece)
            anon = max(anon, rss_anon_mb())
    took = time.perf_counter() - began
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    answer.put((took, peak / 1024, before / 1024, anon, anon_before, traced_peak, size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default="csv,csv-nl,xlsx", help="comma-separated: csv, csv-nl, xlsx")
    parser.add_argument("--tracemalloc", action="store_true", help="also Python's peak allocations (slower)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        began = time.perf_counter()
        load(url, args.rows)
        print(f"rows: {args.rows}")
        print(f"load_s: {time.perf_counter() - began:.1f}")
        for fmt in args.formats.split(","):
            spawn = multiprocessing.get_context("spawn")  # a fresh interpreter: none of the loader's memory
            answer: multiprocessing.Queue = spawn.Queue()  # type: ignore[type-arg]
            child = spawn.Process(
                target=export, args=(url, fmt, str(Path(tmp) / f"out.{fmt}"), args.tracemalloc, answer)
            )
            child.start()
            took, peak, before, anon, anon_before, traced, size = answer.get()
            child.join()
            print(f"{fmt}_seconds: {took:.1f}")
            print(f"{fmt}_rows_per_second: {args.rows / took:,.0f}")
            print(f"{fmt}_bytes: {size:,}")
            print(f"{fmt}_peak_rss_mb: {peak:.0f} (at start {before:.0f})")
            print(f"{fmt}_peak_rss_anon_mb: {anon:.0f} (at start {anon_before:.0f})")
            if traced is not None:
                print(f"{fmt}_tracemalloc_peak_mb: {traced:.1f}")


if __name__ == "__main__":
    main()
