"""One conversation in the browser: its messages, why it went where it went, its timeline and SLA, the
author's other conversations, and working it (status moves, assign, transfer, priority, tags, notes,
answered elsewhere, merge). Each form calls one ``inbox.actions`` function; what the inbox refuses is
shown on the page (409 for a move that does not fit, 422 for bad input), never as a server error."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission
from luister.inbox import actions
from luister.inbox.actions import ELSEWHERE
from luister.inbox.model import Conflict, InboxError, UnknownConversation
from luister.inbox.read import (
    CannedRead,
    ConversationDetail,
    conversation_detail,
    list_canned,
    list_departments,
    list_policies,
)
from luister.inbox.setup import fill_canned
from luister.inbox.status import PRIORITY_ORDER, Move, Priority, Status, TransitionForbidden, next_status
from luister.organisation.knowledge import conversation_targets
from luister.services.accounts import UserRead
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web
from luister.web.pages.inbox import department_names
from luister.web.pages.inbox_replies import composer_context
from luister.web.pages.organisation_knowledge import related_to

BY_HAND = (Move.open, Move.wait_customer, Move.wait_department, Move.resolve, Move.reopen, Move.wake)
SNOOZE_HOURS = (1, 4, 24, 72, 168)


@dataclass(frozen=True, slots=True)
class Problem:
    """What the inbox refused, for the page: a forbidden status move is said in words; other refusals
    show the inbox's own message."""

    status: int
    message: str
    was: str | None = None  # a forbidden move: the status it was in
    move: str | None = None  # and the move


def problem_of(exc: InboxError) -> Problem:
    cause = exc.__cause__
    if isinstance(cause, TransitionForbidden):
        return Problem(409, str(exc), cause.status.value, cause.move.value)
    return Problem(409 if isinstance(exc, Conflict) else 422, str(exc))


def allowed_moves(status: str) -> list[str]:
    """The moves the status machine allows from ``status`` (asked of it, not repeated here)."""
    found = []
    for move in BY_HAND:
        try:
            next_status(Status(status), move)
        except TransitionForbidden:
            continue
        found.append(move.value)
    return found


def canned_for(
    detail: ConversationDetail, user: UserRead, language: str, engine: Any
) -> list[tuple[CannedRead, str]]:
    """Canned responses in the conversation's language (else the reader's), for its department or for all,
    filled in with the customer's first name, the case number and the agent's name."""
    talk = detail.conversation.language if detail.conversation.language in ("nl", "en") else language
    found = [
        c
        for c in list_canned(engine=engine, language=talk, scope=user.scope)
        if c.department in (None, detail.conversation.department)
    ]
    name = (detail.conversation.author_name or detail.conversation.author_handle or "").split()
    values = {
        "first_name": name[0] if name else "",
        "case_number": str(detail.conversation.id),
        "agent_name": user.name,
    }
    return [(c, fill_canned(c.body, values)) for c in found]


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    @router.get("/inbox/{conversation_id}", response_class=HTMLResponse)
    def conversation_page(
        request: Request,
        conversation_id: RowId,
        session: Annotated[Session, Depends(web.signed_in)],
        canned: int = 0,
    ) -> Response:
        return _page(request, session, conversation_id, canned=canned)

    def _page(
        request: Request,
        session: Session,
        conversation_id: int,
        *,
        problem: Problem | None = None,
        draft: str = "",
        canned: int = 0,
    ) -> Response:
        user = session.user
        try:
            detail = conversation_detail(engine=engine, conversation_id=conversation_id, scope=user.scope)
        except UnknownConversation:
            raise Refused("No such conversation.", status=404) from None
        lang = web.language(request, session)
        departments = list_departments(engine=engine)
        here = next((d for d in departments if d.key == detail.conversation.department), None)
        policy = next(
            (
                p
                for p in list_policies(engine=engine)
                if p.department == detail.conversation.department
                and p.priority == detail.conversation.priority
            ),
            None,
        )
        responses = canned_for(detail, user, lang, engine)
        if canned and not draft:
            draft = next((text for c, text in responses if c.id == canned), "")
        context = {
            "d": detail,
            "c": detail.conversation,
            "now": web.runtime.clock(),
            "problem": problem,
            "draft": draft,
            "moves": allowed_moves(detail.conversation.status),
            "members": here.members if here else [],
            "departments": departments,
            "names": department_names(departments, lang),
            "policy": policy,
            "canned": responses,
            "priorities": [p.value for p in PRIORITY_ORDER],
            "elsewhere": ELSEWHERE,
            "snooze_hours": SNOOZE_HOURS,
            "member": any(m.user_id == user.id for m in (here.members if here else [])),
            **composer_context(web, detail, user),
            "related": related_to(
                web,
                request,
                session,
                conversation_targets(
                    intent=detail.conversation.intent,
                    department=detail.conversation.department,
                    tags=detail.tags,
                ),
            ),
        }
        status = problem.status if problem else 200
        return web.render(request, "conversation.html", context, session=session, status=status)

    Worker = Annotated[FormPost, Depends(web.form(Permission.correct))]

    def _act(request: Request, post: FormPost, conversation_id: int, change: Any) -> Response:
        user = post.session.user
        common = {
            "engine": engine,
            "conversation_id": conversation_id,
            "actor": user.email,
            "now": web.runtime.clock(),
            "scope": user.scope,
        }
        try:
            change(common)
        except UnknownConversation:
            raise Refused("No such conversation.", status=404) from None
        except InboxError as exc:
            return _page(
                request, post.session, conversation_id, problem=problem_of(exc), draft=post.text("body")
            )
        return RedirectResponse(f"/inbox/{conversation_id}", status_code=303)

    @router.post("/inbox/{conversation_id}/move")
    def move_page(request: Request, conversation_id: RowId, post: Worker) -> Response:
        chosen = post.text("to")
        if chosen not in Move.__members__ or Move(chosen) in (Move.customer_wrote, Move.agent_replied):
            raise Refused("Choose a status.", status=422)
        until = None
        if chosen == Move.snooze:
            until = _snooze_until(post, web.runtime.clock())
        return _act(
            request,
            post,
            conversation_id,
            lambda common: actions.move(to=Move(chosen), snooze_until=until, **common),
        )

    @router.post("/inbox/{conversation_id}/assign")
    def assign_page(request: Request, conversation_id: RowId, post: Worker) -> Response:
        chosen = post.text("assignee")
        assignee = post.session.user.email if chosen == "me" else (chosen or None)
        return _act(
            request, post, conversation_id, lambda common: actions.assign(assignee=assignee, **common)
        )

    @router.post("/inbox/{conversation_id}/transfer")
    def transfer_page(request: Request, conversation_id: RowId, post: Worker) -> Response:
        level = post.text("priority")
        priority = Priority(level) if level in Priority.__members__ else None
        return _act(
            request,
            post,
            conversation_id,
            lambda common: actions.transfer(
                to_department=post.text("department"),
                reason=post.text("reason")[:500],
                priority=priority,
                **common,
            ),
        )

    @router.post("/inbox/{conversation_id}/priority")
    def priority_page(request: Request, conversation_id: RowId, post: Worker) -> Response:
        level = post.text("priority")
        if level not in Priority.__members__:
            raise Refused("Choose a priority.", status=422)
        return _act(
            request,
            post,
            conversation_id,
            lambda common: actions.set_priority(priority=Priority(level), **common),
        )

    @router.post("/inbox/{conversation_id}/tags")
    def tags_page(request: Request, conversation_id: RowId, post: Worker) -> Response:
        add = [t for t in post.text("add").split(",") if t.strip()]
        remove = post.texts("remove")
        return _act(
            request, post, conversation_id, lambda common: actions.tag(add=add, remove=remove, **common)
        )

    @router.post("/inbox/{conversation_id}/note")
    def note_page(request: Request, conversation_id: RowId, post: Worker) -> Response:
        body = post.text("body")
        return _act(request, post, conversation_id, lambda common: actions.add_note(body=body, **common))

    @router.post("/inbox/{conversation_id}/elsewhere")
    def elsewhere_page(request: Request, conversation_id: RowId, post: Worker) -> Response:
        how, note = post.text("how"), post.text("note")[:2000]
        return _act(
            request,
            post,
            conversation_id,
            lambda common: actions.answered_elsewhere(how=how, note=note, **common),
        )

    @router.post("/inbox/{conversation_id}/merge")
    def merge_page(request: Request, conversation_id: RowId, post: Worker) -> Response:
        into = post.text("into").lstrip("#")
        if not into.isdigit() or not 0 < int(into) < 2**62:
            return _page(
                request,
                post.session,
                conversation_id,
                problem=Problem(422, "give the number of the conversation to merge into"),
            )
        return _act(request, post, conversation_id, lambda common: actions.merge(into=int(into), **common))

    return router


def _snooze_until(post: FormPost, now: datetime) -> datetime | None:
    """Until a chosen time (UTC, as the page says), else for a chosen number of hours."""
    text = post.text("until")
    if text:
        try:
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            return None  # the inbox says a snooze needs a time in the future
    hours = post.text("hours")
    return now + timedelta(hours=int(hours)) if hours.isdigit() and 0 < int(hours) <= 24 * 366 else None
