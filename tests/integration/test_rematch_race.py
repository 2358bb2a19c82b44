"""Topics saved in quick succession are re-matched at the same time: the dashboards must count each
mention once per topic (issue: two of three identical topics showed 2,901 for 1,480 true matches)."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.topics import TopicKind
from luister.services.ingest import Pipeline
from luister.services.matching import rematch
from luister.services.topics import list_topics, save_topic
from luister.settings import Settings
from luister.storage.tables import mention_topic
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record


def test_concurrent_rematches_of_overlapping_mentions_count_each_match_once(
    settings: Settings, engine: Engine
) -> None:
    texts = ["Voltaro storing weer", "Stroomwijs is goedkoper", "voltaro app doet het niet"]
    items = [raw_item(record(n, text=texts[n % 3])) for n in range(600)]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(items)
    topics = [save_topic(engine=engine, name=f"Voltaro {n}", kind=TopicKind.brand, query="voltaro")
              for n in range(3)]  # fmt: skip
    start = threading.Barrier(len(topics))
    errors: list[BaseException] = []

    def run(topic_id: int) -> None:
        start.wait()
        try:
            rematch(engine=engine, topic_ids=[topic_id], batch_size=50)  # many small, interleaved batches
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t.id,)) for t in topics]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with engine.connect() as conn:
        true = dict(conn.execute(sa.select(mention_topic.c.topic_id, sa.func.count()).group_by(
            mention_topic.c.topic_id)).all())  # fmt: skip
    assert set(true.values()) == {400}
    assert {t.name: t.mentions for t in list_topics(engine=engine)} == {t.name: 400 for t in topics}
