"""A linear model over hashed features: softmax for one-of-n labels, sigmoids for multi-label."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from luister.analysis.features import BUCKETS, FeatureBatch


@dataclass(frozen=True, slots=True)
class LinearModel:
    """``weights`` is ``(BUCKETS, len(labels))``; ``multi_label`` picks sigmoids over a softmax."""

    labels: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray
    multi_label: bool = False

    def scores(self, batch: FeatureBatch) -> np.ndarray:
        """Probabilities, one row per text and one column per label."""
        if len(batch) == 0:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        summed = np.add.reduceat(self.weights[batch.indices], batch.offsets, axis=0, dtype=np.float32)
        logits = summed / batch.norms[:, None] + self.bias
        if self.multi_label:
            return 1.0 / (1.0 + np.exp(-logits))  # type: ignore[no-any-return]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]

    def contributions(self, text_buckets: list[int], label: str) -> np.ndarray:
        """Each bucket's weight toward ``label`` (for explanations)."""
        return self.weights[text_buckets, self.labels.index(label)]

    def save(self, path: Path) -> None:
        """Store only the non-zero rows, half precision: a few hundred kilobytes."""
        rows = np.flatnonzero(np.any(self.weights != 0, axis=1)).astype(np.int32)
        np.savez_compressed(
            path,
            labels=np.array(self.labels),
            rows=rows,
            weights=self.weights[rows].astype(np.float16),
            bias=self.bias.astype(np.float32),
            multi_label=np.array(self.multi_label),
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        with np.load(path) as data:
            labels = tuple(str(label) for label in data["labels"])
            weights = np.zeros((BUCKETS, len(labels)), dtype=np.float32)
            weights[data["rows"]] = data["weights"].astype(np.float32)
            return cls(labels, weights, data["bias"].astype(np.float32), bool(data["multi_label"]))
