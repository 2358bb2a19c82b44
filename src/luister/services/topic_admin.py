"""Managing topics from the web pages: adding without overwriting, editing (also renaming), switching a
topic on and off, which topics refer to one, and trying a query with examples worth showing.

Builds on :mod:`luister.services.topics`, which stays the one place that validates and saves a query.
Error messages are fixed texts (no values in them), so the pages can translate them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.queries import (
    Query,
    QuerySyntaxError,
    check_references,
    parse_query,
    referenced_topics,
    resolve_topic,
)
from luister.domain.topics import TopicKind
from luister.services import audit
from luister.services.topics import TopicRead, UnknownTopicError, list_topics, save_topic, try_query
from luister.storage.tables import mention, topic

MAX_NAME = 120  # the column's length
TRIAL_SAMPLE = 5000
TRIAL_EXAMPLES = 10


class TopicError(ValueError):
    """A topic cannot be saved as given; ``field`` is the form field the message belongs to."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(slots=True, frozen=True)
class TrialExample:
    id: int
    channel: str
    published_at: datetime
    text: str


@dataclass(slots=True, frozen=True)
class TopicTrial:
    """What a query catches on the newest stored mentions, with examples to show."""

    sampled: int
    matched: int
    examples: list[TrialExample]


def topic_by_id(*, engine: Engine, topic_id: int) -> TopicRead:
    for found in list_topics(engine=engine):
        if found.id == topic_id:
            return found
    raise UnknownTopicError(f"no topic with id {topic_id}")


def create_topic(
    *,
    engine: Engine,
    name: str,
    kind: TopicKind,
    query: str,
    description: str | None,
    actor: str,
    department: str | None = None,
) -> TopicRead:
    """Save a new topic; refused when the name is taken (editing is :func:`update_topic`). Raises
    :class:`TopicError`, ``QuerySyntaxError`` or ``QueryReferenceError``."""
    name = _checked_name(name)
    if any(t.name == name for t in list_topics(engine=engine)):
        raise TopicError("a topic with this name exists already", field="name")
    return _save(engine=engine, name=name, kind=kind, query=query, description=description, actor=actor,
                 department=department or "")  # fmt: skip


def update_topic(
    *,
    engine: Engine,
    topic_id: int,
    name: str,
    kind: TopicKind,
    query: str,
    description: str | None,
    actor: str,
    department: str | None = None,
) -> TopicRead:
    """Change a topic (``department``: None keeps it, "" makes it the whole company's); a new name is
    refused while it is taken or while other topics refer to the old one."""
    current = topic_by_id(engine=engine, topic_id=topic_id)
    name = _checked_name(name)
    if name == current.name:
        return _save(engine=engine, name=name, kind=kind, query=query, description=description, actor=actor,
                     department=department)  # fmt: skip
    others = [t for t in list_topics(engine=engine) if t.id != topic_id]
    if any(t.name == name for t in others):
        raise TopicError("a topic with this name exists already", field="name")
    if referring_topics(engine=engine, name=current.name):
        raise TopicError("other topics refer to this name; change their queries first", field="name")
    parsed = _parsed(query)
    check_references({**{t.name: parse_query(t.query) for t in others}, name: parsed})
    with engine.begin() as conn:
        conn.execute(topic.update().where(topic.c.id == topic_id).values(name=name))
        audit.record(conn, actor=actor, action="topic.rename", target=name, detail={"from": current.name})
    return _save(engine=engine, name=name, kind=kind, query=query, description=description, actor=actor,
                 department=department)  # fmt: skip


def set_topic_enabled(*, engine: Engine, topic_id: int, enabled: bool, actor: str) -> TopicRead:
    """Switch a topic on (new mentions are matched against it) or off (they are not; history stays)."""
    found = topic_by_id(engine=engine, topic_id=topic_id)
    with engine.begin() as conn:
        conn.execute(topic.update().where(topic.c.id == topic_id).values(enabled=enabled))
        action = "topic.enable" if enabled else "topic.disable"
        audit.record(conn, actor=actor, action=action, target=found.name)
    return topic_by_id(engine=engine, topic_id=topic_id)


def referring_topics(*, engine: Engine, name: str) -> list[str]:
    """The other topics whose queries use ``topic:`` to refer to ``name``."""
    everything = list_topics(engine=engine)
    names = {t.name: t for t in everything}
    referring = []
    for other in everything:
        if other.name == name:
            continue
        try:
            references = referenced_topics(parse_query(other.query))
        except QuerySyntaxError:
            continue  # checked when saved
        if any(resolve_topic(reference, names) == name for reference in references):
            referring.append(other.name)
    return referring


def trial(
    *, engine: Engine, query: str, sample: int = TRIAL_SAMPLE, examples: int = TRIAL_EXAMPLES
) -> TopicTrial:
    """:func:`~luister.services.topics.try_query`, with each example's channel and date."""
    tried = try_query(engine=engine, query=query, sample=sample, examples=examples)
    ids = [mention_id for mention_id, _ in tried.examples]
    with engine.connect() as conn:
        rows = {
            row.id: row
            for row in conn.execute(
                sa.select(mention.c.id, mention.c.channel, mention.c.published_at).where(
                    mention.c.id.in_(ids)
                )
            )
        }
    shown = [
        TrialExample(mention_id, rows[mention_id].channel, rows[mention_id].published_at, text)
        for mention_id, text in tried.examples
        if mention_id in rows
    ]
    return TopicTrial(sampled=tried.sampled, matched=tried.matched, examples=shown)


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


def _save(
    *,
    engine: Engine,
    name: str,
    kind: TopicKind,
    query: str,
    description: str | None,
    actor: str,
    department: str | None = None,
) -> TopicRead:
    _parsed(query)
    return save_topic(engine=engine, name=name, kind=kind, query=query, description=description or None,
                      department=department, actor=actor)  # fmt: skip
