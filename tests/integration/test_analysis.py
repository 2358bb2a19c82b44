"""Analysis in the ingest pipeline and over stored mentions, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.topics import TopicKind
from luister.services.analysis import build_analyser, ingest_enrichers, reanalyse
from luister.services.corrections import CorrectionError, correct_mention, corrected_mentions
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.settings import AnalysisSetting, Settings
from luister.storage.tables import correction, mention, mention_topic
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record

TEXTS = [
    "Alweer een storing bij Voltaro, al 3 keer gebeld en nog steeds geen oplossing. Ik zeg mijn contract op!",
    "Super geholpen door de klantenservice van Voltaro, top service 👍",
    "Does anyone know if Voltaro offers solar panels in Antwerp? Looking for a quote.",
    "Voltaro opent een nieuw kantoor in Gent.",
]


def ingest(engine: Engine, settings: Settings, texts: list[str]) -> None:
    pipeline = Pipeline(
        mapper=FieldMapping(channel="test").map,
        store=SqlMentionStore(engine),
        origin="test",
        enrichers=[*ingest_enrichers(settings=settings), TopicMatchEnricher(load_matcher(engine=engine))],
    )
    items = [  # no language given: the detector decides
        raw_item(record(n, id=f"a{n}-{len(text)}", text=text, lang=None), f"line {n}")
        for n, text in enumerate(texts, start=1)
    ]
    pipeline.run(items, batch_size=100)


def rows(engine: Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(mention).order_by(mention.c.id)))


def test_every_stored_mention_gets_language_sentiment_and_intents(engine: Engine, settings: Settings) -> None:
    ingest(engine, settings, TEXTS)
    found = rows(engine)
    assert [r.language for r in found] == ["nl", "nl", "en", "nl"]
    assert found[0].sentiment == "negative" and found[1].sentiment == "positive"
    assert {"complaint", "churn"} <= set(found[0].intents.split(","))
    assert "praise" in found[1].intents.split(",")
    assert {"question", "lead"} <= set(found[2].intents.split(","))
    assert found[3].intents == "other"
    assert [r.primary_intent for r in found] == ["churn", "praise", "lead", "other"]  # the most urgent
    for r in found:
        scores = r.intent_scores if isinstance(r.intent_scores, dict) else json.loads(r.intent_scores)
        assert set(scores) <= {"complaint", "question", "praise", "lead", "churn", "feedback", "crisis"}
        assert -1.0 <= r.sentiment_score <= 1.0 and 0.0 < r.sentiment_confidence <= 1.0
        assert r.analysis_model.startswith("fast-")


def test_topics_can_ask_for_sentiment_because_analysis_runs_first(engine: Engine, settings: Settings) -> None:
    topic = save_topic(engine=engine, name="Voltaro negatief", kind=TopicKind.brand,
                       query="voltaro sentiment:negative")  # fmt: skip
    ingest(engine, settings, TEXTS)
    with engine.connect() as conn:
        matched = conn.execute(
            sa.select(mention_topic.c.mention_id).where(mention_topic.c.topic_id == topic.id)
        )
        assert [row[0] for row in matched] == [rows(engine)[0].id]


def test_analysis_off_stores_mentions_without_labels(engine: Engine, settings: Settings) -> None:
    off = settings.model_copy(update={"analysis": AnalysisSetting.off})
    ingest(engine, off, TEXTS[:1])
    assert rows(engine)[0].sentiment is None


def test_a_correction_is_recorded_applied_and_kept_by_reanalysis(engine: Engine, settings: Settings) -> None:
    ingest(engine, settings, TEXTS)
    first, second = rows(engine)[:2]
    correct_mention(engine=engine, mention_id=second.id, corrected_by="anouk", sentiment="neutral",
                    intents=("praise", "feedback"))  # fmt: skip
    correct_mention(engine=engine, mention_id=second.id, corrected_by="joris", sentiment="positive")
    after = rows(engine)[1]
    assert (after.sentiment, after.intents, after.analysis_model) == ("positive", "praise,feedback", "human")
    assert after.primary_intent == "feedback"  # the correction's most urgent intent
    with engine.connect() as conn:
        columns = (correction.c.field, correction.c.value, correction.c.previous, correction.c.corrected_by)
        history = conn.execute(sa.select(*columns).order_by(correction.c.id)).all()
    assert [tuple(h) for h in history] == [
        ("sentiment", "neutral", second.sentiment, "anouk"),
        ("intents", "praise,feedback", second.intents, "anouk"),
        ("sentiment", "positive", "neutral", "joris"),
    ]
    learnt = corrected_mentions(engine=engine)
    assert [(c.sentiment, c.intents) for c in learnt] == [("positive", ("praise", "feedback"))]
    with engine.begin() as conn:  # a new model version arrives: everything but the corrected row changes
        conn.execute(
            mention.update()
            .values(analysis_model="fast-old", sentiment=None)
            .where(mention.c.id != second.id)
        )
    result = reanalyse(engine=engine, analyser=build_analyser(settings=settings))
    assert result.mentions == len(TEXTS) - 1
    again = rows(engine)
    assert again[1].sentiment == "positive" and again[1].analysis_model == "human"
    assert again[0].sentiment == first.sentiment and again[0].analysis_model == first.analysis_model


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sentiment": "furious"}, "sentiment must be one of"),
        ({"intents": ("complaint", "rant")}, "got rant"),
        ({"intents": ("other", "complaint")}, "cannot be combined"),
        ({}, "give a sentiment"),
    ],
)
def test_bad_corrections_are_refused_with_the_reason(
    engine: Engine, settings: Settings, kwargs: dict[str, object], message: str
) -> None:
    ingest(engine, settings, TEXTS[:1])
    with pytest.raises(CorrectionError, match=message):
        correct_mention(engine=engine, mention_id=rows(engine)[0].id, corrected_by="x", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(CorrectionError, match="no mention"):
        correct_mention(engine=engine, mention_id=999_999, corrected_by="x", sentiment="neutral")


def test_only_missing_analyses_what_was_never_analysed(engine: Engine, settings: Settings) -> None:
    ingest(engine, settings.model_copy(update={"analysis": AnalysisSetting.off}), TEXTS[:2])
    ingest(engine, settings, TEXTS[2:])
    result = reanalyse(engine=engine, analyser=build_analyser(settings=settings), only_missing=True)
    assert result.mentions == 2
    assert all(r.sentiment is not None for r in rows(engine))


def test_a_topic_added_later_matches_stored_sentiment_and_intents(engine: Engine, settings: Settings) -> None:
    from luister.services.matching import rematch

    ingest(engine, settings, TEXTS)
    topic = save_topic(
        engine=engine, name="Churn", kind=TopicKind.other, query="intent:churn sentiment:negative"
    )
    rematch(engine=engine, topic_ids=[topic.id])
    with engine.connect() as conn:
        matched = conn.execute(
            sa.select(mention_topic.c.mention_id).where(mention_topic.c.topic_id == topic.id)
        )
        assert [row[0] for row in matched] == [rows(engine)[0].id]


class CountingEncoder:
    """Stands in for a sentence encoder (slow in real life): counts the texts it embeds."""

    name = "use"
    dim = 512

    def __init__(self) -> None:
        self.embedded = 0

    def embed(self, texts):  # type: ignore[no-untyped-def]
        import numpy as np

        self.embedded += len(texts)
        return np.ones((len(texts), self.dim), dtype=np.float32) / np.sqrt(self.dim)


def test_accurate_mode_analyses_every_mention_with_the_encoder(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #29: an accurate import once stored 200 of 4,022 mentions with the encoder and silently gave
    the rest fast labels. Now every mention is embedded and its stored model name says so."""
    from luister.services import analysis

    encoder = CountingEncoder()
    monkeypatch.setattr(analysis, "load_encoder", lambda name: encoder)
    accurate = settings.model_copy(update={"analysis": AnalysisSetting.accurate, "analysis_encoder": "use"})
    texts = [f"{TEXTS[n % len(TEXTS)]} ({n})" for n in range(450)]  # distinct texts, several batches
    ingest(engine, accurate, texts)
    found = rows(engine)
    assert len(found) == 450 and encoder.embedded == 450
    model = analysis.build_analyser(settings=accurate).model_name
    assert model.startswith("accurate-use-")
    assert {r.analysis_model for r in found} == {model}
    assert all(r.sentiment is not None and r.intents for r in found)


def test_the_background_job_replaces_fast_labels_with_accurate_ones_and_keeps_corrections(
    engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fast labels at ingest, then ``relabel_continuously`` (``luister analyse --accurate --follow``)
    upgrades every one, including mentions that arrive between its passes; a person's label stays."""
    from luister.analysis.analyser import AnalysisMode
    from luister.services import analysis

    encoder = CountingEncoder()
    monkeypatch.setattr(analysis, "load_encoder", lambda name: encoder)
    use = settings.model_copy(update={"analysis_encoder": "use"})
    ingest(engine, settings, TEXTS[:3])
    correct_mention(engine=engine, mention_id=rows(engine)[0].id, corrected_by="anouk", sentiment="neutral")
    accurate = analysis.build_analyser(settings=use, mode=AnalysisMode.ACCURATE)
    waits: list[float] = []

    def arrive_while_waiting(seconds: float) -> None:
        waits.append(seconds)
        ingest(engine, settings, TEXTS[3:])  # a fast-labelled mention arrives during the wait

    relabelled = analysis.relabel_continuously(
        engine=engine, analyser=accurate, interval=5.0, passes=4, sleep=arrive_while_waiting
    )
    assert relabelled == 3 and encoder.embedded == 3  # two at first, then the one that arrived
    assert waits == [5.0]  # only after a pass that found nothing (the 2nd; not after the last)
    assert [r.analysis_model for r in rows(engine)] == ["human"] + [accurate.model_name] * 3
