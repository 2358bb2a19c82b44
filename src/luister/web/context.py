"""What every page needs: the engine, settings, templates, sessions, and the checks before a route runs.

Routes declare who may call them with dependencies (``web.signed_in``, ``web.allowed(Permission.manage)``,
``web.form(Permission.correct)``); a page that needs a sign-in redirects to the login form, a form post
without the session's CSRF token or without the permission is refused before the route runs.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from babel.numbers import format_decimal
from fastapi import Path as PathParam
from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.datastructures import FormData

from luister import __version__
from luister.alerts.read import open_count
from luister.domain.accounts import Permission, can
from luister.domain.addressing import MAX_ID
from luister.runtime import Runtime
from luister.services.topics import TopicRead, list_topics
from luister.web.auth import Session, Sessions, same_token
from luister.web.highlight import mark
from luister.web.i18n import pick_language, translations
from luister.web.query_errors import explain, explain_reference

TEMPLATES = Path(__file__).parent / "templates"


class SignInRequired(Exception):
    """The page needs a signed-in user: the app answers with a redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Refused(Exception):
    """The request may not go on (expired form, missing permission): the app answers with ``status``."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class FormPost:
    """A checked form post: who sent it and what."""

    session: Session
    form: FormData

    def text(self, name: str) -> str:
        value = self.form.get(name)
        return value.strip() if isinstance(value, str) else ""

    def texts(self, name: str) -> list[str]:
        return [value for value in self.form.getlist(name) if isinstance(value, str)]


RowId = Annotated[int, PathParam(ge=1, le=MAX_ID)]  # an id in a page's address: out of range is a 422


CODE_SPAN = re.compile(r"`([^`]+)`")


LINK = re.compile(r"\bhttps?://[^\s<>\"']+")
TRAILING = ".,;:!?)]}"  # punctuation after a link in a sentence is not part of it


def linked(text: str, marks: re.Pattern[str] | None = None) -> Markup:
    """Escaped text with its http(s) addresses as links that open outside luister (no referrer, nofollow,
    user-generated); nothing but http and https becomes a link. ``marks``: what to mark in the rest
    (``luister.web.highlight``)."""

    def link(found: re.Match[str]) -> str:
        url = found.group(0)
        tail = ""
        while url and url[-1] in TRAILING:
            url, tail = url[:-1], url[-1] + tail
        href = escape(url)
        opens = 'rel="nofollow noopener noreferrer ugc" target="_blank"'
        return f'<a href="{href}" {opens}>{href}</a>{escape(tail)}'

    parts, last = [], 0
    for found in LINK.finditer(text):
        parts += [mark(text[last : found.start()], marks), link(found)]
        last = found.end()
    return Markup("".join([*parts, mark(text[last:], marks)]))


def code_spans(text: str) -> Markup:
    """Escaped text with its `back-quoted` parts as <code> (connector and option descriptions)."""
    return Markup(CODE_SPAN.sub(r"<code>\1</code>", str(escape(text))))


class Web:
    """The shared parts of the web app; one per app."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.engine = runtime.engine
        self.templates = Jinja2Templates(directory=TEMPLATES)  # autoescape is on for .html
        self.templates.env.filters["code_spans"] = code_spans
        self.templates.env.filters["linked"] = linked
        self.templates.env.filters |= {"query_error": explain, "reference_error": explain_reference}
        self.sessions = Sessions(self.engine)

    def render(
        self, request: Request, name: str, context: dict[str, Any], *, session: Session | None,
        status: int = 200,
    ) -> Response:  # fmt: skip
        """A page in the user's language (else the browser's), with what every page needs."""
        lang = self.language(request, session)
        base = {"_": translations(lang).gettext, "lang": lang, "version": __version__,
                "user": session.user if session else None, "csrf": session.csrf if session else None,
                "may": (lambda permission: can(session.user.role, Permission(permission))) if session
                else (lambda permission: False), "path": request.url.path,
                "num": lambda value: format_decimal(value or 0, locale=lang)}  # fmt: skip
        if session is not None:  # the badge on Alerts in the menu: counted only where a page has the menu
            base["open_alerts"] = lambda: open_count(engine=self.engine, scope=session.user.scope)
        return self.templates.TemplateResponse(request, name, base | context, status_code=status)

    @staticmethod
    def language(request: Request, session: Session | None) -> str:
        preferred = session.user.language if session else None
        return pick_language(preferred, request.headers.get("accept-language"))

    def topics_for(self, session: Session) -> list[TopicRead]:
        """The topics this user works with: departments scope topics (``domain.accounts.scope_of``)."""
        return list_topics(engine=self.engine, scope=session.user.scope)

    def signed_in(self, request: Request) -> Session:
        """Dependency: the signed-in user's session (any role may read)."""
        session = self.sessions.current(request)
        if session is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(path)
        return session

    def allowed(self, permission: Permission) -> Callable[[Request], Session]:
        """Dependency: the session of a user whose role has ``permission``."""

        def check(request: Request) -> Session:
            session = self.signed_in(request)
            if not can(session.user.role, permission):
                raise Refused("Your role may not do this.")
            return session

        return check

    def form(self, permission: Permission = Permission.view) -> Callable[[Request], Awaitable[FormPost]]:
        """Dependency for form posts: a live session, its CSRF token, and ``permission``."""

        async def check(request: Request) -> FormPost:
            session = self.sessions.current(request)
            form = await request.form()
            if session is None or not same_token(str(form.get("csrf", "")), session.csrf):
                raise Refused("The form expired; reload the page.")
            if not can(session.user.role, permission):
                raise Refused("Your role may not do this.")
            return FormPost(session, form)

        return check


def sign_in_redirect(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)


def refused(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return PlainTextResponse(exc.message, status_code=exc.status)
