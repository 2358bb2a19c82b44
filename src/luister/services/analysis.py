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
    """The analysis step of the ingest pipeline as the settings ask for it (none when ``off``).

    ``accurate`` analyses every mention with the encoder, however long that takes: an earlier version
    gave whatever did not fit a time budget fast-mode labels, so an "accurate" import stored mostly
    fast labels without saying so (issue #29). Each mention's ``analysis_model`` names its model.
    """
    if settings.analysis.value == AnalysisMode.OFF.value:
        return []
    return [AnalysisEnricher(build_analyser(settings=settings))]


class AnalysisEnricher:
    """Sets language, sentiment and intents on every mention of a batch, before topics are matched.

    Every mention gets the one analyser's labels (never a mix of models); identical texts are analysed
    once.
    """

    name = "analysis"

    def __init__(self, analyser: Analyser, *, cache_size: int = CACHE_SIZE) -> None:
        self.analyser = analyser
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
        for text, result in zip(texts, self.analyser.analyse(texts, languages), strict=True):
            for m in todo[text]:
                apply(m, result)
            self._remember(text, result)

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
        "primary_intent": result.primary_intent,
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


def relabel_continuously(
    *,
    engine: Engine,
    analyser: Analyser,
    interval: float = 30.0,
    passes: int | None = None,
    on_pass: Callable[[ReanalyseResult], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """The background re-label job: ingest stores fast labels at full speed; this replaces them with
    ``analyser``'s (accurate mode) pass after pass, waiting ``interval`` seconds when nothing is left.
    Each mention's ``analysis_model`` says which model labelled it, so a fast label is never mistaken
    for an accurate one; people's corrections are kept. ``passes``: stop after that many (None: run
    until interrupted). Returns how many mentions were relabelled."""
    done = 0
    count = 0
    while passes is None or count < passes:
        result = reanalyse(engine=engine, analyser=analyser)
        done += result.mentions
        count += 1
        if on_pass is not None:
            on_pass(result)
        if not result.mentions and (passes is None or count < passes):
            sleep(interval)
    return done


def _update_values(row_id: int, language: str | None, found: Analysis) -> dict[str, object]:
    fields = labelled_fields(found)
    return {"row_id": row_id, "language": language or found.language, **fields,
            "intents": format_intents(found.intents)}  # fmt: skip
