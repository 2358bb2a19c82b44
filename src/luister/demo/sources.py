"""The demo's sources: where the Voltaro story's mentions would have come from, with a run history
that matches the stored mentions, so the sources page shows what health looks like.

Their addresses are in the reserved ``.example`` domain: running them for real (``luister listen``)
fails cleanly, and their health says so.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.services.sources import SourceError, add_source
from luister.storage.secrets import Cipher
from luister.storage.tables import mention, source, source_run

# name, connector, options, the channel whose stored mentions its runs account for, poll interval (hours)
DEMO_SOURCES: list[tuple[str, str, dict[str, Any], str, int]] = [
    ("Energieblog en nieuws", "rss", {"url": "https://energieblog.example/feed/"}, "rss", 1),
    ("Mastodon #voltaro", "mastodon", {"instance": "https://social.example", "tag": "voltaro"},
     "mastodon", 1),
    ("Bluesky-zoekopdrachten", "bluesky", {"topics": "*", "service": "https://bsky.example"}, "bluesky", 1),
    ("Reddit-zoekopdrachten", "reddit", {"topics": "*", "api": "https://reddit.example"}, "reddit", 2),
    ("Hacker News", "hackernews", {"topics": "*", "api": "https://hn.example"}, "hackernews", 2),
    ("Energieforum", "discourse", {"url": "https://forum.example"}, "discourse", 2),
    ("Reviews (push)", "webhook", {"secret": "demo-only-secret-0123456789", "channel": "review"},
     "review", 24),
]  # fmt: skip
OUTAGE_URL = "https://forum.example/latest.json"
FAILING = "Energieforum"  # the forum's server answers 503 since this morning: its health shows it


def add_demo_sources(*, engine: Engine, connectors: Mapping[str, type[Any]], cipher: Cipher, start: datetime,
                     end: datetime, seed: int = 42) -> int:  # fmt: skip
    """Add the sources that are not there yet, each with runs from ``start`` to ``end``; how many."""
    rng = random.Random(seed)
    added = 0
    for name, connector, options, channel, hours in DEMO_SOURCES:
        cls = connectors.get(connector)
        if cls is None:
            continue
        try:
            created = add_source(engine=engine, connectors=connectors, cipher=cipher, name=name,
                                 connector=connector, options=options, poll_interval=timedelta(hours=hours),
                                 actor="demo")  # fmt: skip
        except SourceError:
            continue  # there already (the demo was loaded before)
        _add_runs(engine, source_id=created.id, name=name, channel=channel, step=timedelta(hours=hours),
                  start=start, end=end, rng=rng)  # fmt: skip
        added += 1
    return added


def _add_runs(engine: Engine, *, source_id: int, name: str, channel: str, step: timedelta, start: datetime,
              end: datetime, rng: random.Random) -> None:  # fmt: skip
    with engine.begin() as conn:
        published = conn.execute(
            sa.select(mention.c.published_at).where(
                mention.c.channel == channel, mention.c.published_at >= start
            )  # fmt: skip
        ).scalars()
        per_run = Counter(start + step * int((moment - start) / step) for moment in published)
        runs = []
        moment = start
        last_success = None
        error = None
        while moment + step <= end:
            stored = per_run.get(moment, 0)
            failing = name == FAILING and end - moment <= timedelta(hours=7)
            error = (
                "HTTP 503 from https://forum.example/latest.json (Service Unavailable)" if failing else None
            )
            rejected = int(not failing and stored >= 20 and rng.random() < 0.05)  # a rare unreadable item
            finished = moment + step + timedelta(seconds=rng.randint(1, 9))
            runs.append({"source_id": source_id, "started_at": moment + step, "finished_at": finished,
                         "fetched": 0 if failing else stored + rejected, "stored": 0 if failing else stored,
                         "rejected": rejected, "error": error})  # fmt: skip
            last_success = last_success if failing else finished
            moment += step
        conn.execute(source_run.insert(), runs)
        conn.execute(source.update().where(source.c.id == source_id).values(
            last_run_at=moment, last_success_at=last_success, last_error=error,
            last_error_at=moment if error else None, next_run_at=moment + step,
            failures=7 if error else 0,
        ))  # fmt: skip
