"""Training every model of a set from the labelled data (and users' corrections) in one go.

Sentiment learns from the shared sentiment files' training rows plus luister's own social and webcare
examples (weighted up: they are the domain we judge). Intents learn from luister's examples; each intent's
threshold, and how much neutral counts when the sentiment label is chosen, are chosen by 3-fold
cross-validation on the training rows, never on a test split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from luister.analysis.analyser import BLEND
from luister.analysis.datasets import (
    WEBCARE_EXAMPLES,
    Example,
    intent_examples,
    sentiment_examples,
    webcare_examples,
)
from luister.analysis.encoder import Encoder
from luister.analysis.evaluation import score_sentiment
from luister.analysis.features import FeatureBatch
from luister.analysis.intent_rules import rule_scores
from luister.analysis.linear import LinearModel
from luister.analysis.models import EncoderHeads, ModelSet, packaged_models_dir
from luister.analysis.training import (
    best_thresholds,
    choose_c,
    folds,
    train_dense,
    train_multilabel,
    train_softmax,
)
from luister.domain.analysis import INTENT_LABELS, NO_INTENT, SENTIMENT_LABELS

INTENTS = tuple(label for label in INTENT_LABELS if label != NO_INTENT)
EXCLUDED_FILES = ("en_xed_emotions.csv", "nl_xed_emotions.csv")  # crowd-labelled film subtitles: hurt here
CAPPED_FILES = {  # long English review/editorial sets: a fixed sample keeps them from drowning the rest
    "en_vader_movie_reviews_groundtruth.csv": 2500,
    "en_vader_nyt_editorials_groundtruth.csv": 2500,
}
DOMAIN_WEIGHT = 6.0  # luister's own examples and users' corrections (3-fold CV on them: 3 → 6 +0.015 F1)
DUTCH_WEIGHT = 2.0  # Dutch rows are fewer; weigh them up so English does not drown them
FAST_SENTIMENT_C = 2.0
FAST_INTENT_C = 8.0
DENSE_SENTIMENT_C = 1.0  # used as is only when tuning is off; otherwise chosen by cross-validation
DENSE_INTENT_C = 2.0

Progress = Callable[[str], None]


@dataclass(slots=True)
class TrainingData:
    sentiment: list[Example]
    sentiment_weights: list[float]
    intents: list[Example]
    sources: dict[str, int] = field(default_factory=dict)
    own_rows: list[int] = field(default_factory=list)  # sentiment rows of luister's examples + corrections


def gather(data_dir: Path | None, corrections: Sequence[Example] = ()) -> TrainingData:
    sentiment: list[Example] = []
    weights: list[float] = []
    sources: dict[str, int] = {}
    shared = [] if data_dir is None else list(sentiment_examples(data_dir, held_out=False))
    own = [*intent_examples("train"), *webcare_examples("train")]
    for example in _capped(shared):
        if example.source in EXCLUDED_FILES:
            continue
        sentiment.append(example)
        weights.append(DUTCH_WEIGHT if example.lang == "nl" else 1.0)
        sources[example.source] = sources.get(example.source, 0) + 1
    own_rows = []
    for example in [*own, *corrections]:
        if example.sentiment is not None:
            own_rows.append(len(sentiment))
            sentiment.append(example)
            weights.append(DOMAIN_WEIGHT)
    for example in own:
        sources[example.source] = sources.get(example.source, 0) + 1
    if corrections:
        sources["corrections"] = len(corrections)
    intents = [*own, *(c for c in corrections if c.intents)]
    return TrainingData(sentiment, weights, intents, sources, own_rows)


def _capped(examples: list[Example]) -> list[Example]:
    """At most ``CAPPED_FILES[source]`` rows of a capped file, the same ones on every run."""
    kept: list[Example] = []
    by_source: dict[str, list[Example]] = {}
    for example in examples:
        if example.source in CAPPED_FILES:
            by_source.setdefault(example.source, []).append(example)
        else:
            kept.append(example)
    for source, rows in by_source.items():
        rows.sort(key=lambda e: hashlib.blake2b(e.text.encode(), digest_size=8).digest())
        kept.extend(rows[: CAPPED_FILES[source]])
    return kept


def train_models(
    *,
    data_dir: Path | None,
    encoders: Sequence[Encoder] = (),
    corrections: Sequence[Example] = (),
    tune_thresholds: bool = True,
    keep_heads: dict[str, EncoderHeads] | None = None,
    calibrate_kept: Sequence[Encoder] = (),
    unseen_by_heads: frozenset[str] = frozenset({WEBCARE_EXAMPLES}),
    progress: Progress = lambda step: None,
) -> ModelSet:
    """Train every model; intent thresholds by cross-validation unless ``tune_thresholds`` is off
    (then the shipped thresholds are kept). ``keep_heads``: encoder heads to ship again as they are
    (embedding every training text takes the e5 encoder an hour on one core); their thresholds are the
    shipped ones. ``calibrate_kept``: encoders of kept heads whose neutral weight is chosen on the own
    training rows from ``unseen_by_heads`` (files the kept heads were not trained on), blended with
    out-of-fold fast probabilities as accurate mode blends them."""
    keep_heads = keep_heads or {}
    data = gather(data_dir, corrections)
    texts = [e.text for e in data.sentiment]
    progress(f"fast sentiment on {len(texts):,} texts")
    fast_sentiment = train_softmax(
        texts, [str(e.sentiment) for e in data.sentiment], SENTIMENT_LABELS,
        c=FAST_SENTIMENT_C, weights=data.sentiment_weights,
    )  # fmt: skip
    intent_texts = [e.text for e in data.intents]
    intent_targets = [e.intents for e in data.intents]
    progress(f"fast intents on {len(intent_texts):,} texts")
    fast_intent = train_multilabel(intent_texts, intent_targets, INTENTS, c=FAST_INTENT_C)
    thresholds = _shipped_thresholds()
    neutral_scale = {"fast": 1.0}
    if tune_thresholds:
        progress("intent thresholds (cross-validation)")
        thresholds["fast"] = _fast_thresholds(intent_texts, intent_targets)
        progress("neutral's weight for the sentiment label (cross-validation)")
        out_of_fold = _own_out_of_fold(data)
        gold = [str(data.sentiment[n].sentiment) for n in data.own_rows]
        neutral_scale["fast"] = best_neutral_scale(out_of_fold, gold)
        for encoder in calibrate_kept:  # on the rows the kept heads never saw, blended as in use
            unseen = [k for k, n in enumerate(data.own_rows) if data.sentiment[n].source in unseen_by_heads]
            progress(
                f"neutral's weight for accurate-{encoder.name} on {len(unseen)} rows its heads never saw"
            )
            head = keep_heads[encoder.name].sentiment
            dense = head.scores(encoder.embed([data.sentiment[data.own_rows[k]].text for k in unseen]))
            dense = dense[:, [head.labels.index(label) for label in SENTIMENT_LABELS]]
            blended = BLEND * dense + (1 - BLEND) * out_of_fold[unseen]
            neutral_scale[f"accurate-{encoder.name}"] = best_neutral_scale(blended, [gold[k] for k in unseen])
    heads = dict(keep_heads)
    chosen_c: dict[str, dict[str, float]] = {}
    for encoder in encoders:
        progress(f"embedding {len(texts) + len(intent_texts):,} texts with {encoder.name}")
        sentiment_vectors = encoder.embed(texts)
        intent_vectors = encoder.embed(intent_texts)
        sentiment_targets = [str(e.sentiment) for e in data.sentiment]
        c_sentiment, c_intent = DENSE_SENTIMENT_C, DENSE_INTENT_C
        if tune_thresholds:
            progress(f"{encoder.name} heads: regularisation by cross-validation")
            c_sentiment = choose_c(sentiment_vectors, sentiment_targets, SENTIMENT_LABELS, multi_label=False,
                                   weights=data.sentiment_weights)  # fmt: skip
            c_intent = choose_c(intent_vectors, intent_targets, INTENTS, multi_label=True)
        chosen_c[encoder.name] = {"sentiment": c_sentiment, "intent": c_intent}
        progress(f"{encoder.name} heads (C={c_sentiment:g} sentiment, C={c_intent:g} intents)")
        heads[encoder.name] = EncoderHeads(
            train_dense(sentiment_vectors, sentiment_targets, SENTIMENT_LABELS, multi_label=False,
                        c=c_sentiment, weights=data.sentiment_weights),
            train_dense(intent_vectors, intent_targets, INTENTS, multi_label=True, c=c_intent),
        )  # fmt: skip
        if tune_thresholds:
            thresholds[f"accurate-{encoder.name}"] = _dense_thresholds(
                intent_vectors, intent_texts, intent_targets, c=c_intent
            )
    manifest = {
        "version": f"{datetime.now(UTC):%Y%m%d}-{_weights_digest(fast_sentiment, fast_intent, heads)}",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "encoders": sorted(heads),
        "training_rows": data.sources,
        "intent_thresholds": thresholds,
        "neutral_scale": neutral_scale,
        "hyperparameters": {
            "fast_sentiment_c": FAST_SENTIMENT_C, "fast_intent_c": FAST_INTENT_C,
            "dense_sentiment_c": DENSE_SENTIMENT_C, "dense_intent_c": DENSE_INTENT_C,
            "domain_weight": DOMAIN_WEIGHT, "dutch_weight": DUTCH_WEIGHT, "excluded": list(EXCLUDED_FILES),
            "capped": CAPPED_FILES, "blend": BLEND, "dense_c_chosen": chosen_c,
        },
    }  # fmt: skip
    variants = {"fast", *(f"accurate-{name}" for name in heads)}
    if keep_heads:
        manifest["kept_heads"] = sorted(keep_heads)
    manifest["intent_thresholds"] = {k: v for k, v in thresholds.items() if k in variants}
    return ModelSet(fast_sentiment, fast_intent, heads, manifest)


def _shipped_thresholds() -> dict[str, dict[str, float]]:
    try:
        shipped = ModelSet.load(packaged_models_dir()).manifest.get("intent_thresholds", {})
    except FileNotFoundError:
        return {}
    return {mode: dict(values) for mode, values in shipped.items()}


NEUTRAL_SCALES = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.6, 0.5)


def _own_out_of_fold(data: TrainingData) -> np.ndarray:
    """Fast-model sentiment probabilities (SENTIMENT_LABELS order) for luister's own training rows, each
    from a model trained without its fold (the shared files always in)."""
    own = data.own_rows
    mine = set(own)
    others = [n for n in range(len(data.sentiment)) if n not in mine]
    out_of_fold = np.zeros((len(own), 3), dtype=np.float32)
    for test in folds(len(own)):
        train = others + [own[i] for i in np.setdiff1d(np.arange(len(own)), test)]
        model = train_softmax(
            [data.sentiment[i].text for i in train], [str(data.sentiment[i].sentiment) for i in train],
            SENTIMENT_LABELS, c=FAST_SENTIMENT_C, weights=[data.sentiment_weights[i] for i in train],
        )  # fmt: skip
        probabilities = model.scores(FeatureBatch([data.sentiment[own[i]].text for i in test]))
        out_of_fold[test] = probabilities[:, [model.labels.index(label) for label in SENTIMENT_LABELS]]
    return out_of_fold


def best_neutral_scale(probabilities: np.ndarray, gold: Sequence[str]) -> float:
    """How much neutral's probability should count when the label is chosen: of :data:`NEUTRAL_SCALES`,
    the one with the best 3-class macro-F1 plus polar-label accuracy on held-out ``probabilities`` (a
    polar mention stored as neutral is the error people notice; issue #29). Ties go to the larger."""

    def quality(scale: float) -> float:
        weighed = probabilities * np.array([1.0, scale, 1.0], dtype=np.float32)
        predicted = [
            (SENTIMENT_LABELS[int(choice)], float(row[0]), float(row[2]))
            for choice, row in zip(weighed.argmax(axis=1), probabilities, strict=True)
        ]
        score = score_sentiment(dataset="cv", lang="", system="", gold=gold, predicted=predicted)
        return (score.macro_f1 or 0.0) + score.polar_label_accuracy

    return max(NEUTRAL_SCALES, key=quality)


def _with_rules(scores: np.ndarray, texts: Sequence[str]) -> np.ndarray:
    combined = scores.copy()
    for row, text in enumerate(texts):
        for label, score in rule_scores(text).items():
            column = INTENTS.index(label)
            combined[row, column] = max(combined[row, column], score)
    return combined


def _fast_thresholds(texts: list[str], targets: list[tuple[str, ...]]) -> dict[str, float]:
    out_of_fold = np.zeros((len(texts), len(INTENTS)), dtype=np.float32)
    for test in folds(len(texts)):
        train = np.setdiff1d(np.arange(len(texts)), test)
        model = train_multilabel(
            [texts[i] for i in train], [targets[i] for i in train], INTENTS, c=FAST_INTENT_C
        )
        out_of_fold[test] = model.scores(FeatureBatch([texts[i] for i in test]))
    return best_thresholds(_with_rules(out_of_fold, texts), targets, INTENTS)


def _dense_thresholds(
    vectors: np.ndarray, texts: list[str], targets: list[tuple[str, ...]], *, c: float
) -> dict[str, float]:
    out_of_fold = np.zeros((len(texts), len(INTENTS)), dtype=np.float32)
    for test in folds(len(texts)):
        train = np.setdiff1d(np.arange(len(texts)), test)
        train_texts, train_targets = [texts[i] for i in train], [targets[i] for i in train]
        head = train_dense(vectors[train], train_targets, INTENTS, multi_label=True, c=c)
        fast = train_multilabel(train_texts, train_targets, INTENTS, c=FAST_INTENT_C)
        fast_scores = fast.scores(FeatureBatch([texts[i] for i in test]))
        out_of_fold[test] = (
            BLEND * head.scores(vectors[test]) + (1 - BLEND) * fast_scores
        )  # as the analyser does
    return best_thresholds(_with_rules(out_of_fold, texts), targets, INTENTS)


def _weights_digest(
    fast_sentiment: LinearModel, fast_intent: LinearModel, heads: dict[str, EncoderHeads]
) -> str:
    """A short hash of every weight: the version changes whenever the models do."""
    digest = hashlib.blake2b(digest_size=4)
    arrays = [fast_sentiment.weights, fast_sentiment.bias, fast_intent.weights, fast_intent.bias]
    for name in sorted(heads):
        for head in (heads[name].sentiment, heads[name].intent):
            arrays += [head.weights, head.bias]
    for array in arrays:
        digest.update(np.ascontiguousarray(array, dtype=np.float16).tobytes())
    return digest.hexdigest()
