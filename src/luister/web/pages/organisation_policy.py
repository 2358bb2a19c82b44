"""The social media policy and the processes' responsibility matrix: read the version in force and
acknowledge it, every version and the diff between two, who acknowledged (managers), write and publish a
version (admins); the matrix, and saving or removing a process (managers across departments). The pages
only call :mod:`luister.organisation`'s reads and actions."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission, can
from luister.domain.query_tree import QueryReferenceError, QuerySyntaxError
from luister.inbox.model import InboxError
from luister.organisation import policy_actions, policy_read, processes_actions, processes_read
from luister.organisation.policy import PolicyProblem, parse_rule_lines
from luister.organisation.processes import ProcessProblem, Raci, parse_matrix
from luister.services.accounts import UserRead
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, Web
from luister.web.i18n import translations

PATH = "/organisation/policy"
PROCESSES = "/organisation/processes"


def _number(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 100_000:
        raise Refused("Choose a version.", status=422)
    return int(text)


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Reader = Annotated[Session, Depends(web.allowed(Permission.view))]
    Poster = Annotated[FormPost, Depends(web.form(Permission.view))]
    Manager = Annotated[FormPost, Depends(web.form(Permission.manage))]
    Admin = Annotated[FormPost, Depends(web.form(Permission.admin))]

    def said(request: Request, post: FormPost, exc: PolicyProblem | ProcessProblem) -> str:
        """The refusal in the reader's language (the API keeps English)."""
        return exc.said(web.language(request, post.session))

    def pending(user: UserRead) -> policy_read.Standing | None:
        """The banner on every page while the person has the policy in force still to acknowledge."""
        found = policy_read.standing(engine=engine, user_id=user.id, now=web.runtime.clock())
        return found if found.pending else None

    web.templates.env.globals |= {"policy_pending": pending}

    def policy_view(request: Request, session: Session, *, error: str = "", status: int = 200,
                    form: dict[str, str] | None = None) -> Response:  # fmt: skip
        now = web.runtime.clock()
        versions = policy_read.list_versions(engine=engine, now=now)
        current = next((v for v in versions if v.state == "in_force"), None)
        shown = policy_read.version(engine=engine, number=current.number, now=now) if current else None
        user = session.user
        acks = (
            policy_read.acknowledgements(engine=engine, now=now, scope=user.scope)
            if can(user.role, Permission.manage) else []
        )  # fmt: skip
        context = {"versions": versions, "shown": shown, "acks": acks, "error": error, "form": form or {},
                   "me": policy_read.standing(engine=engine, user_id=user.id, now=now)}  # fmt: skip
        return web.render(request, "organisation_policy.html", context, session=session, status=status)

    @router.get(PATH, response_class=HTMLResponse)
    def policy_page(request: Request, session: Reader) -> Response:
        return policy_view(request, session)

    @router.get(PATH + "/diff", response_class=HTMLResponse)
    def policy_diff_page(request: Request, session: Reader) -> Response:
        old = _number(request.query_params.get("old", ""))
        new = _number(request.query_params.get("new", ""))
        try:
            lines = policy_read.version_diff(engine=engine, old=old, new=new)
        except policy_actions.UnknownVersion as exc:
            raise Refused(str(exc), status=404) from None
        context = {"lines": lines, "old": old, "new": new}
        return web.render(request, "organisation_policy_diff.html", context, session=session)

    @router.get(PATH + "/{number:int}", response_class=HTMLResponse)
    def policy_version_page(request: Request, session: Reader, number: int) -> Response:
        try:
            shown = policy_read.version(engine=engine, number=number, now=web.runtime.clock())
        except policy_actions.UnknownVersion:
            raise Refused("No such version.", status=404) from None
        return web.render(request, "organisation_policy_version.html", {"shown": shown}, session=session)

    @router.post(PATH + "/acknowledge")
    def policy_acknowledge(request: Request, post: Poster) -> Response:
        try:
            number = _number(post.text("number"))
            policy_actions.acknowledge(engine=engine, email=post.session.user.email, number=number,
                                       now=web.runtime.clock())  # fmt: skip
        except PolicyProblem as exc:
            return policy_view(request, post.session, error=said(request, post, exc), status=422)
        return RedirectResponse(PATH, status_code=303)

    @router.post(PATH + "/versions")
    def policy_write(request: Request, post: Admin) -> Response:
        grace = post.text("grace_days") or "0"
        try:
            if not grace.isdigit():
                raise PolicyProblem("grace_days", "a number of days, 0 to 365", "een aantal dagen, 0 tot 365")
            policy_actions.write_version(
                engine=engine, title=post.text("title"), body=post.text("body"),
                actor=post.session.user.email, now=web.runtime.clock(),
                approval_rules=parse_rule_lines(post.text("approval_rules")), grace_days=int(grace),
            )  # fmt: skip
        except PolicyProblem as exc:
            form = {k: post.text(k) for k in ("title", "body", "approval_rules", "grace_days")}
            return policy_view(request, post.session, error=said(request, post, exc), status=422, form=form)
        return RedirectResponse(PATH + "#versions", status_code=303)

    @router.post(PATH + "/versions/{number:int}/publish")
    def policy_publish(request: Request, post: Admin, number: int) -> Response:
        try:
            policy_actions.publish(engine=engine, number=number, actor=post.session.user.email,
                                   now=web.runtime.clock())  # fmt: skip
        except policy_actions.UnknownVersion:
            raise Refused("No such version.", status=404) from None
        except PolicyProblem as exc:
            return policy_view(request, post.session, error=said(request, post, exc), status=422)
        return RedirectResponse(PATH, status_code=303)

    def processes_view(request: Request, session: Session, *, error: str = "", status: int = 200,
                       form: dict[str, str] | None = None) -> Response:  # fmt: skip
        context = {"matrix": processes_read.matrix(engine=engine), "error": error, "form": form or {},
                   "letters": [r.value for r in Raci]}  # fmt: skip
        return web.render(request, "organisation_processes.html", context, session=session, status=status)

    @router.get(PROCESSES, response_class=HTMLResponse)
    def processes_page(request: Request, session: Reader) -> Response:
        return processes_view(request, session)

    def across(request: Request, post: FormPost) -> None:
        if not post.session.user.scope.owns(None):
            gettext = translations(web.language(request, post.session)).gettext
            raise Refused(gettext("The matrix spans departments: only people across departments change it."))

    @router.post(PROCESSES)
    def process_save(request: Request, post: Manager) -> Response:
        across(request, post)
        query = post.text("query")
        try:
            processes_actions.save_process(
                engine=engine, key=post.text("key"), name_nl=post.text("name_nl"),
                name_en=post.text("name_en"), conditions={"query": query} if query else {},
                matrix=parse_matrix(post.text("matrix")), actor=post.session.user.email,
                now=web.runtime.clock(),
            )  # fmt: skip
        except (ProcessProblem, InboxError, QuerySyntaxError, QueryReferenceError, ValueError) as exc:
            form = {k: post.text(k) for k in ("key", "name_nl", "name_en", "query", "matrix")}
            error = said(request, post, exc) if isinstance(exc, ProcessProblem) else str(exc)
            return processes_view(request, post.session, error=error, status=422, form=form)
        return RedirectResponse(PROCESSES, status_code=303)

    @router.post(PROCESSES + "/{key}/remove")
    def process_remove(request: Request, post: Manager, key: str) -> Response:
        across(request, post)
        try:
            processes_actions.remove_process(engine=engine, key=key, actor=post.session.user.email)
        except processes_actions.UnknownProcess:
            gettext = translations(web.language(request, post.session)).gettext
            raise Refused(gettext("No such process."), status=404) from None
        return RedirectResponse(PROCESSES, status_code=303)

    return router
