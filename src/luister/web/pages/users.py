"""Administrators' page for accounts: lift a sign-in wait, set a new password, switch accounts off and on,
sign someone out everywhere."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.accounts import actions
from luister.accounts.read import waiting_accounts
from luister.domain.accounts import Permission
from luister.services.accounts import AccountError, UserRead, get_user, list_users
from luister.web.auth import Session, client_address
from luister.web.context import FormPost, Refused, RowId, Web

PATH = "/users"
DONE = {"unlock", "password", "activate", "deactivate", "sessions"}  # what the notice after a change says


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    def page(request: Request, session: Session, *, error: str | None = None, status: int = 200) -> Response:
        done = request.query_params.get("done")
        context = {"users": list_users(engine=engine), "error": error,
                   "waiting": waiting_accounts(engine=engine, now=datetime.now(UTC)),
                   "done": done if done in DONE else None}  # fmt: skip
        return web.render(request, "users.html", context, session=session, status=status)

    @router.get(PATH, response_class=HTMLResponse)
    def users_page(
        request: Request, session: Annotated[Session, Depends(web.allowed(Permission.admin))]
    ) -> Response:
        return page(request, session)

    def target(user_id: int) -> UserRead:
        try:
            return get_user(engine=engine, user_id=user_id)
        except AccountError:
            raise Refused("There is no such account.", status=404) from None

    def done(what: str, user: UserRead) -> Response:
        return RedirectResponse(f"{PATH}?done={what}#user-{user.id}", status_code=303)

    Admin = Annotated[FormPost, Depends(web.form(Permission.admin))]

    @router.post(PATH + "/{user_id}/unlock")
    def unlock(user_id: RowId, post: Admin) -> Response:
        user = actions.unlock(engine=engine, email=target(user_id).email, actor=post.session.user.email)
        return done("unlock", user)

    @router.post(PATH + "/{user_id}/password", response_class=HTMLResponse)
    def password(request: Request, user_id: RowId, post: Admin) -> Response:
        user = target(user_id)
        try:
            password = str(post.form.get("password", ""))  # as typed: spaces count
            actions.reset_password(engine=engine, email=user.email, password=password,
                                   actor=post.session.user.email)  # fmt: skip
        except AccountError as exc:
            return page(request, post.session, error=str(exc), status=400)
        return done("password", user)

    @router.post(PATH + "/{user_id}/active")
    def active(user_id: RowId, post: Admin) -> Response:
        on = post.text("active") == "1"
        user = actions.set_active(engine=engine, email=target(user_id).email, active=on,
                                  actor=post.session.user.email)  # fmt: skip
        return done("activate" if on else "deactivate", user)

    @router.post(PATH + "/{user_id}/sessions/end")
    def sign_out(request: Request, user_id: RowId, post: Admin) -> Response:
        user = target(user_id)
        actions.end_sessions(engine=engine, user_id=user.id, actor=post.session.user.email,
                             address=client_address(request))  # fmt: skip
        return done("sessions", user)

    return router
