"""The labelled data: which files train the models and which are held out for evaluation.

Held out (never trained on): the whole TweetEval validation file, a fixed 20 % of each Dutch file that
has no published test split (chosen by a hash of the row id, so the split never changes), and the
``test`` split of luister's own intent examples and of its webcare examples, and the whole challenge set
(negation, contrast, thanks for a fixed problem, sarcasm). XED's ``mixed`` rows are left out (no neutral
class).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from luister.domain.analysis import INTENT_LABELS, SENTIMENT_LABELS, primary_intent

INTENT_EXAMPLES = "intent_examples.jsonl"
WEBCARE_EXAMPLES = "webcare_examples.jsonl"  # with a primary intent and the department that owns each
CHALLENGE_EXAMPLES = "challenge_examples.jsonl"  # held out entirely: never trained on


@dataclass(frozen=True, slots=True)
class DataFile:
    name: str
    lang: str
    held_out: str  # "all", "fifth" (a hashed 20 %) or "none"
    domain: str  # tweets, reviews, subtitles, editorials


SENTIMENT_FILES = (
    DataFile("en_tweeteval_sentiment_val.csv", "en", "all", "tweets"),
    DataFile("nl_political_tweets_train.csv", "nl", "fifth", "tweets"),
    DataFile("nl_semeval16_restaurants_train.csv", "nl", "fifth", "reviews"),
    DataFile("en_semeval16_restaurants_train.csv", "en", "none", "reviews"),
    DataFile("en_vader_tweets_groundtruth.csv", "en", "none", "tweets"),
    DataFile("en_vader_product_reviews_groundtruth.csv", "en", "none", "reviews"),
    DataFile("en_vader_movie_reviews_groundtruth.csv", "en", "none", "reviews"),
    DataFile("en_vader_nyt_editorials_groundtruth.csv", "en", "none", "editorials"),
    DataFile("nl_xed_emotions.csv", "nl", "none", "subtitles"),
    DataFile("en_xed_emotions.csv", "en", "none", "subtitles"),
)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    lang: str
    sentiment: str | None  # negative / neutral / positive, or None when the set has no such label
    intents: tuple[str, ...] = ()
    source: str = ""
    three_class: bool = True  # False where the set has no neutral class (XED)
    primary: str | None = None  # the primary intent, where the set gives one
    department: str | None = None  # who should own the mention (webcare examples)

    @property
    def gold_primary(self) -> str | None:
        """The primary intent: as labelled, else the most urgent of the intents (None without either)."""
        if self.primary is not None:
            return self.primary
        return primary_intent(self.intents) if self.intents else None


def is_held_out_fifth(row_id: str) -> bool:
    return int(hashlib.blake2b(row_id.encode(), digest_size=8).hexdigest(), 16) % 5 == 0


def sentiment_examples(data_dir: Path, *, held_out: bool) -> Iterator[Example]:
    """Training rows (``held_out=False``) or evaluation rows (``True``) of the shared sentiment files."""
    for spec in SENTIMENT_FILES:
        path = data_dir / spec.name
        if not path.exists():
            continue
        for row in read_rows(path):
            if row["label"] not in SENTIMENT_LABELS:
                continue  # XED "mixed"
            in_test = spec.held_out == "all" or (spec.held_out == "fifth" and is_held_out_fifth(row["id"]))
            if in_test == held_out:
                yield Example(
                    row["text"], spec.lang, row["label"], source=spec.name, three_class="xed" not in spec.name
                )


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def intent_examples(split: str, path: Path | None = None) -> list[Example]:
    """luister's own hand-labelled social mentions (NL+EN) with intents and sentiment."""
    return _jsonl_examples(INTENT_EXAMPLES, split, path)


def webcare_examples(split: str, path: Path | None = None) -> list[Example]:
    """Hand-written webcare mentions (NL, Flemish, EN) with intents, primary intent, sentiment and the
    department that should own each (``data/WEBCARE_GUIDELINES.md``)."""
    return _jsonl_examples(WEBCARE_EXAMPLES, split, path)


def challenge_examples(path: Path | None = None) -> list[Example]:
    """The negation / contrast / thanks-for-a-fix / sarcasm challenge set: sentiment and primary intent."""
    return _jsonl_examples(CHALLENGE_EXAMPLES, None, path)


def _jsonl_examples(name: str, split: str | None, path: Path | None) -> list[Example]:
    text = path.read_text("utf-8") if path else resources.files(__package__).joinpath("data", name)
    lines = text.splitlines() if isinstance(text, str) else text.read_text("utf-8").splitlines()
    found = []
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        if split is not None and row["split"] != split:
            continue
        labels = tuple(label for label in INTENT_LABELS if label in row.get("labels", ()))
        found.append(
            Example(
                row["text"],
                row["lang"],
                row["sentiment"],
                labels,
                source=name,
                primary=row.get("primary"),
                department=row.get("department"),
            )  # fmt: skip
        )
    return found


def default_data_dir() -> Path | None:
    """``../shared/data`` next to the working directory or next to luister's checkout, when present."""
    checkout = Path(__file__).resolve().parents[3]
    for candidate in (Path("../shared/data"), Path("shared/data"), checkout.parent / "shared" / "data"):
        if (candidate / SENTIMENT_FILES[0].name).exists():
            return candidate
    return None
