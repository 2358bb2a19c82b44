"""The policy's pure rules: safe rendering, the diff between versions, and the gate as a function of time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from luister.organisation.policy import Current, PolicyProblem, clean_text, diff, refusal, render
from luister.organisation.processes import ProcessProblem, Raci, clean_key, clean_matrix

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
DEPARTMENTS = {"webcare": 1, "billing": 1, "legal": 1}


def test_markdown_is_rendered_and_html_in_it_is_escaped() -> None:
    html = render("# Beleid\n\n**Wees eerlijk.** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<h1>Beleid</h1>" in html and "<strong>Wees eerlijk.</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


def test_the_diff_shows_what_was_added_and_removed_with_context() -> None:
    old = "# Beleid\n\nA\nB\nC\nD\nE\nF\nG\n"
    new = "# Beleid\n\nA\nB\nC\nD2\nE\nF\nG\nH\n"
    lines = diff(old, new, context=1)
    assert [(d.kind, d.text) for d in lines if d.kind in ("added", "removed")] == [
        ("removed", "D"), ("added", "D2"), ("added", "H"),
    ]  # fmt: skip
    assert lines[0].kind == "gap" and any(d.kind == "same" and d.text == "C" for d in lines)
    assert diff(old, old) == []


def test_bad_text_is_refused_with_the_field() -> None:
    with pytest.raises(PolicyProblem, match="title"):
        clean_text("   ", "body")
    with pytest.raises(PolicyProblem, match="body"):
        clean_text("Beleid", "\n\n")
    with pytest.raises(PolicyProblem, match="control"):
        clean_text("Beleid", "a\x00b")
    assert clean_text(" Social  media\nbeleid ", "a\r\nb") == ("Social media beleid", "a\nb\n")


@given(
    grace=st.integers(0, 60),
    joined=st.integers(-90, 90),
    at=st.integers(-100, 200),
    acknowledged=st.booleans(),
)
def test_the_gate_refuses_exactly_the_late_who_did_not_acknowledge(
    grace: int, joined: int, at: int, acknowledged: bool
) -> None:
    current = Current(2, T0, grace)
    since, now = T0 + timedelta(days=joined), T0 + timedelta(days=at, hours=1)
    said = refusal(current, acknowledged=acknowledged, user_since=since, now=now)
    start = T0 if grace == 0 else max(T0, since) + timedelta(days=grace)  # brute force, from the definition
    assert (said is not None) == (not acknowledged and now >= start)
    if said is not None:
        assert "version 2" in said
    assert refusal(None, acknowledged=False, user_since=since, now=now) is None


def test_the_refusal_speaks_the_persons_language() -> None:
    current = Current(3, T0, 0)
    nl = refusal(current, acknowledged=False, user_since=T0, now=T0, language="nl")
    assert nl is not None and "socialemediabeleid (versie 3)" in nl


def test_a_matrix_has_one_responsible_and_at_most_one_accountable() -> None:
    matrix = clean_matrix({"billing": "r", "webcare": "C", "legal": "A"}, DEPARTMENTS)
    assert matrix.responsible() == "billing" and matrix.having(Raci.consulted) == ["webcare"]
    for bad, why in (
        ({"billing": "C"}, "exactly one"),
        ({"billing": "R", "webcare": "R"}, "exactly one"),
        ({"billing": "R", "webcare": "A", "legal": "A"}, "at most one"),
        ({"billing": "R", "finance": "C"}, "no department"),
        ({"billing": "X"}, "not one of"),
    ):
        with pytest.raises(ProcessProblem, match=why):
            clean_matrix(bad, DEPARTMENTS)
    with pytest.raises(ProcessProblem, match="key"):
        clean_key("Billing Complaint!")


def test_process_and_policy_problems_are_said_in_dutch_and_english() -> None:
    from luister.organisation.processes import parse_matrix

    for bad, nl in (
        ({"billing": "C"}, "matrix: precies één afdeling is verantwoordelijk (R)"),
        (
            {"billing": "R", "webcare": "A", "legal": "A"},
            "matrix: hoogstens één afdeling is eindverantwoordelijk (A)",
        ),
        ({"billing": "R", "finance": "C"}, "matrix: er is geen afdeling 'finance'"),
        ({"billing": "X"}, "matrix: billing: 'X' is niet een van R, A, C, I"),
    ):
        with pytest.raises(ProcessProblem) as refused:
            clean_matrix(bad, DEPARTMENTS)
        assert refused.value.said("nl") == nl and refused.value.said("en") == str(refused.value)
    with pytest.raises(ProcessProblem) as refused:
        parse_matrix("billing")
    assert refused.value.said("nl") == "matrix: 'billing': schrijf afdeling=R (of A, C, I)"
    with pytest.raises(PolicyProblem) as problem:
        clean_text("Beleid", "  \n")
    assert problem.value.said("nl") == "body: het beleid heeft een tekst nodig"
    assert problem.value.said(None) == "body: the policy needs a text" == str(problem.value)
