"""Scheduled reports: the schedules with their next run, their latest runs and each run's e-mail state in
the effects ledger; analysts and admins add, pause, resume, remove and send now (docs/mail.md). Someone of a
department sees their department's schedules and the company's, and changes their own department's only;
another department's schedule is as unknown as a missing one (404)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission
from luister.inbox.read import department_keys
from luister.kpis import report_actions as actions
from luister.kpis import report_read as read
from luister.kpis.schedule import DAYS
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web

PATH = "/reports/schedules"
# refusals shown on the error page, in the reader's language (report_schedules.po)
COMPANY_ONLY = "This schedule is the whole company's: someone who works across departments changes it."
NOBODY_MAY = "None of this schedule's recipients may receive its report now; change the recipients first."


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    def page(
        request: Request, session: Session, *, problem: str | None = None, refused: str | None = None,
        status: int = 200,
    ) -> Response:  # fmt: skip
        now, scope = web.runtime.clock(), session.user.scope
        views = read.list_schedules(engine=engine, now=now, scope=scope)
        runs = read.runs_of(engine=engine, schedule_ids=[v.id for v in views], per_schedule=5)
        # someone across departments picks whose report it is; someone of a department makes their own
        departments = department_keys(engine=engine) if scope.department is None else []
        context = {"schedules": [(v, runs.get(v.id, [])) for v in views], "days": DAYS, "problem": problem,
                   "refused": refused, "templates": actions.TEMPLATES,
                   "done": request.query_params.get("done"), "departments": departments,
                   "my_department": scope.department}  # fmt: skip
        return web.render(request, "report_schedules.html", context, session=session, status=status)

    @router.get(PATH, response_class=HTMLResponse)
    def report_schedules_page(
        request: Request, session: Annotated[Session, Depends(web.signed_in)]
    ) -> Response:
        return page(request, session)

    @router.post(PATH, response_class=HTMLResponse)
    def report_schedule_add(
        request: Request, post: Annotated[FormPost, Depends(web.form(Permission.manage))]
    ) -> Response:
        day = post.text("weekday")
        recipients = [a.strip() for a in post.text("recipients").replace(";", ",").split(",") if a.strip()]
        given = actions.ScheduleInput(post.text("name"), recipients, DAYS.index(day) if day in DAYS else -1,
                                      post.text("at"), post.text("language") or "nl",
                                      post.text("zone") or "Europe/Amsterdam",
                                      post.text("template") or "weekly_webcare",
                                      post.text("department") or None)  # fmt: skip
        try:
            actions.create_schedule(engine=engine, given=given, actor=post.session.user.email,
                                    now=web.runtime.clock(), scope=post.session.user.scope)  # fmt: skip
        except actions.RecipientRefused as exc:
            return page(request, post.session, problem=exc.field, refused=exc.address, status=400)
        except actions.ScheduleProblem as exc:
            return page(request, post.session, problem=exc.field, status=400)
        return RedirectResponse(f"{PATH}?done=added", status_code=303)

    @router.post(PATH + "/{schedule_id}/{what}")
    def report_schedule_change(
        schedule_id: RowId, what: str, post: Annotated[FormPost, Depends(web.form(Permission.manage))]
    ) -> Response:
        actor, now, scope = post.session.user.email, web.runtime.clock(), post.session.user.scope
        try:
            if what in ("pause", "resume"):
                actions.set_active(engine=engine, schedule_id=schedule_id, active=what == "resume",
                                   actor=actor, now=now, scope=scope)  # fmt: skip
            elif what == "send-now":
                actions.send_now(engine=engine, schedule_id=schedule_id, actor=actor, now=now,
                                 render=web.runtime.report_render(), scope=scope)  # fmt: skip
            elif what == "remove":
                actions.remove_schedule(engine=engine, schedule_id=schedule_id, actor=actor, now=now,
                                        scope=scope)  # fmt: skip
            else:
                raise Refused("No such page.", status=404)
        except actions.UnknownSchedule:
            raise Refused("No such report schedule.", status=404) from None
        except actions.ScheduleProblem as exc:
            if exc.field == "department":
                raise Refused(COMPANY_ONLY, status=403) from None
            raise Refused(NOBODY_MAY, status=422) from None
        return RedirectResponse(f"{PATH}?done={what}", status_code=303)

    return router
