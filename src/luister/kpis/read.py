"""Goals and KPIs for the edges: the goal tree with each KPI's value in the current period, its target,
forecast and status; a KPI's values per period; its targets; and the drill-down address of each value.

The inputs of the library's formulas are read here: per-topic sums of the mentions published in the period
(counts, reach and engagement with their squares, sentiment counts), the inbox report's figures (through
:mod:`luister.inbox.reports`, never the inbox's tables), and the imported points. Department scope: someone
of a department sees the company's goals and KPIs and their own department's; topics they do not see count
as none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox import reports as inbox_reports
from luister.kpis import formulas as f
from luister.kpis import rolled_sums
from luister.kpis.library import formula_of, series_formula
from luister.kpis.status import (
    Period,
    PeriodKind,
    Status,
    forecast,
    local_midnight,
    period_at,
    periods_until,
    status,
)
from luister.kpis.tables import external_point, external_series, goal, kpi, kpi_target
from luister.storage.scoping import seen
from luister.storage.tables import mention, mention_topic, topic, user_account

if TYPE_CHECKING:
    from luister.settings import Settings

CUMULATIVE = frozenset({"leads", "volume", "deflection"})  # formulas whose values add up over a period
CUMULATIVE_UNITS = frozenset({f.Unit.count, f.Unit.eur})  # series in these units add up too


class UnknownKpi(LookupError):
    pass


class UnknownGoal(LookupError):
    pass


class UnknownSeries(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class KpiDef:
    id: int
    goal_id: int
    key: str
    name: str
    formula: f.Formula
    params: dict[str, Any]
    series_key: str | None
    unit: f.Unit
    direction: f.Direction
    baseline: float | None
    owner: str | None
    department: str | None

    @property
    def cumulative(self) -> bool:
        if self.series_key is not None:
            return self.unit in CUMULATIVE_UNITS
        return self.formula.key in CUMULATIVE


@dataclass(frozen=True, slots=True)
class KpiCard:
    kpi: KpiDef
    period: Period
    value: f.Estimate
    target: float | None
    forecast: float | None
    status: Status
    drill: str


@dataclass(slots=True)
class GoalNode:
    id: int
    name: str
    description: str
    owner: str | None
    department: str | None
    parent_id: int | None
    kpis: list[KpiCard] = field(default_factory=list)
    children: list[GoalNode] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SeriesValue:
    period: Period
    value: f.Estimate
    target: float | None
    drill: str


@dataclass(frozen=True, slots=True)
class TargetRead:
    id: int
    period_kind: PeriodKind
    period_start: date
    value: float


@dataclass(frozen=True, slots=True)
class Rates:
    """The settings KPIs need (see ``Settings.kpi_*``)."""

    deflection: f.DeflectionRates = f.DeflectionRates(6.0, 0.6, 10.0, 0.02)
    sales_department: str = "sales"

    @classmethod
    def of(cls, settings: Settings) -> Rates:
        s = settings
        rates = f.DeflectionRates(
            s.kpi_cost_per_contact_eur,
            s.kpi_deflection_rate_direct,
            s.kpi_deflection_readers_per_answer,
            s.kpi_deflection_rate_indirect,
        )
        return cls(rates, s.kpi_sales_department)


@dataclass(frozen=True, slots=True)
class SeriesRead:
    """An external series with how many points it holds and the first and last period it has."""

    key: str
    name: str
    unit: f.Unit
    department: str | None
    points: int
    first: date | None
    last: date | None


# --- definitions ----------------------------------------------------------------------------------------


def _kpi_def(row: Any) -> KpiDef:
    unit = f.Unit(row.unit)
    params = dict(row.params or {})
    formula = series_formula(unit) if row.series_key else formula_of(row.formula, params.get("variant", ""))
    return KpiDef(row.id, row.goal_id, row.key, row.name, formula, params, row.series_key, unit,
                  f.Direction(row.direction), row.baseline, row.owner, row.department)  # fmt: skip


def _kpis_query(scope: Scope) -> sa.Select[Any]:
    return (
        sa.select(kpi, user_account.c.email.label("owner"))
        .outerjoin(user_account, user_account.c.id == kpi.c.owner_id)
        .where(seen(kpi.c.department, scope))
        .order_by(kpi.c.goal_id, kpi.c.id)
    )


def list_kpis(*, engine: Engine, scope: Scope = EVERYTHING) -> list[KpiDef]:
    with engine.connect() as conn:
        return [_kpi_def(r) for r in conn.execute(_kpis_query(scope))]


def kpi_by_id(conn: Connection, kpi_id: int, scope: Scope) -> KpiDef:
    row = conn.execute(_kpis_query(scope).where(kpi.c.id == kpi_id)).first()
    if row is None:
        raise UnknownKpi(f"no KPI #{kpi_id}")
    return _kpi_def(row)


def kpi_by_key(conn: Connection, key: str, scope: Scope) -> KpiDef:
    row = conn.execute(_kpis_query(scope).where(kpi.c.key == key)).first()
    if row is None:
        raise UnknownKpi(f"no KPI {key!r}")
    return _kpi_def(row)


def targets_of(conn: Connection, kpi_id: int) -> list[TargetRead]:
    query = sa.select(kpi_target).where(kpi_target.c.kpi_id == kpi_id).order_by(
        kpi_target.c.period_kind, kpi_target.c.period_start)  # fmt: skip
    return [TargetRead(r.id, PeriodKind(r.period_kind), r.period_start, r.value) for r in conn.execute(query)]


def kpi_targets(*, engine: Engine, kpi_id: int, scope: Scope = EVERYTHING) -> list[TargetRead]:
    with engine.connect() as conn:
        kpi_by_id(conn, kpi_id, scope)
        return targets_of(conn, kpi_id)


def _target(targets: Sequence[TargetRead], period: Period) -> float | None:
    return next((t.value for t in targets if t.period_kind is period.kind and t.period_start == period.start),
                None)  # fmt: skip


# --- inputs ---------------------------------------------------------------------------------------------


def topic_ids(conn: Connection, names: Sequence[str], scope: Scope) -> dict[str, int]:
    """The ids of the named topics that ``scope`` sees."""
    if not names:
        return {}
    query = sa.select(topic.c.name, topic.c.id).where(
        topic.c.name.in_(list(names)), seen(topic.c.department, scope)
    )
    return {name: int(tid) for name, tid in conn.execute(query)}


def sums_query(ids: Sequence[int], since: datetime, until: datetime, *by: Any) -> sa.Select[Any]:
    """Per topic (and per each of ``by``): the count, reach and engagement with their squares and the
    sentiment counts of its mentions published in [since, until) (undated mentions left out)."""
    followers = sa.cast(sa.func.coalesce(mention.c.author_followers, 0), sa.Float)
    engaged = sa.cast(sa.func.coalesce(mention.c.like_count, 0) + sa.func.coalesce(mention.c.share_count, 0)
                      + sa.func.coalesce(mention.c.reply_count, 0), sa.Float)  # fmt: skip

    def count(label: str) -> Any:
        return sa.func.sum(sa.case((mention.c.sentiment == label, 1), else_=0))

    return (
        sa.select(
            mention_topic.c.topic_id,
            sa.func.count(),
            sa.func.sum(followers),
            sa.func.sum(followers * followers),
            sa.func.sum(engaged),
            sa.func.sum(engaged * engaged),
            count("positive"),
            count("neutral"),
            count("negative"),
            *by,
        )  # fmt: skip
        .join(mention, mention.c.id == mention_topic.c.mention_id)
        .where(
            # "+ 0": not the topic index, so the database reads the period's mentions by their date index
            # instead of every mention the topics ever had (a week of a year is 1/52 of the rows)
            (mention_topic.c.topic_id + 0).in_(list(ids)),
            mention.c.published_at >= since,
            mention.c.published_at < until,
            mention.c.date_known,
        )  # fmt: skip
        .group_by(mention_topic.c.topic_id, *by)
    )


def sums_of(row: Any) -> f.TopicSums:
    """A row of :func:`sums_query` as the formulas' input."""
    return f.TopicSums(int(row[1]), float(row[2] or 0), float(row[3] or 0), float(row[4] or 0),
                       float(row[5] or 0), int(row[6] or 0), int(row[7] or 0), int(row[8] or 0))  # fmt: skip


def topic_sums(
    conn: Connection, ids: Sequence[int], since: datetime, until: datetime
) -> dict[int, f.TopicSums]:
    """Per topic, what its mentions published in [since, until) add up to (undated mentions left out):
    the whole UTC hours from the rollups, a part-hour at either end from the mentions."""
    if not ids:
        return {}
    whole, parts = rolled_sums.cut(since, until)
    rolled = rolled_sums.hour_sums(conn, ids, *whole, by_hour=False) if whole else {}
    totals = {topic_id: sums for (topic_id, _), sums in rolled.items()}
    for part_since, part_until in parts:
        for row in conn.execute(sums_query(ids, part_since, part_until)):
            part = sums_of(row)
            totals[row[0]] = totals[row[0]] + part if row[0] in totals else part
    return totals


def department_volume(conn: Connection, department: str, since: datetime, until: datetime) -> int:
    """Mentions published in [since, until) matching at least one of the department's topics, once each."""
    ids = sa.select(mention_topic.c.mention_id).join(topic, topic.c.id == mention_topic.c.topic_id).where(
        topic.c.department == department)  # fmt: skip
    query = sa.select(sa.func.count()).select_from(mention).where(
        mention.c.id.in_(ids), mention.c.published_at >= since, mention.c.published_at < until,
        mention.c.date_known)  # fmt: skip
    return int(conn.execute(query).scalar_one())


def _inbox_group(
    conn: Connection, d: KpiDef, since: datetime, until: datetime, now: datetime, scope: Scope,
    intent: str | None = None, department: str | None = None,
) -> inbox_reports.Group:  # fmt: skip
    """The inbox report's total over [since, until) of the conversations the KPI counts."""
    wanted = department or d.params.get("department") or d.department
    facts = [
        fact
        for fact in inbox_reports.collect_facts(conn, since=since, now=now, scope=scope)
        if (not wanted or fact.department == wanted) and (intent is None or fact.intent == intent)
    ]
    return inbox_reports.build_report(facts, since=since, until=min(until, now), now=now).total


# --- values ---------------------------------------------------------------------------------------------


SumsCache = dict[tuple[datetime, datetime], dict[int, f.TopicSums]]


def cached_sums(
    conn: Connection, ids: Sequence[int], since: datetime, until: datetime, cache: SumsCache | None
) -> dict[int, f.TopicSums]:
    """:func:`topic_sums`, kept per topic and period in ``cache`` (when given): the KPIs of a goal tree or a
    report read the same topics (share of voice, sentiment, positive share) over the same periods."""
    if cache is None:
        return topic_sums(conn, ids, since, until)
    known = cache.setdefault((since, until), {})
    if missing := [i for i in ids if i not in known]:
        found = topic_sums(conn, missing, since, until)
        known.update({i: found.get(i, f.TopicSums()) for i in missing})
    return {i: known[i] for i in ids if known[i].mentions}


def kpi_value(
    conn: Connection, d: KpiDef, period: Period, *, now: datetime, scope: Scope, rates: Rates,
    cache: SumsCache | None = None,
) -> f.Estimate:  # fmt: skip
    """The KPI's value over ``period`` up to ``now``; ``cache`` keeps the topics' sums between calls."""
    since, until = period.since, min(period.until, now)
    if until <= since:
        return f.NOTHING
    if d.series_key is not None:
        return _series_value(conn, d, period)
    key, variant = d.formula.key, d.formula.variant
    if key == "volume":
        department = d.params.get("department") or d.department
        return f.Estimate(float(department_volume(conn, department, since, until)) if department else None)
    if d.formula.source == "mentions":
        ours_names, their_names = list(d.params.get("topics", [])), list(d.params.get("competitors", []))
        ids = topic_ids(conn, ours_names + their_names, scope)
        sums = cached_sums(conn, list(ids.values()), since, until, cache)

        def of(name: str) -> f.TopicSums:
            return sums.get(ids.get(name, -1), f.TopicSums())

        ours = sum((of(n) for n in ours_names), f.TopicSums())
        if key == "share_of_voice":
            estimate = f.share_of_voice(ours, [of(n) for n in their_names], f.SovWeight(variant))
            if not estimate.parts:  # no mentions at all in the period: nothing to break down
                return estimate
            named = tuple((n, v) for n, (_, v) in zip(their_names, estimate.parts, strict=True))
            return f.Estimate(estimate.value, estimate.low, estimate.high, estimate.n, named)
        if key == "net_sentiment":
            return f.net_sentiment(ours.positive, ours.neutral, ours.negative, f.NetVariant(variant))
        if variant == "gap":
            return f.positive_against(ours, [(n, of(n)) for n in their_names])
        return f.positive_share(ours)
    return _inbox_value(conn, d, since, until, now, scope, rates)


def _inbox_value(
    conn: Connection, d: KpiDef, since: datetime, until: datetime, now: datetime, scope: Scope, rates: Rates
) -> f.Estimate:
    key, variant = d.formula.key, d.formula.variant
    if key in ("leads", "cost_per_lead"):
        group = _inbox_group(
            conn, d, since, until, now, scope, intent="lead", department=rates.sales_department
        )
        if key == "leads":
            return f.Estimate(float(len(group.volume)), n=len(group.volume))
        return f.cost_per_lead(float(d.params.get("spend", 0)), len(group.volume))
    if key == "deflection":
        group = _inbox_group(conn, d, since, until, now, scope, intent="question")
        return f.deflection(group.first_response.count, rates.deflection, f.DeflectionPart(variant))
    group = _inbox_group(conn, d, since, until, now, scope)
    if key == "sla_attainment":
        return f.attainment(group.attainment.met, group.attainment.count)
    figure: inbox_reports.TimeFigure = getattr(group, key)
    value = figure.median_business if variant == "median" else figure.p90_business
    return f.hours(value, figure.count)


def _series_value(conn: Connection, d: KpiDef, period: Period) -> f.Estimate:
    points = [v for _, v in series_points(conn, d.series_key or "", period.start, period.end)]
    if not points:
        return f.NOTHING
    return f.Estimate(sum(points) if d.cumulative else points[-1], n=len(points))


def series_points(conn: Connection, key: str, start: date, end: date) -> list[tuple[date, float]]:
    query = (
        sa.select(external_point.c.period, external_point.c.value)
        .join(external_series, external_series.c.id == external_point.c.series_id)
        .where(external_series.c.key == key, external_point.c.period >= start, external_point.c.period < end)
        .order_by(external_point.c.period)
    )
    return [(p, v) for p, v in conn.execute(query)]


def drill_url(d: KpiDef, period: Period, now: datetime) -> str:
    """Where a person sees what the value counts."""
    until = min(period.until, now)
    if d.series_key is not None:
        return f"/kpis/{d.id}"
    if d.formula.source == "inbox":
        return "/inbox/reports?" + urlencode({"since": _iso(period.since), "until": _iso(until)})
    topics = list(d.params.get("topics", []))
    query = {"since": period.since.strftime("%Y-%m-%dT%H:%M"), "until": until.strftime("%Y-%m-%dT%H:%M")}
    if topics:
        query = {"topic": topics[0]} | query
    return "/mentions?" + urlencode(query)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def card(
    conn: Connection, d: KpiDef, *, kind: PeriodKind, now: datetime, scope: Scope, rates: Rates,
    cache: SumsCache | None = None,
) -> KpiCard:  # fmt: skip
    period = period_at(kind, now)
    value = kpi_value(conn, d, period, now=now, scope=scope, rates=rates, cache=cache)
    trend: list[tuple[float, float]] = []
    if d.series_key is not None and not d.cumulative:
        trend = [
            (period.elapsed(local_midnight(p)), v)
            for p, v in series_points(conn, d.series_key, period.start, period.end)
        ]
    expected = forecast(value.value, period.elapsed(now), cumulative=d.cumulative, trend=trend)
    target = _target(targets_of(conn, d.id), period)
    return KpiCard(d, period, value, target, expected, status(expected, target, d.direction, d.baseline),
                   drill_url(d, period, now))  # fmt: skip


def goal_tree(
    *, engine: Engine, now: datetime, scope: Scope = EVERYTHING, kind: PeriodKind = PeriodKind.month,
    rates: Rates = Rates(), cache: SumsCache | None = None,
) -> list[GoalNode]:  # fmt: skip
    """The goals ``scope`` sees as a tree (roots first, by name), each with its KPIs' cards (KPIs of the
    same topics read their sums once)."""
    cache = {} if cache is None else cache
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(goal, user_account.c.email.label("owner"))
            .outerjoin(user_account, user_account.c.id == goal.c.owner_id)
            .where(seen(goal.c.department, scope))
            .order_by(goal.c.name)
        ).all()
        nodes = {
            r.id: GoalNode(r.id, r.name, r.description, r.owner, r.department, r.parent_id) for r in rows
        }
        for d in [_kpi_def(r) for r in conn.execute(_kpis_query(scope))]:
            if d.goal_id in nodes:
                nodes[d.goal_id].kpis.append(
                    card(conn, d, kind=kind, now=now, scope=scope, rates=rates, cache=cache)
                )
    roots: list[GoalNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def kpi_detail(
    *, engine: Engine, kpi_id: int, now: datetime, scope: Scope = EVERYTHING,
    kind: PeriodKind = PeriodKind.month, rates: Rates = Rates(),
) -> KpiCard:  # fmt: skip
    with engine.connect() as conn:
        return card(conn, kpi_by_id(conn, kpi_id, scope), kind=kind, now=now, scope=scope, rates=rates)


def kpi_series(
    *, engine: Engine, kpi_id: int, now: datetime, scope: Scope = EVERYTHING,
    kind: PeriodKind = PeriodKind.month, count: int = 12, rates: Rates = Rates(),
) -> list[SeriesValue]:  # fmt: skip
    """The KPI's value in each of the last ``count`` periods (the current one so far), oldest first."""
    with engine.connect() as conn:
        d = kpi_by_id(conn, kpi_id, scope)
        targets = targets_of(conn, kpi_id)
        return [
            SeriesValue(
                p,
                kpi_value(conn, d, p, now=now, scope=scope, rates=rates),
                _target(targets, p),
                drill_url(d, p, now),
            )  # fmt: skip
            for p in periods_until(kind, now, count)
        ]


def series_unit(conn: Connection, key: str) -> tuple[int, f.Unit]:
    row = conn.execute(sa.select(external_series.c.id, external_series.c.unit).where(
        external_series.c.key == key)).first()  # fmt: skip
    if row is None:
        raise UnknownSeries(f"no external series {key!r}")
    return row.id, f.Unit(row.unit)


def goal_detail(
    *, engine: Engine, goal_id: int, now: datetime, scope: Scope = EVERYTHING,
    kind: PeriodKind = PeriodKind.month, rates: Rates = Rates(),
) -> GoalNode:  # fmt: skip
    """One goal of the tree ``scope`` sees, with its KPIs' cards and its sub-goals."""
    waiting = goal_tree(engine=engine, now=now, scope=scope, kind=kind, rates=rates)
    while waiting:
        node = waiting.pop()
        if node.id == goal_id:
            return node
        waiting.extend(node.children)
    raise UnknownGoal(f"no goal #{goal_id}")


def list_series(*, engine: Engine, scope: Scope = EVERYTHING) -> list[SeriesRead]:
    """The external series ``scope`` sees, by key."""
    query = (
        sa.select(
            external_series,
            sa.func.count(external_point.c.period).label("points"),
            sa.func.min(external_point.c.period).label("first"),
            sa.func.max(external_point.c.period).label("last"),
        )
        .outerjoin(external_point, external_point.c.series_id == external_series.c.id)
        .where(seen(external_series.c.department, scope))
        .group_by(*external_series.c)
        .order_by(external_series.c.key)
    )
    with engine.connect() as conn:
        return [SeriesRead(r.key, r.name, f.Unit(r.unit), r.department, int(r.points), r.first, r.last)
                for r in conn.execute(query)]  # fmt: skip
