"""``/projects``: social projects (campaigns, community launches, webcare pilots) with their budget and
spend, the overlap map, and a KPI's attribution across overlapping projects (docs/projects.md)."""

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, responses
from luister.api.schemas import NO_CONTROL, NO_NUL
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.kpis import projects as service
from luister.runtime import Runtime
from luister.services.accounts import UserRead

Kind = Literal["campaign", "community", "webcare_pilot"]
Method = Literal["linear", "time_decay", "position", "shapley", "causal"]
ProjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
Line = Annotated[str, Field(max_length=200, pattern=NO_CONTROL)]
Link = Annotated[str, Field(max_length=2000, pattern=NO_CONTROL)]


class ProjectBase(BaseModel):
    owner: str | None = Field(None, max_length=120, pattern=NO_CONTROL)
    department: str | None = Field(None, max_length=40, pattern=NO_CONTROL)
    currency: str = Field("EUR", pattern=r"^[A-Z]{3}$")
    budget_cents: int | None = Field(None, ge=0, le=10**15, description="The budget in cents.")
    topics: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=100)
    hashtags: list[Line] = Field(default_factory=list, max_length=100)
    links: list[Link] = Field(default_factory=list, max_length=100)
    channels: list[Line] = Field(default_factory=list, max_length=50)
    countries: list[Line] = Field(default_factory=list, max_length=250)
    objectives: str = Field("", max_length=10_000, pattern=NO_NUL)
    kpi_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=100)


class ProjectCreate(ProjectBase):
    name: str = Field(min_length=1, max_length=200, pattern=NO_CONTROL)
    kind: Kind
    starts_on: date
    ends_on: date = Field(description="The last day it runs.")


class ProjectUpdate(BaseModel):
    """Only the fields sent change."""

    name: str | None = Field(None, min_length=1, max_length=200, pattern=NO_CONTROL)
    kind: Kind | None = None
    owner: str | None = Field(None, max_length=120, pattern=NO_CONTROL)
    department: str | None = Field(None, max_length=40, pattern=NO_CONTROL)
    budget_cents: int | None = Field(None, ge=0, le=10**15)
    starts_on: date | None = None
    ends_on: date | None = None
    topics: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(None, max_length=100)
    hashtags: list[Line] | None = Field(None, max_length=100)
    links: list[Link] | None = Field(None, max_length=100)
    channels: list[Line] | None = Field(None, max_length=50)
    countries: list[Line] | None = Field(None, max_length=250)
    objectives: str | None = Field(None, max_length=10_000, pattern=NO_NUL)
    kpi_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(None, max_length=100)


class ProjectRead(ProjectBase):
    id: int
    name: str
    kind: Kind
    starts_on: date
    ends_on: date
    spend_cents: int
    evaluation: str | None
    objectives_met: bool | None
    evaluated_at: datetime | None
    evaluated_by: str | None
    created_at: datetime


class SpendCreate(BaseModel):
    amount_cents: int = Field(ge=-(10**15), le=10**15, description="Negative for a refund or correction.")
    spent_on: date
    note: str | None = Field(None, max_length=500, pattern=NO_CONTROL)


class SpendRead(BaseModel):
    id: int
    spent_on: date
    amount_cents: int
    note: str | None
    recorded_by: str | None


class EvaluationCreate(BaseModel):
    objectives_met: bool
    evaluation: str = Field(min_length=1, max_length=20_000, pattern=NO_NUL)


class OverlapRead(BaseModel):
    """Another project running on the same days; what audience they share (topics, hashtags, channels,
    countries)."""

    other: int
    other_name: str
    days: int
    topics: list[int]
    hashtags: list[str]
    channels: list[str]
    countries: list[str]


class ProjectDetail(ProjectRead):
    spend: list[SpendRead]
    overlaps: list[OverlapRead]


class ShareRead(BaseModel):
    project: int
    name: str
    value: float
    low: float | None = Field(description="The interval's bounds (shapley, causal).")
    high: float | None
    placebo_low: float | None = Field(description="The same estimate on campaign-free dates (causal).")
    placebo_high: float | None
    placebo_ok: bool | None = Field(description="Whether the placebo's interval holds zero, as it should.")


class AttributionRead(BaseModel):
    kpi: str
    method: Method
    since: date
    until: date
    total: float
    shares: list[ShareRead]
    unattributed: float
    level: float | None
    controls: list[str]
    notes: list[str]


def _read(p: service.Project) -> ProjectRead:
    return ProjectRead(**asdict(p))


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["projects"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(caller(engine, Permission.manage))]

    def shown(user: UserRead, project_id: int) -> ProjectDetail:
        try:
            found = service.detail(engine=engine, scope=user.scope, project_id=project_id)
        except service.UnknownProject as exc:
            raise ApiError(404, str(exc)) from None
        return ProjectDetail(
            **asdict(found.project), spend=[SpendRead(**asdict(s)) for s in found.spend],
            overlaps=[OverlapRead(**asdict(o)) for o in found.overlaps],
        )  # fmt: skip

    def acting(user: UserRead, project_id: int, change: str, **kwargs: object) -> ProjectDetail:
        try:
            getattr(service, change)(engine=engine, actor=user.email, scope=user.scope, project_id=project_id,
                                     now=datetime.now(UTC), **kwargs)  # fmt: skip
        except service.UnknownProject as exc:
            raise ApiError(404, str(exc)) from None
        except service.ProjectError as exc:
            raise invalid(str(exc)) from None
        return shown(user, project_id)

    @router.get("/projects", response_model=list[ProjectRead], responses=responses(403))
    def projects_list(
        user: Reader, kind: Kind | None = None,
        running_on: Annotated[date | None, Query(description="Only projects running that day.")] = None,
    ) -> list[ProjectRead]:  # fmt: skip
        """The projects in your departments, the latest start first."""
        return [_read(p) for p in service.list_projects(engine=engine, scope=user.scope, kind=kind,
                                                        running_on=running_on)]  # fmt: skip

    @router.post("/projects", response_model=ProjectDetail, status_code=201, responses=responses(400, 403))
    def projects_create(user: Manager, body: ProjectCreate) -> ProjectDetail:
        """A new project; a department's people create their own department's."""
        try:
            values = body.model_dump()
            values["department"] = (
                user.scope.department or values["department"]
            )  # a department keeps to its own
            new = service.create(engine=engine, actor=user.email, scope=user.scope, now=datetime.now(UTC),
                                 **values)  # fmt: skip
        except service.ProjectError as exc:
            raise invalid(str(exc)) from None
        return shown(user, new)

    @router.get("/projects/{project_id}", response_model=ProjectDetail, responses=responses(403, 404))
    def projects_get(user: Reader, project_id: ProjectId) -> ProjectDetail:
        """One project with its spend lines and the overlap map (projects on the same days, what audience
        they share)."""
        return shown(user, project_id)

    @router.patch("/projects/{project_id}", response_model=ProjectDetail, responses=responses(400, 403, 404))
    def projects_update(user: Manager, project_id: ProjectId, body: ProjectUpdate) -> ProjectDetail:
        """Change the fields sent."""
        return acting(user, project_id, "update", changes=body.model_dump(exclude_unset=True))

    @router.post(
        "/projects/{project_id}/spend", response_model=ProjectDetail, responses=responses(400, 403, 404)
    )
    def projects_spend(user: Manager, project_id: ProjectId, body: SpendCreate) -> ProjectDetail:
        """Record a line of spend."""
        return acting(user, project_id, "record_spend", **body.model_dump())

    @router.post(
        "/projects/{project_id}/evaluation", response_model=ProjectDetail, responses=responses(400, 403, 404)
    )
    def projects_evaluate(user: Manager, project_id: ProjectId, body: EvaluationCreate) -> ProjectDetail:
        """The end-of-project evaluation: objectives met or not, and the lessons."""
        return acting(user, project_id, "evaluate", **body.model_dump())

    @router.get(
        "/projects/{project_id}/attribution", response_model=AttributionRead, responses=responses(403, 404)
    )
    def projects_attribution(
        user: Reader, project_id: ProjectId,
        kpi: Annotated[str, Query(max_length=80, pattern=r"^[a-z_]+:[0-9]+$",
                                  description="kpi:<KPI id> (a goal-tree KPI, day by day) or "
                                              "mentions|reach|engagement:<topic id>")],
        method: Method = "linear",
    ) -> AttributionRead:  # fmt: skip
        """The KPI across this project and those overlapping it: a rule-based split (linear, time decay with a
        7-day half-life, position-based 40/20/40), Shapley values of the estimated lift, or each project's
        causal lift with a 90 % interval and a placebo on campaign-free dates."""
        try:
            got = service.attribute(engine=engine, scope=user.scope, project_id=project_id, kpi=kpi,
                                    method=method, today=datetime.now(UTC).date())  # fmt: skip
        except service.UnknownProject as exc:
            raise ApiError(404, str(exc)) from None
        except service.ProjectError as exc:
            raise invalid(str(exc)) from None
        shares = [ShareRead(**asdict(s), placebo_ok=s.placebo_ok) for s in got.shares]
        return AttributionRead(**{**asdict(got), "shares": shares})

    return router
