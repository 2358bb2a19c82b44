"""Sessions and CSRF for the web app.

A session lives on the server (:mod:`luister.accounts`): the cookie (HttpOnly, SameSite=Lax, Secure over
HTTPS, also behind a trusted TLS proxy) holds only a random token, so signing out, "sign out everywhere",
a password change and switching an account off end it at once. Every form posts the session's CSRF token
back; before sign-in, the form's token is a double-submit cookie. Sign-in attempts are throttled per
account name and per address in :mod:`luister.accounts.actions`.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request, Response
from sqlalchemy.engine import Engine

from luister.accounts import actions
from luister.accounts.read import SessionRead, session_for
from luister.services.accounts import UserRead

SESSION_COOKIE = "luister_session"
LOGIN_CSRF_COOKIE = "luister_login_csrf"
SESSION_SECONDS = int(actions.SESSION_LIFETIME.total_seconds())


@dataclass(frozen=True, slots=True)
class Session:
    user: UserRead
    csrf: str
    record: SessionRead


def client_address(request: Request) -> str | None:
    """The caller's address (behind a trusted proxy: the one it forwarded)."""
    return request.client.host if request.client else None


class Sessions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def current(self, request: Request) -> Session | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        now = datetime.now(UTC)
        found = session_for(engine=self._engine, token=token, now=now)
        if found is None:
            return None
        record, user = found
        actions.seen(engine=self._engine, session=record, now=now)
        return Session(user, record.csrf, record)

    def start(self, response: Response, request: Request, user: UserRead) -> None:
        agent = request.headers.get("user-agent")
        new = actions.start_session(engine=self._engine, user=user, address=client_address(request),
                                    agent=agent, now=datetime.now(UTC))  # fmt: skip
        response.set_cookie(SESSION_COOKIE, new.token, max_age=SESSION_SECONDS, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")  # fmt: skip
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")

    def end(self, request: Request, response: Response, session: Session) -> None:
        actions.end_session(engine=self._engine, session=session.record, actor=session.user.email,
                            address=client_address(request))  # fmt: skip
        response.delete_cookie(SESSION_COOKIE, path="/")

    @staticmethod
    def login_token(request: Request) -> str:
        """The pre-login form token: the one this browser already holds, or a new one."""
        return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)

    @staticmethod
    def keep_login_token(request: Request, response: Response, token: str) -> None:
        """Kept in a cookie, so a forged cross-site form cannot know it."""
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")  # fmt: skip


def same_token(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


def safe_next(value: str | None) -> str:
    """Only a path on this site: never ``//evil.example`` or ``https://…``."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"
