"""Splitting an outcome over the projects that touched it: the rule-based models as Google Ads defines
them, and Shapley values over overlapping projects. Pure: no I/O, no clock.

Rule-based models (Google Ads, "About attribution models") split each conversion over its touchpoints,
ordered by time:

* **linear** — equal credit to every touchpoint;
* **time decay** — credit halves for every ``half_life`` (7 days) a touchpoint lies before the conversion;
* **position-based** — 40 % to the first and 40 % to the last touchpoint, the other 20 % split evenly over
  those in between (one touchpoint: all of it; two: half each).

They only *distribute* what happened; they say nothing about what would have happened without a project.
That question is :mod:`luister.kpis.causal`'s. Shapley values sit between the two: given a value function
``v(S)`` — the outcome with only coalition ``S`` of projects active — a project's Shapley value is its
marginal contribution averaged over every order in which the projects could have joined. They are the only
split that is efficient (the values add up to ``v(all) − v(∅)``), symmetric, and gives nothing to a project
that adds nothing. Exact enumeration (``2^n`` coalitions) up to :data:`MAX_SHAPLEY_PLAYERS`.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

HALF_LIFE = timedelta(days=7)
MAX_SHAPLEY_PLAYERS = 10
FIRST_SHARE = 0.4
LAST_SHARE = 0.4

P = TypeVar("P", bound=Hashable)


class Rule(enum.StrEnum):
    linear = "linear"
    time_decay = "time_decay"
    position = "position"


@dataclass(frozen=True)
class Touchpoint:
    """One exposure to a project before a conversion (a mention, a sign-up, a day's KPI value): ``at`` its
    latest touch (time decay counts from there), ``first`` its first (position orders by it; ``at`` if
    not given)."""

    project: int
    at: datetime
    first: datetime | None = None


def _ordered(touchpoints: Iterable[Touchpoint]) -> list[Touchpoint]:
    return sorted(touchpoints, key=lambda t: (t.first or t.at, t.project))


def _collect(weights: Iterable[tuple[int, float]]) -> dict[int, float]:
    out: dict[int, float] = {}
    for project, weight in weights:
        out[project] = out.get(project, 0.0) + weight
    return out


def linear(touchpoints: Sequence[Touchpoint], value: float = 1.0) -> dict[int, float]:
    """Equal credit per touchpoint (a project touching twice gets two shares)."""
    if not touchpoints:
        return {}
    share = value / len(touchpoints)
    return _collect((t.project, share) for t in touchpoints)


def time_decay(
    touchpoints: Sequence[Touchpoint], converted_at: datetime, value: float = 1.0,
    half_life: timedelta = HALF_LIFE,
) -> dict[int, float]:  # fmt: skip
    """Credit ∝ ``2^(−age / half_life)``, the age being the time from touchpoint to conversion (a
    touchpoint after the conversion counts as age 0)."""
    if not touchpoints:
        return {}
    if half_life <= timedelta(0):
        raise ValueError("the half-life must be positive")
    raw = [
        (t.project, 2.0 ** (-max(converted_at - t.at, timedelta(0)) / half_life)) for t in touchpoints
    ]  # fmt: skip
    total = math.fsum(w for _, w in raw)
    return _collect((p, value * w / total) for p, w in raw)


def position_based(touchpoints: Sequence[Touchpoint], value: float = 1.0) -> dict[int, float]:
    """40 % first, 40 % last, 20 % evenly over the middle (Google Ads' position-based model)."""
    ordered = _ordered(touchpoints)
    n = len(ordered)
    if n == 0:
        return {}
    if n == 1:
        return {ordered[0].project: value}
    if n == 2:
        return _collect((t.project, value / 2) for t in ordered)
    middle = (1.0 - FIRST_SHARE - LAST_SHARE) / (n - 2)
    shares = [FIRST_SHARE] + [middle] * (n - 2) + [LAST_SHARE]
    return _collect((t.project, value * s) for t, s in zip(ordered, shares, strict=True))


def split(
    rule: Rule, touchpoints: Sequence[Touchpoint], converted_at: datetime, value: float = 1.0
) -> dict[int, float]:
    """One conversion's credit under ``rule``."""
    if rule is Rule.linear:
        return linear(touchpoints, value)
    if rule is Rule.time_decay:
        return time_decay(touchpoints, converted_at, value)
    return position_based(touchpoints, value)


def attribute(
    rule: Rule, conversions: Iterable[tuple[datetime, float, Sequence[Touchpoint]]]
) -> dict[int, float]:
    """Sum ``rule``'s credit over many conversions ``(at, value, touchpoints)``; conversions without a
    touchpoint stay unattributed (they are not in the result)."""
    total: dict[int, float] = {}
    for at, value, touchpoints in conversions:
        for project, credit in split(rule, touchpoints, at, value).items():
            total[project] = total.get(project, 0.0) + credit
    return total


def shapley(players: Sequence[P], v: Callable[[frozenset[P]], float]) -> dict[P, float]:
    """Exact Shapley values of ``players`` in the game ``v`` (``v`` is called once per coalition).

    φ_i = Σ_{S ⊆ N∖{i}} |S|! (n−|S|−1)! / n! · (v(S ∪ {i}) − v(S))."""
    n = len(players)
    if len(set(players)) != n:
        raise ValueError("players must be distinct")
    if n > MAX_SHAPLEY_PLAYERS:
        raise ValueError(f"exact Shapley values are for at most {MAX_SHAPLEY_PLAYERS} projects, not {n}")
    worth: dict[frozenset[P], float] = {}
    for size in range(n + 1):
        for combo in itertools.combinations(players, size):
            coalition = frozenset(combo)
            worth[coalition] = float(v(coalition))
    weight = [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)]
    values: dict[P, float] = {}
    for player in players:
        terms = [
            weight[len(coalition)] * (worth[coalition | {player}] - worth[coalition])
            for coalition in worth
            if player not in coalition
        ]
        values[player] = math.fsum(terms)
    return values


def shapley_weights(players: Sequence[P], terms: Mapping[frozenset[P], float]) -> dict[P, float]:
    """Shapley values of a game given as a sum of interaction terms ``v(S) = Σ_{T ⊆ S} terms[T]`` (a
    project's own effect is a one-element ``T``, an overlap's extra effect a pair): each term is shared
    equally by its members (the Harsanyi dividend), which equals :func:`shapley` on that game."""
    out: dict[P, float] = dict.fromkeys(players, 0.0)
    for members, amount in terms.items():
        if not members:
            continue
        for p in members:
            out[p] += amount / len(members)
    return out
