"""Topics: saved queries for the brand, its competitors and campaigns."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.matcher import TopicMatcher
from luister.domain.queries import check_query_references, check_references, parse_query
from luister.domain.rollups import ALL_TOPICS
from luister.domain.topics import TopicKind
from luister.services import audit
from luister.services.matching import MATCH_COLUMNS, doc_from_row
from luister.storage import rollups
from luister.storage.tables import ROLLUP_TABLES, mention, mention_topic, topic

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
    """What a query catches on the newest stored mentions."""

    sampled: int
    matched: int
    examples: list[tuple[int, str]]


class UnknownTopicError(LookupError):
    pass


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
    """Create the topic, or update the one with this name (``department``: None keeps it, "" clears
    it). Raises ``QuerySyntaxError`` for a bad query
    and ``QueryReferenceError`` for ``topic:`` references to unknown topics or in a cycle."""
    name = name.strip()
    if not name:
        raise ValueError("a topic needs a name")
    parsed = parse_query(query)
    queries = {t.name: parse_query(t.query) for t in list_topics(engine=engine) if t.name != name}
    check_references({**queries, name: parsed})
    values = {"kind": kind.value, "query": query.strip(), "description": description}
    if department is not None:
        values["department"] = department.strip()[:40] or None
    with engine.begin() as conn:
        found = conn.execute(sa.select(topic.c.id).where(topic.c.name == name)).scalar()
        if found is None:
            insert = topic.insert().values(name=name, **values).returning(topic.c.id)
            found = conn.execute(insert).scalar_one()
        else:
            conn.execute(topic.update().where(topic.c.id == found).values(**values))
        audit.record(conn, actor=actor, action="topic.save", target=name, detail={"query": values["query"]})
    return get_topic(engine=engine, name=name)


def get_topic(*, engine: Engine, name: str) -> TopicRead:
    for found in list_topics(engine=engine):
        if found.name == name:
            return found
    raise UnknownTopicError(f"no topic named {name!r}")


def list_topics(*, engine: Engine) -> list[TopicRead]:
    """Every topic with the number of mentions it matched (from the rollups: no scan of the matches)."""
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
    """Delete a topic and its matches; refused while another topic's query refers to it."""
    target = get_topic(engine=engine, name=name)
    queries = {t.name: parse_query(t.query) for t in list_topics(engine=engine) if t.name != name}
    check_references(queries)
    with engine.begin() as conn:
        conn.execute(mention_topic.delete().where(mention_topic.c.topic_id == target.id))
        conn.execute(topic.delete().where(topic.c.id == target.id))
        rollups.forget_topic(conn, target.id)
        audit.record(conn, actor=actor, action="topic.remove", target=name)


def try_query(*, engine: Engine, query: str, sample: int = 5000, examples: int = 10) -> QueryTrial:
    """Run ``query`` over the newest ``sample`` stored mentions without saving it."""
    parsed = parse_query(query)
    topics = {t.id: (t.name, parse_query(t.query)) for t in list_topics(engine=engine)}
    check_query_references(parsed, dict(topics.values()))
    matcher = TopicMatcher.compile({**topics, _PROBE_ID: (_PROBE_NAME, parsed)})
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*MATCH_COLUMNS).order_by(mention.c.id.desc()).limit(sample)).all()
    hits = [row for row in rows if _PROBE_ID in matcher.match(doc_from_row(row))]
    return QueryTrial(
        sampled=len(rows),
        matched=len(hits),
        examples=[(row.id, row.title or row.text) for row in hits[:examples]],
    )
