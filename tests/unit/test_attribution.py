"""The rule-based splits and Shapley values against hand-computed cases."""

from __future__ import annotations

import itertools
import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from luister.kpis.attribution import (
    Rule,
    Touchpoint,
    attribute,
    linear,
    position_based,
    shapley,
    shapley_weights,
    time_decay,
)
from luister.kpis.causal import Window, lift

T0 = datetime(2026, 3, 1, 12, 0)


def tp(project: int, days_before: float) -> Touchpoint:
    return Touchpoint(project, T0 - timedelta(days=days_before))


def test_linear_gives_each_touchpoint_an_equal_share() -> None:
    assert linear([tp(1, 9), tp(2, 5), tp(3, 1), tp(1, 0)], 100.0) == {1: 50.0, 2: 25.0, 3: 25.0}
    assert linear([], 5.0) == {}


def test_time_decay_halves_per_seven_days() -> None:
    # ages 14, 7, 0 days → weights 1/4, 1/2, 1 → 1/7, 2/7, 4/7 of 70
    got = time_decay([tp(1, 14), tp(2, 7), tp(3, 0)], T0, 70.0)
    assert got == pytest.approx({1: 10.0, 2: 20.0, 3: 40.0})
    # a touchpoint after the conversion counts as age 0
    assert time_decay([tp(1, -3), tp(2, 7)], T0, 3.0) == pytest.approx({1: 2.0, 2: 1.0})


def test_position_based_is_40_20_40() -> None:
    assert position_based([tp(1, 3)], 10.0) == {1: 10.0}
    assert position_based([tp(2, 1), tp(1, 3)], 10.0) == {1: 5.0, 2: 5.0}
    assert position_based([tp(1, 9), tp(2, 5), tp(3, 1)], 100.0) == pytest.approx({1: 40, 2: 20, 3: 40})
    # four touchpoints: the middle two share 20 %; order by time, not by how they were given
    got = position_based([tp(4, 1), tp(2, 5), tp(3, 3), tp(1, 9)], 100.0)
    assert got == pytest.approx({1: 40, 2: 10, 3: 10, 4: 40})
    # the same project first and last gets both ends
    assert position_based([tp(1, 9), tp(2, 5), tp(1, 1)], 1.0) == pytest.approx({1: 0.8, 2: 0.2})


def test_attribute_sums_conversions_and_leaves_untouched_ones_out() -> None:
    conversions = [(T0, 10.0, [tp(1, 2), tp(2, 1)]), (T0, 4.0, [tp(2, 0)]), (T0, 99.0, [])]
    assert attribute(Rule.linear, conversions) == {1: 5.0, 2: 9.0}
    assert sum(attribute(Rule.position, conversions).values()) == pytest.approx(14.0)


def test_shapley_glove_game() -> None:
    # one left glove (L), two right gloves (R1, R2): a pair is worth 1. φ_L = 2/3, φ_R = 1/6 each.
    def v(s: frozenset[str]) -> float:
        return float(min(int("L" in s), len(s & {"R1", "R2"})))

    got = shapley(["L", "R1", "R2"], v)
    assert got == pytest.approx({"L": 2 / 3, "R1": 1 / 6, "R2": 1 / 6})


def test_shapley_of_two_overlapping_campaigns() -> None:
    # A alone lifts 100, B alone 60, together 200 (40 synergy): φ_A = (100 + 140)/2 = 120, φ_B = 80
    worth = {frozenset(): 0.0, frozenset("A"): 100.0, frozenset("B"): 60.0, frozenset("AB"): 200.0}
    assert shapley(["A", "B"], worth.__getitem__) == pytest.approx({"A": 120.0, "B": 80.0})
    dividends = {frozenset("A"): 100.0, frozenset("B"): 60.0, frozenset("AB"): 40.0}
    assert shapley_weights(["A", "B"], dividends) == pytest.approx({"A": 120.0, "B": 80.0})


def test_shapley_refuses_too_many_or_repeated_players() -> None:
    with pytest.raises(ValueError):
        shapley(list(range(11)), lambda s: 0.0)
    with pytest.raises(ValueError):
        shapley([1, 1], lambda s: 0.0)


@given(st.lists(st.floats(-50, 50), min_size=7, max_size=7))
def test_shapley_is_efficient_and_matches_the_permutation_average(values: list[float]) -> None:
    players = [0, 1, 2]
    subsets = [frozenset(c) for r in range(4) for c in itertools.combinations(players, r)]
    worth = {s: (0.0 if not s else values[i - 1]) for i, s in enumerate(subsets)}
    got = shapley(players, worth.__getitem__)
    assert math.fsum(got.values()) == pytest.approx(worth[frozenset(players)], abs=1e-9)
    brute = dict.fromkeys(players, 0.0)
    for order in itertools.permutations(players):
        seen: frozenset[int] = frozenset()
        for p in order:
            brute[p] += (worth[seen | {p}] - worth[seen]) / 6
            seen = seen | {p}
    assert got == pytest.approx(brute, abs=1e-9)


def test_lift_recovers_a_noise_free_effect_exactly_and_says_what_it_cannot_separate() -> None:
    days = [date(2026, 1, 5) + timedelta(days=i) for i in range(150)]
    control = [10.0 + (i % 7) + 0.1 * i + math.sin(i / 5) for i in range(150)]
    kpi = [2 * c + 0.05 * i + (4.0 if 100 <= i <= 119 else 0.0) + 0.01 * math.cos(i * 1.7)
           for i, c in enumerate(control)]  # fmt: skip
    report = lift(days, kpi, [control], [Window(7, days[100], days[119])])
    (only,) = report.projects
    assert only.days == 20
    assert only.lift.value == pytest.approx(80.0, rel=0.01)
    assert only.lift.contains(80.0) and only.shapley.value == pytest.approx(only.lift.value)
    assert only.placebo is not None and only.placebo.level == pytest.approx(0.95)
    same = [Window(1, days[100], days[119]), Window(2, days[100], days[119])]
    with pytest.raises(ValueError, match="told apart"):
        lift(days, kpi, [control], same)
    with pytest.raises(ValueError, match="one value per day"):
        lift(days, kpi[:-1], [control], same)
    short = lift(days[90:], kpi[90:], [control[90:]], [Window(7, days[100], days[119])])
    assert short.projects[0].placebo is None and short.placebo_note


def test_random_noise_alone_is_not_a_lift() -> None:
    rng = np.random.default_rng(3)
    days = [date(2026, 1, 5) + timedelta(days=i) for i in range(200)]
    kpi, control = list(rng.normal(size=200)), list(rng.normal(size=200))
    report = lift(days, kpi, [control], [Window(1, days[150], days[180])])
    assert report.projects[0].lift.contains(0.0)
