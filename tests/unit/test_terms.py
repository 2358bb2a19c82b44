"""Trend terms and bursts."""

from __future__ import annotations

from collections import Counter

from luister.analysis.terms import document_frequencies, find_bursts, mention_terms


def test_terms_are_content_words_hashtags_and_neighbouring_pairs() -> None:
    terms = mention_terms(
        "De Voltaro app ligt er weer uit!! #storing @voltaro https://x.nl 2026 we'll call back"
    )
    assert {"voltaro", "app", "voltaro app", "ligt", "#storing", "call", "call back"} <= terms
    assert not {"de", "er", "weer", "uit", "we'll", "2026"} & terms  # stop words, numbers
    assert not any(t.startswith(("@", "http", "\x00")) for t in terms)
    assert "app ligt" in terms and "ligt uit" not in terms  # no pairs across a stop word


def test_everyday_time_words_and_fillers_are_not_terms() -> None:
    """Seen as the demo's 'trends': "every month", "next year", "year apparently", "kwh per"."""
    english = mention_terms("I pay every month and next year apparently around 4,000 kwh per household")
    assert english == {"pay", "kwh", "household"}
    dutch = mention_terms(
        "Volgend jaar blijkbaar zo'n 4.000 kWh per jaar, elke maand weer tussen de 90 en 120 euro"
    )
    assert dutch == {"kwh", "euro"}


def test_a_term_that_jumps_above_its_own_baseline_bursts_and_steady_ones_do_not() -> None:
    baseline_texts = [f"factuur vraag nummer {n % 5} klantenservice" for n in range(700)]
    baseline_texts += ["app storing"] * 7
    current_texts = [f"factuur vraag nummer {n % 5} klantenservice" for n in range(100)]
    current_texts += ["alweer een app storing bij voltaro"] * 30
    baseline, baseline_total = document_frequencies(baseline_texts)
    current, current_total = document_frequencies(current_texts)
    bursts = find_bursts(current, current_total, baseline, baseline_total)
    names = [b.term for b in bursts]
    assert "app storing" in names
    assert "factuur" not in names and "klantenservice" not in names
    assert "storing" not in names  # covered by the pair that bursts in the same mentions
    top = bursts[0]
    assert top.mentions == 30 and top.score > 3


def test_a_handful_of_new_words_is_not_a_trend() -> None:
    current = Counter({"eenmalig": 2, "nieuw": 3})
    assert find_bursts(current, 1000, Counter(), 7000) == [] or all(
        b.mentions >= 3 for b in find_bursts(current, 1000, Counter(), 7000)
    )
    assert [b.term for b in find_bursts(Counter({"nieuw": 3}), 1000, Counter(), 7000)] == ["nieuw"]
    assert find_bursts(Counter({"nieuw": 2}), 1000, Counter(), 7000) == []
