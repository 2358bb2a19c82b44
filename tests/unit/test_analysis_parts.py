"""The analysis building blocks: features, linear models, rules, metrics, data splits, language."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from luister.analysis.datasets import intent_examples, is_held_out_fifth
from luister.analysis.evaluation import score_intents, score_sentiment
from luister.analysis.features import BUCKETS, FeatureBatch, bucket, feature_strings, hashed, tokens
from luister.analysis.intent_rules import rule_scores
from luister.analysis.language import LanguageDetector
from luister.analysis.linear import LinearModel
from luister.domain.analysis import (
    INTENT_LABELS,
    Sentiment,
    format_intents,
    intents_above,
    parse_intents,
    sentiment_from_probabilities,
)


def test_tokens_fold_case_and_accents_and_replace_links_handles_and_numbers() -> None:
    assert tokens("Café @Voltaro kost €12,50 zie https://x.nl/a?b=1 #Storing!!") == [
        "cafe", "\x00user", "kost", "€", "\x00num", "zie", "\x00url", "#storing", "!!",
    ]  # fmt: skip


def test_negation_marks_the_next_words_until_punctuation() -> None:
    features = feature_strings("niet goed geholpen, wel snel")
    assert "\x00not goed" in features and "\x00not geholpen" in features
    assert "\x00not wel" not in features and "\x00not snel" not in features
    assert "niet goed" in features  # bigrams too


def test_a_negated_problem_word_does_not_count_as_the_word() -> None:
    """Issue #29: "nog nooit een probleem gehad" is praise, so ``probleem`` must not count as itself."""
    features = feature_strings("In drie jaar nog nooit een probleem gehad")
    assert "\x00not probleem" in features and "probleem" not in features
    english = feature_strings("not one outage since I switched. outage again")
    assert "\x00not outage" in english and english.count("outage") == 1  # only the one after the stop


def test_words_after_a_turn_are_marked() -> None:
    features = feature_strings("Eerst twee weken geen internet, maar nu loopt alles perfect")
    assert "\x00then perfect" in features and "\x00then nu" in features
    assert "\x00then internet" not in features and "\x00then eerst" not in features


def test_buckets_are_stable_across_processes() -> None:
    assert bucket("storing") == 102_633  # crc32, not Python's per-process hash(): weights stay valid
    assert 0 <= bucket("anything at all") < BUCKETS


def test_linear_model_scores_equal_the_dense_computation_and_survive_saving(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    weights = np.zeros((BUCKETS, 3), dtype=np.float32)
    texts = ["heel goed", "slecht, echt slecht!", "", "ok"]
    used = sorted({b for t in texts for b in hashed(t)})
    weights[used] = rng.normal(size=(len(used), 3)).astype(np.float16).astype(np.float32)
    model = LinearModel(("negative", "neutral", "positive"), weights, np.array([0.1, 0.0, -0.1], np.float32))
    scores = model.scores(FeatureBatch(texts))
    for text, row in zip(texts, scores, strict=True):
        buckets = hashed(text)
        logits = weights[buckets].sum(axis=0) / np.sqrt(len(buckets)) + model.bias
        expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        assert row == pytest.approx(expected, rel=1e-5)
    model.save(tmp_path / "m.npz")
    loaded = LinearModel.load(tmp_path / "m.npz")
    assert loaded.labels == model.labels
    assert loaded.scores(FeatureBatch(texts)) == pytest.approx(scores, rel=1e-5)
    assert (tmp_path / "m.npz").stat().st_size < 10_000  # only non-zero rows are stored


def test_an_empty_batch_scores_nothing() -> None:
    model = LinearModel(("a",), np.zeros((BUCKETS, 1), np.float32), np.zeros(1, np.float32), multi_label=True)
    assert model.scores(FeatureBatch([])).shape == (0, 1)


def test_sentiment_and_intent_values() -> None:
    assert sentiment_from_probabilities(0.7, 0.2, 0.1) == Sentiment("negative", -0.6, 0.7)
    with pytest.raises(ValueError):
        Sentiment("angry", 0.0, 1.0)
    assert intents_above({"complaint": 0.8, "churn": 0.6, "praise": 0.2}, {"churn": 0.7}) == ("complaint",)
    assert intents_above({"praise": 0.1}, {}) == ("other",)
    assert parse_intents(format_intents(("complaint", "churn"))) == ("complaint", "churn")
    assert parse_intents("complaint,bogus") == ("complaint",)
    labels = list(INTENT_LABELS)
    assert not any(a != b and a in b for a in labels for b in labels)  # stored as a comma list: LIKE works


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Ik zeg mijn abonnement op, klaar mee", "churn"),
        ("I'm cancelling my contract tomorrow", "churn"),
        ("Hoe kan ik mijn meterstand doorgeven?", "question"),
        ("Does anyone know if they deliver on Sundays", "question"),
        ("Mijn advocaat neemt contact met jullie op", "crisis"),
        ("Massive data breach at @bank, my details leaked", "crisis"),
        ("Op zoek naar een nieuwe energieleverancier, tips?", "lead"),
        ("Het zou fijn zijn als de app donkere modus had", "feedback"),
        ("Al 3 keer gebeld en nog steeds geen oplossing", "complaint"),
        ("Super geholpen door Sanne van de klantenservice", "praise"),
    ],
)
def test_strong_cues_in_dutch_and_english(text: str, intent: str) -> None:
    assert intent in rule_scores(text)


def test_plain_texts_trigger_no_cue() -> None:
    assert rule_scores("Voltaro opent een nieuw kantoor in Gent") == {}


def test_sentiment_metrics() -> None:
    gold = ["negative", "neutral", "positive", "positive"]
    predicted = [
        ("negative", 0.8, 0.1),
        ("positive", 0.1, 0.6),
        ("neutral", 0.2, 0.5),
        ("positive", 0.0, 0.9),
    ]
    score = score_sentiment(dataset="d", lang="nl", system="s", gold=gold, predicted=predicted)
    assert score.accuracy == 0.5
    assert score.binary_accuracy == 1.0  # the neutral-labelled positive still leans positive
    assert score.confusion == ((1, 0, 0), (0, 0, 1), (0, 1, 1))
    assert score.macro_f1 == round((1.0 + 0.0 + 0.5) / 3, 3)
    assert score.polar_label_accuracy == round(2 / 3, 3)  # the positive labelled neutral is what users see


def test_neutral_scale_lets_a_leaning_text_be_labelled_polar() -> None:
    from luister.domain.analysis import sentiment_from_probabilities

    assert sentiment_from_probabilities(0.1, 0.5, 0.4).label == "neutral"
    leaning = sentiment_from_probabilities(0.1, 0.5, 0.4, neutral_scale=0.75)
    assert leaning.label == "positive" and leaning.confidence == 0.4 and leaning.score == 0.3
    assert sentiment_from_probabilities(0.1, 0.8, 0.1, neutral_scale=0.75).label == "neutral"


def test_primary_intents_are_scored_as_one_label() -> None:
    score = score_intents(
        dataset="d", lang="en", system="s", gold=[(), (), ()], predicted=[(), (), ()],
        gold_primary=["churn", "complaint", "complaint"], predicted_primary=["churn", "complaint", "praise"],
    )  # fmt: skip
    # churn F1 1.0; complaint P 1, R 0.5 → 0.667; praise is not in gold, so it only costs complaint recall
    assert score.primary_macro_f1 == pytest.approx((1 + 0.667) / 2, abs=1e-3)
    assert score.primary_accuracy == pytest.approx(0.667, abs=1e-3)


def test_webcare_and_challenge_examples_are_consistent_and_never_trained_on() -> None:
    from luister.analysis.datasets import challenge_examples, webcare_examples
    from luister.analysis.trainer import gather
    from luister.domain.analysis import primary_intent

    train, test = webcare_examples("train"), webcare_examples("test")
    challenge = challenge_examples()
    assert len(train) + len(test) >= 300 and len(test) >= 60 and len(challenge) >= 150
    assert {e.lang for e in challenge} == {e.lang for e in test} == {"nl", "en"}
    departments = {"customer_service", "sales", "product", "marketing", "communications", "legal"}
    for example in [*train, *test]:
        assert example.primary == primary_intent(example.intents) and example.department in departments
    assert {e.department for e in test} == departments or len({e.department for e in test}) >= 5
    for example in challenge:
        assert example.primary in INTENT_LABELS and example.sentiment in ("negative", "neutral", "positive")
    trained = {e.text for e in gather(None).sentiment}
    assert not trained & ({e.text for e in test} | {e.text for e in challenge})
    assert {e.text for e in train} <= trained


def test_intent_metrics_are_per_label_and_macro_averaged() -> None:
    gold = [("complaint", "churn"), ("question",), ("other",)]
    predicted = [("complaint",), ("question",), ("question",)]
    score = score_intents(dataset="d", lang="en", system="s", gold=gold, predicted=predicted)
    assert score.per_label["complaint"] == (1.0, 1.0, 1.0, 1)
    assert score.per_label["churn"] == (0.0, 0.0, 0.0, 1)
    assert score.per_label["question"][2] == pytest.approx(0.667, abs=1e-3)
    assert score.macro_f1 == pytest.approx((1 + 0 + 0.667 + 0) / 4, abs=1e-3)


def test_the_dutch_held_out_fifth_is_fixed_and_about_a_fifth() -> None:
    ids = [f"row-{n}" for n in range(5000)]
    chosen = [i for i in ids if is_held_out_fifth(i)]
    assert 900 < len(chosen) < 1100
    assert chosen == [i for i in ids if is_held_out_fifth(i)]


def test_the_intent_examples_have_a_disjoint_test_split_with_every_label() -> None:
    train, test = intent_examples("train"), intent_examples("test")
    assert len(train) > 700 and len(test) > 200
    assert not {e.text for e in train} & {e.text for e in test}
    for label in INTENT_LABELS:
        assert sum(label in e.intents for e in test) >= 20, label
    assert {e.lang for e in test} == {"nl", "en"}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Waarom duurt het zo lang voordat mijn storing wordt opgelost?", "nl"),
        ("Why does it take so long to fix my broken internet connection?", "en"),
        ("Warum dauert es so lange, bis meine Störung behoben wird?", "de"),
        ("Pourquoi faut-il autant de temps pour réparer ma connexion?", "fr"),
        ("¿Por qué tardan tanto en arreglar mi conexión a internet?", "es"),
        ("👍👍", "und"),
        ("@voltaro https://voltaro.nl ok", "und"),
    ],
)
def test_language_detection_says_und_rather_than_guessing(text: str, language: str) -> None:
    assert LanguageDetector().detect(text) == language


def test_batch_language_detection_answers_as_py3langid_does_text_by_text() -> None:
    import re
    from datetime import UTC, datetime

    from luister.analysis.language import _NOISE
    from luister.demo.data import generate_demo_mentions

    end = datetime(2026, 11, 1, tzinfo=UTC)
    texts = [example.text for split in ("train", "test") for example in intent_examples(split)]
    texts += [str(r["text"]) for r in generate_demo_mentions(seed=5, end=end, days=30, count=3000)]
    texts += ["", "HALLO, DIT IS EEN TEKST IN HOOFDLETTERS", "Guten Morgen, wie geht es dir heute?", "ok ok"]
    detector = LanguageDetector()
    identifier = detector._identifier

    def one_by_one(text: str) -> str:
        cleaned = _NOISE.sub(" ", text)
        if len(re.findall(r"[^\W\d_]", cleaned)) < detector.min_letters:
            return "und"
        language, confidence = identifier.classify(cleaned)
        return str(language) if confidence >= detector.min_confidence else "und"

    expected = [one_by_one(text) for text in texts]
    assert detector.detect_many(texts) == expected
    assert {"nl", "en", "de", "und"} <= set(expected)
    assert detector.detect_many([]) == [] and detector.detect_many(["👍"]) == ["und"]


def test_letters_are_counted_as_the_regular_expression_counts_them() -> None:
    import re

    from luister.analysis.langid_walk import letter_count

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    letters = re.compile(r"[^\W\d_]")
    assert [c for c in every if letter_count(c) != bool(letters.match(c))] == []
    assert letter_count("Voltaro's app_2 ½ ligt eruit! 👍") == 21  # ½ counts (a word character, no digit)


def test_the_primary_intent_is_the_most_urgent() -> None:
    from luister.domain.analysis import PRIMARY_ORDER, primary_intent

    assert primary_intent(("complaint", "question", "churn")) == "churn"
    assert primary_intent(("praise", "lead")) == "lead"
    assert primary_intent(("question", "feedback")) == "question"
    assert primary_intent(("other",)) == "other" and primary_intent(()) == "other"
    assert set(PRIMARY_ORDER) == set(INTENT_LABELS) and PRIMARY_ORDER[0] == "crisis"


def test_mention_csv_defuses_formulas_and_keeps_the_text() -> None:
    import csv
    import dataclasses
    import io
    from datetime import UTC, datetime

    from luister.services.mentions import MentionRead, mentions_csv

    hostile = MentionRead(
        id=7, channel="x", url=None, author_handle="@a", title=None, text='=HYPERLINK("http://evil")',
        language="nl", country=None, published_at=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
        duplicate_of=None, sentiment="negative", intents="complaint,churn", primary_intent="churn",
    )  # fmt: skip
    undated = dataclasses.replace(hostile, id=8, text="geen datum", date_known=False)
    rows = list(csv.DictReader(io.StringIO(mentions_csv([hostile, undated]))))
    assert rows[0] == {
        "id": "7", "published_at": "2026-12-01T09:30:00Z", "date_known": "true", "channel": "x",
        "author_handle": "'@a", "url": "", "language": "nl", "country": "", "sentiment": "negative",
        "primary_intent": "churn", "intents": "complaint,churn", "title": "", "text": '\'=HYPERLINK("http://evil")'
    }  # fmt: skip
    # a mention whose source gave no date says so: its published_at is when it was fetched
    assert (rows[1]["id"], rows[1]["date_known"], rows[1]["text"]) == ("8", "false", "geen datum")


def test_the_neutral_weight_is_chosen_on_held_out_probabilities() -> None:
    from luister.analysis.trainer import best_neutral_scale

    # positives that lean positive but give neutral the most: weighing neutral down labels them right
    probabilities = np.array(
        [[0.1, 0.5, 0.4], [0.05, 0.5, 0.45], [0.8, 0.1, 0.1], [0.1, 0.8, 0.1]], dtype=np.float32
    )
    gold = ["positive", "positive", "negative", "neutral"]
    assert best_neutral_scale(probabilities, gold) <= 0.8
    assert best_neutral_scale(probabilities, ["neutral", "neutral", "negative", "neutral"]) == 1.0
