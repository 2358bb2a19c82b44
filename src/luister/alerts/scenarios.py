"""Realistic hourly mention series with and without incidents, to measure the spike detector.

Each series has a brand size (from a few mentions a day to hundreds an hour), a daily rhythm (quiet
nights, an evening peak), quieter weekends, a Monday-morning rise and over-dispersed noise; some get
incidents (a jump of 2.5–8× or at least +15 mentions, fading over 2–6 hours) in the evaluated last days.
Deterministic per seed. ``docs/accuracy.md`` reports the detector's precision and recall on them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from luister.alerts.spikes import SpikeSettings, check_hour, group_firings, history_hours

DAILY = (0.15, 0.12, 0.1, 0.1, 0.12, 0.2, 0.4, 0.8, 1.2, 1.2, 1.2, 1.2,
         1.0, 1.0, 1.1, 1.1, 1.1, 1.1, 1.5, 1.6, 1.5, 1.3, 0.9, 0.5)  # fmt: skip
LEVELS = (0.2, 1.0, 4.0, 15.0, 60.0)  # mentions per hour on an average hour
EVALUATED_HOURS = 240


@dataclass(frozen=True, slots=True)
class Incident:
    start: int  # hour index
    hours: int


@dataclass(frozen=True, slots=True)
class Scenario:
    level: float
    counts: tuple[int, ...]
    incidents: tuple[Incident, ...]


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def make_scenario(seed: int, *, settings: SpikeSettings | None = None) -> Scenario:
    settings = settings or SpikeSettings()
    rng = random.Random(seed)
    level = LEVELS[seed % len(LEVELS)] * rng.uniform(0.7, 1.3)
    total = history_hours(settings) + EVALUATED_HOURS
    base = []
    for hour in range(total):
        day, clock = divmod(hour, 24)
        weekday = day % 7  # 0 = Monday
        factor = (
            DAILY[clock] * (0.7 if weekday >= 5 else 1.0) * (1.3 if weekday == 0 and 8 <= clock < 12 else 1.0)
        )
        base.append(level * factor)
    incidents: list[Incident] = []
    for _ in range(rng.choice((0, 1, 1, 2))):
        start = total - EVALUATED_HOURS + rng.randrange(EVALUATED_HOURS - 8)
        if any(abs(start - other.start) < 24 for other in incidents):
            continue
        incidents.append(Incident(start, rng.randint(2, 6)))
    boost = [0.0] * total
    for incident in incidents:
        multiple = rng.uniform(2.5, 8.0)
        for offset in range(incident.hours):
            fade = 1.0 - offset / (incident.hours + 1)
            boost[incident.start + offset] = max(15.0, (multiple - 1) * base[incident.start + offset]) * fade
    counts = []
    for mean, extra in zip(base, boost, strict=True):
        burst = rng.gammavariate(10.0, mean / 10.0) if mean > 0 else 0.0  # over-dispersion: ordinary bursts
        counts.append(_poisson(rng, burst) + _poisson(rng, extra))
    return Scenario(level, tuple(counts), tuple(incidents))


@dataclass(frozen=True, slots=True)
class DetectorScore:
    series: int
    incidents: int
    detected: int
    alerts: int  # episodes the detector raised
    true_alerts: int
    evaluated_hours: int

    @property
    def precision(self) -> float:
        return self.true_alerts / self.alerts if self.alerts else 1.0

    @property
    def recall(self) -> float:
        return self.detected / self.incidents if self.incidents else 1.0

    @property
    def false_alerts_per_week(self) -> float:
        weeks = self.evaluated_hours / 168
        return (self.alerts - self.true_alerts) / weeks if weeks else 0.0


def score_detector(
    seeds: range, *, settings: SpikeSettings | None = None, cooldown: int = 2
) -> DetectorScore:
    settings = settings or SpikeSettings()
    incidents = detected = alerts = true_alerts = hours = 0
    for seed in seeds:
        scenario = make_scenario(seed, settings=settings)
        first = len(scenario.counts) - EVALUATED_HOURS
        fired = [
            h for h in range(first, len(scenario.counts)) if check_hour(scenario.counts, h, settings).is_spike
        ]
        episodes = group_firings(fired, [scenario.counts[h] for h in fired], cooldown=cooldown)
        windows = [(i.start, i.start + i.hours + 2) for i in scenario.incidents]
        hit = [
            any(start <= e.start < end or start <= e.end < end for start, end in windows) for e in episodes
        ]
        incidents += len(windows)
        detected += sum(
            any(start <= e.start < end or start <= e.end < end for e in episodes) for start, end in windows
        )
        alerts += len(episodes)
        true_alerts += sum(hit)
        hours += EVALUATED_HOURS
    return DetectorScore(len(seeds), incidents, detected, alerts, true_alerts, hours)
