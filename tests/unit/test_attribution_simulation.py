"""The attribution simulation (``luister.kpis.evaluation``): the causal lift and the Shapley split find the
truth in 200 synthetic worlds with three overlapping campaigns, and the placebo stays at zero."""

from __future__ import annotations

import numpy as np

from luister.kpis.evaluation import make_world, render_markdown, simulate


def test_estimates_find_the_truth_in_200_worlds() -> None:
    figures = simulate()
    assert figures["lift_within_10pct"] >= 0.90, figures
    assert figures["shapley_within_10pct"] >= 0.90, figures
    assert 0.85 <= figures["lift_coverage_90"] <= 0.95, figures
    assert 0.85 <= figures["shapley_coverage_90"] <= 0.95, figures
    assert figures["placebo_contains_zero"] >= 0.95, figures
    assert figures["placebo_worlds_all_zero"] >= 0.90, figures
    assert "| lift within ±10 % of the truth |" in render_markdown(figures)


def test_the_simulation_is_deterministic() -> None:
    a = make_world(np.random.default_rng(7))
    b = make_world(np.random.default_rng(7))
    assert a.kpi == b.kpi and a.true_shapley == b.true_shapley
