"""Topics: validated on save, matched at ingest, re-matched over history, tried before saving."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.queries import QueryReferenceError, QuerySyntaxError
from luister.domain.topics import TopicKind
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher, rematch
from luister.services.topics import get_topic, list_topics, remove_topic, save_topic, try_query
from luister.storage.tables import mention_topic
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record

TEXTS = [
    "Storing bij Voltaro: de app doet het weer niet #storing",
    "Top geholpen door de webcare van @voltaro, dank!",
    "Overstappen naar Stroomwijs? Die zijn goedkoper",
    "Enerlux en Voltaro allebei duurder geworden",
    "Niks over energie, gewoon het weer in Gent",
]


def ingest(engine: Engine, texts: list[str]) -> None:
    pipeline = Pipeline(
        mapper=FieldMapping().map,
        store=SqlMentionStore(engine),
        origin="test",
        enrichers=[TopicMatchEnricher(load_matcher(engine=engine))],
    )
    pipeline.run_batch([raw_item(record(n, text=t)) for n, t in enumerate(texts)])


def matches(engine: Engine) -> dict[str, int]:
    return {t.name: t.mentions for t in list_topics(engine=engine)}


def test_topics_match_at_ingest(engine: Engine) -> None:
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro OR @voltaro")
    save_topic(engine=engine, name="Stroomwijs", kind=TopicKind.competitor, query="stroomwijs")
    save_topic(
        engine=engine, name="Klachten", kind=TopicKind.other, query="topic:Voltaro AND (storing OR duurder)"
    )
    ingest(engine, TEXTS)
    assert matches(engine) == {"Voltaro": 3, "Stroomwijs": 1, "Klachten": 2}


def test_new_and_changed_topics_rematch_history(engine: Engine) -> None:
    ingest(engine, TEXTS)
    enerlux = save_topic(engine=engine, name="Enerlux", kind=TopicKind.competitor, query="enerlux")
    assert matches(engine)["Enerlux"] == 0
    result = rematch(engine=engine, topic_ids=[enerlux.id], batch_size=2)
    assert (result.mentions, matches(engine)["Enerlux"]) == (5, 1)

    save_topic(engine=engine, name="Enerlux", kind=TopicKind.competitor, query="enerlux OR gent")
    rematch(engine=engine, topic_ids=[enerlux.id], batch_size=2)
    assert matches(engine)["Enerlux"] == 2


def test_rematch_of_one_topic_leaves_the_others(engine: Engine) -> None:
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    ingest(engine, TEXTS)
    other = save_topic(engine=engine, name="Weer", kind=TopicKind.other, query="weer")
    rematch(engine=engine, topic_ids=[other.id])
    assert matches(engine) == {"Voltaro": 3, "Weer": 2}


def test_invalid_queries_and_references_are_refused(engine: Engine) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        save_topic(engine=engine, name="Kapot", kind=TopicKind.other, query="voltaro AND (storing")
    assert info.value.position == 12
    with pytest.raises(QueryReferenceError, match="unknown"):
        save_topic(engine=engine, name="Ref", kind=TopicKind.other, query="topic:Bestaatniet")
    save_topic(engine=engine, name="A", kind=TopicKind.other, query="voltaro")
    save_topic(engine=engine, name="B", kind=TopicKind.other, query="topic:A")
    with pytest.raises(QueryReferenceError, match="cycle"):
        save_topic(engine=engine, name="A", kind=TopicKind.other, query="topic:B")
    with pytest.raises(QueryReferenceError):
        remove_topic(engine=engine, name="A")  # B still refers to it
    assert [t.name for t in list_topics(engine=engine)] == ["A", "B"]


def test_remove_topic_deletes_its_matches(engine: Engine) -> None:
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    ingest(engine, TEXTS)
    remove_topic(engine=engine, name="Voltaro")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(mention_topic)).scalar_one() == 0


def test_try_a_query_before_saving(engine: Engine) -> None:
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    ingest(engine, TEXTS)
    trial = try_query(engine=engine, query="topic:Voltaro AND -enerlux", examples=1)
    assert (trial.sampled, trial.matched, len(trial.examples)) == (5, 2, 1)
    assert matches(engine) == {"Voltaro": 3}  # trying saves nothing
    assert get_topic(engine=engine, name="Voltaro").query == "voltaro"
