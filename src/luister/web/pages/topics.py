"""The topics pages: the list, adding and editing with live query testing, switching on/off, deleting."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Self

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission, Scope
from luister.domain.queries import QueryReferenceError, QuerySyntaxError
from luister.domain.topics import TopicKind
from luister.inbox.read import department_keys
from luister.services import topic_admin
from luister.services.accounts import known_departments
from luister.services.matching import rematch
from luister.services.topics import (
    TopicError,
    TopicRead,
    UnknownTopicError,
    create_topic,
    remove_topic,
    set_topic_enabled,
    update_topic,
)
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web
from luister.web.i18n import translations
from luister.web.query_errors import explain, explain_reference

log = logging.getLogger(__name__)
TRIAL_PERIODS = ("30", "90", "365")  # the live test's periods in days, besides all of history


@dataclass(slots=True)
class TopicForm:
    """What the add/edit form holds, and what is wrong with it per field."""

    name: str = ""
    kind: str = TopicKind.brand.value
    query: str = ""
    description: str = ""
    department: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, found: TopicRead) -> Self:
        return cls(found.name, found.kind.value, found.query, found.description or "", found.department or "")

    @classmethod
    def posted(cls, post: FormPost) -> Self:
        own = post.session.user.scope.department  # a department's people keep to it
        department = own or post.text("department")
        return cls(post.text("name"), post.text("kind"), post.text("query"), post.text("description"),
                   department[:40])  # fmt: skip


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    def rematch_later(topic_id: int) -> None:
        try:
            done = rematch(engine=engine, topic_ids=[topic_id])
        except Exception:  # a background task has nobody to answer; the log must say it
            log.exception("re-matching history for topic %s failed", topic_id)
            return
        log.info("re-matched topic %s: %s mentions, %s matches", topic_id, done.mentions, done.matches)

    def trial_context(query: str, scope: Scope, days: int | None = None) -> dict[str, Any]:
        """The live test's result for ``query`` over all of history or the last ``days``: a trial, or a
        syntax/reference error, or nothing."""
        if not query.strip():
            return {"query": query}
        since = None if days is None else datetime.now(UTC) - timedelta(days=days)
        try:
            found = topic_admin.trial(engine=engine, query=query, scope=scope, since=since)
            return {"query": query, "trial": found, "days": days}
        except QuerySyntaxError as exc:
            return {"query": query, "syntax_error": exc}
        except QueryReferenceError as exc:
            return {"query": query, "reference_error": str(exc)}

    def page(
        request: Request, session: Session, form: TopicForm, *, editing: TopicRead | None = None,
        status: int = 200, tested: dict[str, Any] | None = None, note: dict[str, Any] | None = None,
    ) -> Response:  # fmt: skip
        topics = web.topics_for(session)
        groups = [(kind.value, [t for t in topics if t.kind is kind]) for kind in TopicKind]
        context = {"topics": topics, "groups": [g for g in groups if g[1]], "form": form, "editing": editing,
                   "kinds": [k.value for k in TopicKind], "tested": tested, "note": note or {},
                   "departments": sorted({*known_departments(engine=engine),
                                          *department_keys(engine=engine)}),
                   "own_department": session.user.scope.department}  # fmt: skip
        name = "topic_edit.html" if editing else "topics.html"
        return web.render(request, name, context, session=session, status=status)

    def save(request: Request, post: FormPost, tasks: BackgroundTasks, editing: TopicRead | None) -> Response:
        form = TopicForm.posted(post)
        if post.text("action") == "test":
            tested = trial_context(form.query, post.session.user.scope)
            failed = "syntax_error" in tested or "reference_error" in tested
            return page(
                request, post.session, form, editing=editing, tested=tested, status=400 if failed else 200
            )
        try:
            kind = TopicKind(form.kind)
        except ValueError:
            form.errors["kind"] = "choose what the topic is about"
            return page(request, post.session, form, editing=editing, status=400)
        description, actor = form.description or None, post.session.user.email
        gettext = translations(web.language(request, post.session)).gettext
        try:
            if editing is None:
                saved = create_topic(engine=engine, name=form.name, kind=kind, query=form.query,
                                     description=description, actor=actor,
                                     department=form.department, scope=post.session.user.scope)  # fmt: skip
            else:
                saved = update_topic(
                    engine=engine, name=editing.name, new_name=form.name, kind=kind, query=form.query,
                    description=description or "", actor=actor, department=form.department,
                    scope=post.session.user.scope,
                )  # fmt: skip
        except UnknownTopicError:
            form.errors["name"] = "this topic was deleted meanwhile"
        except TopicError as exc:
            form.errors[exc.field] = str(exc)
        except QuerySyntaxError as exc:
            form.errors["query"] = explain(exc, gettext)
            form.errors["caret"] = exc.caret()
        except QueryReferenceError as exc:
            form.errors["query"] = explain_reference(str(exc), gettext)
        if form.errors:
            return page(request, post.session, form, editing=editing, status=400)
        tasks.add_task(rematch_later, saved.id)
        return RedirectResponse(f"/topics?saved={saved.id}", status_code=303)

    def found_or_404(topic_id: int, session: Session) -> TopicRead | None:
        """The topic, if it exists and lies in the user's departments (else it is not theirs to see)."""
        return next((t for t in web.topics_for(session) if t.id == topic_id), None)

    @router.get("/topics", response_class=HTMLResponse)
    def topics_page(
        request: Request, session: Annotated[Session, Depends(web.signed_in)], saved: int | None = None,
        removed: int = 0, switched: int | None = None,
    ) -> Response:  # fmt: skip
        note = {"saved": found_or_404(saved, session) if saved else None, "removed": bool(removed),
                "switched": found_or_404(switched, session) if switched else None}  # fmt: skip
        return page(request, session, TopicForm(), note=note)

    @router.get("/topics/test", response_class=HTMLResponse)
    def test_query(
        request: Request, session: Annotated[Session, Depends(web.signed_in)], q: str = "", days: str = ""
    ) -> Response:
        period = int(days) if days in TRIAL_PERIODS else None  # anything else: all of history
        tested = trial_context(q, session.user.scope, period)
        failed = "syntax_error" in tested or "reference_error" in tested
        return web.render(request, "_query_test.html", {"tested": tested}, session=session,
                          status=400 if failed else 200)  # fmt: skip

    @router.post("/topics", response_class=HTMLResponse)
    def add_topic(
        request: Request, post: Annotated[FormPost, Depends(web.form(Permission.manage))],
        tasks: BackgroundTasks,
    ) -> Response:  # fmt: skip
        return save(request, post, tasks, None)

    @router.get("/topics/{topic_id}/edit", response_class=HTMLResponse)
    def edit_page(
        request: Request,
        topic_id: RowId,
        session: Annotated[Session, Depends(web.allowed(Permission.manage))],
    ) -> Response:
        found = found_or_404(topic_id, session)
        if found is None:
            raise Refused("No such topic.", status=404)
        return page(request, session, TopicForm.of(found), editing=found)

    @router.post("/topics/{topic_id}/edit", response_class=HTMLResponse)
    def edit_topic(
        request: Request, topic_id: RowId, post: Annotated[FormPost, Depends(web.form(Permission.manage))],
        tasks: BackgroundTasks,
    ) -> Response:  # fmt: skip
        found = found_or_404(topic_id, post.session)
        if found is None:
            raise Refused("No such topic.", status=404)
        return save(request, post, tasks, found)

    @router.post("/topics/{topic_id}/enabled")
    def switch_topic(
        topic_id: RowId,
        post: Annotated[FormPost, Depends(web.form(Permission.manage))],
        tasks: BackgroundTasks,
    ) -> Response:
        enabled = post.text("enabled") == "true"
        found = found_or_404(topic_id, post.session)
        if found is None:
            raise Refused("No such topic.", status=404)
        try:
            set_topic_enabled(engine=engine, name=found.name, enabled=enabled, actor=post.session.user.email)
        except UnknownTopicError:
            raise Refused("No such topic.", status=404) from None
        if enabled:  # it missed what came in while it was off
            tasks.add_task(rematch_later, topic_id)
        return RedirectResponse(f"/topics?switched={topic_id}", status_code=303)

    @router.get("/topics/{topic_id}/delete", response_class=HTMLResponse)
    def delete_page(
        request: Request,
        topic_id: RowId,
        session: Annotated[Session, Depends(web.allowed(Permission.manage))],
    ) -> Response:
        found = found_or_404(topic_id, session)
        if found is None:
            raise Refused("No such topic.", status=404)
        referring = topic_admin.referring_topics(engine=engine, name=found.name)
        return web.render(request, "topic_delete.html", {"topic": found, "referring": referring},
                          session=session)  # fmt: skip

    @router.post("/topics/{topic_id}/delete", response_class=HTMLResponse)
    def delete_topic(
        request: Request, topic_id: RowId, post: Annotated[FormPost, Depends(web.form(Permission.manage))]
    ) -> Response:
        found = found_or_404(topic_id, post.session)
        if found is None:
            raise Refused("No such topic.", status=404)
        try:
            remove_topic(engine=engine, name=found.name, actor=post.session.user.email)
        except QueryReferenceError:
            referring = topic_admin.referring_topics(engine=engine, name=found.name)
            return web.render(request, "topic_delete.html", {"topic": found, "referring": referring},
                              session=post.session, status=409)  # fmt: skip
        return RedirectResponse("/topics?removed=1", status_code=303)

    return router
