"""The spike detector: seasonal expectation, the negative-binomial test, grouping, and the scenarios."""

from __future__ import annotations

import pytest
from scipy.stats import nbinom, poisson

from luister.alerts.scenarios import make_scenario, score_detector
from luister.alerts.spikes import (
    SpikeSettings,
    check_hour,
    group_firings,
    history_hours,
    negative_binomial_tail,
    seasonal_expectation,
)

RHYTHM = [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 12, 12, 10, 10, 11, 11, 11, 11, 20, 22, 20, 14, 6, 3]


def weeks_of_rhythm(weeks: int = 5, monday_boost: int = 0, extra_days: int = 0) -> list[int]:
    counts = []
    for day in range(7 * weeks + extra_days):
        for hour, n in enumerate(RHYTHM):
            weekend = day % 7 >= 5
            counts.append(
                max(0, n - (3 if weekend else 0)) + (monday_boost if day % 7 == 0 and 8 <= hour < 12 else 0)
            )
    return counts


@pytest.mark.parametrize(
    ("observed", "mean", "dispersion"), [(5, 2.0, 0.15), (30, 10.0, 0.15), (80, 40.0, 0.3)]
)
def test_negative_binomial_tail_matches_scipy(observed: int, mean: float, dispersion: float) -> None:
    r = 1 / dispersion
    expected = nbinom.sf(observed - 1, r, r / (r + mean))
    assert negative_binomial_tail(observed, mean, dispersion) == pytest.approx(expected, rel=1e-6, abs=1e-12)
    assert negative_binomial_tail(observed, mean, 0.0) == pytest.approx(
        poisson.sf(observed - 1, mean), rel=1e-6
    )


def test_the_evening_peak_and_monday_morning_are_expected_not_spikes() -> None:
    counts = weeks_of_rhythm(monday_boost=8)
    for hour in range(history_hours(), len(counts)):
        check = check_hour(counts, hour)
        assert not check.is_spike, (hour, check)
    evening = len(counts) - 24 + 19
    assert seasonal_expectation(counts, evening) == pytest.approx(19, rel=0.15)  # a Sunday evening
    monday_morning = 4 * 168 + 9
    assert seasonal_expectation(counts, monday_morning) == pytest.approx(20, rel=0.2)


def test_a_midday_jump_is_a_spike_and_a_few_mentions_at_night_are_not() -> None:
    counts = weeks_of_rhythm()
    midday = len(counts) - 24 + 11
    counts[midday] = 60
    assert check_hour(counts, midday).is_spike
    night = len(counts) - 24 + 3
    counts[night] = 8  # eight times the usual, but a handful of mentions
    assert not check_hour(counts, night).is_spike
    counts[night] = 40
    assert check_hour(counts, night).is_spike


def test_sensitivity_and_minimum_count_are_honoured() -> None:
    counts = weeks_of_rhythm()
    midday = len(counts) - 24 + 11
    counts[midday] = 30
    assert check_hour(counts, midday, SpikeSettings(sensitivity=0.01)).is_spike
    assert not check_hour(counts, midday, SpikeSettings(sensitivity=1e-9)).is_spike
    assert not check_hour(counts, midday, SpikeSettings(sensitivity=0.01, min_count=31)).is_spike


def test_a_recent_level_shift_raises_the_expectation() -> None:
    counts = weeks_of_rhythm(extra_days=3)  # ends on a Wednesday
    base = len(counts) - 24
    for hour in range(base - 24, len(counts)):
        counts[hour] *= 2  # a campaign doubled the volume since yesterday
    assert seasonal_expectation(counts, len(counts) - 1) > 1.5 * RHYTHM[-1]


def test_firings_group_into_episodes_by_cooldown() -> None:
    episodes = group_firings([10, 11, 13, 20], [5, 9, 7, 4], cooldown=2)
    assert [(e.start, e.end, e.firings, e.peak) for e in episodes] == [(10, 13, 3, 9), (20, 20, 1, 4)]


def test_scenarios_are_deterministic_and_the_detector_does_well_on_them() -> None:
    assert make_scenario(3) == make_scenario(3)
    score = score_detector(range(40))
    assert score.incidents > 20
    assert score.recall > 0.75 and score.precision > 0.9
