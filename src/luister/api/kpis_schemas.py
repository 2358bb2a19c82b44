"""The schemas of ``/goals``, ``/kpis`` and ``/series`` (see :mod:`luister.api.kpis`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from luister.api.schemas import NO_CONTROL, NO_NUL, Name
from luister.domain.addressing import MAX_ID
from luister.kpis import read
from luister.kpis.formulas import Formula
from luister.kpis.status import Period

KEY = r"^[a-z0-9][a-z0-9_.-]{0,59}$"
Key = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=KEY)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=NO_CONTROL)]
Department = Annotated[str, StringConstraints(max_length=40, pattern=NO_CONTROL)]
Email = Annotated[str, StringConstraints(max_length=254, pattern=NO_CONTROL)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Number = Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)]
UnitName = Literal["count", "percent", "points", "ratio", "hours", "days", "eur", "position", "score"]
Kind = Literal["week", "month", "quarter", "year"]


class FormulaRead(BaseModel):
    key: str = Field(description="The library's formula, or 'series' for an imported series.")
    variant: str
    version: str = Field(description="Changes whenever the arithmetic does, e.g. share_of_voice/reach@1.0.")
    unit: str
    source: str = Field(description="mentions, inbox or series: what the value is computed from.")
    text: dict[str, str] = Field(description="The formula in words, per language (en, nl).")

    @classmethod
    def of(cls, f: Formula) -> FormulaRead:
        return cls(
            key=f.key,
            variant=f.variant,
            version=f.version,
            unit=f.unit.value,
            source=f.source,
            text=dict(f.text),
        )


class PeriodRead(BaseModel):
    kind: str
    start: date = Field(description="Its first day in Europe/Amsterdam.")
    end: date = Field(description="The first day of the next period.")
    label: str = Field(description="2026-12, 2026-Q4, 2026-W49 or 2026.")

    @classmethod
    def of(cls, p: Period) -> PeriodRead:
        return cls(kind=p.kind.value, start=p.start, end=p.end, label=p.label())


class PartRead(BaseModel):
    name: str
    value: float | None


class ValueRead(BaseModel):
    value: float | None = Field(description="null: nothing to compute it from in the period.")
    low: float | None = Field(description="The 95 % interval's lower end; null when none is given.")
    high: float | None
    n: int = Field(description="How many items the value is computed from.")
    parts: list[PartRead] = Field(description="A breakdown: per competitor, direct/indirect, …")


def _value(e: Any) -> dict[str, Any]:
    return {
        "value": e.value,
        "low": e.low,
        "high": e.high,
        "n": e.n,
        "parts": [PartRead(name=n, value=v) for n, v in e.parts],
    }


class KpiRead(BaseModel):
    """A KPI with its value in the current period, its target, forecast and status."""

    id: int
    goal_id: int
    key: str
    name: str
    formula: FormulaRead
    params: dict[str, Any]
    series_key: str | None
    unit: str
    direction: str = Field(description="up: higher is better; down: lower is better.")
    baseline: float | None
    owner: str | None
    department: str | None
    period: PeriodRead
    value: ValueRead
    target: float | None
    forecast: float | None = Field(description="The expected value at the period's end.")
    status: str = Field(description="on_track, at_risk, off_track, no_target or no_data.")
    drill: str = Field(description="The page that lists what the value counts.")

    @classmethod
    def of(cls, c: read.KpiCard) -> KpiRead:
        d = c.kpi
        return cls(
            id=d.id,
            goal_id=d.goal_id,
            key=d.key,
            name=d.name,
            formula=FormulaRead.of(d.formula),
            params=d.params,
            series_key=d.series_key,
            unit=d.unit.value,
            direction=d.direction.value,
            baseline=d.baseline,
            owner=d.owner,
            department=d.department,
            period=PeriodRead.of(c.period),
            value=ValueRead(**_value(c.value)),
            target=c.target,
            forecast=c.forecast,
            status=c.status.value,
            drill=c.drill,
        )


class GoalRead(BaseModel):
    id: int
    name: str
    description: str
    owner: str | None
    department: str | None
    parent_id: int | None
    kpis: list[KpiRead]
    children: list[GoalRead] = Field(description="Sub-goals, each with its KPIs and sub-goals.")

    @classmethod
    def of(cls, g: read.GoalNode) -> GoalRead:
        return cls(
            id=g.id,
            name=g.name,
            description=g.description,
            owner=g.owner,
            department=g.department,
            parent_id=g.parent_id,
            kpis=[KpiRead.of(c) for c in g.kpis],
            children=[GoalRead.of(c) for c in g.children],
        )


class GoalCreate(BaseModel):
    name: Name
    description: str = Field("", max_length=10_000, pattern=NO_NUL)
    owner: Email | None = Field(None, description="The owner's e-mail address.")
    department: Department | None = None
    parent_id: Id | None = Field(None, description="The goal this one is a sub-goal of.")


class GoalUpdate(BaseModel):
    """Fields left out keep their value."""

    name: Name | None = None
    description: str | None = Field(None, max_length=10_000, pattern=NO_NUL)
    owner: Email | None = None
    department: Department | None = None
    parent_id: Id | None = None


class KpiParams(BaseModel):
    model_config = {"extra": "forbid"}

    topics: list[Line] = Field([], max_length=50, description="Our topics (by name).")
    competitors: list[Line] = Field([], max_length=50, description="Competitor topics (by name).")
    department: Department | None = Field(None, description="Volume and inbox KPIs: the department.")
    variant: Line | None = Field(None, description="The formula's variant, e.g. reach, polar or p90.")
    spend: Number | None = Field(None, ge=0, description="Cost per lead: the spend in euros.")

    def plain(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude_defaults=True)


class KpiCreate(BaseModel):
    goal_id: Id
    key: Key = Field(description="Lower-case letters, digits, '_', '.', '-'.")
    name: Name
    formula: Line | None = Field(None, description="A formula of the KPI library (or give series).")
    params: KpiParams = Field(default_factory=lambda: KpiParams.model_validate({}))
    series: Key | None = Field(None, description="An external series (made when new, in the KPI's unit).")
    unit: UnitName | None = Field(None, description="Needed for a series; a formula has its own.")
    direction: Literal["up", "down"] = "up"
    baseline: Number | None = None
    owner: Email | None = None
    department: Department | None = None


class KpiUpdate(BaseModel):
    """Fields left out keep their value; the formula itself stays (a new formula is a new KPI)."""

    goal_id: Id | None = None
    name: Name | None = None
    params: KpiParams | None = None
    direction: Literal["up", "down"] | None = None
    baseline: Number | None = None
    owner: Email | None = None
    department: Department | None = None


class TargetRead(BaseModel):
    id: int
    period_kind: str
    period_start: date
    value: float

    @classmethod
    def of(cls, t: read.TargetRead) -> TargetRead:
        return cls(id=t.id, period_kind=t.period_kind.value, period_start=t.period_start, value=t.value)


class TargetPut(BaseModel):
    period_kind: Kind = "month"
    period_start: date = Field(description="The period's first day, e.g. 2026-12-01 for December.")
    value: Number | Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=NO_CONTROL)] = (
        Field(description="A number, or text with its unit: '45 %', '€ 12', '3,5 days'.")
    )
    unit: UnitName | None = Field(
        None, description="The value's unit; another unit than the KPI's is refused."
    )


class SeriesValueRead(ValueRead):
    period: PeriodRead
    target: float | None
    drill: str

    @classmethod
    def of(cls, s: read.SeriesValue) -> SeriesValueRead:
        return cls(period=PeriodRead.of(s.period), target=s.target, drill=s.drill, **_value(s.value))


class KpiDetailRead(KpiRead):
    series: list[SeriesValueRead] = Field(description="The value per period, oldest first.")
    targets: list[TargetRead]


class SeriesCreate(BaseModel):
    key: Key
    name: Name
    unit: UnitName
    department: Department | None = None


class SeriesRead(BaseModel):
    key: str
    name: str
    unit: str
    department: str | None
    points: int
    first: date | None
    last: date | None

    @classmethod
    def of(cls, s: read.SeriesRead) -> SeriesRead:
        return cls(
            key=s.key,
            name=s.name,
            unit=s.unit.value,
            department=s.department,
            points=s.points,
            first=s.first,
            last=s.last,
        )


class PointRow(BaseModel):
    period: Line = Field(description="2026-11-03, 3-11-2026, 2026-11, 2026-Q4 or 2026-W45.")
    value: Number | Line = Field(description="A number, or text with its unit ('45 %').")
    unit: UnitName | None = None


class PointRows(BaseModel):
    rows: list[PointRow] = Field(max_length=100_000)


class RowProblemRead(BaseModel):
    line: int = Field(description="The CSV line (JSON: the row's position, from 1).")
    message: str


class ImportRead(BaseModel):
    series: str
    stored: int = Field(description="Rows stored (a period already there got the new value).")
    problems: list[RowProblemRead]
