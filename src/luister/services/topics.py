"""Topics: saved queries for the brand, its competitors and campaigns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.domain.matcher import TopicMatcher
from luister.domain.mention_filter import MentionFilter
from luister.domain.queries import (
    Query,
    check_query_references,
    check_references,
    parse_query,
    referenced_topics,
    resolve_topic,
)
from luister.domain.rollups import ALL_TOPICS
from luister.domain.topics import TopicKind
from luister.services import audit
from luister.services.matching import MATCH_COLUMNS, doc_from_row
from luister.storage import rollups
from luister.storage.scoping import seen
from luister.storage.tables import ROLLUP_TABLES, mention, mention_topic, topic
from luister.storage.unique import insert_new

_PROBE_ID = 0  # database ids start at 1
_PROBE_NAME = "\x00query under test"


@dataclass(slots=True, frozen=True)
class TopicRead:
    id: int
    name: str
    kind: TopicKind
    query: str
    description: str | None
    enabled: bool
    mentions: int = 0
    department: str | None = None  # whose topic it is (None: the whole company's)


@dataclass(slots=True, frozen=True)
class QueryTrial:
    """What a query catches: on all stored mentions of the period (``whole``: served by the search index)
    or, for a query the index cannot serve (``index_reason`` says why), on the newest ``sampled``."""

    sampled: int  # the mentions it was tried on
    matched: int
    examples: list[tuple[int, str]]  # the newest matches
    whole: bool = False  # sampled is every mention published in [since, until) (all of history)
    index_reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class UnknownTopicError(LookupError):
    pass


MAX_NAME = 120  # the column's length
KEEP = None  # an omitted field of an update keeps its value


class TopicError(ValueError):
    """A topic cannot be saved as given; ``field`` is the form field the message belongs to. Messages
    are fixed texts (no values in them), so the pages can translate them."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class TopicNameTaken(TopicError):
    """Another topic has this name already (a conflict, where the other errors are invalid input)."""

    def __init__(self) -> None:
        super().__init__("a topic with this name exists already", field="name")


def create_topic(
    *,
    engine: Engine,
    name: str,
    kind: TopicKind,
    query: str,
    description: str | None = None,
    department: str | None = None,
    actor: str,
    scope: Scope = EVERYTHING,
) -> TopicRead:
    """Save a new topic; refused (:class:`TopicError`) when the name is taken. ``topic:`` references
    resolve only among the topics in ``scope`` (the author's), so a department cannot build on another
    department's topics; a hidden topic is as unknown as a missing one. Raises
    ``QuerySyntaxError`` for a bad query and ``QueryReferenceError`` for ``topic:`` references to
    unknown topics or in a cycle."""
    name = _checked_name(name)
    parsed = _parsed(query)
    with engine.begin() as conn:
        if conn.execute(sa.select(topic.c.id).where(topic.c.name == name)).first() is not None:
            raise TopicNameTaken
        queries = _queries(conn)
        _check_visible(name, parsed, conn, scope)
        check_references({**queries, name: parsed})
        values = {"kind": kind.value, "query": query.strip(),
                  "description": (description or "").strip() or None,
                  "department": _department(department) if department is not None else None}  # fmt: skip
        if insert_new(conn, topic.insert().values(name=name, **values)) is None:
            raise TopicNameTaken  # created by another request since the look-up above
        audit.record(conn, actor=actor, action="topic.save", target=name, detail={"query": values["query"]})
    return get_topic(engine=engine, name=name)


def update_topic(
    *,
    engine: Engine,
    name: str,
    new_name: str | None = KEEP,
    kind: TopicKind | None = KEEP,
    query: str | None = KEEP,
    description: str | None = KEEP,
    department: str | None = KEEP,
    actor: str,
    scope: Scope = EVERYTHING,
) -> TopicRead:
    """Change the topic ``name`` in one transaction (references as in :func:`create_topic`); an
    omitted (None) field keeps its value, ``""`` clears ``description`` or ``department``. A new name is
    refused while it is taken or while other topics refer to the old one. Raises
    :class:`UnknownTopicError` when the topic is gone (a change never brings a deleted topic back),
    ``QuerySyntaxError`` and ``QueryReferenceError``."""
    parsed = _parsed(query) if query is not None else None
    with engine.begin() as conn:
        row = conn.execute(sa.select(topic).where(topic.c.name == name).with_for_update()).mappings().first()
        if row is None:
            raise UnknownTopicError(f"no topic named {name!r}")
        renamed = _checked_name(new_name) if new_name is not None else name
        others = {n: q for n, q in _queries(conn).items() if n != name}
        if renamed != name:
            if renamed in others:
                raise TopicNameTaken
            if any(_refers_to(q, name, others) for q in others.values()):
                raise TopicError("other topics refer to this name; change their queries first", field="name")
        if parsed is not None:
            _check_visible(renamed, parsed, conn, scope)
        check_references({**others, renamed: parsed if parsed is not None else parse_query(row["query"])})
        values: dict[str, Any] = {"name": renamed}
        if kind is not None:
            values["kind"] = kind.value
        if query is not None:
            values["query"] = query.strip()
        if description is not None:
            values["description"] = description.strip() or None
        if department is not None:
            values["department"] = _department(department)
        changed = conn.execute(topic.update().where(topic.c.id == row["id"]).values(**values)).rowcount
        if not changed:  # deleted meanwhile
            raise UnknownTopicError(f"no topic named {name!r}")
        if renamed != name:
            audit.record(conn, actor=actor, action="topic.rename", target=renamed, detail={"from": name})
        audit.record(conn, actor=actor, action="topic.save", target=renamed,
                     detail={"query": values.get("query", row["query"])})  # fmt: skip
    return get_topic(engine=engine, name=renamed)


def save_topic(
    *,
    engine: Engine,
    name: str,
    kind: TopicKind,
    query: str,
    description: str | None = None,
    department: str | None = None,
    actor: str = "cli",
) -> TopicRead:
    """Create the topic, or change the one with this name (``luister topics add``, the demo): through
    :func:`create_topic` or :func:`update_topic`, the one write path."""
    name = _checked_name(name)
    with engine.connect() as conn:
        exists = conn.execute(sa.select(topic.c.id).where(topic.c.name == name)).first() is not None
    if not exists:
        try:
            return create_topic(engine=engine, name=name, kind=kind, query=query, description=description,
                                department=department, actor=actor)  # fmt: skip
        except TopicNameTaken:  # created meanwhile: change it instead
            pass
    return update_topic(engine=engine, name=name, kind=kind, query=query, description=description or "",
                        department=department, actor=actor)  # fmt: skip


def set_topic_enabled(*, engine: Engine, name: str, enabled: bool, actor: str) -> TopicRead:
    """Switch a topic on (new mentions are matched against it) or off (they are not; history stays)."""
    with engine.begin() as conn:
        changed = conn.execute(topic.update().where(topic.c.name == name).values(enabled=enabled)).rowcount
        if not changed:
            raise UnknownTopicError(f"no topic named {name!r}")
        audit.record(conn, actor=actor, action="topic.enable" if enabled else "topic.disable", target=name)
    return get_topic(engine=engine, name=name)


def _check_visible(name: str, parsed: Query, conn: sa.Connection, scope: Scope) -> None:
    """Raise ``QueryReferenceError`` for a ``topic:`` naming a topic outside ``scope``, worded as for one
    that does not exist (no answer may tell a hidden topic from a missing one)."""
    if scope.department is None:
        return
    names = sa.select(topic.c.name).where(seen(topic.c.department, scope))
    visible = {found: found for found in conn.execute(names).scalars()} | {name: name}
    check_query_references(parsed, visible, topic=name)


def _queries(conn: sa.Connection) -> dict[str, Query]:
    return {row.name: parse_query(row.query) for row in conn.execute(sa.select(topic.c.name, topic.c.query))}


def _refers_to(query: Query, name: str, known: dict[str, Query]) -> bool:
    names = {n: n for n in [*known, name]}
    return any(resolve_topic(reference, names) == name for reference in referenced_topics(query))


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise TopicError("a topic needs a name", field="name")
    if len(name) > MAX_NAME:
        raise TopicError("the name is too long (at most 120 characters)", field="name")
    return name


def _parsed(query: str) -> Query:
    if not query.strip():
        raise TopicError("a topic needs a query", field="query")
    return parse_query(query)


def _department(value: str) -> str | None:
    return value.strip()[:40] or None


def get_topic(*, engine: Engine, name: str, scope: Scope = EVERYTHING) -> TopicRead:
    """The topic ``name`` in ``scope``; one outside it is as unknown as one that does not exist."""
    for found in list_topics(engine=engine, scope=scope):
        if found.name == name:
            return found
    raise UnknownTopicError(f"no topic named {name!r}")


def list_topics(*, engine: Engine, scope: Scope = EVERYTHING) -> list[TopicRead]:
    """Every topic in ``scope`` with the number of mentions it matched (from the rollups: no scan)."""
    totals = ROLLUP_TABLES["rollup_day_sentiment"]
    counts = (
        sa.select(totals.c.topic_id, sa.func.sum(totals.c.mentions).label("n"))
        .where(totals.c.topic_id != ALL_TOPICS)
        .group_by(totals.c.topic_id)
        .subquery()
    )
    query = (
        sa.select(topic, sa.func.coalesce(counts.c.n, 0).label("mentions"))
        .select_from(topic.outerjoin(counts, counts.c.topic_id == topic.c.id))
        .where(seen(topic.c.department, scope))
        .order_by(topic.c.kind, topic.c.name)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        TopicRead(
            id=row["id"],
            name=row["name"],
            kind=TopicKind(row["kind"]),
            query=row["query"],
            description=row["description"],
            enabled=row["enabled"],
            mentions=row["mentions"],
            department=row["department"],
        )  # fmt: skip
        for row in rows
    ]


def remove_topic(*, engine: Engine, name: str, actor: str = "cli") -> None:
    """Delete a topic and its matches, in one transaction; refused while another topic's query refers to
    it (``QueryReferenceError``). Raises :class:`UnknownTopicError` when it is gone already."""
    with engine.begin() as conn:
        found = conn.execute(sa.select(topic.c.id).where(topic.c.name == name).with_for_update()).scalar()
        if found is None:
            raise UnknownTopicError(f"no topic named {name!r}")
        check_references({n: q for n, q in _queries(conn).items() if n != name})
        conn.execute(mention_topic.delete().where(mention_topic.c.topic_id == found))
        conn.execute(topic.delete().where(topic.c.id == found))
        rollups.forget_topic(conn, found)
        audit.record(conn, actor=actor, action="topic.remove", target=name)


def try_query(
    *,
    engine: Engine,
    query: str,
    sample: int = 5000,
    examples: int = 10,
    scope: Scope = EVERYTHING,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QueryTrial:
    """Run ``query`` without saving it over every mention published in [since, until) (all of history
    when not given), through the search index; a query the index cannot serve is tried on the newest
    ``sample`` mentions of the period instead. Its ``topic:`` references resolve among the topics in
    ``scope`` only."""
    from luister.services.mentions import count_matches, index_reason, search_mentions

    parsed = parse_query(query)
    everything = list_topics(engine=engine)
    check_query_references(parsed, {t.name: t for t in everything if scope.sees(t.department)})
    named = {t.name: t.query for t in everything}
    period = []
    if since is not None:
        period.append(mention.c.published_at >= since)
    if until is not None:
        period.append(mention.c.published_at < until)
    reason = index_reason(engine=engine, query=query, topics=named)
    if reason is None:
        counted = count_matches(engine=engine, query=query, since=since, until=until, topics=named)
        period_only = MentionFilter(since=since, until=until)
        found = search_mentions(
            engine=engine, query=query, filters=period_only, limit=max(1, examples), topics=named
        ).mentions[:examples]
        with engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(mention).where(*period)).scalar_one()
        return QueryTrial(sampled=int(total), matched=counted.count,
                          examples=[(m.id, m.title or m.text) for m in found], whole=True, since=since,
                          until=until)  # fmt: skip
    topics = {t.id: (t.name, parse_query(t.query)) for t in everything}
    matcher = TopicMatcher.compile({**topics, _PROBE_ID: (_PROBE_NAME, parsed)})
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*MATCH_COLUMNS).where(*period).order_by(mention.c.id.desc()).limit(sample)
        ).all()
    hits = [row for row in rows if _PROBE_ID in matcher.match(doc_from_row(row))]
    return QueryTrial(
        sampled=len(rows),
        matched=len(hits),
        examples=[(row.id, row.title or row.text) for row in hits[:examples]],
        index_reason=reason,
        since=since,
        until=until,
    )
