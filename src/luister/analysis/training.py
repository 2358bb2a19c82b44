"""Training the linear heads (scikit-learn's logistic regression) and writing their weights.

Used by ``scripts/train_models.py`` (the committed weights) and ``luister train`` (with users'
corrections, into the data directory). Inference never imports scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from luister.analysis.features import BUCKETS, FeatureBatch
from luister.analysis.linear import LinearModel
from luister.analysis.models import DenseHead


def _matrix(batch: FeatureBatch):  # type: ignore[no-untyped-def]
    from scipy.sparse import csr_matrix

    data, indices, indptr = batch.csr()
    return csr_matrix((data, indices, indptr), shape=(len(batch), BUCKETS))


def train_softmax(
    texts: Sequence[str],
    targets: Sequence[str],
    labels: tuple[str, ...],
    *,
    c: float = 4.0,
    weights: Sequence[float] | None = None,
) -> LinearModel:
    """One-of-n labels (sentiment)."""
    from sklearn.linear_model import LogisticRegression

    matrix = _matrix(FeatureBatch(texts))
    y = np.array([labels.index(t) for t in targets])
    model = LogisticRegression(C=c, max_iter=2000, solver="lbfgs")
    model.fit(matrix, y, sample_weight=None if weights is None else np.asarray(weights))
    coef = np.zeros((BUCKETS, len(labels)), dtype=np.float32)
    bias = np.zeros(len(labels), dtype=np.float32)
    for row, label_index in enumerate(model.classes_):
        coef[:, label_index] = model.coef_[row]
        bias[label_index] = model.intercept_[row]
    return LinearModel(labels, _pruned(coef), bias)


def train_multilabel(
    texts: Sequence[str],
    targets: Sequence[Sequence[str]],
    labels: tuple[str, ...],
    *,
    c: float = 8.0,
) -> LinearModel:
    """Independent yes/no per label (intents), balanced so rare intents still count."""
    from sklearn.linear_model import LogisticRegression

    matrix = _matrix(FeatureBatch(texts))
    coef = np.zeros((BUCKETS, len(labels)), dtype=np.float32)
    bias = np.zeros(len(labels), dtype=np.float32)
    for column, label in enumerate(labels):
        y = np.array([label in t for t in targets])
        if y.all() or not y.any():
            bias[column] = 10.0 if y.all() else -10.0
            continue
        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", solver="liblinear")
        model.fit(matrix, y)
        coef[:, column] = model.coef_[0]
        bias[column] = model.intercept_[0]
    return LinearModel(labels, _pruned(coef), bias, multi_label=True)


def _pruned(coef: np.ndarray, keep: float = 1e-3) -> np.ndarray:
    """Weights too small to matter become zero, so the stored model stays small."""
    coef[np.abs(coef) < keep] = 0.0
    return coef


def train_dense(
    embeddings: np.ndarray,
    targets: Sequence[str] | Sequence[Sequence[str]],
    labels: tuple[str, ...],
    *,
    multi_label: bool,
    c: float = 1.0,
    weights: Sequence[float] | None = None,
) -> DenseHead:
    """A logistic-regression head on sentence embeddings (sentiment: softmax; intents: one per label)."""
    from sklearn.linear_model import LogisticRegression

    dim = embeddings.shape[1]
    coef = np.zeros((dim, len(labels)), dtype=np.float32)
    bias = np.zeros(len(labels), dtype=np.float32)
    sample_weight = None if weights is None else np.asarray(weights)
    if not multi_label:
        y = np.array([labels.index(str(t)) for t in targets])
        model = LogisticRegression(C=c, max_iter=3000)
        model.fit(embeddings, y, sample_weight=sample_weight)
        for row, label_index in enumerate(model.classes_):
            coef[:, label_index] = model.coef_[row]
            bias[label_index] = model.intercept_[row]
        return DenseHead(labels, coef, bias)
    for column, label in enumerate(labels):
        y = np.array([label in t for t in targets])
        if y.all() or not y.any():
            bias[column] = 10.0 if y.all() else -10.0
            continue
        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        model.fit(embeddings, y, sample_weight=sample_weight)
        coef[:, column] = model.coef_[0]
        bias[column] = model.intercept_[0]
    return DenseHead(labels, coef, bias, multi_label=True)


def best_thresholds(
    scores: np.ndarray, targets: Sequence[Sequence[str]], labels: tuple[str, ...]
) -> dict[str, float]:
    """Per label, the decision threshold with the best F1 on out-of-fold scores."""
    found = {}
    for column, label in enumerate(labels):
        truth = np.array([label in t for t in targets])
        best, best_f1 = 0.5, -1.0
        for threshold in np.arange(0.2, 0.91, 0.05):
            predicted = scores[:, column] >= threshold
            tp = int((predicted & truth).sum())
            fp = int((predicted & ~truth).sum())
            fn = int((~predicted & truth).sum())
            f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
            if f1 > best_f1:
                best, best_f1 = float(round(threshold, 2)), f1
        found[label] = best
    return found


def folds(n: int, k: int = 3) -> list[np.ndarray]:
    """Deterministic k-fold test indices."""
    order = np.random.default_rng(0).permutation(n)
    return [order[i::k] for i in range(k)]


def choose_c(
    embeddings: np.ndarray,
    targets: Sequence[str] | Sequence[Sequence[str]],
    labels: tuple[str, ...],
    *,
    multi_label: bool,
    candidates: Sequence[float] = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
    weights: Sequence[float] | None = None,
) -> float:
    """The regularisation strength with the best 3-fold cross-validated macro-F1 on training rows."""
    from sklearn.metrics import f1_score

    weight_array = None if weights is None else np.asarray(weights)
    best, best_score = candidates[0], -1.0
    for c in candidates:
        scores = []
        for test in folds(len(targets)):
            train = np.setdiff1d(np.arange(len(targets)), test)
            head = train_dense(
                embeddings[train], [targets[i] for i in train], labels, multi_label=multi_label, c=c,
                weights=None if weight_array is None else weight_array[train],
            )  # fmt: skip
            probabilities = head.scores(embeddings[test])
            if multi_label:
                truth = np.array([[label in targets[i] for label in labels] for i in test])
                scores.append(f1_score(truth, probabilities >= 0.5, average="macro", zero_division=0))
            else:
                truth_index = [labels.index(str(targets[i])) for i in test]
                scores.append(f1_score(truth_index, probabilities.argmax(axis=1), average="macro"))
        score = float(np.mean(scores))
        if score > best_score:
            best, best_score = c, score
    return best
