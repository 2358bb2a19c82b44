"""The spike detector that knows the daily and weekly rhythm (pure).

Detection works on hourly counts. The expected count for an hour blends the same hour on the previous
days and the same hour of the week on previous weeks (medians, so one earlier incident does not raise
the bar), scaled by the recent level against that seasonal profile (an EWMA of the last hours' ratio).
An hour is a spike when a negative-binomial test says the observed count is improbably high for that
expectation (overdispersion allows for ordinary bursts), *and* it clears a minimum count and ratio,
so a handful of mentions at night never fires.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    """``sensitivity`` is the test's p-value threshold: lower fires less."""

    sensitivity: float = 0.0001
    min_count: int = 10  # never fire on fewer mentions in the hour
    min_ratio: float = 2.0  # and not below this multiple of the expected count
    dispersion: float = 0.15  # negative-binomial: variance = μ + dispersion·μ²
    days: int = 7  # same hour on this many previous days
    weeks: int = 4  # same hour of the week on this many previous weeks
    level_alpha: float = 0.3  # EWMA weight of the newest hour's level


@dataclass(frozen=True, slots=True)
class SpikeCheck:
    observed: int
    expected: float
    p_value: float
    is_spike: bool


def seasonal_expectation(counts: Sequence[float], hour: int, settings: SpikeSettings | None = None) -> float:
    """The expected count at index ``hour`` of an hourly series, from the hours before it only."""
    settings = settings or SpikeSettings()
    profile = _profile(counts, hour, settings)
    if profile is None:
        history = counts[max(0, hour - 24) : hour]
        return float(sum(history) / len(history)) if history else 0.0
    return max(profile * _level(counts, hour, settings), 0.0)


def _profile(counts: Sequence[float], hour: int, settings: SpikeSettings) -> float | None:
    """The usual count for this hour: same hour on previous days blended with the same hour of the week
    on previous weeks (medians), or ``None`` without a day of history."""
    daily = [counts[hour - 24 * d] for d in range(1, settings.days + 1) if hour - 24 * d >= 0]
    if not daily:
        return None
    weekly = [counts[hour - 168 * w] for w in range(1, settings.weeks + 1) if hour - 168 * w >= 0]
    return _median(daily) if not weekly else 0.5 * _median(daily) + 0.5 * _median(weekly)


def _level(counts: Sequence[float], hour: int, settings: SpikeSettings) -> float:
    """How the last 24 hours ran against their own usual counts (1.0 = as usual), smoothed."""
    level = 1.0
    for past in range(max(24, hour - 24), hour):
        usual = _profile(counts, past, settings) or 0.0
        ratio = (counts[past] + 1.0) / (usual + 1.0)
        level = (1 - settings.level_alpha) * level + settings.level_alpha * min(max(ratio, 0.5), 2.0)
    return level


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def negative_binomial_tail(observed: int, mean: float, dispersion: float) -> float:
    """P(X ≥ observed) for a negative binomial with this mean and variance mean + dispersion·mean²."""
    if observed <= 0:
        return 1.0
    mean = max(mean, 0.5)  # a quiet hour still expects a little
    if dispersion <= 0:
        return _poisson_tail(observed, mean)
    r = 1.0 / dispersion
    p = r / (r + mean)
    # P(X = k) = C(k + r - 1, k) p^r (1-p)^k; sum the terms below ``observed`` in log space
    log_p, log_q = math.log(p), math.log1p(-p)
    below = 0.0
    for k in range(observed):
        below += math.exp(math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * log_p + k * log_q)
    return max(0.0, 1.0 - below)


def _poisson_tail(observed: int, mean: float) -> float:
    term = math.exp(-mean)
    below = 0.0
    for k in range(observed):
        below += term
        term *= mean / (k + 1)
    return max(0.0, 1.0 - below)


def check_hour(counts: Sequence[float], hour: int, settings: SpikeSettings | None = None) -> SpikeCheck:
    """Whether hour ``hour`` of the series is a spike against what came before it."""
    settings = settings or SpikeSettings()
    observed = int(counts[hour])
    expected = seasonal_expectation(counts, hour, settings)
    p_value = negative_binomial_tail(observed, expected, settings.dispersion)
    is_spike = (
        observed >= settings.min_count
        and observed >= settings.min_ratio * max(expected, 1.0)
        and p_value < settings.sensitivity
    )
    return SpikeCheck(observed, round(expected, 2), p_value, is_spike)


@dataclass(frozen=True, slots=True)
class Episode:
    """Firings close together (within the cooldown of the last one) form one incident: one alert."""

    start: int  # index (hour) of the first firing
    end: int  # index of the last
    firings: int
    peak: int  # the largest observed value


def group_firings(hours: Sequence[int], values: Sequence[int], *, cooldown: int) -> list[Episode]:
    """Group firing times (ascending, in hours or any unit) into episodes; a gap longer than ``cooldown``
    (same unit) starts a new one."""
    episodes: list[Episode] = []
    for hour, value in zip(hours, values, strict=True):
        last = episodes[-1] if episodes else None
        if last is not None and hour - last.end <= cooldown:
            episodes[-1] = Episode(last.start, hour, last.firings + 1, max(last.peak, value))
        else:
            episodes.append(Episode(hour, hour, 1, value))
    return episodes


def history_hours(settings: SpikeSettings | None = None) -> int:
    """How many hours before the checked one the expectation looks at."""
    settings = settings or SpikeSettings()
    return max(24 * settings.days, 168 * settings.weeks) + 24
