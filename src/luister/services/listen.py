"""Listening: run every due source, store what it yields, and save its cursor only after the page it
covers is stored, so a restart neither loses nor repeats anything.

A source of a search-capable connector with the ``topics`` option also searches the platform for its
topics: :func:`~luister.services.sources.topic_searches` turns their queries into plain searches, and
each search keeps a cursor of its own under ``{"searches": {search: cursor}}`` (the source's own terms,
if it has any, under ``""``), so a new topic starts a backfill for its searches only. Everything fetched
is matched against all topics at ingest, as always.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.base import Capability, Connector, Page, Searching, can, require
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.domain.sources import next_run
from luister.services.events import EventBus
from luister.services.ingest import Enricher, MentionStore, Pipeline
from luister.services.sources import raw_options, topic_searches
from luister.storage.secrets import Cipher
from luister.storage.tables import source, source_run

log = logging.getLogger(__name__)
MAX_PARALLEL_SOURCES = 4
OWN_TERMS = ""  # the cursor key of a source's own terms next to its topic searches


@dataclass(slots=True)
class SourceRunResult:
    name: str
    fetched: int = 0
    stored: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, not a failure (a topic not searched)
    error: str | None = None
    retry_after: float | None = None  # the platform asked to wait this many seconds before the next run


def _retry_after(exc: BaseException) -> float | None:
    """A ``Retry-After`` carried by ``exc`` or by what it wraps (a connector may wrap the fetch error)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(wait := getattr(seen, "retry_after", None), int | float):
            return float(wait)
        seen = seen.__cause__ or seen.__context__
    return None


@dataclass(slots=True)
class Listener:
    """What running sources needs: the database, the installed connectors, an HTTP client, enrichers."""

    engine: Engine
    store: MentionStore
    connectors: Mapping[str, type[Connector]]
    cipher: Cipher  # opens the sources' secrets
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
        due = [row for row in due if _reads(self.connectors.get(row.connector))]  # push-only sources wait
        overall = asyncio.Semaphore(MAX_PARALLEL_SOURCES)
        per_connector = {
            name: asyncio.Semaphore(getattr(self.connectors.get(name), "max_concurrency", 1))  # unknown: 1
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
            result.retry_after = _retry_after(exc)
            log.warning("source %s failed: %s", row["name"], result.error)
        if result.error is None and result.problems and not result.fetched:
            result.error = "; ".join(result.problems)
        self._record(row, result, started)
        return result

    async def _fetch_and_store(self, row: sa.RowMapping, result: SourceRunResult) -> None:
        cls = self.connectors.get(row["connector"])
        if cls is None:
            raise LookupError(f"connector {row['connector']!r} is not installed")
        options, cursor = raw_options(engine=self.engine, cipher=self.cipher, source_id=row["id"])
        parsed = cls.options_model(**options)
        connector = cls(parsed, http=self.http)

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
        topics = getattr(parsed, "topics", None)  # an option of the searching connectors
        if topics and can(cls, Capability.search):
            searching = require(cls, Capability.search)(parsed, http=self.http)
            await self._search_topics(row["id"], searching, topics, cursor, pipeline, result)
            return
        await self._store(row["id"], connector.fetch(None, cursor), pipeline, result, lambda page: page)

    async def _search_topics(
        self,
        source_id: int,
        connector: Searching,
        names: list[str],
        cursor: dict[str, Any] | None,
        pipeline: Pipeline,
        result: SourceRunResult,
    ) -> None:
        """Each topic search (and the source's own terms) in turn, each from its own cursor."""
        prefix = connector.search_prefix
        found = await asyncio.to_thread(topic_searches, engine=self.engine, names=names, prefix=prefix)
        own = connector.own_terms()
        result.notes.extend(found.problems)
        for name, plan in found.plans.items():
            if plan.reason is not None:
                instead = (
                    f"the source's own terms ({own}) still run" if own else "this source does not hear it"
                )
                result.notes.append(
                    f"topic {name!r} is not searched on the platform: {plan.reason}; {instead}"
                )
        saved = cursor or {}
        cursors: dict[str, Any] = (
            saved["searches"] if isinstance(saved.get("searches"), dict) else {OWN_TERMS: cursor}
        )
        keys = ([OWN_TERMS] if own else []) + list(found.searches)
        cursors = {key: cursors[key] for key in keys if cursors.get(key) is not None}
        if not keys:
            result.notes.append("no topic to search for")
        failures: list[str] = []
        for key in keys:

            def save(page_cursor: dict[str, Any], key: str = key) -> dict[str, Any]:
                cursors[key] = page_cursor
                return {"searches": dict(cursors)}

            try:
                pages = connector.fetch(key or None, cursors.get(key))
                await self._store(source_id, pages, pipeline, result, save)
            except Exception as exc:  # one failing search never stops the others
                what = f"search {key!r}" if key else "own terms"
                failures.append(f"{what}: {type(exc).__name__}: {exc}")
                if (wait := _retry_after(exc)) is not None:
                    result.retry_after = max(wait, result.retry_after or 0.0)
        for note in result.notes:
            log.info("%s: %s", pipeline.origin, note)
        if failures:
            result.error = "; ".join(failures)

    async def _store(
        self,
        source_id: int,
        pages: AsyncIterator[Page],
        pipeline: Pipeline,
        result: SourceRunResult,
        cursor_to_save: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> None:
        async for page in pages:
            if page.items:
                batch = await asyncio.to_thread(pipeline.run_batch, page.items)
                result.fetched += len(page.items)
                result.stored += len(batch.stored)
                result.rejected += len(batch.rejected)
                if batch.gaps is not None and batch.gaps.undated:
                    result.notes.append(
                        f"{batch.gaps.undated} mentions without a readable date: kept, date unknown"
                    )
            result.problems.extend(page.errors)
            if page.cursor is not None:  # only now: the page it covers is stored
                with self.engine.begin() as conn:
                    conn.execute(
                        source.update()
                        .where(source.c.id == source_id)
                        .values(cursor=cursor_to_save(page.cursor))
                    )

    def _record(self, row: sa.RowMapping, result: SourceRunResult, started: datetime) -> None:
        finished = self.clock()
        failures = row["failures"] + 1 if result.error else 0
        interval = timedelta(seconds=row["poll_interval_s"] or 900)
        values: dict[str, Any] = {
            "last_run_at": finished,
            "failures": failures,
            "next_run_at": next_run(
                now=finished,
                poll_interval=interval,
                failures=failures,
                rng=self.rng,
                retry_after=result.retry_after,
            ),  # fmt: skip
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


def _reads(connector: type[Connector] | None) -> bool:
    """Whether listening runs this connector (an unknown one runs, to report that it is missing)."""
    return connector is None or Capability.read in connector.capabilities
