"""Error pages: a 403, 404, 422 or 500 outside ``/api`` is a page with the layout, in the reader's
language, with a way back; ``/api`` paths keep the handlers installed before (problem+json bodies,
:mod:`luister.api.problems`), so the web app need not know the API."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from luister.web.context import Refused, SignInRequired, Web, sign_in_redirect

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
HEADINGS = {  # status: (heading, what happened), English message ids of the catalogue
    403: ("Not allowed", "You may not open this page or do this."),
    404: ("Page not found", "There is no such page; it may have been removed, or the address is mistyped."),
    405: ("Not possible here", "This address does not take that kind of request."),
    422: ("Address not valid", "A part of the address is not valid here (a number that is not a number?)."),
    500: ("Something went wrong", "Something went wrong on our side; it has been logged."),
}


def install(app: FastAPI, web: Web) -> None:
    """Register the error pages (after the API's handlers, which ``/api`` paths keep)."""
    before = dict(app.exception_handlers)

    async def api_answer(request: Request, exc: Exception) -> Response:
        kind = next((k for k in type(exc).__mro__ if k in before), None)
        if kind is None:
            raise exc
        answer = before[kind](request, exc)
        return await answer if inspect.isawaitable(answer) else answer  # type: ignore[no-any-return]

    def handler(status_of: Callable[[Exception], int], message_of: Callable[[Exception], str | None]) -> Any:
        async def handle(request: Request, exc: Exception) -> Response:
            if request.url.path.startswith(API_PREFIX):
                return await api_answer(request, exc)
            if isinstance(exc, SignInRequired):
                return sign_in_redirect(request, exc)
            status = status_of(exc)
            if status >= 500:
                log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
            return page(request, status, message_of(exc), headers=getattr(exc, "headers", None))

        return handle

    def page(request: Request, status: int, message: str | None, *, headers: Any = None) -> Response:
        session = web.sessions.current(request)
        heading, explanation = HEADINGS.get(status, HEADINGS[500] if status >= 500 else HEADINGS[404])
        context = {"status": status, "heading": heading, "explanation": message or explanation,
                   "back": _back(request)}  # fmt: skip
        response = web.render(request, "error.html", context, session=session, status=status)
        for name, value in (headers or {}).items():
            response.headers[name] = value
        return response

    http = handler(lambda e: e.status_code if isinstance(e, StarletteHTTPException) else 500, lambda e: None)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(RequestValidationError, handler(lambda e: 422, lambda e: None))
    app.add_exception_handler(Refused, handler(lambda e: getattr(e, "status", 403), lambda e: str(e)))
    app.add_exception_handler(Exception, handler(lambda e: 500, lambda e: None))


def _back(request: Request) -> str:
    """Where "back" leads: the page the reader came from on this site, else the overview."""
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = referer.netloc == request.url.netloc and referer.path.startswith("/")
    if same_site and referer.path != request.url.path:
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return "/"
