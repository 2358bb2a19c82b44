"""Inbox reports and department digests in the browser.

``/inbox/reports``: a table per dimension (department, agent, intent, channel) over a period; every figure
links to ``/inbox/reports/list``, which recomputes the same report and lists exactly the conversations
(with their measured values) that figure was computed from. ``/inbox/digests``: the digests of the
reader's department, one digest with its themes, every mention behind a theme, and decide buttons.

Registered before the inbox's own pages: ``/inbox/{id}`` would otherwise take ``/inbox/reports``."""

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission
from luister.inbox import digest_actions, digest_read
from luister.inbox import reports as inbox_reports
from luister.inbox.digests import DigestError, UnknownDigest, last_period
from luister.inbox.model import UnknownDepartment
from luister.inbox.read import list_departments
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web

PERIODS = ("7d", "30d", "90d")
DURATION_UNITS = {"en": ("d", "h", "min"), "nl": ("d", "u", "min")}


def duration(value: timedelta | None, lang: str = "en") -> str:
    """A duration short and readable: ``2d 3h``, ``1h 30min``, ``45min`` (Dutch: ``u`` for hours)."""
    if value is None:
        return "–"
    d, h, m = DURATION_UNITS.get(lang, DURATION_UNITS["en"])
    minutes = round(value.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}{d} {hours}{h}" if hours else f"{days}{d}"
    if hours:
        return f"{hours}{h} {minutes}{m}" if minutes else f"{hours}{h}"
    return f"{minutes}{m}"


def drill_url(period: str, dimension: str, key: str, figure: str) -> str:
    """The list behind one figure: the same report, one group, one figure."""
    query = {"period": period, "figure": figure}
    if dimension:
        query |= {"dimension": dimension, "key": key}
    return "/inbox/reports/list?" + urlencode(query)


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Reader = Annotated[Session, Depends(web.signed_in)]

    def _report(request: Request, session: Session) -> tuple[str, inbox_reports.Report]:
        period = request.query_params.get("period") or inbox_reports.DEFAULT_PERIOD
        since, until = request.query_params.get("since"), request.query_params.get("until")
        if since and until:
            period = f"{since}..{until}"
        now = web.runtime.clock()
        try:
            start, end = inbox_reports.parse_period(period, now)
        except ValueError as exc:
            raise Refused(str(exc), status=400) from None
        found = inbox_reports.report(engine=engine, since=start, until=end, now=now, scope=session.user.scope)
        return period, found

    @router.get("/inbox/reports", response_class=HTMLResponse)
    def reports_page(request: Request, session: Reader) -> Response:
        period, found = _report(request, session)
        lang = web.language(request, session)
        context = {"report": found, "period": period, "periods": PERIODS,
                   "dimensions": list(inbox_reports.Dimension), "dur": lambda value: duration(value, lang),
                   "drill": lambda dimension, key, figure: drill_url(period, dimension, key, figure),
                   "names": _department_names(lang)}  # fmt: skip
        return web.render(request, "inbox_reports.html", context, session=session)

    @router.get("/inbox/reports/list", response_class=HTMLResponse)
    def report_list_page(request: Request, session: Reader) -> Response:
        period, found = _report(request, session)
        params = request.query_params
        try:
            figure = inbox_reports.Figure(params.get("figure", ""))
            dimension = inbox_reports.Dimension(params["dimension"]) if params.get("dimension") else None
        except ValueError:
            raise Refused("No such figure.", status=400) from None
        group = found.group(dimension, params.get("key", ""))
        if group is None:
            group = inbox_reports.Group(
                params.get("key", "")
            )  # nothing of this key in the period: an empty list
        rows = {r.id: r for r in inbox_reports.conversations_by_id(
            engine=engine, ids=group.ids(figure), scope=session.user.scope)}  # fmt: skip
        lang = web.language(request, session)
        context = {"report": found, "group": group, "figure": figure.value,
                   "dimension": dimension.value if dimension else "", "period": period, "rows": rows,
                   "dur": lambda value: duration(value, lang), "names": _department_names(lang),
                   "back": "/inbox/reports?" + urlencode({"period": period})}  # fmt: skip
        return web.render(request, "inbox_report_list.html", context, session=session)

    def _department_names(lang: str) -> dict[str, str]:
        return {d.key: d.name(lang) for d in list_departments(engine=engine)}

    @router.get("/inbox/digests", response_class=HTMLResponse)
    def digests_page(request: Request, session: Reader, department: str = "") -> Response:
        return _digests(request, session, department)

    def _digests(
        request: Request, session: Session, department: str, *, error: str = "", status: int = 200
    ) -> Response:
        scope = session.user.scope
        found = digest_read.list_digests(engine=engine, scope=scope, department_key=department or None)
        lang = web.language(request, session)
        departments = [d for d in list_departments(engine=engine) if scope.department in (None, d.key)]
        context = {"digests": found, "department": department, "departments": departments, "lang": lang,
                   "error": error}  # fmt: skip
        return web.render(request, "inbox_digests.html", context, session=session, status=status)

    @router.get("/inbox/digests/{digest_id}", response_class=HTMLResponse)
    def digest_page(request: Request, digest_id: RowId, session: Reader) -> Response:
        return _digest(request, session, digest_id)

    def _digest(
        request: Request, session: Session, digest_id: int, *, error: str = "", status: int = 200
    ) -> Response:
        try:
            detail = digest_read.digest_detail(engine=engine, digest_id=digest_id, scope=session.user.scope)
        except UnknownDigest:
            raise Refused("No such digest.", status=404) from None
        context = {"d": detail.digest, "items": detail.items, "error": error}
        return web.render(request, "inbox_digest.html", context, session=session, status=status)

    @router.get("/inbox/digests/items/{item_id}", response_class=HTMLResponse)
    def digest_item_page(request: Request, item_id: RowId, session: Reader) -> Response:
        try:
            item, found = digest_read.item_mentions(engine=engine, item_id=item_id, scope=session.user.scope)
        except UnknownDigest:
            raise Refused("No such digest.", status=404) from None
        context = {"item": item, "mentions": found, "digest_id": item.digest_id}
        return web.render(request, "inbox_digest_item.html", context, session=session)

    Worker = Annotated[FormPost, Depends(web.form(Permission.correct))]

    @router.post("/inbox/digests/items/{item_id}/decide")
    def decide_page(request: Request, item_id: RowId, post: Worker) -> Response:
        try:
            digest_id = digest_read.item_mentions(
                engine=engine, item_id=item_id, scope=post.session.user.scope
            )[0].digest_id
            digest_actions.decide_item(engine=engine, item_id=item_id, decision=post.text("decision"),
                                       outcome=post.text("outcome"), actor=post.session.user.email,
                                       now=web.runtime.clock(), scope=post.session.user.scope)  # fmt: skip
        except UnknownDigest:
            raise Refused("No such digest.", status=404) from None
        except DigestError as exc:
            return _digest(request, post.session, digest_id, error=str(exc), status=400)
        return RedirectResponse(f"/inbox/digests/{digest_id}#item-{item_id}", status_code=303)

    @router.post("/inbox/digests/build")
    def build_page(request: Request, post: Worker) -> Response:
        key = post.text("department")
        scope = post.session.user.scope
        dept = next((d for d in list_departments(engine=engine) if d.key == key), None)
        if dept is None or scope.department not in (None, key):
            return _digests(request, post.session, "", error="choose a department", status=400)
        now = web.runtime.clock()
        start, end = last_period(dept.digest_every, now, str(dept.calendar.get("zone") or "Europe/Amsterdam"))
        try:
            built = digest_actions.build_digest(
                engine=engine,
                department=key,
                period_start=start,
                period_end=end,
                now=now,
                actor=post.session.user.email,
                base_url=web.runtime.settings.public_url,
            )
        except (DigestError, UnknownDepartment) as exc:
            return _digests(request, post.session, "", error=str(exc), status=400)
        return RedirectResponse(f"/inbox/digests/{built.digest_id}", status_code=303)

    return router
