"""Signing in and out, and the language switch."""

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.accounts.actions import SignInRefused, sign_in
from luister.services.accounts import set_language
from luister.web.auth import client_address, safe_next, same_token
from luister.web.context import FormPost, Web
from luister.web.i18n import LANGUAGES, translations


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    sessions = web.sessions

    def login_page(request: Request, *, next: str, error: str | None, status: int) -> Response:
        token = sessions.login_token(request)
        context = {"next": safe_next(next), "error": error, "csrf": token}
        response = web.render(request, "login.html", context, session=None, status=status)
        sessions.keep_login_token(request, response, token)
        return response

    @router.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        if sessions.current(request) is not None:
            return RedirectResponse(safe_next(next), status_code=303)
        return login_page(request, next=next, error=None, status=200)

    @router.post("/login", response_class=HTMLResponse)
    def login(
        request: Request,
        email: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        if not same_token(csrf, request.cookies.get("luister_login_csrf")):
            return login_page(request, next=next, error="The form expired; please try again.", status=403)
        try:
            user = sign_in(engine=web.engine, email=email, password=password,
                           address=client_address(request), now=datetime.now(UTC))  # fmt: skip
        except SignInRefused as exc:
            lang = web.language(request, None)
            error = translations(lang).gettext(exc.template).format(seconds=exc.retry_after)
            response = login_page(request, next=next, error=error, status=429 if exc.retry_after else 401)
            if exc.retry_after:
                response.headers["Retry-After"] = str(exc.retry_after)
            return response
        response = RedirectResponse(safe_next(next), status_code=303)
        sessions.start(response, request, user)
        return response

    @router.post("/logout")
    def logout(request: Request, post: Annotated[FormPost, Depends(web.form())]) -> Response:
        response = RedirectResponse("/login", status_code=303)
        sessions.end(request, response, post.session)
        return response

    @router.post("/language")
    def language(request: Request, post: Annotated[FormPost, Depends(web.form())]) -> Response:
        chosen = post.text("language")
        if chosen in LANGUAGES:
            email = post.session.user.email
            set_language(engine=web.engine, email=email, language=chosen, actor=email)
        back = urlsplit(request.headers.get("referer", "/"))
        return RedirectResponse(
            safe_next(back.path + (f"?{back.query}" if back.query else "")), status_code=303
        )

    return router
