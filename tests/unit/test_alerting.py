"""The spike detector: the expectation from the local rhythm, unknown hours, short histories, bursts and
rises, the negative-binomial test, grouping, coverage, and the labelled scenarios."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import nbinom, poisson

from luister.alerts.coverage import RunRecord, SourceRuns, known_hours, source_gaps
from luister.alerts.scenarios import HOUR, Shape, scenarios
from luister.alerts.spikes import (
    Detector,
    HourlySeries,
    NotJudged,
    Pattern,
    SpikeSettings,
    check_hour,
    group_firings,
    negative_binomial_tail,
    seasonal_expectation,
)

RHYTHM = [1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 12, 12, 10, 10, 11, 11, 11, 11, 20, 22, 20, 14, 6, 3]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def weeks_of_rhythm(weeks: int = 5, monday_boost: int = 0, extra_days: int = 0) -> list[int]:
    counts = []
    for day in range(7 * weeks + extra_days):
        for hour, n in enumerate(RHYTHM):
            weekend = day % 7 >= 5
            counts.append(
                max(0, n - (3 if weekend else 0)) + (monday_boost if day % 7 == 0 and 8 <= hour < 12 else 0)
            )
    return counts


def noisy_days(days: int, level: float, *, seed: int) -> list[int]:
    """A normal rhythm with Poisson noise, Monday midnight first."""
    rng = random.Random(seed)
    counts = []
    for hour in range(24 * days):
        mean = level * RHYTHM[hour % 24] / 10 * (0.7 if (hour // 24) % 7 >= 5 else 1.0)
        k, limit, product = 0, pow(2.718281828, -mean), rng.random()
        while product > limit:
            k, product = k + 1, product * rng.random()
        counts.append(k)
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
    detector = Detector(HourlySeries.plain(counts))
    for hour in range(14 * 24, len(counts)):  # after two Mondays: their mornings are part of the rhythm
        assert not detector.check(hour).is_spike, (hour, detector.check(hour))
    evening = len(counts) - 24 + 19
    assert seasonal_expectation(counts, evening) == pytest.approx(19, rel=0.15)  # a Sunday evening
    monday_morning = 4 * 168 + 9  # 20 on Mondays, 12 on other weekdays: in between, and no spike
    assert 14 < seasonal_expectation(counts, monday_morning) < 22


def test_a_midday_jump_is_a_burst_and_a_few_mentions_at_night_are_not() -> None:
    counts = weeks_of_rhythm()
    midday = len(counts) - 24 + 11
    counts[midday] = 60
    assert check_hour(counts, midday).pattern is Pattern.burst
    night = len(counts) - 24 + 3
    counts[night] = 8  # eight times the usual, but under the floor of ten mentions
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


def test_a_clear_level_shift_since_yesterday_raises_the_expectation() -> None:
    counts = weeks_of_rhythm(extra_days=3)  # ends on a Wednesday
    base = len(counts) - 24
    for hour in range(base - 24, len(counts)):
        counts[hour] *= 2  # a campaign doubled the volume since yesterday
    assert seasonal_expectation(counts, len(counts) - 1) > 1.5 * RHYTHM[-1]


def test_a_slow_build_is_a_rise_before_it_doubles_and_the_baseline_does_not_learn_it() -> None:
    counts = weeks_of_rhythm(weeks=3, extra_days=2)  # ends on a Tuesday
    start = len(counts) - 24 + 8
    for offset in range(10):  # 1.25×, 1.5×, … : twice the usual after four hours
        counts[start + offset] = round(RHYTHM[8 + offset] * 10 * (1 + 0.25 * (offset + 1))) + 5
    scaled = [n * 10 + 5 for n in weeks_of_rhythm(weeks=3, extra_days=2)]
    for hour in range(len(counts)):
        if not start <= hour < start + 10:
            counts[hour] = scaled[hour]
    detector = Detector(HourlySeries.plain(counts))
    fired = [h for h in range(start, start + 10) if detector.check(h).is_spike]
    assert fired and fired[0] < start + 4, fired  # found while below 2×
    check = detector.check(fired[0])
    assert check.pattern in (Pattern.rise, Pattern.burst)
    # the expectation of the hours under test comes from earlier days, not from the rise itself
    assert detector.expected(start + 6) == pytest.approx(scaled[start + 6], rel=0.1)


def test_unknown_hours_are_left_out_not_taken_for_silence() -> None:
    counts = [n * 3 for n in weeks_of_rhythm(weeks=1)[: 4 * 24]]  # a young database: Monday to Thursday
    known = [True] * len(counts)
    for hour in range(24, 72):  # on Tuesday and Wednesday the source was down: no mentions
        counts[hour] = 0
        known[hour] = False
    with_gap = Detector(HourlySeries.plain(counts, known))
    as_silence = Detector(HourlySeries.plain(counts))
    test_day = range(len(counts) - 24, len(counts))
    assert not any(with_gap.check(h).is_spike for h in test_day)
    assert any(as_silence.check(h).is_spike for h in test_day)  # what zeros would have done
    assert with_gap.check(50).not_judged is NotJudged.unknown


def test_with_too_little_history_nothing_is_judged_and_it_says_why() -> None:
    counts = weeks_of_rhythm(weeks=1)[:30]
    counts[20] = 500
    detector = Detector(HourlySeries.plain(counts))
    check = detector.check(20)
    assert not check.is_spike and check.not_judged is NotJudged.history and check.history == 20
    assert detector.check(29).not_judged is None  # 29 known hours before it


def test_a_young_database_fed_a_normal_rhythm_stays_quiet() -> None:
    """One to three days of history, then an ordinary day (Poisson noise): quiet. Pure chance still makes a
    very rare hour improbable enough (measured: 12 of 12,861 such series raise one alert, about one in a
    thousand; here seed 29 at 5 an hour, 14 mentions where 2, 4 and 2 came on the days before), so this
    holds the rate down on 270 fixed series rather than promising never."""
    alarmed = []
    for days in (1, 2, 3):
        for level in (5, 15, 40):
            for seed in range(30):
                counts = noisy_days(days + 1, level, seed=seed)
                detector = Detector(HourlySeries.plain(counts))
                if any(detector.check(h).is_spike for h in range(len(counts))):
                    alarmed.append((days, level, seed))
    assert len(alarmed) <= 1, alarmed


@given(
    counts=st.lists(st.integers(0, 60), min_size=30, max_size=120),
    cut=st.integers(1, 29),
)
def test_the_verdict_on_an_hour_depends_only_on_the_hours_before_it(counts: list[int], cut: int) -> None:
    """Pure and causal: what comes after an hour never changes its verdict or expectation."""
    hour = len(counts) - cut
    whole = Detector(HourlySeries.plain(counts)).check(hour)
    upto = Detector(HourlySeries.plain(counts[: hour + 1])).check(hour)
    assert whole == upto


@given(counts=st.lists(st.integers(0, 80), min_size=48, max_size=96), extra=st.integers(1, 200))
def test_more_mentions_in_an_hour_never_turn_a_spike_into_none(counts: list[int], extra: int) -> None:
    hour = len(counts) - 1
    before = check_hour(counts, hour)
    raised = check_hour([*counts[:-1], counts[-1] + extra], hour)
    assert raised.expected == before.expected
    if before.pattern is Pattern.burst:
        assert raised.is_spike


def test_daylight_saving_keeps_the_local_rhythm() -> None:
    start = datetime(2026, 10, 11, 22, 0, tzinfo=UTC)  # local midnight, two weeks before clocks go back
    hours = 24 * 15
    series = HourlySeries.at([0] * hours, [True] * hours, start=start, zone=AMSTERDAM)
    local = [(start + timedelta(hours=i)).astimezone(AMSTERDAM).hour for i in range(hours)]
    counts = [RHYTHM[h] * 5 for h in local]
    detector = Detector(HourlySeries(counts, series.known, series.hour_of_day, series.weekday))
    after = [i for i in range(hours) if start + timedelta(hours=i) >= datetime(2026, 10, 25, 2, tzinfo=UTC)]
    assert not any(detector.check(i).is_spike for i in after)
    morning = after[6]  # the steep morning rise, an hour later in UTC than the days before
    assert detector.expected(morning) == pytest.approx(counts[morning], rel=0.25)


def test_firings_group_into_episodes_by_cooldown() -> None:
    episodes = group_firings([10, 11, 13, 20], [5, 9, 7, 4], cooldown=2)
    assert [(e.start, e.end, e.firings, e.peak) for e in episodes] == [(10, 13, 3, 9), (20, 20, 1, 4)]


T0 = datetime(2026, 11, 18, 0, 0, tzinfo=UTC)


def runs_every(
    minutes: int, start: datetime, end: datetime, failing: tuple[datetime, datetime] | None = None
) -> list[RunRecord]:
    found: list[RunRecord] = []
    at = start
    while at < end:
        failed = failing is not None and failing[0] <= at < failing[1]
        found.append(RunRecord(at, at + timedelta(seconds=30), failed))
        at += timedelta(minutes=minutes)
    return found


def test_a_failing_source_makes_its_hours_unknown_until_it_succeeds_again() -> None:
    failing = (T0 + timedelta(hours=5), T0 + timedelta(hours=8))
    runs = runs_every(15, T0, T0 + timedelta(hours=12), failing)
    gaps = source_gaps(SourceRuns(runs, timedelta(minutes=15), True), now=T0 + timedelta(hours=12))
    assert gaps == [(T0 + timedelta(hours=4, minutes=45, seconds=30), T0 + timedelta(hours=8, seconds=30))]
    known = known_hours(end=T0 + timedelta(hours=12), hours=12, start=T0, gaps=gaps)
    assert known == [True] * 4 + [False] * 4 + [True] * 4  # 08:00 lost only half a minute


def test_a_pause_and_a_source_still_failing_are_gaps_a_switched_off_source_is_not() -> None:
    now = T0 + timedelta(hours=12)
    runs = [*runs_every(15, T0, T0 + timedelta(hours=3)), *runs_every(15, T0 + timedelta(hours=7), now)]
    (pause,) = source_gaps(SourceRuns(runs, timedelta(minutes=15), True), now=now)
    assert pause[0] < T0 + timedelta(hours=3, minutes=30) and pause[1] == T0 + timedelta(hours=7)
    still = runs_every(15, T0, now, (T0 + timedelta(hours=10), now))
    assert source_gaps(SourceRuns(still, timedelta(minutes=15), True), now=now)[-1][1] == now
    stopped = runs_every(15, T0, T0 + timedelta(hours=2))
    assert source_gaps(SourceRuns(stopped, timedelta(minutes=15), False), now=now) == []
    assert source_gaps(SourceRuns(stopped, timedelta(minutes=15), True), now=now) != []
    assert known_hours(end=now, hours=3, start=None, gaps=[]) == [False] * 3


def test_the_scenarios_are_labelled_deterministic_and_cover_the_cases() -> None:
    found = scenarios()
    again = scenarios()
    assert [s.counts for s in found] == [s.counts for s in again]
    assert len(found) >= 40
    shapes = {i.shape for s in found for i in s.incidents}
    assert shapes == set(Shape)
    quiet = {s.quiet for s in found if s.quiet}
    assert {"evening peak", "Monday morning", "noisy day", "weekend", "daylight saving change"} <= quiet
    assert {s.history_days for s in found} >= {1, 2, 3, 7, 29}
    assert any(s.failing for s in found) and any(s.paused for s in found)


def test_on_a_young_database_a_slow_build_is_a_rise_and_a_busier_day_is_not() -> None:
    """Three days of history: a rise building by 0.2× an hour is found while it builds (on a history this
    short the day's level is uncertain by about a fifth, so not yet before 2×: measured, 2.2×); the same
    test day 30 % busier all day long is not a rise (the expectation's error is shared by the
    hours, so an ordinary busier day does not add up the way independent hours would)."""
    history = [n * 4 + 2 for n in weeks_of_rhythm(weeks=1)[: 3 * 24]]  # Monday to Wednesday
    normal = [n * 4 + 2 for n in RHYTHM]
    building = list(normal)
    for offset in range(8):
        building[9 + offset] = round(normal[9 + offset] * (1 + 0.2 * (offset + 1)))
    detector = Detector(HourlySeries.plain(history + building))
    fired = [h for h in range(len(history), len(history) + 24) if detector.check(h).is_spike]
    assert fired and fired[0] <= len(history) + 9 + 5, fired  # 1.2×, 1.4×, …, 2.2×
    busier = Detector(HourlySeries.plain(history + [round(n * 1.3) for n in normal]))
    assert not any(busier.check(h).is_spike for h in range(len(history), len(history) + 24))


def test_a_monday_after_a_young_weekend_is_expected_at_the_weekday_level() -> None:
    """A database started on a Friday: the weekend was quieter, and Monday is judged against Friday's
    level, not against an average the weekend pulled down (which made an ordinary Monday look like a
    spike)."""
    weekdays = [4] * 24 + [5] * 24 + [6] * 24 + [0] * 24  # Friday, Saturday, Sunday, Monday
    counts = [n * 5 if day < 5 else n * 3 for day, n in zip(weekdays, RHYTHM * 4, strict=True)]
    series = HourlySeries(counts, [True] * len(counts), [i % 24 for i in range(len(counts))], weekdays)
    detector = Detector(series)
    monday = range(72, 96)
    for hour in (72 + 10, 72 + 14, 72 + 19):
        assert detector.expected(hour) == pytest.approx(counts[hour], rel=0.12), hour
    assert not any(detector.check(h).is_spike for h in monday)


def test_a_burst_is_judged_against_a_day_that_runs_busier_than_expected() -> None:
    """A campaign doubled the volume since midnight: an hour at 2.5× the usual is that day's normal, not a
    burst (the day itself is a rise); five times the usual still is a burst."""
    counts = [n * 3 for n in weeks_of_rhythm(weeks=2, extra_days=2)]  # ends on a Tuesday
    test_day = len(counts) - 24
    for hour in range(test_day, len(counts)):
        counts[hour] *= 2
    eleven = test_day + 11
    usual = RHYTHM[11] * 3
    counts[eleven] = round(usual * 2.5)
    detector = Detector(HourlySeries.plain(counts))
    assert detector.expected(eleven) == pytest.approx(usual, rel=0.15)  # the lagged level is yesterday's
    assert detector.check(eleven).pattern is not Pattern.burst
    counts[eleven] = usual * 5
    assert Detector(HourlySeries.plain(counts)).check(eleven).pattern is Pattern.burst


@given(counts=st.lists(st.integers(0, 40), min_size=40, max_size=96), extra=st.integers(0, 60))
def test_a_burst_at_the_looser_p_value_is_at_least_three_times_the_expectation(
    counts: list[int], extra: int
) -> None:
    """From ``sharp_ratio`` × the expectation on a burst may be ``sharp_factor`` times as probable as the
    sensitivity allows; below that it meets the sensitivity itself."""
    counts = [*counts[:-1], counts[-1] + extra]
    hour = len(counts) - 1
    default = SpikeSettings()
    loose = Detector(HourlySeries.plain(counts), default)
    strict = Detector(HourlySeries.plain(counts), SpikeSettings(sharp_factor=1.0))
    if loose.check(hour).pattern is Pattern.burst and strict.check(hour).pattern is not Pattern.burst:
        check = loose.check(hour)
        assert check.observed >= default.sharp_ratio * max(check.expected, 1.0)
        assert check.observed >= default.min_count


def test_the_product_finds_an_incident_when_either_rule_does() -> None:
    from luister.alerts import evaluation

    scenario = next(s for s in scenarios() if s.incidents and s.incidents[0].shape is Shape.crisis)
    incident = scenario.incidents[0]
    volume = evaluation.Fired("volume_spike", incident.onset + 6 * HOUR, incident.onset + 8 * HOUR)
    negative = evaluation.Fired("negative_spike", incident.onset + 2 * HOUR, incident.onset + 3 * HOUR)
    result = evaluation.ScenarioResult(scenario, (volume, negative), 0)
    volume_only = evaluation.score([result], "volume_spike")
    assert (volume_only.found, volume_only.slow_before_double, volume_only.in_time) == (1, 0, 0)
    either = evaluation.score([result], evaluation.ANY)
    assert (either.found, either.slow_before_double, either.hours_to_detect) == (1, 1, [3.0])
    assert either.in_time == 1  # a slow build is in time before it doubles, not only within the hour
    assert evaluation.detection_hours(result, evaluation.ANY) == ["3 h"]
