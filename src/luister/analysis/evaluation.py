"""Measuring the analysers on held-out data: what `luister eval` prints and docs/accuracy.md shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from luister.domain.analysis import INTENT_LABELS, SENTIMENT_LABELS

SentimentSystem = Callable[[Sequence[str]], list[tuple[str, float, float]]]  # label, P(neg), P(pos)


@dataclass(frozen=True, slots=True)
class SentimentScore:
    dataset: str
    lang: str
    system: str
    n: int
    accuracy: float | None  # None where the set has no neutral class
    macro_f1: float | None
    binary_accuracy: float
    confusion: tuple[tuple[int, ...], ...]  # rows gold, columns predicted, in SENTIMENT_LABELS order

    @property
    def polar_label_accuracy(self) -> float:
        """Of the gold positive and negative texts, the share whose *label* (what a user sees) is right:
        a polar text labelled neutral counts as wrong here, unlike in binary accuracy."""
        polar = self.confusion[0][0] + self.confusion[2][2]
        total = sum(self.confusion[0]) + sum(self.confusion[2])
        return round(polar / total, 3) if total else 0.0


@dataclass(frozen=True, slots=True)
class IntentScore:
    dataset: str
    lang: str
    system: str
    n: int
    macro_f1: float
    per_label: dict[str, tuple[float, float, float, int]]  # precision, recall, F1, support
    primary_macro_f1: float | None = None  # one primary intent per text: macro-F1 over the classes present
    primary_accuracy: float | None = None


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, score


def score_sentiment(
    *,
    dataset: str,
    lang: str,
    system: str,
    gold: Sequence[str],
    predicted: Sequence[tuple[str, float, float]],
    three_class: bool = True,
) -> SentimentScore:
    """Accuracy and macro-F1 over three classes; binary accuracy over the gold positive/negative texts,
    deciding by which of P(positive) and P(negative) is higher (neutral is not an option there)."""
    index = {label: i for i, label in enumerate(SENTIMENT_LABELS)}
    confusion = [[0] * 3 for _ in range(3)]
    binary_right = binary_total = 0
    for truth, (label, p_negative, p_positive) in zip(gold, predicted, strict=True):
        confusion[index[truth]][index[label]] += 1
        if truth != "neutral":
            binary_total += 1
            binary_right += (p_positive > p_negative) == (truth == "positive")
    n = len(gold)
    accuracy = sum(confusion[i][i] for i in range(3)) / n if n else 0.0
    f1s = []
    for i in range(3):
        tp = confusion[i][i]
        fp = sum(confusion[g][i] for g in range(3)) - tp
        fn = sum(confusion[i]) - tp
        f1s.append(f1(tp, fp, fn)[2])
    return SentimentScore(
        dataset=dataset,
        lang=lang,
        system=system,
        n=n,
        accuracy=round(accuracy, 3) if three_class else None,
        macro_f1=round(sum(f1s) / 3, 3) if three_class else None,
        binary_accuracy=round(binary_right / binary_total, 3) if binary_total else 0.0,
        confusion=tuple(tuple(row) for row in confusion),
    )


def score_intents(
    *,
    dataset: str,
    lang: str,
    system: str,
    gold: Sequence[tuple[str, ...]],
    predicted: Sequence[tuple[str, ...]],
    gold_primary: Sequence[str] = (),
    predicted_primary: Sequence[str] = (),
) -> IntentScore:
    """Per-label precision/recall/F1 (multi-label) and their unweighted mean over every label present;
    with primary intents, also their single-label macro-F1 (over the classes in gold) and accuracy."""
    per_label = {}
    primary_f1 = primary_accuracy = None
    if gold_primary:
        primary_f1, primary_accuracy = score_primary(gold_primary, predicted_primary)
    for label in INTENT_LABELS:
        tp = sum(label in g and label in p for g, p in zip(gold, predicted, strict=True))
        fp = sum(label not in g and label in p for g, p in zip(gold, predicted, strict=True))
        fn = sum(label in g and label not in p for g, p in zip(gold, predicted, strict=True))
        support = tp + fn
        if support:
            precision, recall, score = f1(tp, fp, fn)
            per_label[label] = (round(precision, 3), round(recall, 3), round(score, 3), support)
    macro = sum(v[2] for v in per_label.values()) / len(per_label) if per_label else 0.0
    n = len(gold_primary) if gold_primary else len(gold)
    return IntentScore(dataset, lang, system, n, round(macro, 3), per_label, primary_f1, primary_accuracy)


def score_primary(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float]:
    """Macro-F1 over the primary intents that occur in ``gold`` (single label), and accuracy."""
    pairs = list(zip(gold, predicted, strict=True))
    scores = []
    for label in INTENT_LABELS:
        if not any(g == label for g, _ in pairs):
            continue
        tp = sum(g == p == label for g, p in pairs)
        fp = sum(p == label != g for g, p in pairs)
        fn = sum(g == label != p for g, p in pairs)
        scores.append(f1(tp, fp, fn)[2])
    accuracy = sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0
    return round(sum(scores) / len(scores), 3) if scores else 0.0, round(accuracy, 3)
