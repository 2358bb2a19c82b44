"""Reports as documents: a weekly webcare / KPI report (and a monthly management report) rendered
server-side from the data — goals with their KPIs (value, interval, target, status, forecast, a small SVG
chart with a table under it), the top projects with the KPIs they should move and the linear attribution,
the inbox's figures and the period's mentions with their sentiment — to e-mail-safe HTML (inline styles,
tables) and to PDF with WeasyPrint. Every text from people or mentions is escaped by the template.

:func:`renderer` gives the scheduler's ``render(due) -> (subject, html)``; :func:`render_pdf` the download.
A report covers local days ``start`` up to ``end`` (exclusive); the KPIs are shown for the month (or the
kind asked for) that holds the report's last moment, as far as it had passed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.domain.rollups import ALL_TOPICS
from luister.inbox import reports as inbox_reports
from luister.kpis import formulas as f
from luister.kpis import period_sums, projects, read, rolled_sums
from luister.kpis.report_chart import sparkline
from luister.kpis.report_texts import LANGUAGES, text
from luister.kpis.reports import Due
from luister.kpis.status import ZONE, PeriodKind, local_day, local_midnight, period_at, periods_until
from luister.storage.scoping import seen
from luister.storage.tables import mention, mention_topic, topic

TEMPLATES = ("weekly_webcare", "monthly_management")
DEFAULT_RATES = read.Rates()
MAX_DAYS = 366
TOP_PROJECTS = 5
CHART_PERIODS = 6
SIGNS = {
    "en": {"percent": " %", "points": " pp", "hours": " h", "days": " d", "eur": "€ "},
    "nl": {"percent": "%", "points": " pp", "hours": " u", "days": " d", "eur": "€ "},
}
COLOURS = {"on_track": "#1b7f3b", "at_risk": "#b45309", "off_track": "#b3261e"}
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


class ReportProblem(ValueError):
    """A report asked for with bad input: says which field and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class KpiLine:
    card: read.KpiCard
    chart: Markup
    weekly: list[tuple[str, float | None]]  # the chart's table: period label and value


@dataclass(frozen=True, slots=True)
class GoalBlock:
    depth: int
    name: str
    owner: str | None
    kpis: list[KpiLine]


@dataclass(frozen=True, slots=True)
class ProjectLine:
    project: projects.Project
    kpis: list[str]  # the names of the KPIs it is meant to move
    attribution: list[tuple[str, str | None, float | None, float | None]]  # kpi, problem, share, total


@dataclass(frozen=True, slots=True)
class InboxFigures:
    opened: int
    sla_met: float | None  # share 0–1
    sla_decided: int
    first_response_hours: float | None
    first_response_n: int


@dataclass(frozen=True, slots=True)
class MentionFigures:
    total: int
    sentiment: dict[str, int] = field(default_factory=dict)  # positive, neutral, negative, unknown

    @property
    def net(self) -> float | None:
        p, u, n = (self.sentiment.get(k, 0) for k in ("positive", "neutral", "negative"))
        return (p - n) / (p + u + n) if p + u + n else None


@dataclass(frozen=True, slots=True)
class Report:
    template: str
    start: date
    end: date  # exclusive
    at: datetime  # the moment the figures are taken at
    kind: PeriodKind
    goals: list[GoalBlock]
    projects: list[ProjectLine]
    inbox: InboxFigures
    mentions: MentionFigures


# --- input ----------------------------------------------------------------------------------------------


def check(template: str, start: date, end: date, language: str) -> None:
    """Refuse a report that cannot be made, naming the field."""
    if template not in TEMPLATES:
        raise ReportProblem("template", f"one of {', '.join(TEMPLATES)}")
    if language not in LANGUAGES:
        raise ReportProblem("lang", f"one of {', '.join(LANGUAGES)}")
    if end <= start:
        raise ReportProblem("to", "the end lies before the start")
    if (end - start).days > MAX_DAYS:
        raise ReportProblem("to", f"a report covers at most {MAX_DAYS} days")


def window_of(due: Due) -> tuple[date, date]:
    """The days a scheduled run reports on: the week before it (weekly), or the month before it."""
    if due.template == "monthly_management":
        last = due.period_start.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), due.period_start.replace(day=1)
    return due.period_start - timedelta(days=7), due.period_start


def last_week(now: datetime) -> tuple[date, date]:
    """The last full Monday-to-Sunday week before ``now`` (local), as the download's default."""
    monday = local_day(now) - timedelta(days=local_day(now).weekday())
    return monday - timedelta(days=7), monday


# --- gathering ------------------------------------------------------------------------------------------


def _flat(tree: list[read.GoalNode], depth: int = 0) -> list[tuple[int, read.GoalNode]]:
    return [row for g in tree for row in [(depth, g), *_flat(g.children, depth + 1)]]


def _kpi_line(
    conn: Connection, c: read.KpiCard, at: datetime, scope: Scope, rates: read.Rates, cache: read.SumsCache
) -> KpiLine:
    weeks = periods_until(PeriodKind.week, at, CHART_PERIODS)
    values = [
        read.kpi_value(conn, c.kpi, p, now=at, scope=scope, rates=rates, cache=cache).value for p in weeks
    ]
    target = c.target if not c.kpi.cumulative else None  # a month's total does not fit a week's line
    table = [(p.label(), v) for p, v in zip(weeks, values, strict=True)]
    return KpiLine(c, Markup(sparkline(values, target)), table)


def _read_sums_once(
    engine: Engine, cache: read.SumsCache, at: datetime, kind: PeriodKind, scope: Scope
) -> None:
    """Fill ``cache`` with the sums of every topic the mention KPIs read, for the period of ``kind`` and the
    chart's weeks, in one pass over their mentions (instead of one pass per period)."""
    kpis = [
        d
        for d in read.list_kpis(engine=engine, scope=scope)
        if d.series_key is None and d.formula.source == "mentions" and d.formula.key != "volume"
    ]
    names = sorted(
        {str(n) for d in kpis for n in [*d.params.get("topics", []), *d.params.get("competitors", [])]}
    )
    periods = [period_at(kind, at), *periods_until(PeriodKind.week, at, CHART_PERIODS)]
    with engine.connect() as conn:
        ids = sorted(read.topic_ids(conn, names, scope).values())
        period_sums.fill(conn, cache, ids, [(p.since, min(p.until, at)) for p in periods])


def mention_figures(conn: Connection, since: datetime, until: datetime, scope: Scope) -> MentionFigures:
    """Mentions published in [since, until) (a department sees those of the topics it sees), by sentiment.
    The whole company's whole hours come from the rollups' row of all mentions; a department's mentions
    are counted once each however many of its topics they match, which only the mentions can say."""
    counts: dict[str, int] = {}
    whole, parts = rolled_sums.cut(since, until)
    if scope.department is not None:
        parts = [(since, until)]
    elif whole is not None:
        rolled = rolled_sums.hour_sums(conn, [ALL_TOPICS], *whole, by_hour=False)
        sums = rolled.get((ALL_TOPICS, None), f.TopicSums())
        polar = {"positive": sums.positive, "neutral": sums.neutral, "negative": sums.negative}
        counts = {**polar, "unknown": sums.mentions - sum(polar.values())}
    for part_since, part_until in parts:
        for key, count in _counted(conn, part_since, part_until, scope).items():
            counts[key] = counts.get(key, 0) + count
    counts = {key: count for key, count in counts.items() if count}
    return MentionFigures(sum(counts.values()), counts)


def _counted(conn: Connection, since: datetime, until: datetime, scope: Scope) -> dict[str, int]:
    query = sa.select(mention.c.sentiment, sa.func.count()).where(
        mention.c.published_at >= since, mention.c.published_at < until, mention.c.date_known)  # fmt: skip
    if scope.department is not None:
        visible = sa.select(mention_topic.c.mention_id).join(topic, topic.c.id == mention_topic.c.topic_id)
        query = query.where(mention.c.id.in_(visible.where(seen(topic.c.department, scope))))
    counts: dict[str, int] = {}
    for label, count in conn.execute(query.group_by(mention.c.sentiment)):
        key = label if label in ("positive", "neutral", "negative") else "unknown"
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def inbox_figures(conn: Connection, since: datetime, until: datetime, scope: Scope) -> InboxFigures:
    facts = inbox_reports.collect_facts(conn, since=since, now=until, scope=scope)
    total = inbox_reports.build_report(facts, since=since, until=until, now=until).total
    median = total.first_response.median_business
    return InboxFigures(len(total.volume), total.attainment.share, total.attainment.count,
                        None if median is None else median.total_seconds() / 3600,
                        total.first_response.count)  # fmt: skip


def _project_lines(
    engine: Engine, start: date, end: date, at: datetime, scope: Scope, names: dict[int, str]
) -> list[ProjectLine]:
    recent = start - projects.LOOKBACK  # a project still counts this long after it ends (attribution)
    running = [p for p in projects.list_projects(engine=engine, scope=scope)
               if p.starts_on < end and p.ends_on >= recent]  # fmt: skip
    running.sort(key=lambda p: (-p.spend_cents, -(p.budget_cents or 0), p.starts_on, p.id))
    lines = []
    for p in running[:TOP_PROJECTS]:
        shares: list[tuple[str, str | None, float | None, float | None]] = []
        for kpi_id in [k for k in p.kpi_ids if k in names][:2]:
            try:
                a = projects.attribute(engine=engine, scope=scope, project_id=p.id, kpi=f"kpi:{kpi_id}",
                                       method="linear", today=local_day(at))  # fmt: skip
            except (projects.ProjectError, read.UnknownKpi) as exc:
                shares.append((names[kpi_id], str(exc), None, None))
                continue
            mine = next((s.value for s in a.shares if s.project == p.id), 0.0)
            shares.append((names[kpi_id], None, mine, a.total))
        lines.append(ProjectLine(p, [names[k] for k in p.kpi_ids if k in names], shares))
    return lines


def gather(
    *, engine: Engine, template: str, start: date, end: date, now: datetime, scope: Scope = EVERYTHING,
    rates: read.Rates = DEFAULT_RATES, kind: PeriodKind = PeriodKind.month,
) -> Report:  # fmt: skip
    """Everything the report shows, taken at the report's end (or ``now`` when that has not come yet)."""
    check(template, start, end, "en")
    since, at = local_midnight(start), min(local_midnight(end), now)
    if at <= since:
        raise ReportProblem("from", "the period has not started yet")
    cache: read.SumsCache = {}  # the KPIs of one set of topics read their sums once per period
    _read_sums_once(engine, cache, at, kind, scope)
    tree = read.goal_tree(engine=engine, now=at, scope=scope, kind=kind, rates=rates, cache=cache)
    with engine.connect() as conn:
        goals = [
            GoalBlock(depth, g.name, g.owner, [_kpi_line(conn, c, at, scope, rates, cache) for c in g.kpis])
            for depth, g in _flat(tree)
        ]
        inbox = inbox_figures(conn, since, at, scope)
        mentions = mention_figures(conn, since, at, scope)
    names = {line.card.kpi.id: line.card.kpi.name for g in goals for line in g.kpis}
    lines = _project_lines(engine, start, end, at, scope, names)
    return Report(template, start, end, at, kind, goals, lines, inbox, mentions)


# --- rendering ------------------------------------------------------------------------------------------


def quantity(value: float | None, unit: str, language: str) -> str:
    """A value with its unit as people write it: ``45.2 %``, ``€ 12``, ``3,5 u``."""
    if value is None:
        return "–"
    digits = "#,##0" if abs(value) >= 100 or unit == "count" else "#,##0.##"
    figure = format_decimal(value, format=digits, locale=language)
    sign = SIGNS.get(language, SIGNS["en"]).get(unit, "")
    return sign + figure if sign.startswith("€") else figure + sign


def _money(cents: int | None, currency: str, language: str) -> str:
    return "–" if cents is None else quantity(cents / 100, "eur" if currency == "EUR" else "", language)


def _days(report: Report, language: str) -> str:
    return f"{_day(report.start, language)} – {_day(report.end - timedelta(days=1), language)}"


def subject(report: Report, language: str) -> str:
    return f"{text(language, report.template)}: {_days(report, language)}"


def _day(day: date, language: str) -> str:
    return format_date(day, format="d MMM yyyy", locale=language)


def html(report: Report, language: str, *, for_print: bool = False) -> str:
    """The report as one HTML document with inline styles (e-mail-safe); ``for_print`` adds the page
    size and margins for the PDF."""
    check(report.template, report.start, report.end, language)

    def t(key: str, **values: str) -> str:
        return text(language, key, **values)

    def q(value: float | None, unit: str) -> str:
        return quantity(value, unit, language)

    def pct(share: float | None) -> str:
        return "–" if share is None else format_percent(share, format="#,##0.#%", locale=language)

    period = report.at.astimezone(ZONE)
    return _ENV.get_template("report.html").render(
        r=report, lang=language, t=t, q=q, pct=pct, for_print=for_print, colours=COLOURS,
        title=t(report.template), subject=subject(report, language), days=_days(report, language),
        money=lambda cents, currency: _money(cents, currency, language),
        day=lambda d: _day(d, language),
        as_of=t("as_of", period=period_at(report.kind, report.at).label(),
                moment=format_datetime(period, format="d MMM yyyy HH:mm", locale=language)),
        generated=t("generated", moment=format_datetime(period, format="d MMM yyyy HH:mm", locale=language)),
    )  # fmt: skip


def pdf(report: Report, language: str) -> bytes:
    """The report as a PDF (WeasyPrint: the same HTML, SVG charts drawn as vectors)."""
    import weasyprint  # imported on first use: it loads pango and fonts, which the e-mail path never needs

    document: bytes = weasyprint.HTML(string=html(report, language, for_print=True)).write_pdf()
    return document


def render_pdf(
    *, engine: Engine, template: str, start: date, end: date, language: str, now: datetime,
    scope: Scope = EVERYTHING, rates: read.Rates = DEFAULT_RATES,
) -> bytes:  # fmt: skip
    """The download: the report over local days [start, end) as a PDF."""
    check(template, start, end, language)
    report = gather(engine=engine, template=template, start=start, end=end, now=now, scope=scope, rates=rates)
    return pdf(report, language)


def renderer(*, engine: Engine, rates: read.Rates = DEFAULT_RATES) -> Callable[[Due], tuple[str, str]]:
    """The scheduler's ``render``: a due run's subject and HTML body, for the week (or month) before it,
    with the figures its schedule's department sees (the whole company's for a company-wide schedule),
    taken at the moment the run was due."""

    def render(due: Due) -> tuple[str, str]:
        template = due.template if due.template in TEMPLATES else "weekly_webcare"
        language = due.language if due.language in LANGUAGES else "nl"
        start, end = window_of(due)
        report = gather(
            engine=engine,
            template=template,
            start=start,
            end=end,
            now=due.due_at,
            rates=rates,
            scope=due.scope,
        )
        return subject(report, language), html(report, language)

    return render


def describe(report: Report) -> dict[str, Any]:
    """A few facts of a report for logs and benchmarks."""
    return {"goals": len(report.goals), "kpis": sum(len(g.kpis) for g in report.goals),
            "projects": len(report.projects), "mentions": report.mentions.total}  # fmt: skip


__all__ = ["ReportProblem", "TEMPLATES", "check", "gather", "html", "last_week", "pdf", "render_pdf",
           "renderer", "window_of"]  # fmt: skip
