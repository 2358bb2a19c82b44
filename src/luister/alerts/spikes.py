"""The spike detector: hourly counts against the local daily and weekly rhythm (pure; ``now`` is the
series' end).

The expected count for an hour blends the same local hour on earlier days of the same kind (weekdays
with weekdays, weekends with weekends; trimmed, so one earlier incident does not raise the bar) and
the same hour of the week on earlier weeks, with a prior: the topic's own level times the shape of
the day learnt from all mentions. With little history the prior weighs more and the test allows for
the uncertainty of the expectation; below ``min_history`` known hours nothing is judged. Hours
without data (before the first data, or while sources were failing or paused) are *unknown*: they are
left out, never taken for silence.

Two tests, neither of which lets the hours it judges teach the baseline:

- a *burst*: one hour improbably high for its expectation (negative binomial, the over-dispersion
  learnt from the series' own past), at least ``min_count`` mentions and ``min_ratio`` × expected;
- a *rise*: a scan over the last ``window`` hours: the excess of hours ``s..now`` over their expectation,
  standardised by the variance of that sum (each hour's noise, plus the expectation's uncertainty taken
  as shared by the hours), for slowly building incidents that no single hour gives away. The baseline's
  recent level is taken from the day *before* that window (a lag), so a rise cannot absorb itself.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

HOUR = timedelta(hours=1)


class Pattern(StrEnum):
    burst = "burst"  # one hour far above the expected count
    rise = "rise"  # several hours above it, building up


class NotJudged(StrEnum):
    unknown = "unknown"  # no data for the hour (sources failing or paused, or before the first data)
    history = "history"  # too little known history before it


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    """``sensitivity`` is the burst test's p-value threshold: lower fires less."""

    sensitivity: float = 0.0005
    min_count: int = 10  # never fire on fewer mentions in the hour (the absolute floor)
    min_ratio: float = 2.3  # a burst is at least this multiple of the expected count
    days: int = 7  # same local hour on this many earlier days of the same kind
    weeks: int = 4  # same hour of the week on this many earlier weeks
    min_history: int = 24  # known hours needed before an hour is judged
    window: int = 12  # hours a rise is followed; the baseline's recent level lags this much
    prior_weight: float = 2.0  # the prior (level × shape of the day) counts as this many earlier days
    dispersion: float = 0.1  # prior over-dispersion (variance = μ + d·μ²), refined from the series
    rise_z: float = 4.0  # a rise: the standardised excess of its hours together reaches this
    rise_ratio: float = 1.4  # and the rise's hours together at least this multiple of expected
    sharp_ratio: float = 3.0  # a burst this many times the expected count may be ``sharp_factor`` times
    sharp_factor: float = 2.0  # … as probable as ``sensitivity`` allows (small counts: a 3× hour of 10)


@dataclass(frozen=True, slots=True)
class SpikeCheck:
    observed: int
    expected: float
    p_value: float
    is_spike: bool
    pattern: Pattern | None = None
    history: int = 0  # known hours before this one
    rise_hours: int = 0  # hours the rise has been building (for a rise)
    not_judged: NotJudged | None = None


@dataclass(frozen=True, slots=True)
class HourlySeries:
    """Counts per hour, oldest first, with which hours are known and each hour's local clock.

    ``reference``: all mentions in the same hours (the shape of the day comes from it; the series itself
    when omitted).
    """

    counts: Sequence[int]
    known: Sequence[bool]
    hour_of_day: Sequence[int]
    weekday: Sequence[int]  # 0 = Monday
    reference: Sequence[int] | None = None

    @classmethod
    def plain(cls, counts: Sequence[int], known: Sequence[bool] | None = None) -> HourlySeries:
        """A series whose first hour starts on a Monday at midnight, every hour known unless told."""
        n = len(counts)
        return cls(counts, known if known is not None else [True] * n, [i % 24 for i in range(n)],
                   [(i // 24) % 7 for i in range(n)])  # fmt: skip

    @classmethod
    def at(
        cls,
        counts: Sequence[int],
        known: Sequence[bool],
        *,
        start: datetime,
        zone: tzinfo,
        reference: Sequence[int] | None = None,
    ) -> HourlySeries:
        """Hour ``i`` starts at ``start + i`` hours; its clock is read in ``zone`` (so the rhythm follows
        local time through daylight saving changes)."""
        local = [(start + i * HOUR).astimezone(zone) for i in range(len(counts))]
        return cls(counts, known, [t.hour for t in local], [t.weekday() for t in local], reference)


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


RISE_HOURLY = 1.2  # a rise: each of its last three hours at least this multiple of expected
SHARE_PRIOR, SHARE_PSEUDO = 0.2, 20.0  # a part's share starts at 20 % (as if from 20 mentions)
PRIOR_ERROR = 0.1  # relative variance of the prior expectation (the day's shape is an approximation)
SHAPE_PSEUDO = 5.0  # mentions: the shape of the day starts flat and learns from the reference counts
LEVEL_HOURS = 24  # the recent level is the median ratio over the day before the rise window
LEVEL_SHIFT = 1.5  # … and counts from this ratio on
TODAY_HOURS = 6  # a burst's expectation follows how the last hours ran, when they ran busier
WEEKDAY_WEIGHT = 0.5  # the same weekday's share of the direct estimate (half that from a single week)
KIND_PSEUDO = 12.0  # hours: the level of a kind of day starts at the level of all days
DISPERSION_PSEUDO = 48  # hours: the learnt over-dispersion starts at the prior


@dataclass(slots=True)
class _Hour:
    expected: float  # before the recent level
    comparables: int  # earlier days that went into it
    dispersion: float  # over-dispersion for the test, the expectation's uncertainty included
    history: int  # known hours before it


class Detector:
    """Expectations for every hour of ``series`` (computed once), and the tests for any hour."""

    def __init__(
        self,
        series: HourlySeries,
        settings: SpikeSettings | None = None,
        *,
        share_of: Detector | None = None,
    ) -> None:
        """``share_of``: the detector of the counts ``series`` is a part of (negative mentions of all the
        topic's mentions, over the same hours).
        The part is then expected as its usual share of the whole's expectation: the whole has more
        mentions, so its rhythm is learnt sooner, and a jump in the share itself stands out."""
        self.series = s = series
        self.settings = settings or SpikeSettings()
        n = len(s.counts)
        self._by_hour: list[list[int]] = [[] for _ in range(24)]  # known indices per local hour
        for i in range(n):
            if s.known[i]:
                self._by_hour[s.hour_of_day[i]].append(i)
        self._hours: list[_Hour] = []
        self._level: list[float] = []
        if share_of is None:
            reference = s.reference if s.reference is not None else s.counts
            self._prefix = [_Prefix(idx, s.counts, reference) for idx in self._by_hour]
            self._prefix_kind = [  # the same, for weekdays and for weekend days apart
                [_Prefix([j for j in idx if (s.weekday[j] >= 5) == weekend], s.counts, reference)
                 for idx in self._by_hour]
                for weekend in (False, True)
            ]  # fmt: skip
            known_before = 0
            for i in range(n):
                self._hours.append(self._expect(i, known_before))
                known_before += bool(s.known[i])
            self._level = [self._recent_level(i) for i in range(n)]
        else:
            self._expect_share(share_of)
        self._dispersion = self._learn_dispersion()

    def _expect_share(self, whole: Detector) -> None:
        s = self.series
        whole_counts = whole.series.counts
        part_total = whole_total = 0.0
        totals: list[tuple[float, float]] = []
        for i in range(len(s.counts)):
            totals.append((part_total, whole_total))
            if s.known[i]:
                part_total += s.counts[i]
                whole_total += whole_counts[i]
        for i in range(len(s.counts)):
            part, all_ = totals[max(0, i - self.settings.window)]
            share = (part + SHARE_PSEUDO * SHARE_PRIOR) / (all_ + SHARE_PSEUDO)
            hour = whole._hours[i]
            self._hours.append(
                _Hour(share * whole.expected(i), hour.comparables, hour.dispersion, hour.history)
            )
        self._level = [1.0] * len(s.counts)

    # --- expectation ---------------------------------------------------------------------------------

    def _expect(self, i: int, history: int) -> _Hour:
        s, settings = self.series, self.settings
        cutoff = i - settings.window  # the prior learns from hours before the rise window only
        prior = self._prior(i, cutoff)
        same_kind, same_weekday = self._comparables(i)
        n = len(same_kind)
        k = settings.prior_weight if prior is not None else 0.0
        if n == 0 and prior is None:
            return _Hour(0.0, 0, settings.dispersion + PRIOR_ERROR, history)
        direct = _trimmed_mean([s.counts[j] for j in same_kind]) if n else 0.0
        if same_weekday and n:  # the same weekday (a Monday morning) counts half from two weeks on
            weight = WEEKDAY_WEIGHT * min(len(same_weekday), 2) / 2
            direct = (1 - weight) * direct + weight * _median([s.counts[j] for j in same_weekday])
        expected = (n * direct + k * (prior or 0.0)) / (n + k)
        # the variance of a weighted mean: each part's relative variance times its weight squared
        direct_error = 1.0 / max(expected, 1.0) + settings.dispersion
        uncertainty = (n * direct_error + PRIOR_ERROR * k * k) / (n + k) ** 2
        return _Hour(expected, n, uncertainty, history)

    def _comparables(self, i: int) -> tuple[list[int], list[int]]:
        """Earlier known hours at the same local hour: of the same kind of day (weekday/weekend), and of
        the same weekday; at least 20 hours back (earlier days, daylight saving shifts included)."""
        s, settings = self.series, self.settings
        candidates = self._by_hour[s.hour_of_day[i]]
        weekend = s.weekday[i] >= 5
        same_kind: list[int] = []
        same_weekday: list[int] = []
        for j in reversed(candidates[: bisect_left(candidates, i - 20 + 1)]):
            if (s.weekday[j] >= 5) == weekend and len(same_kind) < settings.days:
                same_kind.append(j)
            if s.weekday[j] == s.weekday[i] and i - j >= 160 and len(same_weekday) < settings.weeks:
                same_weekday.append(j)
            if len(same_kind) >= settings.days and len(same_weekday) >= settings.weeks:
                break
            if i - j > 168 * (settings.weeks + 1):
                break
        return same_kind, same_weekday

    def _prior(self, i: int, cutoff: int) -> float | None:
        """The series' own level times the shape of the day (from the reference), from known hours
        before ``cutoff``; ``None`` without any."""
        sums = [p.before(cutoff) for p in self._prefix]  # (hours, series total, reference total) per hour
        hours = sum(h for h, _, _ in sums)
        if hours == 0:
            return None
        ref_mean = sum(r for _, _, r in sums) / hours
        # each hour with its neighbours (1:2:1, night hours are alike), starting flat
        smooth = [(sums[h - 1][0] + 2 * sums[h][0] + sums[(h + 1) % 24][0],
                   sums[h - 1][2] + 2 * sums[h][2] + sums[(h + 1) % 24][2]) for h in range(24)]  # fmt: skip
        shapes = [(r + SHAPE_PSEUDO) / (h * ref_mean + SHAPE_PSEUDO) if ref_mean > 0 else 1.0
                  for h, r in smooth]  # fmt: skip
        weight = sum(h * shape for (h, _, _), shape in zip(sums, shapes, strict=True))
        level = sum(t for _, t, _ in sums) / weight if weight else 0.0
        # the level on days of the same kind (weekdays are busier than weekends), shrunk toward the level
        # of all days while few such hours are known
        kind = [p.before(cutoff) for p in self._prefix_kind[self.series.weekday[i] >= 5]]
        kind_hours = sum(h for h, _, _ in kind)
        kind_weight = sum(h * shape for (h, _, _), shape in zip(kind, shapes, strict=True))
        if kind_weight:
            kind_level = sum(t for _, t, _ in kind) / kind_weight
            level = (kind_hours * kind_level + KIND_PSEUDO * level) / (kind_hours + KIND_PSEUDO)
        return level * shapes[self.series.hour_of_day[i]]

    def _recent_level(self, i: int) -> float:
        """How the day before the rise window ran against its expectation: the median hourly ratio (an
        incident of a few hours does not move it). Only a clear shift counts (a campaign that doubled the
        volume since yesterday, at least ``LEVEL_SHIFT``): ordinary days vary, and a level that follows
        them would make quiet days look quieter and busy ones busier."""
        end = i - self.settings.window
        ratios = [
            (self.series.counts[j] + 1.0) / (self._hours[j].expected + 1.0)
            for j in range(max(0, end - LEVEL_HOURS), max(0, end))
            if self.series.known[j] and self._hours[j].comparables >= 3
        ]
        if len(ratios) < LEVEL_HOURS * 3 // 4:
            return 1.0
        level = _median(ratios)
        return min(level, 2.0) if level >= LEVEL_SHIFT else 1.0

    def _learn_dispersion(self) -> list[float]:
        """The over-dispersion from each hour's past (before the rise window): method of moments on
        winsorised residuals, shrunk toward the prior. ``result[i]`` is what hour ``i`` may use."""
        s, settings = self.series, self.settings
        excess = squares = used = 0.0
        learnt_upto: list[tuple[float, float, float]] = []
        for j in range(len(s.counts)):
            learnt_upto.append((excess, squares, used))
            mean = self.expected(j)
            if not s.known[j] or mean < 0.5 or self._hours[j].comparables == 0:
                continue
            cap = 4.0 * math.sqrt(mean + 0.25 * mean * mean) + 1.0
            uncertainty = self._hours[j].dispersion * mean * mean  # the expectation's own error
            excess += min((s.counts[j] - mean) ** 2, cap * cap) - mean - uncertainty
            squares += mean * mean
            used += 1
        result = []
        for i in range(len(s.counts)):
            excess, squares, used = learnt_upto[max(0, i - settings.window)]
            learnt = max(excess / squares, 0.0) if squares else settings.dispersion
            shrunk = (used * learnt + DISPERSION_PSEUDO * settings.dispersion) / (used + DISPERSION_PSEUDO)
            result.append(min(max(shrunk, 0.01), 1.0))
        return result

    # --- the tests -----------------------------------------------------------------------------------

    def expected(self, i: int) -> float:
        return max(self._hours[i].expected * self._level[i], 0.0)

    def _variance_factor(self, i: int) -> float:
        return self._dispersion[i] + self._hours[i].dispersion

    def check(self, i: int) -> SpikeCheck:
        """Whether hour ``i`` is a burst, or the latest hour of a rise."""
        s, settings = self.series, self.settings
        observed = int(s.counts[i])
        history = self._hours[i].history
        expected = self.expected(i)
        if not s.known[i]:
            return SpikeCheck(observed, round(expected, 2), 1.0, False, None, history, 0, NotJudged.unknown)
        if history < settings.min_history:
            return SpikeCheck(observed, round(expected, 2), 1.0, False, None, history, 0, NotJudged.history)
        p_value = negative_binomial_tail(observed, expected, self._variance_factor(i))
        if self._burst(i, p_value):
            return SpikeCheck(observed, round(expected, 2), p_value, True, Pattern.burst, history)
        rise = self._rise(i)
        pattern = Pattern.rise if rise else None
        return SpikeCheck(observed, round(expected, 2), p_value, bool(rise), pattern, history, rise)

    def _today(self, i: int) -> float:
        """How the hours just before ``i`` ran against their expectation (the median ratio, from 1 to 2):
        a burst is judged against a day that runs busier than expected, never a quieter one."""
        s = self.series
        ratios = [(s.counts[j] + 1.0) / (self.expected(j) + 1.0)
                  for j in range(max(0, i - TODAY_HOURS), i) if s.known[j]]  # fmt: skip
        if len(ratios) < TODAY_HOURS // 2:
            return 1.0
        return min(max(_median(ratios), 1.0), 2.0)

    def _burst(self, i: int, p_value: float | None = None) -> bool:
        s, settings = self.series, self.settings
        observed, expected = s.counts[i], self.expected(i) * self._today(i)
        if observed < settings.min_count or observed < settings.min_ratio * max(expected, 1.0):
            return False  # cheap checks first: the tail is summed term by term
        if p_value is None or expected != self.expected(i):
            p_value = negative_binomial_tail(observed, expected, self._variance_factor(i))
        if observed >= settings.sharp_ratio * max(expected, 1.0):
            return p_value < settings.sharp_factor * settings.sensitivity
        return p_value < settings.sensitivity

    def _rise(self, i: int) -> int:
        """The hours of a rise ending at ``i`` (0: none), a scan over the window: for each start ``s``
        (after the last burst and the last unknown hour; what follows a burst belongs to that incident)
        the excess of hours ``s..i`` over their expectation, standardised by the variance of that sum.
        The variance holds each hour's own noise and the expectation's uncertainty, taken as *shared* by
        the hours (a day's level that was misjudged is misjudged in every hour), so an ordinary busier
        day does not add up to a rise the way independent hours would."""
        s, settings = self.series, self.settings
        if not self._building(i):
            return 0
        excess = noise = expected = 0.0
        shared = 0.0
        best = 0
        for j in range(i, max(-1, i - settings.window), -1):
            if not s.known[j] or self._hours[j].history < settings.min_history or (j < i and self._burst(j)):
                break
            mean = self.expected(j)
            excess += s.counts[j] - mean
            noise += mean + self._dispersion[j] * mean * mean
            expected += mean
            shared = max(shared, self._hours[j].dispersion)
            z = excess / math.sqrt(max(noise + shared * expected * expected, 1.0))
            if i - j >= 2 and z >= settings.rise_z and excess >= settings.min_count:
                best = i - j + 1
        return best

    def _building(self, i: int) -> bool:
        """A rise is still building: each of its last three hours above the expectation by
        ``RISE_HOURLY`` and the latest by ``rise_ratio``."""
        s, settings = self.series, self.settings
        if i < 2 or s.counts[i] < settings.rise_ratio * self.expected(i):
            return False
        return all(s.known[j] and s.counts[j] >= RISE_HOURLY * self.expected(j) for j in range(i - 2, i + 1))


class _Prefix:
    """Running totals over the known hours of one local hour of the day, to ask 'before index i'."""

    __slots__ = ("indices", "references", "totals")

    def __init__(self, indices: list[int], counts: Sequence[int], reference: Sequence[int]) -> None:
        self.indices = indices
        self.totals: list[float] = [0.0]
        self.references: list[float] = [0.0]
        for j in indices:
            self.totals.append(self.totals[-1] + counts[j])
            self.references.append(self.references[-1] + reference[j])

    def before(self, cutoff: int) -> tuple[int, float, float]:
        k = bisect_left(self.indices, cutoff)
        return k, self.totals[k], self.references[k]


def _trimmed_mean(values: Sequence[float]) -> float:
    """The mean without the largest and smallest value (from four values on; the median of three): one
    earlier incident or outage is ignored, and the estimate stays unbiased."""
    ordered = sorted(values)
    if len(ordered) == 3:
        return float(ordered[1])
    kept = ordered[1:-1] if len(ordered) >= 4 else ordered
    return float(sum(kept) / len(kept))


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def check_hour(counts: Sequence[int], hour: int, settings: SpikeSettings | None = None) -> SpikeCheck:
    """Whether hour ``hour`` of a plain series (Monday midnight first, all known) is a spike."""
    return Detector(HourlySeries.plain(counts), settings or SpikeSettings()).check(hour)


def seasonal_expectation(counts: Sequence[int], hour: int, settings: SpikeSettings | None = None) -> float:
    """The expected count at index ``hour`` of a plain series, from the hours before it only."""
    return Detector(HourlySeries.plain(counts[: hour + 1]), settings or SpikeSettings()).expected(hour)


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
    return 168 * (settings.weeks + 1) + settings.window + LEVEL_HOURS
