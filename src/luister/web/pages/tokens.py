"""The account's API tokens: create one (its secret shown once), see when each was used, revoke it."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission
from luister.services.api_tokens import TokenError, create_token, list_tokens, revoke_token
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web

PATH = "/account/tokens"
EXPIRY_DAYS = (30, 90, 365)  # the choices offered; "never" besides


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    def page(
        request: Request,
        session: Session,
        *,
        created: object = None,
        error: str | None = None,
        status: int = 200,
    ) -> Response:
        tokens = list_tokens(engine=engine, email=session.user.email)
        context = {"tokens": tokens, "created": created, "error": error, "expiry_days": EXPIRY_DAYS,
                   "revoked": request.query_params.get("revoked") == "1"}  # fmt: skip
        response = web.render(request, "tokens.html", context, session=session, status=status)
        response.headers["Cache-Control"] = "no-store"  # the new secret must not be cached
        return response

    @router.get(PATH, response_class=HTMLResponse)
    def tokens_page(request: Request, session: Annotated[Session, Depends(web.signed_in)]) -> Response:
        return page(request, session)

    @router.post(PATH, response_class=HTMLResponse)
    def create(request: Request, post: Annotated[FormPost, Depends(web.form(Permission.view))]) -> Response:
        name = post.text("name")
        days = post.text("expires_days")
        if not name or len(name) > 120:
            return page(request, post.session, error="name", status=400)
        if days not in ("", *map(str, EXPIRY_DAYS)):
            return page(request, post.session, error="expiry", status=400)
        try:
            made = create_token(engine=engine, email=post.session.user.email, name=name,
                                expires_in=timedelta(days=int(days)) if days else None,
                                actor=post.session.user.email)  # fmt: skip
        except TokenError:
            return page(request, post.session, error="other", status=400)
        return page(request, post.session, created=made, status=201)

    @router.post(PATH + "/{token_id}/revoke")
    def revoke(token_id: RowId, post: Annotated[FormPost, Depends(web.form(Permission.view))]) -> Response:
        email = post.session.user.email
        try:
            revoke_token(engine=engine, token_id=token_id, owner=email, actor=email)
        except TokenError:
            raise Refused("No such token.", status=404) from None
        return RedirectResponse(f"{PATH}?revoked=1", status_code=303)

    return router
