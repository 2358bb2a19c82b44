"""The signed-in person's account: change the password, see where they are signed in, sign out everywhere."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.accounts.actions import change_password, end_sessions
from luister.accounts.read import sessions_of
from luister.services.accounts import AccountError
from luister.web.auth import SESSION_COOKIE, Session, client_address
from luister.web.context import FormPost, Web

PATH = "/account"


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    def page(request: Request, session: Session, *, notice: str | None = None, error: str | None = None,
             status: int = 200) -> Response:  # fmt: skip
        context = {"sessions": sessions_of(engine=engine, user_id=session.user.id, now=datetime.now(UTC)),
                   "this_session": session.record.id, "notice": notice, "error": error}  # fmt: skip
        return web.render(request, "account.html", context, session=session, status=status)

    @router.get(PATH, response_class=HTMLResponse)
    def account_page(request: Request, session: Annotated[Session, Depends(web.signed_in)]) -> Response:
        return page(request, session, notice="password" if request.query_params.get("changed") else None)

    @router.post(PATH + "/password", response_class=HTMLResponse)
    def password(request: Request, post: Annotated[FormPost, Depends(web.form())]) -> Response:
        new = post.form.get("new")
        if new != post.form.get("repeat"):
            return page(request, post.session, error="the new passwords differ", status=400)
        try:
            change_password(engine=engine, user=post.session.user, current=str(post.form.get("current", "")),
                            new=str(new or ""), keep=post.session.record.id,
                            address=client_address(request))  # fmt: skip
        except AccountError as exc:
            return page(request, post.session, error=str(exc), status=400)
        return RedirectResponse(PATH + "?changed=1", status_code=303)

    @router.post(PATH + "/sign-out-everywhere")
    def everywhere(request: Request, post: Annotated[FormPost, Depends(web.form())]) -> Response:
        user = post.session.user
        end_sessions(engine=engine, user_id=user.id, actor=user.email, address=client_address(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
