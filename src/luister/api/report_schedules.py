"""``/report-schedules``: scheduled reports — list them with their latest runs and each run's e-mail
state, add, change, pause, resume, remove, and "send now" (a run by hand; the effects ledger sends it).
View to read; manage (analysts, admins) to change, as for goals and KPIs. Departments scope schedules as
they scope goals and KPIs: someone of a department reads their department's schedules and the company's,
changes their own department's only, and another department's schedule answers 404 like a missing one."""

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, Field

from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, responses
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.kpis import report_actions as actions
from luister.kpis import report_read as read
from luister.runtime import Runtime
from luister.services.accounts import UserRead

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ReportScheduleBase(BaseModel):
    model_config = {"extra": "forbid"}

    name: str = Field(max_length=200, description="What the report is called, e.g. `Webcare weekly`.")
    recipients: list[str] = Field(min_length=1, max_length=50, description="E-mail addresses.")
    weekday: int = Field(ge=0, le=6, description="0 Monday … 6 Sunday.")
    at: str = Field(max_length=5, description="Local time of day, HH:MM.", examples=["08:00"])
    language: str = Field("nl", max_length=2, description="`nl` or `en`.")
    zone: str = Field("Europe/Amsterdam", max_length=60, description="IANA time zone of `at`.")
    template: str = Field("weekly_webcare", max_length=40, description=", ".join(actions.TEMPLATES))
    department: str | None = Field(
        None, max_length=40, description="Whose report (a department's key): it carries what that department "
        "sees and goes to those who may see it. Null: the whole company's (only someone across departments "
        "makes one); someone of a department always makes their own department's. Left out of a PUT: kept.",
    )  # fmt: skip


class ReportScheduleCreate(ReportScheduleBase):
    pass


class ReportScheduleUpdate(ReportScheduleBase):
    """The whole schedule, as it should be (its runs so far stay)."""


class ReportRunRead(BaseModel):
    id: int
    schedule_id: int
    period_start: date
    due_at: datetime
    requested_by: str | None = Field(description="Who sent it by hand; null for a scheduled run.")
    created_at: datetime
    effect_id: int | None
    state: str | None = Field(description="The e-mail's state in the effects ledger.")
    error: str | None


class ReportScheduleRead(ReportScheduleBase):
    model_config = {"extra": "forbid"}

    id: int
    active: bool
    created_by: str | None
    created_at: datetime
    next_run: datetime | None = Field(description="The next scheduled run (UTC); null while paused.")
    runs: list[ReportRunRead] = Field(description="The latest runs, newest first.")


def _problem(exc: Exception) -> ApiError:
    if isinstance(exc, actions.UnknownSchedule):
        return ApiError(404, str(exc))
    if isinstance(exc, actions.ScheduleProblem) and exc.field == "department":
        return ApiError(403, str(exc))
    if isinstance(exc, actions.ScheduleProblem):
        return invalid(f"{exc.field}: {exc}")
    raise exc


REFUSALS = (actions.UnknownSchedule, actions.ScheduleProblem)


def _given(body: ReportScheduleBase) -> actions.ScheduleInput:
    return actions.ScheduleInput(body.name, body.recipients, body.weekday, body.at, body.language, body.zone,
                                 body.template, body.department)  # fmt: skip


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["reports"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(caller(engine, Permission.manage))]

    def one(schedule_id: int, user: UserRead) -> ReportScheduleRead:
        try:
            view = read.schedule_of(engine=engine, schedule_id=schedule_id, now=runtime.clock(),
                                    scope=user.scope)  # fmt: skip
        except REFUSALS as exc:
            raise _problem(exc) from None
        runs = read.runs_of(engine=engine, schedule_ids=[view.id]).get(view.id, [])
        return _read(view, runs)

    @router.get("/report-schedules", response_model=list[ReportScheduleRead], responses=responses(403))
    def report_schedules_list(user: Reader) -> list[ReportScheduleRead]:
        """Every schedule one sees (one's department's and the company's) with its next run and its latest
        runs (each with its e-mail's state)."""
        views = read.list_schedules(engine=engine, now=runtime.clock(), scope=user.scope)
        runs = read.runs_of(engine=engine, schedule_ids=[v.id for v in views], per_schedule=5)
        return [_read(v, runs.get(v.id, [])) for v in views]

    @router.post("/report-schedules", status_code=201, response_model=ReportScheduleRead,
                 responses=responses(400, 403))  # fmt: skip
    def report_schedules_create(user: Manager, body: ReportScheduleCreate) -> ReportScheduleRead:
        try:
            new = actions.create_schedule(
                engine=engine, given=_given(body), actor=user.email, now=runtime.clock(), scope=user.scope
            )
        except REFUSALS as exc:
            raise _problem(exc) from None
        return one(new, user)

    @router.get("/report-schedules/{schedule_id}", response_model=ReportScheduleRead,
                responses=responses(403, 404))  # fmt: skip
    def report_schedules_get(user: Reader, schedule_id: RowId) -> ReportScheduleRead:
        return one(schedule_id, user)

    @router.put("/report-schedules/{schedule_id}", response_model=ReportScheduleRead,
                responses=responses(400, 403, 404))  # fmt: skip
    def report_schedules_update(
        user: Manager, schedule_id: RowId, body: ReportScheduleUpdate
    ) -> ReportScheduleRead:
        try:
            actions.update_schedule(engine=engine, schedule_id=schedule_id, given=_given(body),
                                    actor=user.email, now=runtime.clock(), scope=user.scope,
                                    keep_department="department" not in body.model_fields_set)  # fmt: skip
        except REFUSALS as exc:
            raise _problem(exc) from None
        return one(schedule_id, user)

    @router.delete("/report-schedules/{schedule_id}", status_code=204, responses=responses(403, 404))
    def report_schedules_remove(user: Manager, schedule_id: RowId) -> Response:
        """Remove the schedule and its runs; e-mails already planned stay in the effects ledger."""
        try:
            actions.remove_schedule(engine=engine, schedule_id=schedule_id, actor=user.email,
                                    now=runtime.clock(), scope=user.scope)  # fmt: skip
        except REFUSALS as exc:
            raise _problem(exc) from None
        return Response(status_code=204)

    def activate(user: UserRead, schedule_id: int, active: bool) -> ReportScheduleRead:
        try:
            actions.set_active(engine=engine, schedule_id=schedule_id, active=active, actor=user.email,
                               now=runtime.clock(), scope=user.scope)  # fmt: skip
        except REFUSALS as exc:
            raise _problem(exc) from None
        return one(schedule_id, user)

    @router.post("/report-schedules/{schedule_id}/pause", response_model=ReportScheduleRead,
                 responses=responses(403, 404))  # fmt: skip
    def report_schedules_pause(user: Manager, schedule_id: RowId) -> ReportScheduleRead:
        """No scheduled runs until resumed (pausing a paused schedule changes nothing)."""
        return activate(user, schedule_id, False)

    @router.post("/report-schedules/{schedule_id}/resume", response_model=ReportScheduleRead,
                 responses=responses(403, 404))  # fmt: skip
    def report_schedules_resume(user: Manager, schedule_id: RowId) -> ReportScheduleRead:
        """Scheduled again; a run that fell due while paused is sent once, late."""
        return activate(user, schedule_id, True)

    @router.post("/report-schedules/{schedule_id}/send-now", status_code=202, response_model=ReportRunRead,
                 responses=responses(403, 404))  # fmt: skip
    def report_schedules_send_now(user: Manager, schedule_id: RowId) -> ReportRunRead:
        """Send the report now (also while paused): a run by hand whose e-mail the effects ledger sends."""
        try:
            run_id, _ = actions.send_now(engine=engine, schedule_id=schedule_id, actor=user.email,
                                         now=runtime.clock(), render=runtime.report_render(),
                                         scope=user.scope)  # fmt: skip
        except REFUSALS as exc:
            raise _problem(exc) from None
        runs = read.runs_of(engine=engine, schedule_ids=[schedule_id], per_schedule=50)[schedule_id]
        return ReportRunRead(**asdict(next(r for r in runs if r.id == run_id)))

    return router


def _read(view: read.ScheduleView, runs: list[read.RunView]) -> ReportScheduleRead:
    return ReportScheduleRead(
        id=view.id, department=view.department, name=view.name, recipients=view.recipients,
        weekday=view.weekday, at=view.at,
        language=view.language, zone=view.zone, template=view.template, active=view.active,
        created_by=view.created_by, created_at=view.created_at, next_run=view.next_run,
        runs=[ReportRunRead(**asdict(r)) for r in runs],
    )  # fmt: skip
