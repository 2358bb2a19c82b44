"""Analysis at ingest and over stored mentions: the ingest enricher and backlog re-analysis."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.analysis.analyser import Analyser, AnalysisMode
from luister.analysis.encoder import load_encoder
from luister.analysis.language import LanguageDetector
from luister.analysis.models import load_models
from luister.domain.analysis import Analysis, format_intents
from luister.domain.mentions import Mention, full_text
from luister.settings import Settings
from luister.storage import rollups
from luister.storage.tables import mention

HUMAN = "human"  # analysis_model of mentions a person labelled
CACHE_SIZE = 50_000  # reposts, boosts and copy-pasted texts are analysed once
ACCURATE_BUDGET = 2.0  # seconds of accurate analysis per ingest batch; the rest of the batch goes fast
INITIAL_RATE = 20.0  # texts per second assumed before the encoder has been measured


def build_analyser(*, settings: Settings, mode: AnalysisMode | None = None) -> Analyser:
    """The analyser the settings ask for, with the retrained models of the data directory if any."""
    models = load_models(settings.data_dir)
    chosen = mode or AnalysisMode(settings.analysis.value)
    encoder = None
    if chosen is AnalysisMode.ACCURATE:
        encoder = load_encoder(settings.analysis_encoder)
    return Analyser(
        models, mode=chosen, language=LanguageDetector(settings.analysis_languages), encoder=encoder
    )


def ingest_enrichers(*, settings: Settings) -> list[AnalysisEnricher]:
    """The analysis step of the ingest pipeline as the settings ask for it (none when ``off``)."""
    if settings.analysis.value == AnalysisMode.OFF.value:
        return []
    analyser = build_analyser(settings=settings)
    if analyser.mode is AnalysisMode.ACCURATE:  # what the encoder cannot keep up with goes fast
        fast = Analyser(analyser.models, mode=AnalysisMode.FAST, language=analyser.language)  # same models
        return [AnalysisEnricher(analyser, fallback=fast)]
    return [AnalysisEnricher(analyser)]


class AnalysisEnricher:
    """Sets language, sentiment and intents on every mention of a batch, before topics are matched.

    With a ``fallback`` (accurate mode), each batch gets about ``budget_seconds`` of the accurate
    analyser, judged by its measured speed; the rest of the batch is analysed by the fallback (fast) and
    marked so, for ``luister analyse --accurate`` to upgrade later. Ingest never waits on the encoder.
    """

    name = "analysis"

    def __init__(
        self,
        analyser: Analyser,
        *,
        fallback: Analyser | None = None,
        budget_seconds: float = ACCURATE_BUDGET,
        cache_size: int = CACHE_SIZE,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.analyser = analyser
        self.fallback = fallback
        self.budget_seconds = budget_seconds
        self.clock = clock
        self.rate = INITIAL_RATE  # accurate texts per second, measured as batches go by
        self._cache: OrderedDict[str, Analysis] = OrderedDict()
        self._cache_size = cache_size

    def enrich(self, mentions: list[Mention]) -> None:
        todo: dict[str, list[Mention]] = {}
        for m in mentions:
            text = full_text(m.title, m.text)
            if (known := self._cache.get(text)) is not None:
                apply(m, known)
            else:
                todo.setdefault(text, []).append(m)
        if not todo:
            return
        texts = list(todo)
        languages = [todo[text][0].language for text in texts]
        for text, result in zip(texts, self._analyse(texts, languages), strict=True):
            for m in todo[text]:
                apply(m, result)
            self._remember(text, result)

    def _analyse(self, texts: list[str], languages: list[str | None]) -> list[Analysis]:
        if self.fallback is None:
            return self.analyser.analyse(texts, languages)
        affordable = max(1, int(self.rate * self.budget_seconds))
        started = self.clock()
        first = self.analyser.analyse(texts[:affordable], languages[:affordable])
        elapsed = self.clock() - started
        if elapsed > 0:
            self.rate = 0.7 * self.rate + 0.3 * (len(first) / elapsed)
        return first + self.fallback.analyse(texts[affordable:], languages[affordable:])

    def _remember(self, text: str, result: Analysis) -> None:
        self._cache[text] = result
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def apply(m: Mention, result: Analysis) -> None:
    if m.language is None:
        m.language = result.language
    for name, value in labelled_fields(result).items():
        setattr(m, name, value)


def labelled_fields(result: Analysis) -> dict[str, Any]:
    """The mention fields an analysis sets (intents as a tuple; the writer stores them joined)."""
    return {
        "sentiment": result.sentiment.label,
        "sentiment_score": result.sentiment.score,
        "sentiment_confidence": result.sentiment.confidence,
        "intents": result.intents,
        "intent_scores": result.intent_scores,
        "analysis_model": result.model,
    }


@dataclass(slots=True)
class ReanalyseResult:
    mentions: int = 0


def reanalyse(
    *,
    engine: Engine,
    analyser: Analyser,
    only_missing: bool = False,
    batch_size: int = 2000,
    on_batch: Callable[[int], None] | None = None,
) -> ReanalyseResult:
    """Analyse stored mentions again (a new model, accurate mode over a fast-analysed backlog).

    Human corrections are kept: rows labelled by ``human`` are skipped. Works in keyset batches,
    one transaction each, so it can be stopped and started again.
    """
    result = ReanalyseResult()
    after = 0
    condition: sa.ColumnElement[bool] = mention.c.analysis_model.is_(None)
    if not only_missing:  # everything but people's labels and what this very model already did
        condition = condition | mention.c.analysis_model.not_in([HUMAN, analyser.model_name])
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                sa.select(mention.c.id, mention.c.title, mention.c.text, mention.c.language)
                .where(mention.c.id > after, condition)
                .order_by(mention.c.id)
                .limit(batch_size)
            ).all()
            if not rows:
                return result
            texts = [full_text(row.title, row.text) for row in rows]
            analyses = analyser.analyse(texts, [row.language for row in rows])
            with rollups.changing(conn, mention.c.id.in_([row.id for row in rows])):
                conn.execute(
                    mention.update().where(mention.c.id == sa.bindparam("row_id")),
                    [
                        _update_values(row.id, row.language, found)
                        for row, found in zip(rows, analyses, strict=True)
                    ],
                )
        after = rows[-1].id
        result.mentions += len(rows)
        if on_batch is not None:
            on_batch(len(rows))


def _update_values(row_id: int, language: str | None, found: Analysis) -> dict[str, object]:
    fields = labelled_fields(found)
    return {"row_id": row_id, "language": language or found.language, **fields,
            "intents": format_intents(found.intents)}  # fmt: skip
