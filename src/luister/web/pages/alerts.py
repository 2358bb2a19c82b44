"""Alerts in the browser: the list, one alert with its playbook checklist and timeline, and working it
(acknowledge, tick off steps, resolve). People whose role may ``correct`` work alerts, as on the CLI."""

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.alerts import texts as alert_texts
from luister.alerts.actions import acknowledge, complete_step, resolve
from luister.alerts.model import AlertError, AlertStatus
from luister.alerts.read import AlertDetail, alert_detail, get_alert, list_alerts
from luister.domain.accounts import Permission
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web
from luister.web.drill import Drill
from luister.web.i18n import translations
from luister.web.pages.organisation_knowledge import related_to_alert

LIST_LIMIT = 200


def behind(detail: AlertDetail) -> str:
    """The mention list behind an alert: for a spike the mentions that made it (its topic, the hours it
    counted, only the negative ones for a negative rule); else its topic around its time."""
    window = detail.window
    if window is not None:
        return Drill(topic=detail.alert.topic or "", since=window.since, until=window.until,
                     sentiment="negative" if window.negative else None).url()  # fmt: skip
    found = detail.alert
    start = found.opened_at.replace(minute=0, second=0, microsecond=0)
    end = found.last_seen_at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return Drill(topic=found.topic or "", since=start, until=end).url()


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    @router.get("/alerts", response_class=HTMLResponse)
    def alerts_page(
        request: Request, session: Annotated[Session, Depends(web.signed_in)], status: str = ""
    ) -> Response:
        chosen = AlertStatus(status) if status in AlertStatus.__members__ else None
        found = list_alerts(engine=engine, status=chosen, limit=LIST_LIMIT, scope=session.user.scope)
        context = {"alerts": found, "status": chosen.value if chosen else "", "statuses": list(AlertStatus)}
        return web.render(request, "alerts.html", context, session=session)

    @router.get("/alerts/{alert_id}", response_class=HTMLResponse)
    def alert_page(
        request: Request, alert_id: RowId, session: Annotated[Session, Depends(web.signed_in)]
    ) -> Response:
        return _detail(request, session, alert_id)

    def _detail(request: Request, session: Session, alert_id: int, *, conflict: bool = False) -> Response:
        try:
            detail = alert_detail(engine=engine, alert_id=alert_id, scope=session.user.scope)
        except AlertError:
            raise Refused("No such alert.", status=404) from None
        gettext = translations(web.language(request, session)).gettext
        context = {"d": detail, "a": detail.alert, "mentions": detail.samples, "error": conflict,
                   "now": datetime.now(UTC),
                   "alert_text": lambda text: alert_texts.translate(text, gettext),
                   "all_mentions": behind(detail), "window": detail.window,
                   "related": related_to_alert(web, request, session, detail.alert)}  # fmt: skip
        return web.render(request, "alert.html", context, session=session, status=409 if conflict else 200)

    def _act(request: Request, post: FormPost, alert_id: int, action: str, position: int = 0) -> Response:
        by = post.session.user.email
        try:
            get_alert(engine=engine, alert_id=alert_id, scope=post.session.user.scope)  # the department rule
            if action == "acknowledge":
                acknowledge(engine=engine, alert_id=alert_id, actor=by)
            elif action == "resolve":
                resolve(engine=engine, alert_id=alert_id, actor=by, note=post.text("note")[:500] or None)
            else:
                complete_step(engine=engine, alert_id=alert_id, position=position, actor=by)
        except AlertError:  # acknowledged, resolved or ticked off by someone else meanwhile
            return _detail(request, post.session, alert_id, conflict=True)
        return RedirectResponse(f"/alerts/{alert_id}", status_code=303)

    Worker = Annotated[FormPost, Depends(web.form(Permission.correct))]

    @router.post("/alerts/{alert_id}/acknowledge")
    def acknowledge_page(request: Request, alert_id: RowId, post: Worker) -> Response:
        return _act(request, post, alert_id, "acknowledge")

    @router.post("/alerts/{alert_id}/resolve")
    def resolve_page(request: Request, alert_id: RowId, post: Worker) -> Response:
        return _act(request, post, alert_id, "resolve")

    @router.post("/alerts/{alert_id}/steps/{position}")
    def step_page(request: Request, alert_id: RowId, position: RowId, post: Worker) -> Response:
        return _act(request, post, alert_id, "step", position)

    return router
