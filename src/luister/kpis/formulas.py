"""The KPI library (pure): every KPI luister computes from its own data, with its formula in words (Dutch
and English), a version string that changes whenever the arithmetic does, its unit and its 95 % interval
where one is honest to give.

Inputs are plain counts and sums (:class:`TopicSums` per topic, inbox figures as durations); reading them
is :mod:`luister.kpis.read`'s job. Intervals:

- a proportion (share of voice by mentions, SLA attainment, a positive share): Wilson's score interval;
- a share of summed weights (reach, engagement): the delta method, taking each topic's mentions as a
  compound Poisson process, so Var(Σw) = Σw²;
- net sentiment (P−N)/(P+U+N): the delta method for a difference of two multinomial shares; %P−%N: the
  MOVER interval (Zou & Donner) from the Wilson intervals of %P and %N with their multinomial
  correlation; (P−N)/(P+N) = 2q−1 with q = P/(P+N): Wilson's interval for q, mapped;
- a gap between two independent shares (our positive share against a competitor's): Newcombe's hybrid
  score interval (his method 10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile: a two-sided 95 % interval


class Unit(StrEnum):
    count = "count"  # type: ignore[assignment]  # str.count: the member wins, as in the StrEnum docs
    percent = "percent"  # 0–100
    points = "points"  # percentage points, −100–100
    ratio = "ratio"  # −1–1 or 0–1
    hours = "hours"
    days = "days"
    eur = "eur"
    position = "position"
    score = "score"


class Direction(StrEnum):
    up = "up"  # higher is better
    down = "down"  # lower is better


@dataclass(frozen=True, slots=True)
class Estimate:
    """A KPI value with its 95 % interval (``low``/``high`` None: no interval given) and the number of
    items it was computed from."""

    value: float | None
    low: float | None = None
    high: float | None = None
    n: int = 0
    parts: tuple[tuple[str, float | None], ...] = ()  # a breakdown: per competitor, direct/indirect, …


NOTHING = Estimate(None)


@dataclass(frozen=True, slots=True)
class Formula:
    key: str
    variant: str
    version: str
    unit: Unit
    source: str  # "mentions", "inbox" or "series"
    text: dict[str, str] = field(default_factory=dict)  # per language

    @property
    def name(self) -> str:
        return f"{self.key}:{self.variant}" if self.variant else self.key


@dataclass(frozen=True, slots=True)
class TopicSums:
    """What one topic's mentions in a period add up to."""

    mentions: int = 0
    reach: float = 0.0  # Σ author followers
    reach_squares: float = 0.0  # Σ followers²
    engagement: float = 0.0  # Σ likes + shares + replies
    engagement_squares: float = 0.0
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    def __add__(self, other: TopicSums) -> TopicSums:
        return TopicSums(*(a + b for a, b in zip(_fields(self), _fields(other), strict=True)))  # type: ignore[arg-type]


def _fields(sums: TopicSums) -> tuple[float, ...]:
    return (sums.mentions, sums.reach, sums.reach_squares, sums.engagement, sums.engagement_squares,
            sums.positive, sums.neutral, sums.negative)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DeflectionRates:
    """The settings service-cost deflection uses: the share of those who asked in public that would
    otherwise have contacted us (direct), how many others read each public answer and the share of them
    that then did not contact us (indirect), and what one contact costs."""

    cost_per_contact: float
    direct_rate: float
    readers_per_answer: float
    indirect_rate: float


# --- intervals ------------------------------------------------------------------------------------------


def wilson(k: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for the proportion k/n (n > 0)."""
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


# --- share of voice -------------------------------------------------------------------------------------


class SovWeight(StrEnum):
    mentions = "mentions"
    reach = "reach"
    engagement = "engagement"


def share_of_voice(ours: TopicSums, theirs: list[TopicSums], weight: SovWeight) -> Estimate:
    """Our share (percent) of the weight of our topic and the competitor topics together."""
    others = sum(theirs, TopicSums())
    n = ours.mentions + others.mentions
    parts = tuple((str(i), _weight(t, weight)[0]) for i, t in enumerate(theirs))
    if weight is SovWeight.mentions:
        if n == 0:
            return NOTHING
        low, high = wilson(ours.mentions, n)
        return Estimate(100 * ours.mentions / n, 100 * low, 100 * high, n, parts)
    a, a2 = _weight(ours, weight)
    b, b2 = _weight(others, weight)
    if a + b <= 0:
        return Estimate(None, n=n)
    share = a / (a + b)
    spread = Z95 * math.sqrt((b * b * a2 + a * a * b2) / (a + b) ** 4)
    return Estimate(
        100 * share, 100 * _clip(share - spread, 0, 1), 100 * _clip(share + spread, 0, 1), n, parts
    )


def _weight(sums: TopicSums, weight: SovWeight) -> tuple[float, float]:
    if weight is SovWeight.reach:
        return sums.reach, sums.reach_squares
    if weight is SovWeight.engagement:
        return sums.engagement, sums.engagement_squares
    return float(sums.mentions), float(sums.mentions)


# --- net sentiment --------------------------------------------------------------------------------------


class NetVariant(StrEnum):
    share = "share"  # (P−N)/(P+U+N), −1…1
    points = "points"  # %P − %N, percentage points
    polar = "polar"  # (P−N)/(P+N), −1…1, neutral left out


def net_sentiment(positive: int, neutral: int, negative: int, variant: NetVariant) -> Estimate:
    """Net sentiment of analysed mentions (P positive, U neutral, N negative) in the named variant."""
    total = positive + neutral + negative
    if variant is NetVariant.polar:
        polar = positive + negative
        if polar == 0:
            return Estimate(None, n=total)
        low, high = wilson(positive, polar)
        return Estimate((positive - negative) / polar, 2 * low - 1, 2 * high - 1, polar)
    if total == 0:
        return NOTHING
    p, q = positive / total, negative / total
    d = p - q
    if variant is NetVariant.share:
        spread = Z95 * math.sqrt(max(0.0, p + q - d * d) / total)
        return Estimate(d, _clip(d - spread, -1, 1), _clip(d + spread, -1, 1), total)
    lp, up = wilson(positive, total)
    lq, uq = wilson(negative, total)
    r = 0.0 if p in (0, 1) or q in (0, 1) else -math.sqrt(p * q / ((1 - p) * (1 - q)))
    below = math.sqrt(max(0.0, (p - lp) ** 2 + (uq - q) ** 2 - 2 * r * (p - lp) * (uq - q)))
    above = math.sqrt(max(0.0, (up - p) ** 2 + (q - lq) ** 2 - 2 * r * (up - p) * (q - lq)))
    return Estimate(100 * d, 100 * max(-1.0, d - below), 100 * min(1.0, d + above), total)


def positive_share(sums: TopicSums) -> Estimate:
    """The share (percent) of analysed mentions that are positive, with Wilson's interval."""
    total = sums.positive + sums.neutral + sums.negative
    if total == 0:
        return NOTHING
    low, high = wilson(sums.positive, total)
    return Estimate(100 * sums.positive / total, 100 * low, 100 * high, total)


def positive_gap(ours: TopicSums, theirs: TopicSums) -> Estimate:
    """Our positive share minus theirs, in percentage points, with Newcombe's hybrid score interval."""
    n1 = ours.positive + ours.neutral + ours.negative
    n2 = theirs.positive + theirs.neutral + theirs.negative
    if n1 == 0 or n2 == 0:
        return Estimate(None, n=n1 + n2)
    p1, p2 = ours.positive / n1, theirs.positive / n2
    l1, u1 = wilson(ours.positive, n1)
    l2, u2 = wilson(theirs.positive, n2)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Estimate(100 * d, 100 * low, 100 * high, n1 + n2)


def positive_against(ours: TopicSums, competitors: list[tuple[str, TopicSums]]) -> Estimate:
    """The gap against the competitors' mentions pooled, with the gap against each one as ``parts``."""
    pooled = positive_gap(ours, sum((s for _, s in competitors), TopicSums()))
    parts = tuple((name, positive_gap(ours, s).value) for name, s in competitors)
    return Estimate(pooled.value, pooled.low, pooled.high, pooled.n, parts)


# --- the inbox, leads and costs -------------------------------------------------------------------------


def hours(value: timedelta | None, n: int = 0) -> Estimate:
    """A duration (counted business time) in hours."""
    return Estimate(None if value is None else value.total_seconds() / 3600, n=n)


def attainment(met: int, decided: int) -> Estimate:
    """SLA targets met in time as a percentage of decided targets, with Wilson's interval."""
    if decided == 0:
        return NOTHING
    low, high = wilson(met, decided)
    return Estimate(100 * met / decided, 100 * low, 100 * high, decided)


class DeflectionPart(StrEnum):
    direct = "direct"
    indirect = "indirect"
    total = "total"


def deflection(answered: int, rates: DeflectionRates, part: DeflectionPart) -> Estimate:
    """Service cost saved (EUR) by questions answered in public: direct = answered × direct rate × cost per
    contact; indirect = answered × readers per answer × indirect rate × cost per contact."""
    direct = answered * rates.direct_rate * rates.cost_per_contact
    indirect = answered * rates.readers_per_answer * rates.indirect_rate * rates.cost_per_contact
    value = {DeflectionPart.direct: direct, DeflectionPart.indirect: indirect}.get(part, direct + indirect)
    return Estimate(value, n=answered, parts=(("direct", direct), ("indirect", indirect)))


def cost_per_lead(spend: float, leads: int) -> Estimate:
    """Spend (EUR) divided by the leads in the period; none without leads."""
    return Estimate(spend / leads if leads else None, n=leads)
