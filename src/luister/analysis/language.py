"""Language identification for short social texts, limited to the languages luister is asked about.

Texts with too few letters, or where the best language is not clearly ahead, get ``und``
(undetermined) instead of a guess. Links, handles, hashtags' ``#`` and emoji are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

from luister.domain.analysis import UNDETERMINED

DEFAULT_LANGUAGES = ("nl", "en", "de", "fr", "es")
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.8
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#][\w.@]+|\d+")
_LETTER = re.compile(r"[^\W\d_]")


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
        return identifier

    def detect(self, text: str) -> str:
        cleaned = _NOISE.sub(" ", text)
        if len(_LETTER.findall(cleaned)) < self.min_letters:
            return UNDETERMINED
        language, confidence = self._identifier.classify(cleaned)
        return str(language) if confidence >= self.min_confidence else UNDETERMINED
