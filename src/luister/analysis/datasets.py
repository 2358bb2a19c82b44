"""The labelled data: which files train the models and which are held out for evaluation.

Held out (never trained on): the whole TweetEval validation file, a fixed 20 % of each Dutch file that
has no published test split (chosen by a hash of the row id, so the split never changes), and the
``test`` split of luister's own intent examples. XED's ``mixed`` rows are left out (no neutral class).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from luister.domain.analysis import INTENT_LABELS, SENTIMENT_LABELS

INTENT_EXAMPLES = "intent_examples.jsonl"


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
    text = path.read_text("utf-8") if path else resources.files(__package__).joinpath("data", INTENT_EXAMPLES)
    lines = text.splitlines() if isinstance(text, str) else text.read_text("utf-8").splitlines()
    found = []
    for line in lines:
        if not line.strip():
            continue
        row = json.loads(line)
        if row["split"] != split:
            continue
        labels = tuple(label for label in INTENT_LABELS if label in row["labels"])
        found.append(Example(row["text"], row["lang"], row["sentiment"], labels, source=INTENT_EXAMPLES))
    return found


def default_data_dir() -> Path | None:
    """``../shared/data`` next to the working directory or next to luister's checkout, when present."""
    checkout = Path(__file__).resolve().parents[3]
    for candidate in (Path("../shared/data"), Path("shared/data"), checkout.parent / "shared" / "data"):
        if (candidate / SENTIMENT_FILES[0].name).exists():
            return candidate
    return None
