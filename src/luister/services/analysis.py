"""Analysis at ingest and over stored mentions: the enricher, backlog re-analysis and corrections."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.analysis.analyser import Analyser, AnalysisMode
from luister.analysis.encoder import load_encoder
from luister.analysis.language import LanguageDetector
from luister.analysis.models import load_models
from luister.domain.analysis import Analysis
from luister.domain.mentions import Mention
from luister.settings import Settings
from luister.storage.tables import mention

if TYPE_CHECKING:
    from luister.analysis.report import EvalReport

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
    """The analysis step of the ingest pipeline as the settings ask for it (none when ``off``)."""
    if settings.analysis.value == AnalysisMode.OFF.value:
        return []
    return [AnalysisEnricher(build_analyser(settings=settings))]


class AnalysisEnricher:
    """Sets language, sentiment and intents on every mention of a batch, before topics are matched."""

    name = "analysis"

    def __init__(self, analyser: Analyser, *, cache_size: int = CACHE_SIZE) -> None:
        self.analyser = analyser
        self._cache: OrderedDict[str, Analysis] = OrderedDict()
        self._cache_size = cache_size

    def enrich(self, mentions: list[Mention]) -> None:
        todo: dict[str, list[Mention]] = {}
        for m in mentions:
            text = analysis_text(m.title, m.text)
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


def analysis_text(title: str | None, text: str) -> str:
    return f"{title}\n{text}" if title else text


def apply(m: Mention, result: Analysis) -> None:
    if m.language is None:
        m.language = result.language
    m.sentiment = result.sentiment.label
    m.sentiment_score = result.sentiment.score
    m.sentiment_confidence = result.sentiment.confidence
    m.intents = result.intents
    m.intent_scores = result.intent_scores
    m.analysis_model = result.model


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
    condition = sa.or_(mention.c.analysis_model.is_(None), mention.c.analysis_model != "human")
    if only_missing:
        condition = mention.c.analysis_model.is_(None)
    elif analyser.model_name:
        condition = sa.and_(condition, sa.or_(mention.c.analysis_model.is_(None),
                                               mention.c.analysis_model != analyser.model_name))  # fmt: skip
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
            texts = [analysis_text(row.title, row.text) for row in rows]
            analyses = analyser.analyse(texts, [row.language for row in rows])
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
    return {
        "row_id": row_id,
        "language": language or found.language,
        "sentiment": found.sentiment.label,
        "sentiment_score": found.sentiment.score,
        "sentiment_confidence": found.sentiment.confidence,
        "intents": ",".join(found.intents),
        "intent_scores": found.intent_scores,
        "analysis_model": found.model,
    }


class CorrectionError(ValueError):
    pass


HUMAN = "human"


def correct_mention(
    *,
    engine: Engine,
    mention_id: int,
    corrected_by: str,
    sentiment: str | None = None,
    intents: tuple[str, ...] | None = None,
) -> None:
    """Record a person's correction of a mention's sentiment and/or intents and apply it.

    The mention's labels then count as ``human`` (re-analysis leaves them alone) and ``luister train``
    learns from them.
    """
    from luister.domain.analysis import INTENT_LABELS, NO_INTENT, SENTIMENT_LABELS
    from luister.storage.tables import correction

    if sentiment is None and intents is None:
        raise CorrectionError("give a sentiment, intents or both")
    if sentiment is not None and sentiment not in SENTIMENT_LABELS:
        raise CorrectionError(f"sentiment must be one of {', '.join(SENTIMENT_LABELS)}, not {sentiment!r}")
    if intents is not None:
        unknown = [i for i in intents if i not in INTENT_LABELS]
        if unknown or not intents:
            raise CorrectionError(
                f"intents must be among {', '.join(INTENT_LABELS)}; got {', '.join(unknown)}"
            )
        if NO_INTENT in intents and len(intents) > 1:
            raise CorrectionError(f"{NO_INTENT!r} cannot be combined with other intents")
        intents = tuple(label for label in INTENT_LABELS if label in intents)
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(mention.c.sentiment, mention.c.intents).where(mention.c.id == mention_id)
        ).first()
        if row is None:
            raise CorrectionError(f"no mention with id {mention_id}")
        values: dict[str, object] = {"analysis_model": HUMAN}
        records = []
        if sentiment is not None:
            score = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[sentiment]
            values |= {"sentiment": sentiment, "sentiment_confidence": 1.0, "sentiment_score": score}
            records.append({"field": "sentiment", "value": sentiment, "previous": row.sentiment})
        if intents is not None:
            values["intents"] = ",".join(intents)
            records.append({"field": "intents", "value": ",".join(intents), "previous": row.intents})
        conn.execute(mention.update().where(mention.c.id == mention_id).values(**values))
        conn.execute(
            correction.insert(),
            [{"mention_id": mention_id, "corrected_by": corrected_by, **record} for record in records],
        )


@dataclass(frozen=True, slots=True)
class CorrectedMention:
    text: str
    language: str | None
    sentiment: str | None
    intents: tuple[str, ...] | None


def corrected_mentions(*, engine: Engine) -> list[CorrectedMention]:
    """Every corrected mention with its latest corrected sentiment and intents (for training)."""
    from luister.domain.analysis import parse_intents
    from luister.storage.tables import correction

    latest = (
        sa.select(correction.c.mention_id, correction.c.field, sa.func.max(correction.c.id).label("last"))
        .group_by(correction.c.mention_id, correction.c.field)
        .subquery()
    )
    query = (
        sa.select(
            mention.c.id,
            mention.c.title,
            mention.c.text,
            mention.c.language,
            correction.c.field,
            correction.c.value,
        )  # fmt: skip
        .join(latest, latest.c.mention_id == mention.c.id)
        .join(correction, correction.c.id == latest.c.last)
        .order_by(mention.c.id)
    )
    found: dict[int, CorrectedMention] = {}
    with engine.connect() as conn:
        for row in conn.execute(query):
            before = found.get(row.id) or CorrectedMention(
                analysis_text(row.title, row.text), row.language, None, None
            )
            if row.field == "sentiment":
                before = CorrectedMention(before.text, before.language, row.value, before.intents)
            else:
                before = CorrectedMention(
                    before.text, before.language, before.sentiment, parse_intents(row.value)
                )
            found[row.id] = before
    return list(found.values())


def evaluate_models(
    *, settings: Settings, data_dir: Path | None, progress: Callable[[str], None] = lambda step: None
) -> EvalReport:
    """Both modes of the current models and the baselines on every held-out set."""
    from luister.analysis.report import all_analysers, evaluate

    models = load_models(settings.data_dir)
    cache = settings.data_dir / "cache"
    return evaluate(analysers=all_analysers(models, cache=cache), data_dir=data_dir, progress=progress)


@dataclass(frozen=True, slots=True)
class RetrainResult:
    before: EvalReport
    after: EvalReport
    corrections: int
    version: str
    path: Path


def retrain(
    *,
    engine: Engine,
    settings: Settings,
    data_dir: Path | None,
    accurate: bool = True,
    tune_thresholds: bool = True,
    progress: Callable[[str], None] = lambda step: None,
) -> RetrainResult:
    """Train a new model set from the labelled data plus every correction, measure the current and the
    new set (fast mode) on the held-out data, and save the new set in the data directory."""
    from dataclasses import replace

    from luister.analysis.datasets import Example
    from luister.analysis.models import trained_models_dir
    from luister.analysis.report import evaluate
    from luister.analysis.trainer import train_models

    corrections = [
        Example(c.text, c.language or "und", c.sentiment, c.intents or (), source="corrections")
        for c in corrected_mentions(engine=engine)
    ]
    from luister.analysis.encoder import CachedEncoder

    before = load_models(settings.data_dir)
    encoders = [
        CachedEncoder(load_encoder(name), settings.data_dir / "cache" / f"embeddings-{name}.npz")
        for name in (before.heads if accurate else ())
    ]
    after = train_models(
        data_dir=data_dir, encoders=encoders, corrections=corrections, tune_thresholds=tune_thresholds,
        progress=progress,
    )  # fmt: skip
    if not accurate:  # the encoder heads (and their thresholds) stay as they were
        thresholds = before.manifest.get("intent_thresholds", {}) | after.manifest["intent_thresholds"]
        manifest = after.manifest | {"encoders": sorted(before.heads), "intent_thresholds": thresholds}
        after = replace(after, heads=before.heads, manifest=manifest)
    reports = [
        evaluate(
            analysers={"fast": Analyser(models, mode=AnalysisMode.FAST)}, data_dir=data_dir, baselines=False
        )
        for models in (before, after)
    ]
    target = trained_models_dir(settings.data_dir)
    after.save(target)
    return RetrainResult(reports[0], reports[1], len(corrections), after.version, target)
