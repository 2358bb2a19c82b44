"""``/reports/{template}.pdf``: a report rendered from the data to PDF on demand (the same document the
scheduler mails), over the caller's departments. View permission, as the goals."""

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from luister.api.auth import caller
from luister.api.problems import invalid, responses
from luister.domain.accounts import Permission
from luister.kpis import read, report_render
from luister.runtime import Runtime
from luister.services.accounts import UserRead

Template = Literal["weekly_webcare", "monthly_management"]
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The report as a PDF."}
}


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["reports"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]

    @router.get("/reports/{template}.pdf", response_class=Response, responses=PDF | responses(403))
    def report_pdf(
        template: Template,
        user: Reader,
        start: Annotated[
            date | None, Query(alias="from", description="First local day; default: last week's Monday.")
        ] = None,  # fmt: skip
        to: Annotated[
            date | None, Query(description="Last local day, included; default: last week's Sunday.")
        ] = None,  # fmt: skip
        lang: Annotated[Literal["nl", "en"], Query(description="The report's language.")] = "nl",
    ) -> Response:
        """The report over the days ``from`` to ``to`` (Europe/Amsterdam), with the KPIs for the month that
        holds its end: goals and KPIs with target, status, forecast and chart, top projects with their
        attribution, inbox figures and the period's mentions. At most 366 days."""
        now = runtime.clock()
        first, end = report_render.last_week(now)
        first = start or first
        end = to + timedelta(days=1) if to is not None else end
        try:
            document = report_render.render_pdf(
                engine=engine, template=template, start=first, end=end, language=lang, now=now,
                scope=user.scope, rates=read.Rates.of(runtime.settings),
            )  # fmt: skip
        except report_render.ReportProblem as exc:
            raise invalid(str(exc)) from None
        name = f"{template}-{first.isoformat()}.pdf"
        return Response(document, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

    return router
