"""Listening: run every due source, store what it yields, and save its cursor only after the page it
covers is stored, so a restart neither loses nor repeats anything."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.domain.sources import next_run
from luister.services.events import EventBus
from luister.services.ingest import Enricher, MentionStore, Pipeline
from luister.services.sources import raw_options
from luister.storage.tables import source, source_run

log = logging.getLogger(__name__)
MAX_PARALLEL_SOURCES = 4


@dataclass(slots=True)
class SourceRunResult:
    name: str
    fetched: int = 0
    stored: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(slots=True)
class Listener:
    """What running sources needs: the database, the installed connectors, an HTTP client, enrichers."""

    engine: Engine
    store: MentionStore
    connectors: Mapping[str, type[Any]]
    http: Any = None
    enrichers: Sequence[Enricher] = ()
    events: EventBus | None = None  # hears about stored batches (alerts)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    rng: random.Random = field(default_factory=random.Random)

    async def run_due(self, *, names: Sequence[str] | None = None) -> list[SourceRunResult]:
        """Run every enabled source that is due (or exactly ``names``, due or not), a few at a time."""
        now = self.clock()
        query = sa.select(source.c.id, source.c.name, source.c.connector).where(source.c.enabled)
        if names:
            query = query.where(source.c.name.in_(names))
        else:
            query = query.where(sa.or_(source.c.next_run_at.is_(None), source.c.next_run_at <= now))
        with self.engine.connect() as conn:
            due = conn.execute(query.order_by(source.c.next_run_at, source.c.id)).all()
        overall = asyncio.Semaphore(MAX_PARALLEL_SOURCES)
        per_connector = {
            name: asyncio.Semaphore(getattr(self.connectors.get(name), "max_concurrency", 1))
            for name in {row.connector for row in due}
        }

        async def limited(source_id: int, connector: str) -> SourceRunResult:
            async with overall, per_connector[connector]:
                return await self.run_source(source_id=source_id)

        return list(await asyncio.gather(*(limited(row.id, row.connector) for row in due)))

    async def run_source(self, *, source_id: int) -> SourceRunResult:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(source).where(source.c.id == source_id)).mappings().one()
        result = SourceRunResult(name=row["name"])
        started = self.clock()
        try:
            await self._fetch_and_store(row, result)
        except Exception as exc:  # one failing source never stops the others
            result.error = f"{type(exc).__name__}: {exc}"
            log.warning("source %s failed: %s", row["name"], result.error)
        if result.error is None and result.problems and not result.fetched:
            result.error = "; ".join(result.problems)
        self._record(row, result, started)
        return result

    async def _fetch_and_store(self, row: sa.RowMapping, result: SourceRunResult) -> None:
        cls = self.connectors.get(row["connector"])
        if cls is None:
            raise LookupError(f"connector {row['connector']!r} is not installed")
        options, cursor = raw_options(engine=self.engine, source_id=row["id"])
        connector = cls(cls.options_model(**options), http=self.http)

        def mapper(item: RawItem, fetched_at: datetime) -> Mention:
            mapped: Mention = connector.map_item(item, fetched_at=fetched_at)
            return mapped

        pipeline = Pipeline(
            mapper=mapper,
            store=self.store,
            origin=f"source:{row['name']}",
            source_id=row["id"],
            enrichers=self.enrichers,
            events=self.events,
        )
        async for page in connector.fetch(None, cursor):
            if page.items:
                batch = await asyncio.to_thread(pipeline.run_batch, page.items)
                result.fetched += len(page.items)
                result.stored += len(batch.stored)
                result.rejected += len(batch.rejected)
            result.problems.extend(page.errors)
            if page.cursor is not None:  # only now: the page it covers is stored
                with self.engine.begin() as conn:
                    conn.execute(source.update().where(source.c.id == row["id"]).values(cursor=page.cursor))

    def _record(self, row: sa.RowMapping, result: SourceRunResult, started: datetime) -> None:
        finished = self.clock()
        failures = row["failures"] + 1 if result.error else 0
        interval = timedelta(seconds=row["poll_interval_s"] or 900)
        values: dict[str, Any] = {
            "last_run_at": finished,
            "failures": failures,
            "next_run_at": next_run(now=finished, poll_interval=interval, failures=failures, rng=self.rng),
        }
        if result.error:
            values |= {"last_error": result.error, "last_error_at": finished}
        else:
            values["last_success_at"] = finished
        with self.engine.begin() as conn:
            conn.execute(source.update().where(source.c.id == row["id"]).values(**values))
            conn.execute(
                source_run.insert().values(
                    source_id=row["id"],
                    started_at=started,
                    finished_at=finished,
                    fetched=result.fetched,
                    stored=result.stored,
                    rejected=result.rejected,
                    error=result.error,
                )  # fmt: skip
            )
