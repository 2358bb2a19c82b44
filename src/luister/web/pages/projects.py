"""Social projects: the list with a timeline, and one project with its spend, the overlap map (a timeline
of the projects running beside it and the audience they share) and a KPI's attribution across them. The
pages only call :mod:`luister.kpis.projects`."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from luister.domain.accounts import Permission
from luister.kpis import projects as service
from luister.kpis import read as kpis
from luister.organisation.knowledge import project_targets
from luister.web.auth import Session
from luister.web.context import Refused, Web
from luister.web.pages.organisation_knowledge import related_to

PATH = "/projects"


@dataclass(frozen=True)
class Bar:
    """One project on a timeline: where its bar starts and how long it is, in % of the axis."""

    project: service.Project
    left: float
    width: float


def timeline(items: list[service.Project]) -> tuple[list[Bar], date | None, date | None]:
    if not items:
        return [], None, None
    first, last = min(p.starts_on for p in items), max(p.ends_on for p in items)
    span = (last - first).days + 1
    bars = [Bar(p, 100 * (p.starts_on - first).days / span, 100 * p.days / span)
            for p in sorted(items, key=lambda p: (p.starts_on, p.id))]  # fmt: skip
    return bars, first, last


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Reader = Annotated[Session, Depends(web.allowed(Permission.view))]

    @router.get(PATH, response_class=HTMLResponse)
    def projects_page(request: Request, session: Reader) -> Response:
        found = service.list_projects(engine=engine, scope=session.user.scope)
        bars, first, last = timeline(found)
        return web.render(request, "projects.html", {"projects": found, "bars": bars, "first": first,
                                                     "last": last}, session=session)  # fmt: skip

    @router.get(PATH + "/{project_id:int}", response_class=HTMLResponse)
    def project_page(request: Request, session: Reader, project_id: int) -> Response:
        scope = session.user.scope
        try:
            shown = service.detail(engine=engine, scope=scope, project_id=project_id)
        except service.UnknownProject:
            raise Refused("No such project.", status=404) from None
        everyone = {p.id: p for p in service.list_projects(engine=engine, scope=scope)}
        bars, first, last = timeline([shown.project, *(everyone[o.other] for o in shown.overlaps)])
        names = {d.id: d.name for d in kpis.list_kpis(engine=engine, scope=scope)}
        moves = [(k, names[k]) for k in shown.project.kpi_ids if k in names]  # the KPIs it should move
        kpi = request.query_params.get("kpi", "") or (f"kpi:{moves[0][0]}" if moves else "")
        method = request.query_params.get("method", "linear")
        result, error, status = None, None, 200
        if kpi:
            try:
                result = service.attribute(engine=engine, scope=scope, project_id=project_id, kpi=kpi,
                                           method=method, today=datetime.now(UTC).date())  # fmt: skip
            except service.ProjectError as exc:
                error, status = str(exc), 400
        context = {"shown": shown, "p": shown.project, "bars": bars, "first": first, "last": last,
                   "kpi": kpi, "method": method, "methods": service.METHODS, "measures": service.KPI_MEASURES,
                   "topics": web.topics_for(session), "result": result, "error": error,
                   "moves": moves,
                   "related": related_to(web, request, session, project_targets(
                       project_id=project_id, project_kind=shown.project.kind))}  # fmt: skip
        return web.render(request, "project.html", context, session=session, status=status)

    return router
