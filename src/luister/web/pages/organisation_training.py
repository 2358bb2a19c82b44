"""Training in the browser: my belt and certificates with the modules (``/organisation/training``), a module
to read with its quiz, the quiz's result, the report per department, and (admins) the belt gates switch.
The pages only call :mod:`luister.organisation.training_actions` and ``training_read``."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from luister.domain.accounts import Permission
from luister.organisation import belts, training
from luister.organisation.training_actions import set_gates, submit_attempt
from luister.organisation.training_read import NO_DEPARTMENT, department_report, standing
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, Web

PATH = "/organisation/training"
_MARKDOWN = MarkdownIt("commonmark", {"html": False})  # raw HTML in a module is shown as text


def rendered(body: str) -> Markup:
    """A module's Markdown as HTML; any HTML written in it is escaped, not run."""
    return Markup(_MARKDOWN.render(body))  # noqa: S704  (html is off: markdown-it escapes raw HTML)


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Reader = Annotated[Session, Depends(web.allowed(Permission.view))]
    Anyone = Annotated[FormPost, Depends(web.form(Permission.view))]
    Admin = Annotated[FormPost, Depends(web.form(Permission.admin))]

    @router.get(PATH, response_class=HTMLResponse)
    def training_page(request: Request, session: Reader) -> Response:
        now = web.runtime.clock()
        lang = web.language(request, session)
        mine = standing(engine=engine, email=session.user.email, now=now, language=lang)
        context = {"mine": mine, "now": now, "gates": belts.GATES, "described": belts.DESCRIBED,
                   "belts": list(belts.Belt), "pass_mark": belts.PASS_MARK}  # fmt: skip
        return web.render(request, "organisation_training.html", context, session=session)

    @router.get(PATH + "/modules/{slug}", response_class=HTMLResponse)
    def module_page(request: Request, session: Reader, slug: str) -> Response:
        try:
            found = training.module(slug, web.language(request, session))
        except training.UnknownModule:
            raise Refused("No such training module.", status=404) from None
        context = {"m": found, "body": rendered(found.body), "result": None, "chosen": []}
        return web.render(request, "organisation_training_module.html", context, session=session)

    @router.post(PATH + "/modules/{slug}", response_class=HTMLResponse)
    def quiz_page(request: Request, slug: str, post: Anyone) -> Response:
        session = post.session
        try:
            found = training.module(slug, web.language(request, session))
        except training.UnknownModule:
            raise Refused("No such training module.", status=404) from None
        chosen = [post.text(f"q{n}") for n in range(len(found.questions))]
        answers = [int(c) if c.isascii() and c.isdigit() else None for c in chosen]
        try:
            result = submit_attempt(engine=engine, actor=session.user.email, module=slug,
                                    language=found.language, answers=answers,
                                    now=web.runtime.clock())  # fmt: skip
        except training.BadAnswers as exc:
            raise Refused(exc.said(web.language(request, session)), status=422) from None
        context = {"m": found, "body": rendered(found.body), "result": result, "chosen": answers}
        return web.render(request, "organisation_training_module.html", context, session=session)

    @router.get(PATH + "/report", response_class=HTMLResponse)
    def report_page(request: Request, session: Reader) -> Response:
        rows = department_report(engine=engine, now=web.runtime.clock(), scope=session.user.scope)
        context = {"rows": rows, "belts": [None, *belts.Belt], "none_key": NO_DEPARTMENT}
        return web.render(request, "organisation_training_report.html", context, session=session)

    @router.post(PATH + "/gates")
    def gates_page(post: Admin) -> Response:
        set_gates(
            engine=engine, actor=post.session.user.email, on=post.text("on") == "1", now=web.runtime.clock()
        )
        return RedirectResponse(PATH + "#gates", status_code=303)

    return router
