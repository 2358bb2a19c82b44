"""Approval rules (pure): a table of rules against contexts, and properties against a brute-force reading
of what each kind means."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from luister.domain.analysis import PRIMARY_ORDER
from luister.inbox.approval import (
    ApprovalContext,
    ApprovalRule,
    ApprovalRuleProblem,
    RuleKind,
    clean_value,
    holds,
    needs_approval,
)
from luister.inbox.status import Priority

CRISIS = ApprovalContext(frozenset({3}), "crisis", "customer-service", "urgent", 0)
ROUTINE = ApprovalContext(frozenset({1}), "question", "sales", "normal", 50)


@pytest.mark.parametrize(
    ("rule", "context", "expected"),
    [
        (ApprovalRule(1, "Alles", RuleKind.all), ROUTINE, True),
        (ApprovalRule(1, "Alles", RuleKind.all, active=False), ROUTINE, False),
        (ApprovalRule(1, "Crisis", RuleKind.intent, "crisis"), CRISIS, True),
        (ApprovalRule(1, "Crisis", RuleKind.intent, "crisis"), ROUTINE, False),
        (ApprovalRule(1, "Topic", RuleKind.topic, "3"), CRISIS, True),
        (ApprovalRule(1, "Topic", RuleKind.topic, "3"), ROUTINE, False),
        (ApprovalRule(1, "Sales", RuleKind.department, "sales"), ROUTINE, True),
        (ApprovalRule(1, "Urgent", RuleKind.priority, "urgent"), CRISIS, True),
        (ApprovalRule(1, "Urgent", RuleKind.priority, "urgent"), ROUTINE, False),
        (ApprovalRule(1, "New", RuleKind.new_agent, "5"), CRISIS, True),  # 0 sent < 5
        (ApprovalRule(1, "New", RuleKind.new_agent, "50"), ROUTINE, False),  # 50 sent: the 51st is free
        (ApprovalRule(1, "New", RuleKind.new_agent, "51"), ROUTINE, True),
    ],
)
def test_each_kind(rule: ApprovalRule, context: ApprovalContext, expected: bool) -> None:
    assert holds(rule, context) is expected
    assert needs_approval([rule], context) == ((rule.reason(),) if expected else ())


def test_reasons_come_in_rule_order_each_once() -> None:
    rules = [
        ApprovalRule(2, "Crisis", RuleKind.intent, "crisis"),
        ApprovalRule(1, "Urgent", RuleKind.priority, "urgent"),
        ApprovalRule(3, "Sales", RuleKind.department, "sales"),
    ]
    assert needs_approval(rules, CRISIS) == ("Urgent: priority urgent", "Crisis: intent crisis")
    assert needs_approval([], CRISIS) == ()


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        (RuleKind.all, "x", "takes no value"),
        (RuleKind.topic, "abc", "topic's id"),
        (RuleKind.intent, "angry", "one of crisis"),
        (RuleKind.priority, "asap", "one of urgent"),
        (RuleKind.new_agent, "0", "number of replies"),
        (RuleKind.department, "", "needs a value"),
    ],
)
def test_values_that_cannot_hold_are_refused(kind: RuleKind, value: str, problem: str) -> None:
    with pytest.raises(ApprovalRuleProblem, match=problem):
        clean_value(kind, value)


def test_values_are_stored_clean() -> None:
    assert clean_value(RuleKind.topic, " 007 ") == "7"
    assert clean_value(RuleKind.all, None) is None
    assert clean_value(RuleKind.intent, "churn") == "churn"


contexts = st.builds(
    ApprovalContext,
    topics=st.frozensets(st.integers(1, 6), max_size=4),
    intent=st.none() | st.sampled_from(PRIMARY_ORDER),
    department=st.none() | st.sampled_from(["customer-service", "sales"]),
    priority=st.sampled_from([p.value for p in Priority]),
    sent_by_author=st.integers(0, 20),
)
values = {
    RuleKind.all: st.none(),
    RuleKind.topic: st.integers(1, 6).map(str),
    RuleKind.intent: st.sampled_from(PRIMARY_ORDER),
    RuleKind.department: st.sampled_from(["customer-service", "sales"]),
    RuleKind.priority: st.sampled_from([p.value for p in Priority]),
    RuleKind.new_agent: st.integers(1, 20).map(str),
}
rules = st.sampled_from(list(RuleKind)).flatmap(
    lambda kind: st.builds(
        ApprovalRule, id=st.integers(1, 50), name=st.sampled_from(["a", "b", "c"]), kind=st.just(kind),
        value=values[kind], active=st.booleans(),
    )
)  # fmt: skip


def _brute(rule: ApprovalRule, c: ApprovalContext) -> bool:
    if not rule.active:
        return False
    if rule.kind is RuleKind.new_agent:
        return c.sent_by_author < int(rule.value or 0)
    facts = {
        RuleKind.all: True,
        RuleKind.topic: rule.value in {str(t) for t in c.topics},
        RuleKind.intent: rule.value == c.intent,
        RuleKind.department: rule.value == c.department,
        RuleKind.priority: rule.value == c.priority,
    }
    return facts[rule.kind]


@given(st.lists(rules, max_size=8), contexts)
def test_needs_approval_is_the_reasons_of_the_rules_that_hold(
    found: list[ApprovalRule], c: ApprovalContext
) -> None:
    expected = [r.reason() for r in sorted(found, key=lambda r: r.id) if _brute(r, c)]
    got = needs_approval(found, c)
    assert got == tuple(dict.fromkeys(expected))
    assert bool(got) == any(_brute(r, c) for r in found)
    # a rule switched off never asks; adding a rule never takes a reason away
    assert needs_approval([ApprovalRule(r.id, r.name, r.kind, r.value, False) for r in found], c) == ()
    assert set(got) <= set(needs_approval([*found, ApprovalRule(99, "all", RuleKind.all)], c))
