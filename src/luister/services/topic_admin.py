"""What the topic pages show besides the list: a topic by id, which topics refer to one, and trying a
query with examples worth showing.

The writes are :mod:`luister.services.topics`'s (the one write path of topics, for pages, API and CLI).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.domain.queries import (
    QuerySyntaxError,
    parse_query,
    referenced_topics,
    resolve_topic,
)
from luister.services.topics import TopicRead, UnknownTopicError, list_topics, try_query
from luister.storage.tables import mention

TRIAL_SAMPLE = 5000
TRIAL_EXAMPLES = 10


@dataclass(slots=True, frozen=True)
class TrialExample:
    id: int
    channel: str
    published_at: datetime
    text: str


@dataclass(slots=True, frozen=True)
class TopicTrial:
    """What a query catches (see :class:`~luister.services.topics.QueryTrial`), with examples to show."""

    sampled: int
    matched: int
    examples: list[TrialExample]
    whole: bool = False  # counted over every mention of the period, not the newest sample
    index_reason: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def topic_by_id(*, engine: Engine, topic_id: int) -> TopicRead:
    for found in list_topics(engine=engine):
        if found.id == topic_id:
            return found
    raise UnknownTopicError(f"no topic with id {topic_id}")


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
    *,
    engine: Engine,
    query: str,
    sample: int = TRIAL_SAMPLE,
    examples: int = TRIAL_EXAMPLES,
    scope: Scope = EVERYTHING,
    since: datetime | None = None,
    until: datetime | None = None,
) -> TopicTrial:
    """:func:`~luister.services.topics.try_query`, with each example's channel and date."""
    tried = try_query(engine=engine, query=query, sample=sample, examples=examples, scope=scope,
                      since=since, until=until)  # fmt: skip
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
    return TopicTrial(sampled=tried.sampled, matched=tried.matched, examples=shown, whole=tried.whole,
                      index_reason=tried.index_reason, since=since, until=until)  # fmt: skip
