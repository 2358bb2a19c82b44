"""``/goals``, ``/kpis`` and ``/series``: the goal tree with each KPI's value, interval, target, forecast,
status, formula text and version and drill-down address; KPIs with their values per period and targets;
external series and their imports (CSV or JSON rows). View to read, manage to change; someone of a
department sees the company's goals and their department's, and changes their department's only."""

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import ValidationError

from luister.api.auth import caller
from luister.api.kpis_schemas import (
    KEY,
    GoalCreate,
    GoalRead,
    GoalUpdate,
    ImportRead,
    Kind,
    KpiCreate,
    KpiDetailRead,
    KpiRead,
    KpiUpdate,
    PointRows,
    RowProblemRead,
    SeriesCreate,
    SeriesRead,
    SeriesValueRead,
    TargetPut,
    TargetRead,
)
from luister.api.problems import VALIDATION, ApiError, FieldProblem, invalid, responses
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.kpis import actions, read
from luister.kpis.series import UnitMismatch
from luister.kpis.status import PeriodKind
from luister.runtime import Runtime
from luister.services.accounts import UserRead

RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
SeriesKey = Annotated[str, Path(min_length=1, max_length=60, pattern=KEY, description="The series' key.")]
PeriodQuery = Annotated[Kind, Query(description="The period the values are for: the current one.")]
MAX_BODY = 20 * 1024 * 1024  # an import of 100,000 rows fits well within it


def _rows_schema() -> dict[str, Any]:
    """PointRows' JSON schema with its row schema inline (no route names it, so it is no component)."""
    schema = PointRows.model_json_schema()
    schema["properties"]["rows"]["items"] = schema.pop("$defs")["PointRow"]
    return schema


POINTS_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {
                "type": "string",
                "description": "period,value[,unit] per line; a header "
                "line is skipped; ';' with decimal commas (Dutch Excel) is read too.",
            }
        },
        "application/json": {"schema": _rows_schema()},
    },
}


def problem(exc: Exception) -> ApiError:
    """The kpis capability's refusals as problem details."""
    if isinstance(exc, read.UnknownGoal | read.UnknownKpi | read.UnknownSeries):
        return ApiError(404, str(exc))
    if isinstance(exc, actions.Taken):
        return ApiError(409, f"{exc.field}: {exc}")
    if isinstance(exc, actions.KpiProblem) and exc.field == "department":
        return ApiError(403, str(exc))
    if isinstance(exc, actions.KpiProblem | UnitMismatch):
        return invalid(f"{getattr(exc, 'field', 'unit')}: {exc}")
    raise exc


REFUSALS = (read.UnknownGoal, read.UnknownKpi, read.UnknownSeries, actions.KpiProblem, UnitMismatch)


def as_csv(rows: PointRows) -> bytes:
    """JSON rows as the CSV the import reads: a header line (so that a first row with a bad period is
    reported, not taken for a header), then one line per row; a problem's line − 1 is the row's place."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["period", "value", "unit"])
    for row in rows.rows:
        writer.writerow([row.period, row.value, row.unit or ""])
    return out.getvalue().encode()


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["kpis"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(caller(engine, Permission.manage))]

    def rates() -> read.Rates:
        return read.Rates.of(runtime.settings)

    def detail(kpi_id: int, user: UserRead, period: str = "month") -> KpiDetailRead:
        kind, now = PeriodKind(period), runtime.clock()
        try:
            card = read.kpi_detail(
                engine=engine, kpi_id=kpi_id, now=now, scope=user.scope, kind=kind, rates=rates()
            )
            values = read.kpi_series(
                engine=engine, kpi_id=kpi_id, now=now, scope=user.scope, kind=kind, rates=rates()
            )
            targets = read.kpi_targets(engine=engine, kpi_id=kpi_id, scope=user.scope)
        except REFUSALS as exc:
            raise problem(exc) from None
        return KpiDetailRead(
            **KpiRead.of(card).model_dump(),
            series=[SeriesValueRead.of(v) for v in values],
            targets=[TargetRead.of(t) for t in targets],
        )

    def goal(goal_id: int, user: UserRead, period: str = "month") -> GoalRead:
        try:
            return GoalRead.of(
                read.goal_detail(
                    engine=engine,
                    goal_id=goal_id,
                    now=runtime.clock(),
                    scope=user.scope,
                    kind=PeriodKind(period),
                    rates=rates(),
                )
            )
        except REFUSALS as exc:
            raise problem(exc) from None

    # --- goals ------------------------------------------------------------------------------------------

    @router.get("/goals", response_model=list[GoalRead], responses=responses(403))
    def goals_list(user: Reader, period: PeriodQuery = "month") -> list[GoalRead]:
        """The goal tree the caller sees (roots by name), each KPI with its value in the current period,
        its 95 % interval, target, forecast to the period's end, status, formula and drill-down address."""
        tree = read.goal_tree(
            engine=engine, now=runtime.clock(), scope=user.scope, kind=PeriodKind(period), rates=rates()
        )
        return [GoalRead.of(g) for g in tree]

    @router.post("/goals", status_code=201, response_model=GoalRead, responses=responses(400, 403, 404, 409))
    def goal_create(body: GoalCreate, user: Manager) -> GoalRead:
        try:
            goal_id = actions.create_goal(
                engine=engine,
                name=body.name,
                description=body.description,
                owner=body.owner,
                department=body.department,
                parent_id=body.parent_id,
                actor=user.email,
                scope=user.scope,
            )
        except REFUSALS as exc:
            raise problem(exc) from None
        return goal(goal_id, user)

    @router.get("/goals/{goal_id}", response_model=GoalRead, responses=responses(403, 404))
    def goal_read(goal_id: RowId, user: Reader, period: PeriodQuery = "month") -> GoalRead:
        return goal(goal_id, user, period)

    @router.patch("/goals/{goal_id}", response_model=GoalRead, responses=responses(400, 403, 404, 409))
    def goal_update(goal_id: RowId, body: GoalUpdate, user: Manager) -> GoalRead:
        """Change what is given; ``parent_id`` null makes it a top goal, ``owner`` null leaves it unowned."""
        try:
            actions.update_goal(
                engine=engine,
                goal_id=goal_id,
                actor=user.email,
                scope=user.scope,
                **body.model_dump(exclude_unset=True),
            )
        except REFUSALS as exc:
            raise problem(exc) from None
        return goal(goal_id, user)

    @router.delete(
        "/goals/{goal_id}", status_code=204, response_class=Response, responses=responses(403, 404)
    )
    def goal_delete(goal_id: RowId, user: Manager) -> Response:
        """Delete a goal with its KPIs and their targets (one with sub-goals is refused)."""
        try:
            actions.delete_goal(engine=engine, goal_id=goal_id, actor=user.email, scope=user.scope)
        except REFUSALS as exc:
            raise problem(exc) from None
        return Response(status_code=204)

    # --- KPIs -------------------------------------------------------------------------------------------

    @router.get("/kpis", response_model=list[KpiRead], responses=responses(403))
    def kpis_list(user: Reader, period: PeriodQuery = "month") -> list[KpiRead]:
        """Every KPI the caller sees with its value in the current period (the goal tree, flat)."""
        found: list[KpiRead] = []
        waiting = read.goal_tree(
            engine=engine, now=runtime.clock(), scope=user.scope, kind=PeriodKind(period), rates=rates()
        )
        while waiting:
            node = waiting.pop(0)
            found += [KpiRead.of(c) for c in node.kpis]
            waiting = node.children + waiting
        return found

    @router.post(
        "/kpis", status_code=201, response_model=KpiDetailRead, responses=responses(400, 403, 404, 409)
    )
    def kpi_create(body: KpiCreate, user: Manager) -> KpiDetailRead:
        """A KPI of a goal: a formula of the KPI library with its parameters, or an external series."""
        try:
            kpi_id = actions.create_kpi(
                engine=engine,
                goal_id=body.goal_id,
                key=body.key,
                name=body.name,
                formula=body.formula,
                params=body.params.plain(),
                series=body.series,
                unit=body.unit,
                direction=body.direction,
                baseline=body.baseline,
                owner=body.owner,
                department=body.department,
                actor=user.email,
                scope=user.scope,
            )
        except REFUSALS as exc:
            raise problem(exc) from None
        return detail(kpi_id, user)

    @router.get("/kpis/{kpi_id}", response_model=KpiDetailRead, responses=responses(403, 404))
    def kpi_read(kpi_id: RowId, user: Reader, period: PeriodQuery = "month") -> KpiDetailRead:
        """The KPI now, its value in each of the last 12 periods (with its target and drill-down address),
        and its targets."""
        return detail(kpi_id, user, period)

    @router.patch("/kpis/{kpi_id}", response_model=KpiDetailRead, responses=responses(400, 403, 404))
    def kpi_update(kpi_id: RowId, body: KpiUpdate, user: Manager) -> KpiDetailRead:
        changes: dict[str, Any] = body.model_dump(exclude_unset=True)
        if body.params is not None:
            changes["params"] = body.params.plain()
        try:
            actions.update_kpi(engine=engine, kpi_id=kpi_id, actor=user.email, scope=user.scope, **changes)
        except REFUSALS as exc:
            raise problem(exc) from None
        return detail(kpi_id, user)

    @router.delete("/kpis/{kpi_id}", status_code=204, response_class=Response, responses=responses(403, 404))
    def kpi_delete(kpi_id: RowId, user: Manager) -> Response:
        try:
            actions.delete_kpi(engine=engine, kpi_id=kpi_id, actor=user.email, scope=user.scope)
        except REFUSALS as exc:
            raise problem(exc) from None
        return Response(status_code=204)

    @router.put("/kpis/{kpi_id}/targets", response_model=TargetRead, responses=responses(400, 403, 404))
    def target_put(kpi_id: RowId, body: TargetPut, user: Manager) -> TargetRead:
        """Set (or replace) the KPI's target for one period; a value in another unit is refused."""
        try:
            actions.set_target(
                engine=engine,
                kpi_id=kpi_id,
                period_kind=body.period_kind,
                period_start=body.period_start,
                value=body.value,
                unit=body.unit,
                actor=user.email,
                scope=user.scope,
            )
            targets = read.kpi_targets(engine=engine, kpi_id=kpi_id, scope=user.scope)
        except REFUSALS as exc:
            raise problem(exc) from None
        return next(
            TargetRead.of(t)
            for t in targets
            if t.period_kind.value == body.period_kind and t.period_start == body.period_start
        )

    @router.delete(
        "/kpis/{kpi_id}/targets/{target_id}",
        status_code=204,
        response_class=Response,
        responses=responses(403, 404),
    )
    def target_delete(kpi_id: RowId, target_id: RowId, user: Manager) -> Response:
        try:
            actions.delete_target(
                engine=engine, kpi_id=kpi_id, target_id=target_id, actor=user.email, scope=user.scope
            )
        except REFUSALS as exc:
            raise problem(exc) from None
        return Response(status_code=204)

    # --- external series --------------------------------------------------------------------------------

    @router.get("/series", response_model=list[SeriesRead], responses=responses(403))
    def series_list(user: Reader) -> list[SeriesRead]:
        """The external series (search position, new customers, NPS, …) with how many points each holds."""
        return [SeriesRead.of(s) for s in read.list_series(engine=engine, scope=user.scope)]

    @router.post("/series", status_code=201, response_model=SeriesRead, responses=responses(400, 403, 409))
    def series_create(body: SeriesCreate, user: Manager) -> SeriesRead:
        try:
            actions.create_series(
                engine=engine,
                key=body.key,
                name=body.name,
                unit=body.unit,
                department=body.department,
                actor=user.email,
                scope=user.scope,
            )
        except REFUSALS as exc:
            raise problem(exc) from None
        return next(
            SeriesRead.of(s) for s in read.list_series(engine=engine, scope=user.scope) if s.key == body.key
        )

    @router.post(
        "/series/{key}/points",
        response_model=ImportRead,
        responses=responses(403, 404, 413, 415),
        openapi_extra={"requestBody": POINTS_BODY},
    )
    async def series_import(key: SeriesKey, request: Request, user: Manager) -> ImportRead:
        """Import points into the series ``key`` (or the series of the KPI ``key``): CSV (``text/csv``,
        ``period,value[,unit]``) or JSON rows. Good rows are stored; each bad one comes back with its line.
        Nothing good: 422, with every line's problem in ``errors``."""
        data = await request.body()
        if len(data) > MAX_BODY:
            raise ApiError(413, f"at most {MAX_BODY // 1024 // 1024} MB per import")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        shift = 0  # JSON rows: the CSV made from them has a header line
        if media == "application/json":
            shift = 1
            try:
                data = as_csv(PointRows.model_validate_json(data))
            except ValidationError as exc:
                raise invalid(f"body: {exc.errors()[0]['msg']}") from None
        elif media not in ("text/csv", "text/plain"):
            raise ApiError(415, "send text/csv or application/json")
        try:
            done = actions.import_points(
                engine=engine,
                key=key,
                data=data,
                actor=user.email,
                now=runtime.clock(),
                source="api",
                scope=user.scope,
            )
        except REFUSALS as exc:
            raise problem(exc) from None
        problems = [RowProblemRead(line=p.line - shift, message=p.message) for p in done.problems]
        if not done.stored:
            errors = [FieldProblem(loc=["body", p.line], msg=p.message, type="row") for p in problems]
            detail = "; ".join(f"line {p.line}: {p.message}" for p in problems[:5]) or "no rows to import"
            raise ApiError(
                422,
                detail,
                type=VALIDATION,
                title="Nothing imported",
                errors=[e.model_dump() for e in errors],
            )
        return ImportRead(series=done.series, stored=done.stored, problems=problems)

    return router
