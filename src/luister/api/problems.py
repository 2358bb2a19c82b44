"""Error bodies of the API: RFC 9457 problem details (``application/problem+json``).

Every refusal under ``/api`` answers ``{"type", "title", "status", "detail"}``, with ``errors`` for
invalid input, ``position`` (and ``line``/``column``) for a query the topic query language cannot read,
and ``line``/``column`` for a push body that is not JSON. Pages keep their own answers.
"""

from __future__ import annotations

import http
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from luister.domain.queries import QuerySyntaxError

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"
BLANK = "about:blank"  # a plain HTTP error: the title is the status's name
VALIDATION = "urn:luister:problem:validation"
QUERY_SYNTAX = "urn:luister:problem:query-syntax"


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(description="Where: body, query, path or header, then the field.")
    msg: str
    type: str


class Problem(BaseModel):
    """What went wrong, as RFC 9457 problem details."""

    type: str = Field(BLANK, description="A URI naming the kind of problem; about:blank for plain HTTP.")
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = Field(None, description="Invalid input: each field and why.")
    position: int | None = Field(None, description="Query syntax errors: the 0-based offset in the query.")
    line: int | None = Field(None, description="Query or JSON syntax errors: the line (from 1).")
    column: int | None = Field(None, description="Query or JSON syntax errors: the column (from 1).")
    reply_seq: int | None = Field(
        None, description="A reply refused by the send-time guard: the conversation's number now."
    )


class ApiError(Exception):
    """Raised by routers to answer with a problem body."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type: str = BLANK,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.type, self.headers, self.extra = status, detail, type, headers, extra
        self.title = title or http.HTTPStatus(status).phrase


def invalid(detail: str) -> ApiError:
    """Input the schema allows but the service refuses (an unknown topic, a cursor from elsewhere)."""
    return ApiError(422, detail, type=VALIDATION, title="Invalid input")


def query_problem(exc: QuerySyntaxError, *, field: str = "q") -> ApiError:
    return ApiError(
        422,
        f"{field}: {exc}\n{exc.caret()}",
        type=QUERY_SYNTAX,
        title="Invalid query",
        position=exc.position,
        line=exc.line,
        column=exc.column,
    )


def problem_response(
    status: int,
    detail: str | None,
    *,
    type: str = BLANK,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = Problem(
        type=type, title=title or http.HTTPStatus(status).phrase, status=status, detail=detail, **extra
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=headers, media_type=MEDIA_TYPE
    )


def _content() -> dict[str, Any]:
    return {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The problem answers an operation can give, for the OpenAPI schema (422 and 401 always)."""
    wanted = sorted({401, 422, *statuses})
    return {
        status: {"model": Problem, "description": http.HTTPStatus(status).phrase, "content": _content()}
        for status in wanted
    }


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return problem_response(
        exc.status, exc.detail, type=exc.type, title=exc.title, headers=exc.headers, **exc.extra
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not _is_api(request):
        return await http_exception_handler(request, exc)
    headers = getattr(exc, "headers", None)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(exc.status_code, detail, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not _is_api(request):
        return await request_validation_exception_handler(request, exc)
    errors = [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors[:5])
    return problem_response(
        422, detail or "invalid input", type=VALIDATION, title="Invalid input", errors=errors
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if not _is_api(request):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return problem_response(500, "Something went wrong on our side; it has been logged.")


HANDLERS: dict[type[Exception], Callable[[Request, Exception], Any]] = {
    ApiError: _api_error,
    StarletteHTTPException: _http_error,
    RequestValidationError: _validation_error,
    Exception: _server_error,
}


def install(app: FastAPI) -> None:
    """Problem bodies for ``/api`` paths (other paths keep FastAPI's answers), and an OpenAPI schema
    that names ``application/problem+json`` as the only media type of those answers."""
    for exc_type, handler in HANDLERS.items():
        app.add_exception_handler(exc_type, handler)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    for answer in operation.get("responses", {}).values():
                        content = answer.get("content", {})
                        if MEDIA_TYPE in content:
                            content.pop("application/json", None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
