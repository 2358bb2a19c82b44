"""The rollup tables stay equal to a count from scratch through ingest, corrections, re-analysis,
re-matching and topic removal — and agree with plain SQL counts over the mentions."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.analysis import parse_intents
from luister.domain.rollups import FULL, PROJECTIONS
from luister.domain.topics import TopicKind
from luister.services.analysis import build_analyser, ingest_enrichers, reanalyse
from luister.services.corrections import correct_mention
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher, rematch
from luister.services.topics import remove_topic, save_topic
from luister.settings import Settings
from luister.storage import rollups
from luister.storage.tables import ROLLUP_TABLES, mention, mention_topic
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record

TEXTS = [
    ("Storing bij Voltaro: de app doet het weer niet, ik stap over naar Stroomwijs", "NL", "mastodon"),
    ("Top geholpen door de webcare van Voltaro, dank!", "BE", "bluesky"),
    ("Is Stroomwijs goedkoper dan Voltaro? Wie weet het?", "NL", "reddit"),
    ("Voltaro outage again, third time this week. Cancelling my contract.", None, "hackernews"),
    ("Storing bij Voltaro: de app doet het weer niet, ik stap over naar Stroomwijs", "NL", "mastodon"),
    ("Niks over energie, gewoon het weer in Gent", "BE", "rss"),
]


def ingest(settings: Settings, engine: Engine, start: int = 0) -> None:
    pipeline = Pipeline(
        mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test",
        enrichers=[*ingest_enrichers(settings=settings), TopicMatchEnricher(load_matcher(engine=engine))],
    )  # fmt: skip
    items = [
        raw_item(record(start + n * 37, text=text, country=country, channel=channel, likes=n, shares=1))
        for n, (text, country, channel) in enumerate(TEXTS)
    ]
    pipeline.run_batch(items)


def snapshot(engine: Engine) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The full hourly table and the hourly intents, after checking every narrower projection sums up
    to the full table."""
    tables: dict[str, dict[Any, Any]] = {}
    with engine.connect() as conn:
        for projection in PROJECTIONS:
            width = 2 + len(projection.dims)
            tables[projection.table] = {
                tuple(row[:width]): tuple(round(v, 6) for v in row[width:])
                for row in conn.execute(sa.select(ROLLUP_TABLES[projection.table]))
            }
    full, intents = tables["rollup_hour"], tables["rollup_intent_hour"]
    for projection in PROJECTIONS:
        base = intents if projection.intents else full
        names = ("channel", "intent") if projection.intents else FULL
        expected: dict[Any, list[float]] = {}
        for (topic_id, hour, *dims), sums in base.items():
            bucket = hour if projection.bucket == "hour" else hour.replace(hour=0)
            key = (topic_id, bucket, *(dims[names.index(d)] for d in projection.dims))
            total = expected.setdefault(key, [0.0] * len(sums))
            for position, value in enumerate(sums):
                total[position] += value
        assert {k: tuple(round(v, 6) for v in vs) for k, vs in expected.items()} == tables[projection.table]
    return full, {key: values[0] for key, values in intents.items()}


def assert_consistent(engine: Engine) -> None:
    """Equal to a recount, and to SQL counts straight from the mentions."""
    kept = snapshot(engine)
    rollups.rebuild(engine)
    assert snapshot(engine) == kept
    hours, intents = kept
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(mention)).scalar()
        per_topic = dict(conn.execute(sa.select(mention_topic.c.topic_id, sa.func.count()).group_by(
            mention_topic.c.topic_id)).all())  # fmt: skip
        by_sentiment = Counter(s or "" for s in conn.execute(sa.select(mention.c.sentiment)).scalars())
        by_intent = Counter(i for row in conn.execute(sa.select(mention.c.intents)).scalars()
                            for i in parse_intents(row))  # fmt: skip
    counted: Counter[int] = Counter()
    sentiments: Counter[str] = Counter()
    for (topic_id, _h, _c, _co, _l, sentiment), sums in hours.items():
        counted[topic_id] += sums[0]
        if topic_id == 0:
            sentiments[sentiment] += sums[0]
    assert counted[0] == total
    assert {t: n for t, n in counted.items() if t} == per_topic
    assert sentiments == by_sentiment
    intent_counts: Counter[str] = Counter()
    for (topic_id, _h, _c, intent), n in intents.items():
        if topic_id == 0:
            intent_counts[intent] += n
    assert intent_counts == by_intent and sum(by_intent.values()) > 0


def test_rollups_follow_every_change(settings: Settings, engine: Engine) -> None:
    voltaro = save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    save_topic(engine=engine, name="Stroomwijs", kind=TopicKind.competitor, query="stroomwijs")
    ingest(settings, engine)
    hours, _ = snapshot(engine)
    assert sum(s[0] for k, s in hours.items() if k[0] == 0) == 6
    assert sum(s[0] for k, s in hours.items() if k[0] == voltaro.id) == 5
    assert sum(s[1] for k, s in hours.items() if k[0] == 0) == 1  # the repeated text is a near-duplicate
    assert {k[3] for k in hours} == {"NL", "BE", ""}
    assert sum(s[3] for k, s in hours.items() if k[0] == 0) == sum(n + 1 for n in range(6))  # likes + shares
    assert_consistent(engine)

    ingest(settings, engine)  # a redelivered batch changes nothing
    assert snapshot(engine)[0] == hours

    with engine.connect() as conn:
        first = conn.execute(sa.select(sa.func.min(mention.c.id))).scalar_one()
    correct_mention(engine=engine, mention_id=first, corrected_by="test", sentiment="positive",
                    intents=("praise",))  # fmt: skip
    assert_consistent(engine)

    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro AND storing")
    rematch(engine=engine, topic_ids=[voltaro.id], batch_size=2)
    assert sum(s[0] for k, s in snapshot(engine)[0].items() if k[0] == voltaro.id) == 2
    assert_consistent(engine)

    reanalyse(engine=engine, analyser=build_analyser(settings=settings), batch_size=4)
    assert_consistent(engine)

    remove_topic(engine=engine, name="Stroomwijs")
    assert_consistent(engine)
    ingest(settings, engine, start=1)  # new mentions after all that
    assert_consistent(engine)
