"""Sessions, CSRF and login throttling for the web app.

A session is a signed, time-limited cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) holding the
user id and the session's CSRF token; every form posts that token back. Before login, the form's
token is a double-submit cookie. Failed logins are throttled per client address on top of the
per-account lock-out in ``luister.services.accounts``.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from luister.services.accounts import AccountError, UserRead, get_user

SESSION_COOKIE = "luister_session"
LOGIN_CSRF_COOKIE = "luister_login_csrf"
SESSION_SECONDS = 12 * 3600
LOGIN_ATTEMPTS = 10  # per client address …
LOGIN_WINDOW = 300.0  # … per five minutes


@dataclass(frozen=True, slots=True)
class Session:
    user: UserRead
    csrf: str


class Sessions:
    def __init__(self, secret: str, engine: Any) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="luister-session")
        self._engine = engine
        self._attempts: dict[str, deque[float]] = {}

    def current(self, request: Request) -> Session | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            data = self._signer.loads(token, max_age=SESSION_SECONDS)
            user = get_user(engine=self._engine, user_id=int(data["uid"]))
        except (BadSignature, AccountError, KeyError, TypeError, ValueError):
            return None
        return Session(user, str(data["csrf"])) if user.active else None

    def start(self, response: Response, request: Request, user: UserRead) -> None:
        token = self._signer.dumps({"uid": user.id, "csrf": secrets.token_urlsafe(24)})
        response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_SECONDS, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")  # fmt: skip
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")

    @staticmethod
    def end(response: Response) -> None:
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

    def throttled(self, address: str) -> bool:
        """Whether this client has used up its login attempts (counting this one)."""
        now = time.monotonic()
        attempts = self._attempts.setdefault(address, deque())
        while attempts and now - attempts[0] > LOGIN_WINDOW:
            attempts.popleft()
        attempts.append(now)
        return len(attempts) > LOGIN_ATTEMPTS


def same_token(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


def safe_next(value: str | None) -> str:
    """Only a path on this site: never ``//evil.example`` or ``https://…``."""
    if value and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"
