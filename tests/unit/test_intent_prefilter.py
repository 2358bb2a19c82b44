"""The intent rules' prefilter: a label's regular expression runs only when one of its literal prefixes
occurs, and that never changes which cues are found."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from luister.analysis.datasets import intent_examples
from luister.analysis.intent_rules import _PREFILTER, RULE_SCORE, RULES, literal_prefixes, rule_scores
from luister.demo.data import generate_demo_mentions
from luister.domain.mentions import fold


def every_rule(text: str) -> dict[str, float]:
    """What the rules find without the prefilter."""
    folded = fold(text)
    return {label: RULE_SCORE for label, pattern in RULES.items() if pattern.search(folded)}


def test_literal_prefixes_of_patterns() -> None:
    assert literal_prefixes(r"\bfoo(?:bar|\d)") == {"foo", "foobar"}
    assert literal_prefixes(r"^(?:hoe|wat)\b[^.]*\?") == {"hoe", "wat"}
    assert literal_prefixes(r"\b(?:ik|we)\s+ga\b") == {"ik", "we"}  # up to the first class
    assert literal_prefixes(r"(?:a|\w)x") is None  # one alternative starts anywhere
    assert literal_prefixes(r"\d+ keer") is None
    assert literal_prefixes(r"(?i)foo") is None  # literals that ignore case are not the text's characters
    assert literal_prefixes(r"ab(?i:c)d") == {"ab"}


def test_every_label_of_the_shipped_rules_is_prefiltered() -> None:
    """A cue that starts with a class or a repeat makes its label's expression run on every text."""
    assert _PREFILTER.always == frozenset()
    assert {label for labels in _PREFILTER.owners.values() for label in labels} == set(RULES)


def test_the_prefilter_finds_what_every_rule_finds_on_real_texts() -> None:
    texts = [example.text for split in ("train", "test") for example in intent_examples(split)]
    end = datetime(2026, 11, 1, tzinfo=UTC)
    texts += [str(record["text"]) for record in generate_demo_mentions(seed=3, end=end, days=30, count=3000)]
    found = [rule_scores(text) for text in texts]
    assert found == [every_rule(text) for text in texts]
    assert sum(bool(labels) for labels in found) > 300  # the cues do occur in these texts


PIECES = sorted(set(_PREFILTER.owners) | {"?", ".", "!", " ", "al 3 keer gebeld", "\u00e9", "x"})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(alphabet="abcdeiklnorstuvw '?!.", max_size=8), max_size=12))
def test_the_prefilter_finds_what_every_rule_finds_on_near_misses(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert rule_scores(text) == every_rule(text)
