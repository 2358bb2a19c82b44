"""Topics: saved queries for the brand, its competitors and campaigns."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.topics import TopicKind
from luister.storage.tables import topic


@dataclass(slots=True, frozen=True)
class TopicRead:
    id: int
    name: str
    kind: TopicKind
    query: str
    description: str | None
    enabled: bool


def save_topic(
    *, engine: Engine, name: str, kind: TopicKind, query: str, description: str | None = None
) -> TopicRead:
    """Create the topic, or update the one with this name."""
    values = {"kind": kind.value, "query": query, "description": description}
    with engine.begin() as conn:
        found = conn.execute(sa.select(topic.c.id).where(topic.c.name == name)).scalar()
        if found is None:
            insert = topic.insert().values(name=name, **values).returning(topic.c.id)
            found = conn.execute(insert).scalar_one()
        else:
            conn.execute(topic.update().where(topic.c.id == found).values(**values))
    return get_topic(engine=engine, topic_id=found)


def get_topic(*, engine: Engine, topic_id: int) -> TopicRead:
    with engine.connect() as conn:
        row = conn.execute(sa.select(topic).where(topic.c.id == topic_id)).mappings().one()
    return _read(row)


def list_topics(*, engine: Engine) -> list[TopicRead]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(topic).order_by(topic.c.kind, topic.c.name)).mappings().all()
    return [_read(row) for row in rows]


def _read(row: sa.RowMapping) -> TopicRead:
    return TopicRead(
        id=row["id"],
        name=row["name"],
        kind=TopicKind(row["kind"]),
        query=row["query"],
        description=row["description"],
        enabled=row["enabled"],
    )
