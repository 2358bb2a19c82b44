"""A labelled evaluation set for spike alerts: hourly scenarios of real incident shapes and of ordinary
days that must stay quiet, on young and older databases (pure, deterministic).

Every scenario is a brand topic with a local daily rhythm (Europe/Amsterdam: quiet nights, an evening
peak), quieter weekends, a Monday-morning rise and over-dispersed noise, fed by one source polled every
15 minutes, with 1 to 29 days of history before a test day. Incidents on the test day: a storm outage
(a jump fading over 4 hours), a slowly building crisis (a steady rise reaching 2× after 6 hours), a
viral positive campaign, a single-hour burst of about 3×, and a night-time spike; quiet days: evening
peaks, Monday mornings, noisy days, weekends, daylight saving changes, and sources that failed or were
paused (their hours hold no mentions, and the source's runs say why). ``luister.docgen`` replays them
through ``luister alerts replay`` into ``docs/accuracy.md``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from luister.alerts.coverage import RunRecord

ZONE = ZoneInfo("Europe/Amsterdam")
HOUR = timedelta(hours=1)
POLL = timedelta(minutes=15)
DAILY = (0.15, 0.12, 0.1, 0.1, 0.12, 0.2, 0.4, 0.8, 1.2, 1.2, 1.2, 1.2,
         1.0, 1.0, 1.1, 1.1, 1.1, 1.1, 1.5, 1.6, 1.5, 1.3, 0.9, 0.5)  # fmt: skip
NEGATIVE_SHARE = 0.2  # of ordinary mentions
NOISE_SHAPE = 25.0  # gamma shape of an hour's level: coefficient of variation 0.2
NOISY_SHAPE = 9.0  # on a noisy day: 0.33


class Shape(StrEnum):
    outage = "storm outage"
    crisis = "slowly building crisis"
    campaign = "viral positive campaign"
    burst = "single-hour burst"
    night = "night-time spike"


@dataclass(frozen=True, slots=True)
class Incident:
    shape: Shape
    onset: datetime  # UTC, on the hour
    hours: int
    negative: bool  # mostly negative mentions (the negative-spike rule should find it too)
    doubles_at: datetime | None = None  # a slow build: the start of the first hour at 2× or more

    @property
    def end(self) -> datetime:
        return self.onset + self.hours * HOUR


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    quiet: str | None  # what the quiet day shows (evening peak, Monday morning, …); None for an incident
    start: datetime  # UTC: the first hour of history (and the source's first run)
    test_start: datetime  # UTC: local midnight of the test day
    test_end: datetime
    counts: tuple[int, ...]  # mentions per hour from ``start``
    negatives: tuple[int, ...]
    incidents: tuple[Incident, ...]
    failing: tuple[tuple[datetime, datetime], ...] = ()  # the source failed (runs with an error)
    paused: tuple[tuple[datetime, datetime], ...] = ()  # the source did not run at all
    history_days: int = 0
    level: float = 0.0


@dataclass(slots=True)
class Plan:
    name: str
    test_day: date
    history_days: int
    level: float
    seed: int
    quiet: str | None = None
    incident: Shape | None = None
    onset_hour: int = 12  # local
    noisy: bool = False
    failing: tuple[int, int] | None = None  # hours before the test day's start: (from, to)
    paused: tuple[int, int] | None = None
    test_failing: tuple[int, int] | None = None  # local hours of the test day
    monday_factor: float = 1.3


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZONE).astimezone(UTC)


def _base(moment: datetime, level: float, monday_factor: float) -> float:
    local = moment.astimezone(ZONE)
    factor = DAILY[local.hour]
    if local.weekday() >= 5:
        factor *= 0.7
    if local.weekday() == 0 and 8 <= local.hour < 12:
        factor *= monday_factor
    return level * factor


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 60:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def _extra(shape: Shape, offset: int, base: float) -> tuple[float, float]:
    """Extra mentions expected ``offset`` hours into an incident, and their negative share."""
    if shape is Shape.outage:
        multiple = (4.0, 3.5, 2.5, 1.8)[offset]
        return max((multiple - 1) * base, 15.0 * multiple / 4), 0.75
    if shape is Shape.crisis:  # linear: 2× after 6 hours, 3× after 12
        return (offset + 1) / 6 * base, 0.8
    if shape is Shape.campaign:
        multiple = (4.0, 5.0, 4.0, 3.0, 2.0)[offset]
        return max((multiple - 1) * base, 12.0), 0.03
    if shape is Shape.burst:
        return max(2.0 * base, 8.0), 0.7
    return max(6.0 * base, 18.0), 0.75  # a night spike: far above a small count, above the floor


DURATION = {Shape.outage: 4, Shape.crisis: 12, Shape.campaign: 5, Shape.burst: 1, Shape.night: 2}


def build(plan: Plan) -> Scenario:
    rng = random.Random(plan.seed)
    test_start = _local_midnight(plan.test_day)
    test_end = _local_midnight(plan.test_day + timedelta(days=1))
    start = test_start - plan.history_days * 24 * HOUR
    total = int((test_end - start) / HOUR)
    incidents: list[Incident] = []
    if plan.incident is not None:
        onset = datetime.combine(plan.test_day, time(plan.onset_hour), ZONE).astimezone(UTC)
        hours = DURATION[plan.incident]
        doubles = onset + 5 * HOUR if plan.incident is Shape.crisis else None
        incidents.append(Incident(plan.incident, onset, hours, plan.incident is not Shape.campaign, doubles))
    failing = _window(test_start, plan.failing)
    paused = _window(test_start, plan.paused)
    if plan.test_failing is not None:
        failing = (
            *failing,
            (test_start + plan.test_failing[0] * HOUR, test_start + plan.test_failing[1] * HOUR),
        )
    counts, negatives = [], []
    for i in range(total):
        moment = start + i * HOUR
        base = _base(moment, plan.level, plan.monday_factor)
        shape = NOISY_SHAPE if plan.noisy and moment >= test_start else NOISE_SHAPE
        ordinary = _poisson(rng, rng.gammavariate(shape, base / shape))
        negative = _binomial(rng, ordinary, NEGATIVE_SHARE)
        for incident in incidents:
            if incident.onset <= moment < incident.end:
                mean, share = _extra(incident.shape, int((moment - incident.onset) / HOUR), base)
                extra = _poisson(rng, mean)
                ordinary, negative = ordinary + extra, negative + _binomial(rng, extra, share)
        if any(a <= moment < b for a, b in (*failing, *paused)):
            ordinary = negative = 0  # nothing arrived: the source was down
        counts.append(ordinary)
        negatives.append(negative)
    return Scenario(
        name=plan.name, quiet=plan.quiet, start=start, test_start=test_start, test_end=test_end,
        counts=tuple(counts), negatives=tuple(negatives), incidents=tuple(incidents), failing=failing,
        paused=paused, history_days=plan.history_days, level=plan.level,
    )  # fmt: skip


def _window(test_start: datetime, hours: tuple[int, int] | None) -> tuple[tuple[datetime, datetime], ...]:
    if hours is None:
        return ()
    return ((test_start - hours[0] * HOUR, test_start - hours[1] * HOUR),)


WEDNESDAY = date(2026, 11, 18)
MONDAY = date(2026, 11, 16)
SATURDAY = date(2026, 11, 21)
SUNDAY = date(2026, 11, 22)
DST_END = date(2026, 10, 25)  # a Sunday: clocks go back, the day has 25 hours
DST_START = date(2026, 3, 29)  # a Sunday: clocks go forward, the day has 23 hours


def _plans(first_seed: int) -> list[Plan]:
    plans: list[Plan] = []
    seed = first_seed

    def add(name: str, **kwargs: object) -> None:
        nonlocal seed
        seed += 1
        plans.append(Plan(name=name, seed=seed, **kwargs))  # type: ignore[arg-type]

    # incidents, on young and older databases, small and large brands
    for days, level in ((1, 20.0), (3, 8.0), (7, 40.0), (29, 15.0)):
        add(f"outage, {days} d history, {level:g}/h", test_day=WEDNESDAY, history_days=days, level=level,
            incident=Shape.outage, onset_hour=11)  # fmt: skip
        add(f"slow crisis, {days} d history, {level:g}/h", test_day=WEDNESDAY, history_days=days,
            level=level, incident=Shape.crisis, onset_hour=8)  # fmt: skip
        add(f"campaign, {days} d history, {level:g}/h", test_day=WEDNESDAY, history_days=days, level=level,
            incident=Shape.campaign, onset_hour=14)  # fmt: skip
        add(f"single-hour burst, {days} d history, {level:g}/h", test_day=WEDNESDAY, history_days=days,
            level=level, incident=Shape.burst, onset_hour=10)  # fmt: skip
        add(f"night spike, {days} d history, {level:g}/h", test_day=WEDNESDAY, history_days=days,
            level=level, incident=Shape.night, onset_hour=3)  # fmt: skip
    add("burst in the evening peak, 14 d history, 25/h", test_day=WEDNESDAY, history_days=14, level=25.0,
        incident=Shape.burst, onset_hour=19)  # fmt: skip
    add("outage on a Saturday, 14 d history, 12/h", test_day=SATURDAY, history_days=14, level=12.0,
        incident=Shape.outage, onset_hour=13)  # fmt: skip
    add("slow crisis on a Monday, 29 d history, 30/h", test_day=MONDAY, history_days=29, level=30.0,
        incident=Shape.crisis, onset_hour=7)  # fmt: skip
    add("outage after a failed source, 7 d history, 10/h", test_day=WEDNESDAY, history_days=7, level=10.0,
        incident=Shape.outage, onset_hour=15, failing=(30, 20))  # fmt: skip
    # quiet days: a fresh database fed a normal rhythm
    for days, level in ((1, 5.0), (1, 30.0), (2, 12.0), (2, 60.0), (3, 3.0), (3, 25.0)):
        add(f"normal day, {days} d history, {level:g}/h", test_day=WEDNESDAY, history_days=days,
            level=level, quiet="normal day, young database")  # fmt: skip
    for days, level in ((7, 20.0), (29, 50.0)):
        add(f"evening peak, {days} d history, {level:g}/h", test_day=date(2026, 11, 19),
            history_days=days, level=level, quiet="evening peak")  # fmt: skip
    for days, level in ((3, 20.0), (7, 40.0), (29, 15.0)):
        add(f"Monday morning, {days} d history, {level:g}/h", test_day=MONDAY, history_days=days,
            level=level, quiet="Monday morning")  # fmt: skip
    for days, level in ((3, 15.0), (14, 30.0), (29, 60.0)):
        add(f"noisy day, {days} d history, {level:g}/h", test_day=WEDNESDAY, history_days=days,
            level=level, noisy=True, quiet="noisy day")  # fmt: skip
    for day, days, level in ((SATURDAY, 3, 20.0), (SUNDAY, 5, 20.0), (SATURDAY, 29, 40.0)):
        add(f"weekend ({day:%A}), {days} d history, {level:g}/h", test_day=day, history_days=days,
            level=level, quiet="weekend")  # fmt: skip
    for day, days, level in ((DST_END, 14, 25.0), (DST_END + timedelta(days=1), 14, 25.0),
                             (DST_START, 14, 25.0), (DST_START + timedelta(days=1), 3, 40.0)):  # fmt: skip
        add(f"daylight saving ({day:%d %b}), {days} d history, {level:g}/h", test_day=day,
            history_days=days, level=level, quiet="daylight saving change")  # fmt: skip
    add("failed source yesterday, 3 d history, 20/h", test_day=WEDNESDAY, history_days=3, level=20.0,
        failing=(20, 8), quiet="gap of a failed source")  # fmt: skip
    add("failed source overnight, 7 d history, 30/h", test_day=WEDNESDAY, history_days=7, level=30.0,
        failing=(10, 0), quiet="gap of a failed source")  # fmt: skip
    add("source paused two days ago, 14 d history, 20/h", test_day=WEDNESDAY, history_days=14, level=20.0,
        paused=(60, 40), quiet="gap of a paused source")  # fmt: skip
    add("source failing this morning, 5 d history, 25/h", test_day=WEDNESDAY, history_days=5, level=25.0,
        test_failing=(7, 11), quiet="gap of a failed source")  # fmt: skip
    # young databases (issue #25): slow builds on 2, 3 and 5 days of history, a small brand's 3× burst at
    # noon and at night, and their quiet twins (same history, level and seed family, no incident)
    for days, level in ((2, 15.0), (3, 25.0), (5, 10.0)):
        add(f"slow crisis, young: {days} d history, {level:g}/h", test_day=WEDNESDAY, history_days=days,
            level=level, incident=Shape.crisis, onset_hour=9)  # fmt: skip
        add(f"quiet twin of the slow crisis, {days} d history, {level:g}/h", test_day=WEDNESDAY,
            history_days=days, level=level, quiet="normal day, young database")  # fmt: skip
    for hour, level in ((12, 6.0), (2, 6.0)):
        add(f"small brand's burst at {hour:02d}:00, 3 d history, {level:g}/h", test_day=WEDNESDAY,
            history_days=3, level=level, incident=Shape.burst, onset_hour=hour)  # fmt: skip
        add(f"quiet twin of the small brand's burst at {hour:02d}:00, 3 d history, {level:g}/h",
            test_day=WEDNESDAY, history_days=3, level=level, quiet="normal day, young database")  # fmt: skip
    return plans


def runs(scenario: Scenario) -> list[RunRecord]:
    """The source's runs: every 15 minutes from the start, failing while it failed, none while paused."""
    found = []
    moment = scenario.start
    while moment < scenario.test_end:
        if not any(a <= moment < b for a, b in scenario.paused):
            failed = any(a <= moment < b for a, b in scenario.failing)
            found.append(RunRecord(moment, moment + timedelta(seconds=20), failed))
        moment += POLL
    return found


def scenarios(first_seed: int = 100) -> list[Scenario]:
    """The evaluation set, deterministic (other seeds draw other noise and incident sizes)."""
    return [build(plan) for plan in _plans(first_seed)]
