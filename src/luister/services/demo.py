"""``luister demo``: fill the database with the Voltaro story, through the real ingest pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.ingest import RawItem
from luister.domain.topics import TopicKind
from luister.services.demo_data import DEMO_TOPICS, generate_demo_mentions
from luister.services.ingest import BatchResult, Enricher, IngestSummary, Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import TopicRead, save_topic
from luister.storage.writer import SqlMentionStore

DEMO_ORIGIN = "demo"


@dataclass(slots=True)
class DemoResult:
    topics: list[TopicRead]
    summary: IngestSummary
    start: datetime
    end: datetime


def load_demo(
    *,
    engine: Engine,
    seed: int = 42,
    count: int = 24_000,
    days: int = 60,
    end: datetime | None = None,
    batch_size: int = 2000,
    analysis: Sequence[Enricher] = (),
    enrichers: Sequence[Enricher] = (),
    on_batch: Callable[[BatchResult, int], None] | None = None,
) -> DemoResult:
    """Save the demo topics and ingest ``count`` demo mentions ending at ``end`` (default: this hour).

    ``analysis`` runs before topic matching, ``enrichers`` (plugins) after it.
    """
    end = end or _next_hour(datetime.now(UTC))
    topics = [
        save_topic(
            engine=engine,
            name=t["name"],
            kind=TopicKind(t["kind"]),
            query=t["query"],
            description=t["description"],
        )
        for t in DEMO_TOPICS
    ]
    pipeline = Pipeline(
        mapper=FieldMapping(channel=DEMO_ORIGIN).map,
        store=SqlMentionStore(engine),
        origin=DEMO_ORIGIN,
        enrichers=[*analysis, TopicMatchEnricher(load_matcher(engine=engine)), *enrichers],
    )
    records = generate_demo_mentions(seed=seed, end=end, days=days, count=count)
    summary = pipeline.run(_raw_items(records), batch_size=batch_size, on_batch=on_batch)
    return DemoResult(topics=topics, summary=summary, start=end - timedelta(days=days), end=end)


def _raw_items(records: Iterator[dict[str, Any]]) -> Iterator[RawItem]:
    for number, record in enumerate(records, start=1):
        yield RawItem(raw=orjson.dumps(record).decode(), position=f"record {number}", data=record)


def _next_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
