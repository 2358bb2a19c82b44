"""The inbox in the browser: the views with their counts, filters and paging, bulk changes, one's own
availability, and notifications (the bell in the header). Conversations themselves are in
:mod:`luister.web.pages.inbox_conversation`, the set-up in :mod:`luister.web.pages.inbox_setup`.

Reading needs a sign-in; working conversations needs ``correct`` (agents and up), as for alerts. Which
conversations someone sees is the inbox's own rule (``inbox.read.in_scope``)."""

from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission, can
from luister.domain.analysis import INTENT_LABELS
from luister.inbox.actions import bulk
from luister.inbox.assignment import Availability
from luister.inbox.model import Conflict, InboxError
from luister.inbox.notifications import mark_all_read, mark_read, waiting_count
from luister.inbox.read import (
    PAGE,
    DepartmentRead,
    Filters,
    View,
    list_conversations,
    list_departments,
    notifications,
)
from luister.inbox.read import unread_count as count_unread
from luister.inbox.setup import set_availability
from luister.inbox.status import PRIORITY_ORDER, Status
from luister.services.accounts import UserRead
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web

FILTERS = ("department", "status", "priority", "intent", "channel", "tag", "assignee", "text")
BULK = ("assign_me", "assign", "resolve", "tag")
MAX_PAGE = 10_000


def my_availability(departments: list[DepartmentRead], user_id: int) -> str | None:
    """The user's availability (the same in every department they are in), or None for a non-member."""
    for found in departments:
        for member in found.members:
            if member.user_id == user_id:
                return member.availability
    return None


def department_names(departments: list[DepartmentRead], language: str) -> dict[str, str]:
    return {found.key: found.name(language) for found in departments}


def back_to_inbox(value: str) -> str:
    """Where a form on the inbox returns: an address of the inbox itself, else the inbox."""
    return value if value.startswith("/inbox") and "//" not in value and "\\" not in value else "/inbox"


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    def waiting(user: UserRead) -> int:  # the badge on Inbox in the menu
        return waiting_count(engine=engine, user_id=user.id, scope=user.scope, now=web.runtime.clock())

    def unread(user: UserRead) -> int:  # the bell
        return count_unread(engine=engine, user_id=user.id)

    web.templates.env.globals |= {"inbox_waiting": waiting, "inbox_unread": unread}

    @router.get("/inbox", response_class=HTMLResponse)
    def inbox_page(
        request: Request,
        session: Annotated[Session, Depends(web.signed_in)],
        view: str = "",
        page: int = 1,
        after: str = "",
    ) -> Response:
        user = session.user
        chosen = (
            View(view)
            if view in View.__members__
            else (View.mine if can(user.role, Permission.correct) else View.all)
        )  # agents start on their own
        params = request.query_params
        values = {name: params.get(name, "").strip()[:200] for name in FILTERS}
        filters = Filters(**{name: value or None for name, value in values.items()})
        number = min(max(page, 1), MAX_PAGE)
        now = web.runtime.clock()
        listing = partial(
            list_conversations,
            engine=engine,
            view=chosen,
            scope=user.scope,
            user_id=user.id,
            filters=filters,
            page=number,
            now=now,
        )
        try:  # "next" carries the page's cursor (keyset paging); a link edited by hand falls back to page=
            found = listing(after=after[:80] or None)
        except ValueError:
            found = listing()
        departments = list_departments(engine=engine)
        lang = web.language(request, session)
        visible = [d for d in departments if user.scope.sees(d.key)]

        def link(**changes: Any) -> str:
            query = {"view": chosen.value, **values, "page": number} | changes
            kept = {key: value for key, value in query.items() if value not in ("", None, 1)}
            return "/inbox" + (f"?{urlencode(kept)}" if kept else "")

        context = {
            "found": found,
            "view": chosen.value,
            "views": list(View),
            "values": values,
            "now": now,
            "departments": visible,
            "names": department_names(departments, lang),
            "link": link,
            "statuses": list(Status),
            "priorities": [p.value for p in PRIORITY_ORDER],
            "intents": INTENT_LABELS,
            "availability": my_availability(departments, user.id),
            "availabilities": list(Availability),
            "filtered": any(values.values()),
            "pages": max(1, -(-found.total // PAGE)),
            "here": link(),
            "done": params.get("done"),
            "failed": params.get("failed"),
        }
        return web.render(request, "inbox.html", context, session=session)

    @router.post("/inbox/bulk")
    def bulk_page(post: Annotated[FormPost, Depends(web.form(Permission.correct))]) -> Response:
        operation = post.text("operation")
        if operation not in BULK:
            raise Refused("Choose what to do with the chosen conversations.", status=422)
        ids = [int(value) for value in post.texts("id") if value.isdigit() and 0 < int(value) < 2**62]
        user = post.session.user
        back = back_to_inbox(post.text("back"))
        if not ids:
            return RedirectResponse(_with(back, done=0, failed=0), status_code=303)
        assignee = user.email if operation == "assign_me" else (post.text("assignee") or None)
        try:
            problems = bulk(
                engine=engine,
                conversation_ids=ids,
                operation=operation.removesuffix("_me"),
                actor=user.email,
                now=web.runtime.clock(),
                scope=user.scope,
                assignee=assignee,
                tags=[t for t in post.text("tags").split(",") if t.strip()],
            )
        except Conflict as exc:
            raise Refused(str(exc), status=409) from None
        done = len(set(ids)) - len(problems)
        return RedirectResponse(_with(back, done=done, failed=len(problems)), status_code=303)

    @router.post("/inbox/availability")
    def availability_page(post: Annotated[FormPost, Depends(web.form())]) -> Response:
        chosen = post.text("availability")
        if chosen not in Availability.__members__:
            raise Refused("Choose available, away or off.", status=422)
        user = post.session.user
        try:
            set_availability(
                engine=engine,
                actor=user.email,
                email=user.email,
                availability=chosen,
                now=web.runtime.clock(),
            )
        except InboxError as exc:
            raise Refused(str(exc), status=422) from None
        return RedirectResponse(back_to_inbox(post.text("back")), status_code=303)

    @router.get("/inbox/notifications", response_class=HTMLResponse)
    def notifications_page(request: Request, session: Annotated[Session, Depends(web.signed_in)]) -> Response:
        found = notifications(engine=engine, user_id=session.user.id, limit=100)
        return web.render(request, "inbox_notifications.html", {"items": found}, session=session)

    @router.post("/inbox/notifications/{notification_id}/open")
    def open_notification(notification_id: RowId, post: Annotated[FormPost, Depends(web.form())]) -> Response:
        try:
            about = mark_read(
                engine=engine,
                user_id=post.session.user.id,
                notification_id=notification_id,
                now=web.runtime.clock(),
            )
        except LookupError:
            raise Refused("No such notification.", status=404) from None
        target = f"/inbox/{about}" if about else "/inbox/notifications"
        return RedirectResponse(target, status_code=303)

    @router.post("/inbox/notifications/read")
    def read_all(post: Annotated[FormPost, Depends(web.form())]) -> Response:
        mark_all_read(engine=engine, user_id=post.session.user.id, now=web.runtime.clock())
        return RedirectResponse("/inbox/notifications", status_code=303)

    return router


def _with(address: str, **values: int) -> str:
    joiner = "&" if "?" in address else "?"
    return address + joiner + urlencode(values)
