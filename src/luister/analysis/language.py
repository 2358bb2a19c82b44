"""Language identification for short social texts, limited to the languages luister is asked about.

Texts with too few letters, or where the best language is not clearly ahead, get ``und``
(undetermined) instead of a guess. Links, handles, hashtags' ``#`` and emoji are ignored.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from functools import cached_property

import numpy as np

from luister.analysis.langid_walk import letter_count, walk_features
from luister.domain.analysis import UNDETERMINED

DEFAULT_LANGUAGES = ("nl", "en", "de", "fr", "es")
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.8
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#][\w.@]+|\d+")


class LanguageDetector:
    """py3langid's naive Bayes model restricted to ``languages``, with an "undetermined" answer."""

    def __init__(
        self,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        *,
        min_letters: int = MIN_LETTERS,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        self.languages = tuple(languages)
        self.min_letters = min_letters
        self.min_confidence = min_confidence

    @cached_property
    def _identifier(self):  # type: ignore[no-untyped-def]
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        identifier.set_languages(list(self.languages))
        if identifier._alias_pairs:  # labels that share columns (srl/sr) need py3langid's own folding
            raise ValueError(f"languages with aliased model columns are not supported: {self.languages}")
        return identifier

    def detect(self, text: str) -> str:
        return self.detect_many([text])[0]

    def detect_many(self, texts: Sequence[str]) -> list[str]:
        """One language (or ``und``) per text: py3langid's model and answers, computed faster. Its automaton
        is walked in compiled code (:mod:`luister.analysis.langid_walk`), and the batch is scored at once:
        per text, py3langid's NumPy calls cost more than the arithmetic. 47 → 14 µs a text."""
        found = [UNDETERMINED] * len(texts)
        at: list[int] = []
        data: list[bytes] = []
        for n, text in enumerate(texts):
            cleaned = _NOISE.sub(" ", text)
            if letter_count(cleaned) >= self.min_letters:
                at.append(n)
                data.append(_utf8(cleaned))
        for n, (language, confidence) in zip(at, self._classify(data), strict=True):
            if confidence >= self.min_confidence:
                found[n] = language
        return found

    def _classify(self, data: list[bytes]) -> list[tuple[str, float]]:
        """(language, probability) per UTF-8 text, as ``LanguageIdentifier.classify`` with normalised
        probabilities gives them: naive Bayes over byte n-gram counts, tempered by the text's length."""
        identifier = self._identifier
        if not data:
            return []
        table, rows, outputs = self._tables
        walked: list[int] = []
        ends = np.empty(len(data), dtype=np.intp)
        for n, text in enumerate(data):
            walk_features(table, rows, outputs, text, walked)
            ends[n] = len(walked)
        text_of = np.repeat(np.arange(len(data), dtype=np.intp), np.diff(ends, prepend=0))
        # (text, feature) pairs with how often each occurs: py3langid's per-text counts, for all at once
        pairs, counts = np.unique(text_of * len(self._weights) + np.asarray(walked, dtype=np.intp),
                                  return_counts=True)  # fmt: skip
        texts, features = np.divmod(pairs, len(self._weights))
        scores = np.zeros((len(data), len(identifier.nb_classes)), dtype=np.float32)
        some = np.zeros(len(data), dtype=bool)
        some[texts] = True
        if features.size:
            starts = np.flatnonzero(np.diff(texts, prepend=-1))
            contributions = self._weights[features] * np.log1p(counts.astype(np.float32))[:, None]
            scores[some] = np.add.reduceat(contributions, starts, axis=0) + identifier.nb_pc
        scores[some] *= (1.0 / np.sqrt(np.fromiter((len(t) for t in data), dtype=np.float32)))[some, None]
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))  # no features: all equal, so uniform
        scores /= scores.sum(axis=1, keepdims=True)
        best = scores.argmax(axis=1)
        confidence = scores[np.arange(len(data)), best].tolist()
        labels = [str(label) for label in identifier.nb_classes]
        return [(labels[i], confidence[n]) for n, i in enumerate(best.tolist())]

    @cached_property
    def _tables(self) -> tuple[bytes, bytes, bytes]:
        """The automaton's tables as 4-byte little-endian entries, for :func:`walk_features` (the largest,
        9.8 million transitions, is 39 MB: py3langid's own array copied once, as bytes)."""
        identifier = self._identifier

        def entries(values: Iterable[int]) -> bytes:
            little = sys.byteorder == "little"
            if isinstance(values, array) and values.itemsize == 4 and values.typecode in "Ii" and little:
                return values.tobytes()  # already laid out so: one copy
            packed = array("I", values)
            if not little:
                packed.byteswap()
            return packed.tobytes()

        rows = entries(row << 8 for row in identifier.tk_row)
        return entries(identifier.tk_nextmove), rows, entries(f + 1 for f in identifier.tk_output)

    @cached_property
    def _weights(self) -> np.ndarray:
        """The model's per-feature log-probabilities as float32 (it stores float16)."""
        return np.asarray(self._identifier.nb_ptc, dtype=np.float32)


def _utf8(text: str) -> bytes:
    """The bytes py3langid scores: lower case when all upper case, NFC."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")
