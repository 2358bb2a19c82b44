"""The trained models as one set: the fast linear models, the accurate heads and their manifest.

The set shipped with luister lives in this package's ``models/`` folder (written by
``scripts/train_models.py``); ``luister train`` writes a retrained set into the data directory, which
then takes precedence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from luister.analysis.linear import LinearModel

MANIFEST = "manifest.json"
FAST_SENTIMENT = "fast_sentiment.npz"
FAST_INTENT = "fast_intent.npz"


@dataclass(frozen=True, slots=True)
class DenseHead:
    """Logistic regression on sentence embeddings: softmax (sentiment) or sigmoids (intents)."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (dim, labels)
    bias: np.ndarray
    multi_label: bool = False

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        logits = embeddings @ self.weights + self.bias
        if self.multi_label:
            return 1.0 / (1.0 + np.exp(-logits))  # type: ignore[no-any-return]
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            labels=np.array(self.labels),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            multi_label=np.array(self.multi_label),
        )

    @classmethod
    def load(cls, path: Path) -> DenseHead:
        with np.load(path) as data:
            return cls(
                tuple(str(label) for label in data["labels"]),
                data["weights"].astype(np.float32),
                data["bias"].astype(np.float32),
                bool(data["multi_label"]),
            )


@dataclass(frozen=True, slots=True)
class EncoderHeads:
    """The accurate-mode heads trained on one encoder's embeddings."""

    sentiment: DenseHead
    intent: DenseHead


@dataclass(frozen=True, slots=True)
class ModelSet:
    fast_sentiment: LinearModel
    fast_intent: LinearModel
    heads: dict[str, EncoderHeads] = field(default_factory=dict)  # encoder name → heads
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "unknown"))

    def intent_thresholds(self, mode: str) -> dict[str, float]:
        """Thresholds for ``fast`` or ``accurate-<encoder>``."""
        return {k: float(v) for k, v in self.manifest.get("intent_thresholds", {}).get(mode, {}).items()}

    def neutral_scale(self, mode: str) -> float:
        """How much neutral's probability counts when choosing the label (1.0 where never calibrated)."""
        return float(self.manifest.get("neutral_scale", {}).get(mode, 1.0))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("heads_*.npz"):
            stale.unlink()
        self.fast_sentiment.save(folder / FAST_SENTIMENT)
        self.fast_intent.save(folder / FAST_INTENT)
        for name, heads in self.heads.items():
            heads.sentiment.save(folder / f"heads_{name}_sentiment.npz")
            heads.intent.save(folder / f"heads_{name}_intent.npz")
        (folder / MANIFEST).write_text(json.dumps(self.manifest, indent=2, sort_keys=True) + "\n", "utf-8")

    @classmethod
    def load(cls, folder: Path) -> ModelSet:
        heads = {}
        for path in sorted(folder.glob("heads_*_sentiment.npz")):
            name = path.name.removeprefix("heads_").removesuffix("_sentiment.npz")
            heads[name] = EncoderHeads(
                DenseHead.load(path), DenseHead.load(folder / f"heads_{name}_intent.npz")
            )
        return cls(
            fast_sentiment=LinearModel.load(folder / FAST_SENTIMENT),
            fast_intent=LinearModel.load(folder / FAST_INTENT),
            heads=heads,
            manifest=json.loads((folder / MANIFEST).read_text("utf-8")),
        )


def packaged_models_dir() -> Path:
    return Path(str(resources.files("luister.analysis").joinpath("models")))


def trained_models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def load_models(data_dir: Path | None = None) -> ModelSet:
    """The retrained set in ``data_dir`` when there is one, else the shipped set."""
    if data_dir is not None and (trained_models_dir(data_dir) / MANIFEST).exists():
        return ModelSet.load(trained_models_dir(data_dir))
    return ModelSet.load(packaged_models_dir())
