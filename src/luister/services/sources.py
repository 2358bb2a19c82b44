"""Sources: configured connectors with options, cursor, schedule and health; topics as searches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, SecretStr, ValidationError
from sqlalchemy.engine import Engine

from luister.connectors.common import ALL_TOPICS
from luister.domain.accounts import EVERYTHING, Scope
from luister.domain.queries import Query, QuerySyntaxError, parse_query, resolve_topic
from luister.domain.query_search import SearchPlan, merge_searches, plan_searches
from luister.domain.sources import HEALTH_WINDOW, Health, Run, assess, is_secret_name, masked
from luister.services import audit
from luister.storage.scoping import seen
from luister.storage.secrets import (
    Cipher,
    SecretsUnavailable,
    open_options,
    reseal_options,
    seal_options,
    shown_options,
)
from luister.storage.tables import mention, source, source_run, topic
from luister.storage.unique import insert_new

RUNS_FOR_HEALTH = 200


class SourceError(ValueError):
    """A source cannot be saved or found; the message says why."""


@dataclass(slots=True, frozen=True)
class SourceRead:
    id: int
    name: str
    connector: str
    options: dict[str, Any]  # secrets masked
    enabled: bool
    poll_interval: timedelta
    last_success_at: datetime | None
    last_error: str | None
    next_run_at: datetime | None
    health: Health
    department: str | None = None  # whose source it is (None: the company's)


def add_source(
    *,
    engine: Engine,
    connectors: Mapping[str, type[Any]],
    cipher: Cipher,
    name: str,
    connector: str,
    options: Mapping[str, Any],
    poll_interval: timedelta | None = None,
    actor: str = "cli",
    department: str | None = None,
) -> SourceRead:
    """Validate ``options`` against the connector's options model and save the source (``department``:
    whose it is; None or "" for the whole company's). Its secrets are stored encrypted with ``cipher``."""
    if name.strip() == "new" or name.endswith(("/remove", "/enabled")):
        raise SourceError(f"{name!r} is taken by the web pages' addresses; choose another name")
    cls = connectors.get(connector)
    if cls is None:
        raise SourceError(f"unknown connector {connector!r}; installed: {', '.join(sorted(connectors))}")
    try:
        parsed = cls.options_model(**options)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SourceError(f"invalid options for {connector}: {problems}") from None
    interval = poll_interval or timedelta(seconds=cls.poll_interval)
    try:
        stored = _storable(parsed, cipher)
    except SecretsUnavailable as exc:
        raise SourceError(str(exc)) from None
    with engine.begin() as conn:
        if conn.execute(sa.select(source.c.id).where(source.c.name == name)).first():
            raise SourceError(f"a source named {name!r} exists already")
        added = insert_new(
            conn,
            source.insert().values(
                name=name,
                connector=connector,
                options=stored,
                enabled=True,
                poll_interval_s=int(interval.total_seconds()),
                department=(department or "").strip()[:40] or None,
            ),
        )
        if added is None:  # added by another request since the look-up above
            raise SourceError(f"a source named {name!r} exists already")
        audit.record(conn, actor=actor, action="source.add", target=name, detail={"connector": connector})
    return get_source(engine=engine, name=name)


def get_source(
    *, engine: Engine, name: str, now: datetime | None = None, scope: Scope = EVERYTHING
) -> SourceRead:
    """The source ``name`` in ``scope``; one outside it is as unknown as one that does not exist."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(source).where(source.c.name == name, seen(source.c.department, scope))
        ).mappings().first()  # fmt: skip
        if row is None:
            raise SourceError(f"no source named {name!r}")
        return _read(row, _runs(conn, row["id"]), now, _undated(conn, now, row["id"]).get(row["id"], 0))


def list_sources(
    *, engine: Engine, now: datetime | None = None, scope: Scope = EVERYTHING
) -> list[SourceRead]:
    """The sources in ``scope`` (the company's and the scope's department's) with their health."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(source).where(seen(source.c.department, scope)).order_by(source.c.name)
        ).mappings().all()  # fmt: skip
        undated = _undated(conn, now)
        return [_read(row, _runs(conn, row["id"]), now, undated.get(row["id"], 0)) for row in rows]


def remove_source(*, engine: Engine, name: str, actor: str = "cli", scope: Scope = EVERYTHING) -> None:
    """Delete the source and its run history; its mentions stay (their source becomes empty). Only a
    source the scope owns (:meth:`Scope.owns`): another department's, or the company's for someone of a
    department, raises :class:`SourceNotYours` (or :class:`SourceError` when it is not seen at all)."""
    with engine.begin() as conn:
        check_owned(conn, name, scope)
        if not conn.execute(source.delete().where(source.c.name == name)).rowcount:
            raise SourceError(f"no source named {name!r}")
        audit.record(conn, actor=actor, action="source.remove", target=name)


class SourceNotYours(SourceError):
    """A source the caller sees but may not change: the whole company (or another department) uses it."""


def check_owned(conn: sa.Connection, name: str, scope: Scope) -> None:
    """Raise unless ``scope`` may change the source ``name`` (unknown and unseen alike)."""
    row = conn.execute(sa.select(source.c.department).where(source.c.name == name)).first()
    if row is None or not scope.sees(row.department):
        raise SourceError(f"no source named {name!r}")
    if not scope.owns(row.department):
        raise SourceNotYours("the whole company relies on this source: ask someone across departments")


def raw_options(
    *, engine: Engine, cipher: Cipher, source_id: int
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The options with their secrets decrypted, and the saved cursor, for running the connector."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(source.c.name, source.c.options, source.c.cursor).where(source.c.id == source_id)
        ).one()  # fmt: skip
    return open_options(row.options or {}, cipher, what=f"source {row.name!r}"), row.cursor


@dataclass(slots=True, frozen=True)
class TopicSearches:
    """The platform searches for a source's topics: one plan per topic, and all searches together."""

    searches: tuple[str, ...]
    plans: dict[str, SearchPlan] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # named topics that are unknown or disabled


def topic_searches(
    *, engine: Engine, names: Sequence[str] | None, prefix: str | None = None
) -> TopicSearches:
    """The searches covering the named topics (``None`` or ``*``: every enabled topic), planned by
    :func:`~luister.domain.query_search.plan_searches` with the platform's ``prefix`` form."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(topic.c.name, topic.c.query, topic.c.enabled).order_by(topic.c.name)
        ).all()
    queries: dict[str, Query] = {}
    for row in rows:
        try:
            queries[row.name] = parse_query(row.query)
        except QuerySyntaxError:
            continue  # checked when saved; a query the language no longer reads is matched by nobody
    enabled = [row.name for row in rows if row.enabled and row.name in queries]
    problems: list[str] = []
    chosen: list[str] = []
    if not names or ALL_TOPICS in names:
        chosen = enabled
    else:
        for name in names:
            target = resolve_topic(name, queries)
            if target is None:
                problems.append(f"topics: no topic named {name!r}")
            elif target not in enabled:
                problems.append(f"topics: topic {target!r} is disabled")
            elif target not in chosen:
                chosen.append(target)
    plans = {name: plan_searches(queries[name], topics=queries, prefix=prefix) for name in chosen}
    return TopicSearches(merge_searches(list(plans.values())), plans, problems)


def reseal_sources(*, engine: Engine, cipher: Cipher, actor: str) -> int:
    """Encrypt every source's secret options again with the first key (after a new key was put first, or
    for secrets an older version stored in clear); how many sources. A value the keys cannot open stops it
    all, naming the source and the option (:class:`~luister.storage.secrets.CannotDecrypt`)."""
    with engine.begin() as conn:
        rows = conn.execute(sa.select(source.c.id, source.c.name, source.c.options)).all()
        for row in rows:
            sealed = reseal_options(
                row.options or {}, cipher, secret=is_secret_name, what=f"source {row.name!r}"
            )
            conn.execute(source.update().where(source.c.id == row.id).values(options=sealed))
        audit.record(conn, actor=actor, action="source.reseal", detail={"sources": len(rows)})
    return len(rows)


def _storable(options: BaseModel, cipher: Cipher) -> dict[str, Any]:
    """Options as JSON to store: secrets (``SecretStr`` fields and secret-looking names) encrypted, since
    the connector needs them in full but nobody reading the database may."""
    stored: dict[str, Any] = options.model_dump(mode="json")
    sealed_fields: set[str] = set()
    for name in type(options).model_fields:
        value = getattr(options, name)
        if isinstance(value, SecretStr):
            stored[name] = value.get_secret_value()
            sealed_fields.add(name)
    return seal_options(stored, cipher, secret=lambda name: name in sealed_fields or is_secret_name(name))


def _runs(conn: sa.Connection, source_id: int) -> list[Run]:
    rows = conn.execute(
        sa.select(source_run)
        .where(source_run.c.source_id == source_id)
        .order_by(source_run.c.started_at.desc(), source_run.c.id.desc())
        .limit(RUNS_FOR_HEALTH)
    ).mappings()
    return [Run(r["started_at"], r["fetched"], r["stored"], r["rejected"], r["error"]) for r in rows]


def _undated(conn: sa.Connection, now: datetime, source_id: int | None = None) -> dict[int, int]:
    """Per source: its mentions stored in the health window whose date is unknown. Their
    ``published_at`` is when they were fetched, so the published index finds them."""
    query = (
        sa.select(mention.c.source_id, sa.func.count())
        .where(mention.c.published_at >= now - HEALTH_WINDOW, mention.c.published_at <= now,
               mention.c.date_known.is_(False), mention.c.source_id.is_not(None))
        .group_by(mention.c.source_id)
    )  # fmt: skip
    if source_id is not None:
        query = query.where(mention.c.source_id == source_id)
    return {int(found): int(n) for found, n in conn.execute(query)}


def _read(row: sa.RowMapping, runs: list[Run], now: datetime, undated: int = 0) -> SourceRead:
    interval = timedelta(seconds=row["poll_interval_s"] or 900)
    return SourceRead(
        id=row["id"],
        name=row["name"],
        connector=row["connector"],
        options=masked(shown_options(row["options"] or {})),
        enabled=row["enabled"],
        poll_interval=interval,
        last_success_at=row["last_success_at"],
        last_error=row["last_error"],
        next_run_at=row["next_run_at"],
        health=assess(runs, now=now, poll_interval=interval, undated=undated),
        department=row["department"],
    )
