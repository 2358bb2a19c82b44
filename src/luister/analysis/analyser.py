"""The analyser: language, sentiment and intents for a batch of texts, in fast or accurate mode.

*fast* scores hashed word features with linear models (tens of thousands of texts a second);
*accurate* embeds each text with a multilingual sentence encoder shipped in a PyPI package and scores
the embeddings with small trained heads. Both add the intent rules' strong cues.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np

from luister.analysis.encoder import Encoder
from luister.analysis.features import FeatureBatch, bucket, feature_strings
from luister.analysis.intent_rules import rule_scores
from luister.analysis.language import LanguageDetector
from luister.analysis.models import ModelSet
from luister.domain.analysis import (
    NO_INTENT,
    SENTIMENT_LABELS,
    Analysis,
    Sentiment,
    intents_above,
    sentiment_from_probabilities,
)

MAX_CHARS = 2000  # long posts are judged on their opening
BLEND = 0.5  # accurate mode: weight of the encoder heads against the fast models (fixed, not tuned)


class AnalysisMode(StrEnum):
    FAST = "fast"
    ACCURATE = "accurate"
    OFF = "off"


class Analyser:
    def __init__(
        self,
        models: ModelSet,
        *,
        mode: AnalysisMode = AnalysisMode.FAST,
        language: LanguageDetector | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        if mode is AnalysisMode.ACCURATE and (encoder is None or encoder.name not in models.heads):
            trained = ", ".join(models.heads) or "none"
            raise ValueError(f"accurate mode needs an encoder with trained heads (trained for: {trained})")
        self.models = models
        self.mode = mode
        self.language = language or LanguageDetector()
        self.encoder = encoder
        self.variant = f"accurate-{encoder.name}" if mode is AnalysisMode.ACCURATE and encoder else mode.value
        self.model_name = f"{self.variant}-{models.version}"
        self._thresholds = models.intent_thresholds(self.variant)
        self.neutral_scale = models.neutral_scale(self.variant)

    def analyse(self, texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[Analysis]:
        """One :class:`Analysis` per text; a language given by the platform is kept."""
        clipped = [text[:MAX_CHARS] for text in texts]
        sentiment, intent = self.probabilities(clipped)
        given = languages or [None] * len(clipped)
        unknown = [n for n, known in enumerate(given) if not known]
        detected = dict(zip(unknown, self.language.detect_many([clipped[n] for n in unknown]), strict=True))
        results = []
        for n, (text, known, sentiment_row, intent_row) in enumerate(
            zip(clipped, given, sentiment, intent, strict=True)
        ):
            scores = dict(zip(self.models.fast_intent.labels, intent_row.tolist(), strict=True))
            for label, score in rule_scores(text).items():
                scores[label] = max(scores.get(label, 0.0), score)
            intents = intents_above(scores, self._thresholds)
            results.append(
                Analysis(
                    language=known or detected[n],
                    sentiment=self.sentiment(sentiment_row),
                    intents=intents,
                    intent_scores={k: round(v, 3) for k, v in scores.items() if k != NO_INTENT},
                    model=self.model_name,
                )
            )
        return results

    def sentiment(self, probabilities: np.ndarray) -> Sentiment:
        """The stored sentiment of one row of :meth:`probabilities`."""
        negative, neutral, positive = (float(p) for p in probabilities)
        return sentiment_from_probabilities(negative, neutral, positive, neutral_scale=self.neutral_scale)

    def probabilities(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Sentiment probabilities (negative, neutral, positive) and intent probabilities per text.

        Accurate mode blends the encoder heads with the fast models half and half: on held-out data the
        blend beat either alone (docs/accuracy.md).
        """
        batch = FeatureBatch(texts)
        models = self.models
        sentiment = _ordered(models.fast_sentiment.scores(batch), models.fast_sentiment.labels)
        intent = models.fast_intent.scores(batch)
        if self.mode is AnalysisMode.ACCURATE and texts:
            assert self.encoder is not None
            heads = models.heads[self.encoder.name]
            embeddings = self.encoder.embed(texts)
            dense = _ordered(heads.sentiment.scores(embeddings), heads.sentiment.labels)
            sentiment = BLEND * dense + (1 - BLEND) * sentiment
            intent = BLEND * heads.intent.scores(embeddings) + (1 - BLEND) * intent
        return sentiment, intent

    def explain(self, text: str, *, top: int = 5) -> list[tuple[str, float]]:
        """The words that pushed the fast sentiment score most (positive minus negative weight)."""
        model = self.models.fast_sentiment
        pushes: dict[str, float] = {}
        for feature in feature_strings(text[:MAX_CHARS]):
            if feature.startswith("\x00b"):
                continue
            row = bucket(feature)
            weight = float(model.weights[row, model.labels.index("positive")])
            weight -= float(model.weights[row, model.labels.index("negative")])
            pushes[feature.replace("\x00not ", "not ").replace("\x00", "")] = weight
        return sorted(pushes.items(), key=lambda item: -abs(item[1]))[:top]


def _ordered(probabilities: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """Columns in :data:`SENTIMENT_LABELS` order whatever order the model was trained in."""
    if labels == SENTIMENT_LABELS:
        return probabilities
    return probabilities[:, [labels.index(label) for label in SENTIMENT_LABELS]]
