"""The default routing on the held-out routing examples, through the real (fast) analyser."""

from __future__ import annotations

from collections import Counter

import pytest

from luister.inbox.evaluation import RoutingReport, evaluate_routing, render_markdown, routing_examples
from luister.inbox.triage import DEPARTMENTS

TARGET = 0.85


@pytest.fixture(scope="module")
def report() -> RoutingReport:
    return evaluate_routing()


def test_the_labelled_set_is_large_enough_in_both_languages() -> None:
    examples = routing_examples()
    assert len(examples) >= 300
    assert len({example.text for example in examples}) == len(examples)
    per_department = Counter(example.department for example in examples)
    assert all(per_department[department] >= 30 for department in DEPARTMENTS), per_department
    languages = Counter(example.lang for example in examples)
    assert set(languages) == {"nl", "en"} and min(languages.values()) >= 0.4 * len(examples)
    splits = Counter(example.split for example in examples)
    assert 0.25 <= splits["test"] / len(examples) <= 0.35
    assert all(e.department in (*DEPARTMENTS, None) and e.about in ("own", "competitor") for e in examples)
    assert all(e.department in ("sales", None) for e in examples if e.about == "competitor")


def test_test_split_department_macro_f1_reaches_the_target(report: RoutingReport) -> None:
    assert report.test.n == len(routing_examples("test"))
    assert report.test.macro_f1 >= TARGET, render_markdown(report)
    assert [row.department for row in report.test.per_department] == [*DEPARTMENTS, "none"]


def test_the_markdown_section_names_both_splits(report: RoutingReport) -> None:
    text = render_markdown(report)
    assert text.startswith("## Department routing")
    assert f"macro-F1 {report.test.macro_f1:.3f}" in text and f"macro-F1 {report.train.macro_f1:.3f}" in text
