"""What luister understands about a mention: language, sentiment and intents (pure values).

The analysers in ``luister.analysis`` produce these; storage, queries, alerts and dashboards read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UNDETERMINED = "und"  # ISO 639-2 for "undetermined": too short or too mixed to tell
SENTIMENT_LABELS = ("negative", "neutral", "positive")
INTENT_LABELS = ("complaint", "question", "praise", "lead", "churn", "feedback", "crisis", "other")
NO_INTENT = "other"
# The one intent a mention is routed by when it has several: the most urgent first (issue #29).
PRIMARY_ORDER = ("crisis", "churn", "lead", "complaint", "question", "feedback", "praise", "other")


@dataclass(frozen=True, slots=True)
class Sentiment:
    """``score`` runs from −1 (negative) to +1 (positive); ``confidence`` is the winning probability."""

    label: str
    score: float
    confidence: float

    def __post_init__(self) -> None:
        if self.label not in SENTIMENT_LABELS:
            raise ValueError(f"unknown sentiment {self.label!r}")


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result for one text: language, sentiment, intents above their thresholds with all scores."""

    language: str
    sentiment: Sentiment
    intents: tuple[str, ...]
    intent_scores: dict[str, float] = field(default_factory=dict)
    model: str = ""

    @property
    def primary_intent(self) -> str:
        return primary_intent(self.intents)


def sentiment_from_probabilities(
    negative: float, neutral: float, positive: float, *, neutral_scale: float = 1.0
) -> Sentiment:
    """The label with the highest probability, neutral's weighed by ``neutral_scale`` (below 1: a polar
    label needs less of a lead; calibrated per model on held-out rows); the score is P(pos) − P(neg)."""
    probabilities = {"negative": negative, "neutral": neutral, "positive": positive}
    weighed = {"negative": negative, "neutral": neutral * neutral_scale, "positive": positive}
    label = max(weighed, key=weighed.__getitem__)
    return Sentiment(label, round(positive - negative, 4), round(probabilities[label], 4))


def intents_above(scores: dict[str, float], thresholds: dict[str, float]) -> tuple[str, ...]:
    """The intents whose score reaches their threshold, in canonical order; ``other`` when none does."""
    found = tuple(
        label
        for label in INTENT_LABELS
        if label != NO_INTENT and scores.get(label, 0.0) >= thresholds.get(label, 0.5)
    )
    return found or (NO_INTENT,)


def primary_intent(intents: tuple[str, ...] | list[str]) -> str:
    """The most urgent of ``intents`` by :data:`PRIMARY_ORDER`; ``other`` for none."""
    for label in PRIMARY_ORDER:
        if label in intents:
            return label
    return NO_INTENT


def format_intents(intents: tuple[str, ...]) -> str:
    """The stored form: labels joined by commas (no label is a substring of another)."""
    return ",".join(intents)


def parse_intents(stored: str | None) -> tuple[str, ...]:
    if not stored:
        return ()
    return tuple(label for label in stored.split(",") if label in INTENT_LABELS)
