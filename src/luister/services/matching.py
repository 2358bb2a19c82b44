"""Topic matching: every mention against all topics at ingest, and history again when topics change."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.analysis import parse_intents
from luister.domain.matcher import TopicMatcher
from luister.domain.mentions import Mention
from luister.domain.queries import MatchDoc, parse_query
from luister.storage import rollups
from luister.storage.tables import mention, mention_topic, topic

MATCH_COLUMNS = (
    mention.c.id, mention.c.text, mention.c.title, mention.c.author_handle, mention.c.author_name,
    mention.c.language, mention.c.channel, mention.c.country, mention.c.url, mention.c.author_followers,
    mention.c.sentiment, mention.c.intents, mention.c.primary_intent,
)  # fmt: skip


def load_matcher(*, engine: Engine) -> TopicMatcher:
    """One compiled matcher for every enabled topic (queries were validated when saved)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(topic.c.id, topic.c.name, topic.c.query).where(topic.c.enabled)).all()
    return TopicMatcher.compile({row.id: (row.name, parse_query(row.query)) for row in rows})


class TopicMatchEnricher:
    """The ingest step that sets ``topic_ids`` on each mention of a batch."""

    name = "topics"

    def __init__(self, matcher: TopicMatcher) -> None:
        self.matcher = matcher

    def enrich(self, mentions: list[Mention]) -> None:
        match = self.matcher.match
        for m in mentions:
            m.topic_ids = match(m)


@dataclass(slots=True)
class RematchResult:
    mentions: int = 0
    matches: int = 0


def rematch(
    *,
    engine: Engine,
    topic_ids: Collection[int] | None = None,
    batch_size: int = 5000,
    on_batch: Callable[[int], None] | None = None,
) -> RematchResult:
    """Match stored mentions again, for ``topic_ids`` (or all topics), in batches of ``batch_size``.

    Each batch replaces the batch's old matches for those topics in one transaction, so an interrupted
    re-match leaves every mention matched by either the old or the new queries, never by neither.
    """
    matcher = load_matcher(engine=engine)
    wanted = None if topic_ids is None else frozenset(topic_ids)
    result = RematchResult()
    after = 0
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                sa.select(*MATCH_COLUMNS).where(mention.c.id > after).order_by(mention.c.id).limit(batch_size)
            ).all()
            if not rows:
                return result
            found = [
                (row.id, topic_id)
                for row in rows
                for topic_id in matcher.match(doc_from_row(row))
                if wanted is None or topic_id in wanted
            ]
            with rollups.changing(conn, mention.c.id.between(rows[0].id, rows[-1].id)):
                _replace_matches(conn, first=rows[0].id, last=rows[-1].id, topic_ids=wanted, found=found)
        after = rows[-1].id
        result.mentions += len(rows)
        result.matches += len(found)
        if on_batch is not None:
            on_batch(len(rows))


def _replace_matches(
    conn: Connection, *, first: int, last: int, topic_ids: frozenset[int] | None, found: list[tuple[int, int]]
) -> None:
    stale = mention_topic.delete().where(mention_topic.c.mention_id.between(first, last))
    if topic_ids is not None:
        stale = stale.where(mention_topic.c.topic_id.in_(topic_ids))
    conn.execute(stale)
    if found:
        conn.execute(mention_topic.insert(), [{"mention_id": m, "topic_id": t} for m, t in found])


def doc_from_row(row: Any) -> MatchDoc:
    return MatchDoc(
        text=row.text, title=row.title, author_handle=row.author_handle, author_name=row.author_name,
        language=row.language, channel=row.channel, country=row.country, url=row.url,
        followers=row.author_followers, sentiment=row.sentiment, intents=parse_intents(row.intents),
        primary_intent=row.primary_intent,
    )  # fmt: skip
