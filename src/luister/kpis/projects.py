"""Social projects: every change (create, update, record spend, evaluate; each in one transaction with its
audit row) and the reads the edges show — lists, a project with its spend and its overlap map (which
projects run at the same time for the same audience), and the attribution of a KPI across the projects
that overlap it (:mod:`luister.kpis.attribution`, :mod:`luister.kpis.causal`).

Department scoping is the topics' rule (:func:`luister.domain.accounts.scope_of`): a department's people
see the company's projects and their own department's, and change only their own department's."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.kpis import attribution as rules
from luister.kpis import causal
from luister.kpis.daily import DailyKpi, NoDailyValues, daily_kpi
from luister.kpis.projects_tables import KINDS, project, project_spend
from luister.kpis.tables import kpi as kpi_table
from luister.services import audit
from luister.storage.scoping import seen
from luister.storage.tables import ROLLUP_TABLES, topic

METHODS = ("linear", "time_decay", "position", "shapley", "causal")
KPI_MEASURES = ("mentions", "reach", "engagement")  # a topic's daily sums (mentions:<topic id>), or kpi:<id>
LOOKBACK = timedelta(days=28)  # a project's last touch still counts this long after it ends (rule splits)
HISTORY = timedelta(days=365)  # how far back the causal model reads the KPI before the first project
_HASHTAG = re.compile(r"^[^\s#]{1,100}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CHANNEL = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_EDITABLE = ("name", "kind", "owner", "department", "currency", "budget_cents", "starts_on", "ends_on",
             "topics", "hashtags", "links", "channels", "countries", "objectives", "kpi_ids")  # fmt: skip


class ProjectError(ValueError):
    """Bad input: says which field and why; nothing was changed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class UnknownProject(LookupError):
    pass


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    kind: str
    owner: str | None
    department: str | None
    currency: str
    budget_cents: int | None
    spend_cents: int
    starts_on: date
    ends_on: date
    topics: list[int]
    hashtags: list[str]
    links: list[str]
    channels: list[str]
    countries: list[str]
    objectives: str
    kpi_ids: list[int]
    evaluation: str | None
    objectives_met: bool | None
    evaluated_at: datetime | None
    evaluated_by: str | None
    created_at: datetime

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


@dataclass(frozen=True)
class Overlap:
    """Another project sharing time with this one, and what of the audience they share."""

    other: int
    other_name: str
    days: int  # days both run
    topics: list[int]
    hashtags: list[str]
    channels: list[str]
    countries: list[str]

    @property
    def audience(self) -> bool:
        return bool(self.topics or self.hashtags or self.channels or self.countries)


@dataclass(frozen=True)
class Spend:
    id: int
    spent_on: date
    amount_cents: int
    note: str | None
    recorded_by: str | None


@dataclass(frozen=True)
class ProjectDetail:
    project: Project
    spend: list[Spend]
    overlaps: list[Overlap]


@dataclass(frozen=True)
class Share:
    """One project's part of a KPI under one method; ``low``/``high`` only for the model-based methods."""

    project: int
    name: str
    value: float
    low: float | None = None
    high: float | None = None
    placebo_low: float | None = None
    placebo_high: float | None = None

    @property
    def placebo_ok(self) -> bool | None:
        if self.placebo_low is None or self.placebo_high is None:
            return None
        return self.placebo_low <= 0.0 <= self.placebo_high


@dataclass(frozen=True)
class Attribution:
    kpi: str
    method: str
    since: date
    until: date
    total: float  # the KPI summed over the days the projects (or their lookback) cover
    shares: list[Share]
    unattributed: float  # rule splits: the KPI of days no project touched; model methods: the baseline
    level: float | None = None
    controls: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --- pure ------------------------------------------------------------------------------------------


def overlap(a: Project, b: Project) -> Overlap | None:
    """How ``b`` overlaps ``a``: None when they never run on the same day."""
    first, last = max(a.starts_on, b.starts_on), min(a.ends_on, b.ends_on)
    if last < first:
        return None

    def shared(x: Iterable[Any], y: Iterable[Any]) -> list[Any]:
        return sorted(set(x) & set(y))

    return Overlap(
        other=b.id, other_name=b.name, days=(last - first).days + 1, topics=shared(a.topics, b.topics),
        hashtags=shared((h.lower() for h in a.hashtags), (h.lower() for h in b.hashtags)),
        channels=shared(a.channels, b.channels), countries=shared(a.countries, b.countries),
    )  # fmt: skip


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """Checked, normalised column values; raises :class:`ProjectError` naming the field."""
    out = dict(values)
    for key, value in out.items():  # PostgreSQL text holds no NUL; refuse it the same on SQLite
        if any(
            "\x00" in v for v in (value if isinstance(value, list | tuple) else [value]) if isinstance(v, str)
        ):
            raise ProjectError(key, "must not contain NUL characters")
    for key in ("name", "kind", "starts_on", "ends_on", "currency"):
        if key in out and out[key] is None:
            raise ProjectError(key, "cannot be empty")
    for key in ("topics", "hashtags", "links", "channels", "countries", "kpi_ids"):
        out[key] = [] if key in out and out[key] is None else out.get(key, ())
        if key not in values:
            del out[key]
    if "objectives" in out:
        out["objectives"] = (out["objectives"] or "").strip()
    if "name" in out:
        out["name"] = str(out["name"]).strip()
        if not 1 <= len(out["name"]) <= 200:
            raise ProjectError("name", "between 1 and 200 characters")
    if "kind" in out and out["kind"] not in KINDS:
        raise ProjectError("kind", f"one of {', '.join(KINDS)}")
    if out.get("budget_cents") is not None and int(out["budget_cents"]) < 0:
        raise ProjectError("budget", "cannot be negative")
    if "currency" in out and not re.fullmatch(r"[A-Z]{3}", str(out["currency"])):
        raise ProjectError("currency", "three capital letters (EUR)")
    for key, pattern, what in (("hashtags", _HASHTAG, "a hashtag without spaces"),
                               ("countries", _COUNTRY, "a two-letter country code"),
                               ("channels", _CHANNEL, "a channel name (mastodon, reddit …)")):  # fmt: skip
        if key in out:
            items = [str(v).strip().lstrip("#") if key == "hashtags" else str(v).strip() for v in out[key]]
            items = [v.upper() if key == "countries" else v for v in items if v]
            if bad := [v for v in items if not pattern.match(v)]:
                raise ProjectError(key, f"{bad[0]!r} is not {what}")
            out[key] = sorted(set(items))
    if "links" in out:
        links = sorted({str(v).strip() for v in out["links"] if str(v).strip()})
        if bad := [v for v in links if not re.match(r"^https?://\S{1,2000}$", v)]:
            raise ProjectError("links", f"{bad[0]!r} is not an http(s) link")
        out["links"] = links
    for key in ("topics", "kpi_ids"):
        if key in out:
            out[key] = sorted({int(v) for v in out[key]})
    return out


# --- actions ---------------------------------------------------------------------------------------


def _row(conn: Connection, project_id: int, scope: Scope) -> sa.Row[Any]:
    row = conn.execute(sa.select(project).where(project.c.id == project_id)).first()
    if row is None or not scope.sees(row.department):
        raise UnknownProject(f"there is no project {project_id}")
    return row


def _may_change(scope: Scope, department: str | None) -> None:
    if not scope.owns(department):
        raise ProjectError("department", "only your own department's projects can be changed")


def _check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ProjectError("ends_on", "the end lies before the start")


def _check_topics(conn: Connection, ids: Sequence[int]) -> None:
    known = set(conn.execute(sa.select(topic.c.id).where(topic.c.id.in_(list(ids)))).scalars())
    if missing := [i for i in ids if i not in known]:
        raise ProjectError("topics", f"there is no topic {missing[0]}")


def _check_kpis(conn: Connection, ids: Sequence[int], scope: Scope) -> None:
    """The KPIs a project names must be the goal tree's, ones its department sees."""
    if not ids:
        return
    query = sa.select(kpi_table.c.id).where(
        kpi_table.c.id.in_(list(ids)), seen(kpi_table.c.department, scope)
    )
    known = set(conn.execute(query).scalars())
    if missing := [i for i in ids if i not in known]:
        raise ProjectError("kpi_ids", f"there is no KPI {missing[0]}")


def create(
    *, engine: Engine, actor: str, scope: Scope = EVERYTHING, name: str, kind: str, starts_on: date,
    ends_on: date, now: datetime, owner: str | None = None, department: str | None = None,
    currency: str = "EUR", budget_cents: int | None = None, topics: Sequence[int] = (),
    hashtags: Sequence[str] = (), links: Sequence[str] = (), channels: Sequence[str] = (),
    countries: Sequence[str] = (), objectives: str = "", kpi_ids: Sequence[int] = (),
) -> int:  # fmt: skip
    """A new project; a department's people create their own department's. Returns its id."""
    department = (department or "").strip() or scope.department
    _may_change(scope, department)
    _check_dates(starts_on, ends_on)
    values = _clean({
        "name": name, "kind": kind, "owner": (owner or "").strip() or None, "department": department,
        "currency": currency, "budget_cents": budget_cents, "starts_on": starts_on, "ends_on": ends_on,
        "topics": topics, "hashtags": hashtags, "links": links, "channels": channels, "countries": countries,
        "objectives": objectives.strip(), "kpi_ids": kpi_ids,
    })  # fmt: skip
    with engine.begin() as conn:
        _check_topics(conn, values["topics"])
        _check_kpis(conn, values["kpi_ids"], scope)
        project_id = int(conn.execute(
            project.insert().values(**values, created_by=actor, created_at=now, updated_at=now)
            .returning(project.c.id)
        ).scalar_one())  # fmt: skip
        audit.record(conn, actor=actor, action="project.create", target=f"project:{project_id}",
                     detail={"name": values["name"], "kind": kind})  # fmt: skip
    return project_id


def update(
    *, engine: Engine, actor: str, scope: Scope = EVERYTHING, project_id: int, now: datetime,
    changes: Mapping[str, Any],
) -> None:  # fmt: skip
    """Change the given fields (any of the create fields); a field not given keeps its value."""
    if unknown := sorted(set(changes) - set(_EDITABLE)):
        raise ProjectError(unknown[0], "cannot be changed")
    values = _clean(changes)
    with engine.begin() as conn:
        row = _row(conn, project_id, scope)
        _may_change(scope, row.department)
        if "department" in values:
            values["department"] = (values["department"] or "").strip() or None
            _may_change(scope, values["department"])
        _check_dates(values.get("starts_on", row.starts_on), values.get("ends_on", row.ends_on))
        if "topics" in values:
            _check_topics(conn, values["topics"])
        if "kpi_ids" in values:
            _check_kpis(conn, values["kpi_ids"], scope)
        conn.execute(project.update().where(project.c.id == project_id).values(**values, updated_at=now))
        audit.record(conn, actor=actor, action="project.update", target=f"project:{project_id}",
                     detail={"fields": sorted(values)})  # fmt: skip


def record_spend(
    *, engine: Engine, actor: str, scope: Scope = EVERYTHING, project_id: int, amount_cents: int,
    spent_on: date, now: datetime, note: str | None = None,
) -> int:  # fmt: skip
    """One line of spend (a correction may be negative); returns its id."""
    if amount_cents == 0:
        raise ProjectError("amount", "cannot be zero")
    if note and "\x00" in note:
        raise ProjectError("note", "must not contain NUL characters")
    with engine.begin() as conn:
        row = _row(conn, project_id, scope)
        _may_change(scope, row.department)
        spend_id = int(conn.execute(
            project_spend.insert().values(project_id=project_id, spent_on=spent_on, amount_cents=amount_cents,
                                          note=(note or "").strip() or None, recorded_by=actor,
                                          recorded_at=now).returning(project_spend.c.id)
        ).scalar_one())  # fmt: skip
        conn.execute(project.update().where(project.c.id == project_id).values(updated_at=now))
        audit.record(conn, actor=actor, action="project.spend", target=f"project:{project_id}",
                     detail={"amount_cents": amount_cents, "spent_on": spent_on.isoformat()})  # fmt: skip
    return spend_id


def evaluate(
    *, engine: Engine, actor: str, scope: Scope = EVERYTHING, project_id: int, objectives_met: bool,
    evaluation: str, now: datetime,
) -> None:  # fmt: skip
    """The end-of-project evaluation: were the objectives met, and the lessons."""
    if not evaluation.strip():
        raise ProjectError("evaluation", "say what was learned")
    if "\x00" in evaluation:
        raise ProjectError("evaluation", "must not contain NUL characters")
    with engine.begin() as conn:
        row = _row(conn, project_id, scope)
        _may_change(scope, row.department)
        conn.execute(project.update().where(project.c.id == project_id).values(
            evaluation=evaluation.strip(), objectives_met=objectives_met, evaluated_at=now,
            evaluated_by=actor, updated_at=now))  # fmt: skip
        audit.record(conn, actor=actor, action="project.evaluate", target=f"project:{project_id}",
                     detail={"objectives_met": objectives_met})  # fmt: skip


# --- reads -----------------------------------------------------------------------------------------


def _spent(conn: Connection) -> dict[int, int]:
    rows = conn.execute(
        sa.select(project_spend.c.project_id, sa.func.sum(project_spend.c.amount_cents))
        .group_by(project_spend.c.project_id)
    ).all()  # fmt: skip
    return {int(p): int(s) for p, s in rows}


def _project(row: sa.Row[Any], spent: int) -> Project:
    m = row._mapping
    return Project(
        id=int(m["id"]), name=m["name"], kind=m["kind"], owner=m["owner"], department=m["department"],
        currency=m["currency"], budget_cents=m["budget_cents"], spend_cents=spent, starts_on=m["starts_on"],
        ends_on=m["ends_on"], topics=list(m["topics"]), hashtags=list(m["hashtags"]), links=list(m["links"]),
        channels=list(m["channels"]), countries=list(m["countries"]), objectives=m["objectives"],
        kpi_ids=list(m["kpi_ids"]), evaluation=m["evaluation"], objectives_met=m["objectives_met"],
        evaluated_at=m["evaluated_at"], evaluated_by=m["evaluated_by"], created_at=m["created_at"],
    )  # fmt: skip


def list_projects(
    *, engine: Engine, scope: Scope = EVERYTHING, kind: str | None = None, running_on: date | None = None
) -> list[Project]:
    """The projects in scope, the latest start first."""
    query = sa.select(project).order_by(project.c.starts_on.desc(), project.c.id.desc())
    if kind:
        query = query.where(project.c.kind == kind)
    if running_on:
        query = query.where(project.c.starts_on <= running_on, project.c.ends_on >= running_on)
    if scope.department is not None:
        query = query.where(sa.or_(project.c.department.is_(None), project.c.department == "",
                                   project.c.department == scope.department))  # fmt: skip
    with engine.connect() as conn:
        spent = _spent(conn)
        return [_project(row, spent.get(int(row.id), 0)) for row in conn.execute(query)]


def detail(*, engine: Engine, scope: Scope = EVERYTHING, project_id: int) -> ProjectDetail:
    """One project with its spend lines and the projects it overlaps (in scope)."""
    with engine.connect() as conn:
        row = _row(conn, project_id, scope)
        lines = conn.execute(
            sa.select(project_spend).where(project_spend.c.project_id == project_id)
            .order_by(project_spend.c.spent_on, project_spend.c.id)
        ).all()  # fmt: skip
    spend = [Spend(int(r.id), r.spent_on, int(r.amount_cents), r.note, r.recorded_by) for r in lines]
    this = _project(row, sum(s.amount_cents for s in spend))
    others = [p for p in list_projects(engine=engine, scope=scope) if p.id != project_id]
    overlaps = [o for p in others if (o := overlap(this, p)) is not None]
    return ProjectDetail(this, spend, sorted(overlaps, key=lambda o: (-o.days, o.other)))


def _parse_kpi(conn: Connection, kpi: str, scope: Scope) -> DailyKpi:
    """``mentions|reach|engagement:<topic id>`` (a topic's daily sum) or ``kpi:<id>`` (a goal-tree KPI)."""
    measure, _, number = kpi.partition(":")
    if measure == "kpi" and number.isdigit():
        try:
            return daily_kpi(conn, int(number), scope)
        except NoDailyValues as exc:
            raise ProjectError("kpi", str(exc)) from None
        except LookupError:
            raise ProjectError("kpi", f"there is no KPI {number}") from None
    if measure not in KPI_MEASURES or not number.isdigit():
        raise ProjectError(
            "kpi", f"unknown KPI {kpi!r}: use kpi:<KPI id> or {'|'.join(KPI_MEASURES)}:<topic id>"
        )
    topic_id = int(number)
    row = conn.execute(sa.select(topic.c.department).where(topic.c.id == topic_id)).first()
    if row is None or not scope.sees(row.department):
        raise ProjectError("kpi", f"there is no topic {topic_id}")

    def values(conn: Connection, since: date, until: date) -> list[float]:
        return _daily(conn, measure, topic_id, since, until)

    return DailyKpi(kpi, frozenset({topic_id}), _data_span(conn, topic_id), values)


def _daily(conn: Connection, measure: str, topic_id: int, since: date, until: date) -> list[float]:
    """The topic's daily sum of ``measure`` from ``since`` to ``until`` (both included); 0 on empty days."""
    day = ROLLUP_TABLES["rollup_day"]
    start = datetime.combine(since, time(), UTC)
    end = datetime.combine(until + timedelta(days=1), time(), UTC)
    rows = conn.execute(
        sa.select(day.c.bucket, sa.func.sum(day.c[measure]))
        .where(day.c.topic_id == topic_id, day.c.bucket >= start, day.c.bucket < end).group_by(day.c.bucket)
    ).all()  # fmt: skip
    got = {b.astimezone(UTC).date(): float(v) for b, v in rows}
    return [got.get(since + timedelta(days=i), 0.0) for i in range((until - since).days + 1)]


def _data_span(conn: Connection, topic_id: int) -> tuple[date, date] | None:
    """The first and last day the topic has counts for (days after the last are unknown, not zero)."""
    day = ROLLUP_TABLES["rollup_day"]
    first, last = conn.execute(
        sa.select(sa.func.min(day.c.bucket), sa.func.max(day.c.bucket)).where(day.c.topic_id == topic_id)
    ).one()  # fmt: skip
    if first is None or last is None:
        return None
    return first.astimezone(UTC).date(), last.astimezone(UTC).date()


def attribute(
    *, engine: Engine, scope: Scope = EVERYTHING, project_id: int, kpi: str, method: str, today: date
) -> Attribution:
    """The KPI across this project and the projects overlapping it in time (at most ten)."""
    if method not in METHODS:
        raise ProjectError("method", f"one of {', '.join(METHODS)}")
    this = detail(engine=engine, scope=scope, project_id=project_id)
    others = {p.id: p for p in list_projects(engine=engine, scope=scope)}
    group = [this.project] + [others[o.other] for o in this.overlaps[: rules.MAX_SHAPLEY_PLAYERS - 1]]
    group.sort(key=lambda p: (p.starts_on, p.id))
    if min(p.starts_on for p in group) >= today:
        raise ProjectError("kpi", "no project of this group has started yet")
    with engine.connect() as conn:
        source = _parse_kpi(conn, kpi, scope)
        span = source.span
        if span is None:
            raise ProjectError("kpi", f"{source.label} has no counts yet")
        until = min(max(p.ends_on for p in group) + LOOKBACK, today - timedelta(days=1), span[1])
        if method in ("shapley", "causal"):
            return _modelled(conn, group, kpi, source, method, (span[0], until))
        since = min(p.starts_on for p in group)
        if until < since:
            raise ProjectError("kpi", f"{source.label} has no counts since the projects started")
        values = source.values(conn, since, until)
    conversions = []
    for i, value in enumerate(values):
        day = since + timedelta(days=i)
        moment = datetime.combine(day, time(12), UTC)
        touches = [
            rules.Touchpoint(p.id, at=datetime.combine(min(day, p.ends_on), time(12), UTC),
                             first=datetime.combine(p.starts_on, time(12), UTC))
            for p in group if p.starts_on <= day <= p.ends_on + LOOKBACK
        ]  # fmt: skip
        conversions.append((moment, value, touches))
    credit = rules.attribute(rules.Rule(method), conversions)
    total = sum(values)
    shares = [Share(p.id, p.name, credit.get(p.id, 0.0)) for p in group]
    return Attribution(
        kpi=kpi, method=method, since=since, until=until, total=total, shares=shares,
        unattributed=total - sum(s.value for s in shares),
        notes=["rule-based splits share the whole KPI of the days a project touched, baseline included; "
               "only the causal estimate separates what the projects added"],
    )  # fmt: skip


def _modelled(
    conn: Connection, group: list[Project], kpi: str, source: DailyKpi, method: str, span: tuple[date, date]
) -> Attribution:
    since, until = max(min(p.starts_on for p in group) - HISTORY, span[0]), span[1]
    own_topics = {t for p in group for t in p.topics} | set(
        source.topics
    )  # a KPI's own topics are no control
    controls = conn.execute(
        sa.select(topic.c.id, topic.c.name)
        .where(topic.c.kind == "competitor", topic.c.id.not_in(own_topics)).order_by(topic.c.id)
    ).all()  # fmt: skip
    kpi_values = source.values(conn, since, until)
    measure = kpi.partition(":")[0] if kpi.partition(":")[0] in KPI_MEASURES else "mentions"
    control_values = [_daily(conn, measure, int(c.id), since, until) for c in controls]
    days = [since + timedelta(days=i) for i in range(len(kpi_values))]
    windows = [causal.Window(p.id, max(p.starts_on, since), min(p.ends_on, until)) for p in group]
    try:
        report = causal.lift(days, kpi_values, control_values, windows, level=0.90)
    except ValueError as exc:
        raise ProjectError("kpi", f"no estimate: {exc}") from None
    names = {p.id: p.name for p in group}
    shares = []
    for r in report.projects:
        est = r.shapley if method == "shapley" else r.lift
        pl = r.placebo
        shares.append(Share(r.project, names[r.project], est.value, est.low, est.high,
                            pl.low if pl else None, pl.high if pl else None))  # fmt: skip
    running = [any(w.start <= d <= w.end for w in windows) for d in days]
    total = sum(v for v, on in zip(kpi_values, running, strict=True) if on)
    notes = [f"{report.n_days} days, {report.n_controls} control series, AR(1) ρ = {report.rho:.2f}"]
    if not controls:
        notes.append("no competitor topics as controls: the baseline rests on the trend and weekdays alone")
    if report.merged_overlaps:
        pairs = ", ".join(f"{names[a]} + {names[b]}" for a, b in report.merged_overlaps)
        notes.append(f"overlaps without their own term (too short, or never apart): {pairs}")
    if report.placebo_note:
        notes.append("no placebo: " + report.placebo_note)
    return Attribution(
        kpi=kpi, method=method, since=since, until=until, total=total, shares=shares,
        unattributed=total - sum(s.value for s in shares), level=0.90,
        controls=[str(c.name) for c in controls], notes=notes,
    )  # fmt: skip


def projects_for_kpi(*, engine: Engine, scope: Scope = EVERYTHING, kpi_id: int) -> list[Project]:
    """The projects in scope that name KPI ``kpi_id`` among the ones they should move."""
    return [p for p in list_projects(engine=engine, scope=scope) if kpi_id in p.kpi_ids]
