"""The maturity assessment in the browser. ``/organisation/maturity``: the stage overall and per dimension
from the answers, beside the stage luister's own evidence suggests (each with links to the pages that show
its figures), the organisation model with the figures behind it, the next steps and the history month by
month; ``?at=`` shows a moment in the past. ``/organisation/maturity/questionnaire``: the questionnaire, in
the reader's language, to answer. The pages only call :mod:`luister.organisation`."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission
from luister.organisation import maturity_actions as actions
from luister.organisation import maturity_read as read
from luister.organisation.maturity import (
    DIMENSION_NAMES,
    STAGE_NAMES,
    AnswerProblem,
    Dimension,
    Stage,
    Text,
    moment_problem,
)
from luister.organisation.maturity_model import MODEL_NAMES
from luister.organisation.maturity_questions import CURRENT
from luister.web.auth import Session
from luister.web.context import FormPost, Web

PATH = "/organisation/maturity"


def _moment(text: str | None, now: datetime, language: str) -> tuple[datetime, str | None]:
    """``?at=``: an ISO moment in the past (UTC unless a zone is given); else now, with why (in
    ``language``)."""
    if not text:
        return now, None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return now, Text(
            "at: give a date or time, e.g. 2026-11-30", "at: geef een datum of tijd, bijv. 2026-11-30"
        ).in_(language)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    problem = moment_problem(at, now, language)
    return (now, problem) if problem else (at, None)


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Reader = Annotated[Session, Depends(web.allowed(Permission.view))]
    Manager = Annotated[FormPost, Depends(web.form(Permission.manage))]

    def names(lang: str) -> dict[str, object]:
        return {
            "stage_name": lambda s: STAGE_NAMES[Stage(s)].in_(lang) if s else "–",
            "dimension_name": lambda d: DIMENSION_NAMES[Dimension(d)].in_(lang),
            "model_name": lambda m: MODEL_NAMES[m].in_(lang),
            "t": lambda text: text.in_(lang),
            "dimensions": list(Dimension),
        }

    def page(request: Request, session: Session, *, error: str | None = None, status: int = 200) -> Response:
        now = datetime.now(UTC)
        at, problem = _moment(request.query_params.get("at"), now, web.language(request, session))
        found = read.assessment(engine=engine, at=at)
        answered = {c.dimension: c for c in found.claims}
        suggested = {c.dimension: c for c in found.suggested.claims}
        context = {
            "a": found,
            "answered": answered,
            "suggested": suggested,
            "past": at < now,
            "months": read.history(engine=engine, now=at, months=6),
            "error": error or problem,
            "across": session.user.scope.department is None,
            **names(web.language(request, session)),
        }
        return web.render(
            request, "organisation_maturity.html", context, session=session, status=400 if problem else status
        )

    @router.get(PATH, response_class=HTMLResponse)
    def maturity_page(request: Request, session: Reader) -> Response:
        return page(request, session)

    def questionnaire_page(
        request: Request,
        session: Session,
        *,
        chosen: dict[str, int],
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        context = {
            "q": CURRENT,
            "chosen": chosen,
            "error": error,
            "stages": list(Stage),
            **names(web.language(request, session)),
        }
        return web.render(
            request, "organisation_maturity_questionnaire.html", context, session=session, status=status
        )

    @router.get(PATH + "/questionnaire", response_class=HTMLResponse)
    def maturity_questionnaire(request: Request, session: Reader) -> Response:
        with engine.connect() as conn:
            latest = read.latest_answers(conn, at=datetime.now(UTC))
        return questionnaire_page(request, session, chosen=latest.answers if latest else {})

    @router.post(PATH + "/questionnaire")
    def maturity_answer(request: Request, post: Manager) -> Response:
        user = post.session.user
        answers: dict[str, object] = {}
        for question in CURRENT.questions:
            value = post.text(question.key)
            if value:  # an unanswered question is missing, not an empty answer
                answers[question.key] = int(value) if value.isdigit() else value
        try:
            actions.answer(
                engine=engine,
                actor=user.email,
                answers=answers,
                note=post.text("note") or None,
                now=datetime.now(UTC),
                scope=user.scope,
            )
        except AnswerProblem as exc:
            chosen = {k: v for k, v in answers.items() if isinstance(v, int)}
            return questionnaire_page(
                request,
                post.session,
                chosen=chosen,
                error=exc.said(web.language(request, post.session)),
                status=400,
            )
        except actions.NotAcrossDepartments as exc:
            return questionnaire_page(
                request,
                post.session,
                chosen={},
                error=exc.said(web.language(request, post.session)),
                status=403,
            )
        return RedirectResponse(PATH, status_code=303)

    @router.post(PATH + "/snapshot")
    def maturity_snapshot(request: Request, post: Manager) -> Response:
        try:
            actions.take_snapshot(
                engine=engine,
                actor=post.session.user.email,
                now=datetime.now(UTC),
                scope=post.session.user.scope,
            )
        except actions.NotAcrossDepartments as exc:
            return page(
                request, post.session, error=exc.said(web.language(request, post.session)), status=403
            )
        return RedirectResponse(PATH + "#history", status_code=303)

    return router
