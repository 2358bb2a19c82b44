"""Hashed word features for the linear models: fast, stable across processes, no vocabulary to ship.

A text becomes the bucket numbers of its folded words, word pairs and negated words (``niet goed`` →
``¬goed``, ``nog nooit een probleem`` → ``¬probleem``), the words after a turn (``eerst … maar nu``,
``used to … but now``: what comes after ``maar``/``but`` is what the author ends on), plus a bias bucket
so no text is empty. Links, handles and numbers become placeholders.
Buckets come from CRC-32 (Python's ``hash`` differs per process).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from luister.domain.mentions import fold

BUCKET_BITS = 18
BUCKETS = 1 << BUCKET_BITS
_MASK = BUCKETS - 1
BIAS = "\x00bias"
_TOKEN = re.compile(
    r"https?://\S+|www\.\S+"  # links
    r"|@[\w.]+"  # handles
    r"|#\w+"  # hashtags (kept whole: #fail is not fail)
    r"|\d+(?:[.,]\d+)*"  # numbers
    r"|\w+(?:'\w+)?"  # words, auto's, m'n
    r"|[!?]+"  # ! and ? carry sentiment and intent
    r"|[^\w\s]",  # emoji and other symbols, one at a time
)
_NEGATORS = frozenset(
    "not no never nothing nobody none cannot cant can't dont don't doesnt doesn't isnt isn't wasnt wasn't "
    "won't wont didnt didn't aint ain't zero without hardly couldn't couldnt haven't havent hasn't hasnt "
    "shouldn't wouldn't aren't arent weren't "
    "niet geen nooit niks niets noch nergens geeneens zonder niemand nauwelijks amper ni".split()
)
# Words that turn a text: what follows is what the author ends on (``eerst … maar nu``, ``but now``).
_TURNS = frozenset("maar but however though although yet toch echter alleen ondanks despite".split())
_SCOPE_END = frozenset(".,;:!?")
_SKIP = frozenset(".,;:\"'()[]{}-")


def tokens(text: str) -> list[str]:
    """Folded tokens with placeholders for links, handles and numbers."""
    out = []
    for token in _TOKEN.findall(fold(text)):
        first = token[0]
        if first == "h" and token.startswith(("http://", "https://")) or token.startswith("www."):
            out.append("\x00url")
        elif first == "@":
            out.append("\x00user")
        elif first.isdigit():
            out.append("\x00num")
        elif token not in _SKIP or token in _SCOPE_END:
            out.append(token)
    return out


def feature_strings(text: str) -> list[str]:
    """Unigrams, bigrams, and words in a negation's scope (until the next punctuation, at most three
    words) as negated words *instead of* plain ones: in ``nooit een probleem gehad`` the word
    ``probleem`` must not count as a problem."""
    words = tokens(text)
    features = [BIAS]
    features.extend(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))
    if _NEGATORS.isdisjoint(words) and _TURNS.isdisjoint(words):  # most texts: no scopes to track
        features.extend(words)
        return features
    negated = 0
    turned = False
    for word in words:
        if word in _NEGATORS:
            negated = 3
            features.append(word)
        elif word in _SCOPE_END:
            negated = 0
            features.append(word)
        elif negated:
            features.append("\x00not " + word)
            negated -= 1
        else:
            features.append(word)
        if word in _TURNS:
            turned = True
        elif turned:
            features.append("\x00then " + word)
    return features


def bucket(feature: str) -> int:
    return zlib.crc32(feature.encode()) & _MASK


def hashed(text: str) -> list[int]:
    """The distinct buckets of a text's features (presence, not counts)."""
    return list({zlib.crc32(f.encode()) & _MASK for f in feature_strings(text)})


class FeatureBatch:
    """Bucket lists of many texts, flattened for vectorised scoring: ``indices`` cut at ``offsets``."""

    __slots__ = ("indices", "offsets", "norms")

    def __init__(self, texts: Sequence[str]) -> None:
        lists = [hashed(text) for text in texts]
        lengths = np.fromiter((len(b) for b in lists), dtype=np.int64, count=len(lists))
        self.indices = np.fromiter((i for b in lists for i in b), dtype=np.int64, count=int(lengths.sum()))
        self.offsets = np.zeros(len(lists), dtype=np.int64)
        if len(lists) > 1:
            np.cumsum(lengths[:-1], out=self.offsets[1:])
        self.norms = np.sqrt(lengths).astype(np.float32)  # rows are L2-normalised binary vectors

    def __len__(self) -> int:
        return len(self.offsets)

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(data, indices, indptr)`` of the L2-normalised matrix, for scipy when training."""
        lengths = np.diff(np.append(self.offsets, len(self.indices)))
        data = np.repeat(1.0 / self.norms, lengths).astype(np.float32)
        indptr = np.append(self.offsets, len(self.indices))
        return data, self.indices, indptr
