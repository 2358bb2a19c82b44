"""Each project's causal lift on a daily KPI series, with an interval, and a placebo check. Pure (numpy and
scipy only; no I/O, no clock).

Method — an interrupted time-series regression with control series, the static-regression form of
CausalImpact (Brodersen et al., 2015), extended to several overlapping projects:

    y_t = α + β·t + Σ_d s_d·[weekday_t = d] + Σ_k θ_k·x_{k,t}            (the counterfactual baseline)
          + Σ_i δ_i·a_{i,t} + Σ_{i<j} γ_ij·a_{i,t}·a_{j,t} + u_t,     u_t = ρ·u_{t−1} + ε_t

``a_{i,t}`` is 1 while project ``i`` runs; ``x_k`` are control series the projects should not move — the
competitors' topics luister tracks — which carry the market's own ups and downs (news, season, an outage
elsewhere) the way the comparison group does in a difference-in-differences; with the trend and weekday
terms they predict what the KPI would have done without the projects. ``δ_i`` is a project's own lift per
day; ``γ_ij`` the extra (or lost) lift per day while two projects run together, estimated only where the
pair overlaps and each also ran without the other (otherwise the two cannot be told apart, and we say so).
The AR(1) errors' ρ is estimated by restricted maximum likelihood and the model fitted by Prais–Winsten
GLS, so that days that resemble each other are not counted as independent evidence; intervals use
Student's t on the GLS covariance.

From the coefficients, for the projects as they actually ran:

* **lift** — what the KPI would have lost without project ``i``: ``Σ_t a_{i,t}·(δ_i + Σ_j γ_ij·a_{j,t})``;
* **Shapley value** — the game ``v(S)`` = the lift with only coalition ``S`` active, whose Shapley value
  shares each overlap's extra effect equally between the pair: ``δ_i·days_i + Σ_j γ_ij·overlap_ij / 2``.

Both are linear in the coefficients, so their intervals follow exactly from the covariance.

**Placebo check**: the same model is fitted on the campaign-free days before the first project, with every
project's window moved back by the span of the campaigns (same lengths, same overlaps). No project ran
then, so the true lift is zero; the placebo's interval should contain it. The placebo intervals of the ``k``
projects are Bonferroni-adjusted (each at ``1 − 0.05/k``), so that a sound model raises a false alarm for
any of them in at most 5 % of cases. A placebo that does not contain zero says the baseline model does not
hold for this KPI: do not trust the estimate beside it.

Limits, said plainly: the controls must really be untouched by the projects (a campaign that also moves a
competitor's topic biases its lift towards zero); effects are taken as constant per day while a project
runs (a ramp-up or lasting after-effect is averaged); and a project that always ran together with another
cannot be separated from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

Array = NDArray[np.float64]
MIN_OVERLAP_DAYS = 7  # an overlap shorter than this gets no separate term (too little to estimate it)
MIN_BASELINE_DAYS = 28  # campaign-free days the placebo fit needs besides the moved windows
PLACEBO_FAMILY_LEVEL = 0.95


@dataclass(frozen=True)
class Window:
    """A project's run: ``start`` to ``end``, both days included."""

    project: int
    start: date
    end: date


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    level: float

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high


@dataclass(frozen=True)
class ProjectLift:
    project: int
    days: int  # days it ran within the series
    per_day: Estimate  # δ_i: its own lift per day
    lift: Estimate  # what the KPI would have lost without it
    shapley: Estimate  # its Shapley share of the projects' joint lift
    placebo: Estimate | None  # the same lift, on moved windows in campaign-free days (truth: zero)


@dataclass(frozen=True)
class LiftReport:
    projects: list[ProjectLift]
    rho: float  # the errors' estimated autocorrelation
    pairs: list[tuple[int, int]]  # overlaps with their own term
    merged_overlaps: list[tuple[int, int]]  # overlaps too short (or too complete) for their own term
    placebo_note: str | None  # why there is no placebo, when there is none
    n_days: int
    n_controls: int


@dataclass(frozen=True)
class _Fit:
    beta: Array
    cov: Array
    df: int
    rho: float


def _active(days: Sequence[date], window: Window) -> Array:
    return np.array([1.0 if window.start <= d <= window.end else 0.0 for d in days])


def _baseline(days: Sequence[date], controls: Array) -> Array:
    n = len(days)
    t = np.arange(n, dtype=np.float64) / max(n - 1, 1)
    weekday = np.array([d.weekday() for d in days])
    columns = [np.ones(n), t]
    columns += [(weekday == w).astype(np.float64) for w in range(1, 7) if np.any(weekday == w)]
    columns += [controls[:, k] for k in range(controls.shape[1])]
    return np.column_stack(columns)


def _prais_winsten(y: Array, x: Array) -> _Fit:
    """GLS with AR(1) errors: ρ by restricted maximum likelihood (REML, which unlike the residuals'
    autocorrelation is not biased towards zero by the regressors), then Prais–Winsten at that ρ."""
    n, p = x.shape
    if np.linalg.matrix_rank(x) < p:
        raise ValueError("the projects cannot be told apart from each other or from the baseline")
    df = n - p - 1  # one more for ρ
    if df < 5:
        raise ValueError("too few days for this many projects and controls")

    def minus_reml(rho: float) -> float:
        ys, xs = _transform(y, x, rho)
        beta = np.linalg.lstsq(xs, ys, rcond=None)[0]
        resid = ys - xs @ beta
        rss = max(float(resid @ resid), 1e-300)
        logdet = np.linalg.slogdet(xs.T @ xs)[1]
        return float(0.5 * ((n - p) * np.log(rss / (n - p)) - np.log(1.0 - rho * rho) + logdet))

    rho = float(optimize.minimize_scalar(minus_reml, bounds=(-0.95, 0.95), method="bounded").x)
    ys, xs = _transform(y, x, rho)
    beta = np.asarray(np.linalg.lstsq(xs, ys, rcond=None)[0], dtype=np.float64)
    resid = ys - xs @ beta
    sigma2 = float(resid @ resid) / df
    cov = sigma2 * np.linalg.inv(xs.T @ xs)
    return _Fit(beta=beta, cov=cov, df=df, rho=rho)


def _transform(y: Array, x: Array, rho: float) -> tuple[Array, Array]:
    scale = np.sqrt(1.0 - rho * rho)
    ys = np.concatenate([[y[0] * scale], y[1:] - rho * y[:-1]])
    xs = np.vstack([x[:1] * scale, x[1:] - rho * x[:-1]])
    return ys, xs


def _interval(fit: _Fit, c: Array, level: float) -> Estimate:
    value = float(c @ fit.beta)
    se = float(np.sqrt(max(float(c @ fit.cov @ c), 0.0)))
    q = float(stats.t.ppf(0.5 + level / 2, fit.df))
    return Estimate(value=value, low=value - q * se, high=value + q * se, level=level)


def _pairs(acts: Sequence[Array]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    own, merged = [], []
    for i in range(len(acts)):
        for j in range(i + 1, len(acts)):
            both = float(acts[i] @ acts[j])
            if both == 0:
                continue
            alone_i = float(acts[i].sum()) - both
            alone_j = float(acts[j].sum()) - both
            if both >= MIN_OVERLAP_DAYS and min(alone_i, alone_j) >= MIN_OVERLAP_DAYS:
                own.append((i, j))
            else:
                merged.append((i, j))
    return own, merged


def _fit_projects(
    days: Sequence[date], y: Array, controls: Array, windows: Sequence[Window], level: float
) -> tuple[_Fit, list[tuple[int, int]], list[tuple[int, int]], list[tuple[Array, Array, Array, int]]]:
    """Fit the model; per project the coefficient vectors (δ_i, lift, Shapley) and its days."""
    base = _baseline(days, controls)
    acts = [_active(days, w) for w in windows]
    candidates, merged = _pairs(acts)
    x = np.column_stack([base, *acts])
    own: list[tuple[int, int]] = []
    for i, j in candidates:  # an overlap term only where it can be told apart from what is there already
        wider = np.column_stack([x, acts[i] * acts[j]])
        if np.linalg.matrix_rank(wider) == wider.shape[1]:
            x, own = wider, [*own, (i, j)]
        else:
            merged.append((i, j))
    fit = _prais_winsten(y, x)
    b0, k = base.shape[1], len(windows)
    vectors = []
    for i in range(k):
        per_day = np.zeros(x.shape[1])
        per_day[b0 + i] = 1.0
        lift = per_day * acts[i].sum()
        shap = lift.copy()
        for m, (a, b) in enumerate(own):
            if i in (a, b):
                overlap = float(acts[a] @ acts[b])
                lift[b0 + k + m] = overlap
                shap[b0 + k + m] = overlap / 2  # = shapley_weights on the pair term
        vectors.append((per_day, lift, shap, int(acts[i].sum())))
    return fit, own, merged, vectors


def lift(
    days: Sequence[date],
    kpi: Sequence[float],
    controls: Sequence[Sequence[float]],
    windows: Sequence[Window],
    *,
    level: float = 0.90,
) -> LiftReport:
    """Each project's lift on ``kpi`` (one value per day of ``days``, consecutive), with ``level``
    intervals and a placebo check; ``controls`` are series (one per competitor topic) of the same days."""
    n = len(days)
    if len(kpi) != n or any(len(c) != n for c in controls):
        raise ValueError("the KPI and every control need one value per day")
    if any(b - a != timedelta(days=1) for a, b in zip(days, days[1:], strict=False)):
        raise ValueError("the days must be consecutive")
    if not windows:
        raise ValueError("no projects to estimate")
    inside = [w for w in windows if w.start <= days[-1] and w.end >= days[0]]
    if len(inside) != len(windows):
        raise ValueError("a project does not run within the series")
    y = np.asarray(kpi, dtype=np.float64)
    x_ctrl = np.asarray(controls, dtype=np.float64).T.reshape(n, len(controls))
    fit, own, merged, vectors = _fit_projects(days, y, x_ctrl, windows, level)
    placebo, note = _placebo(days, y, x_ctrl, windows)
    results = []
    for i, (w, (per_day, lift_c, shap_c, n_active)) in enumerate(zip(windows, vectors, strict=True)):
        results.append(
            ProjectLift(
                project=w.project, days=n_active,
                per_day=_interval(fit, per_day, level), lift=_interval(fit, lift_c, level),
                shapley=_interval(fit, shap_c, level), placebo=placebo[i] if placebo else None,
            )
        )  # fmt: skip
    ids = [w.project for w in windows]
    return LiftReport(
        projects=results, rho=fit.rho, pairs=[(ids[a], ids[b]) for a, b in own],
        merged_overlaps=[(ids[a], ids[b]) for a, b in merged], placebo_note=note, n_days=n,
        n_controls=len(controls),
    )  # fmt: skip


def _placebo(
    days: Sequence[date], y: Array, controls: Array, windows: Sequence[Window]
) -> tuple[list[Estimate] | None, str | None]:
    first = min(w.start for w in windows)
    last = max(w.end for w in windows)
    span = (last - first).days + 1
    pre = sum(1 for d in days if d < first)
    if pre - span < MIN_BASELINE_DAYS:
        return None, f"{pre} campaign-free days before the first project; the placebo needs {span + 28}"
    shift = timedelta(days=span)
    moved = [Window(w.project, w.start - shift, w.end - shift) for w in windows]
    level = 1.0 - (1.0 - PLACEBO_FAMILY_LEVEL) / len(windows)
    try:
        fit, _, _, vectors = _fit_projects(days[:pre], y[:pre], controls[:pre], moved, level)
    except ValueError as exc:
        return None, str(exc)
    return [_interval(fit, lift_c, level) for _, lift_c, _, _ in vectors], None
