"""Who calls the API: ``Authorization: Bearer <token>``, checked against the role's permissions.

No cookies and no CSRF here: a token is only ever sent on purpose, never by a browser on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine

from luister.api.problems import ApiError
from luister.domain.accounts import Permission, can
from luister.organisation.policy_read import refusal_for
from luister.services.accounts import UserRead
from luister.services.api_tokens import TokenRefused, authenticate_token

log = logging.getLogger(__name__)
_bearer = HTTPBearer(
    auto_error=False, description="An API token: `luister tokens create` or /account/tokens."
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _refuse(detail: str, *, invalid: bool) -> ApiError:
    challenge = 'Bearer realm="luister"' + (', error="invalid_token"' if invalid else "")
    return ApiError(401, detail, headers={"WWW-Authenticate": challenge})


def caller(
    engine: Engine, permission: Permission
) -> Callable[[HTTPAuthorizationCredentials | None], UserRead]:
    """Dependency: the account behind the bearer token, if its role has ``permission``."""

    def check(credentials: Credentials) -> UserRead:
        if credentials is None:
            raise _refuse("send an API token: Authorization: Bearer <token>", invalid=False)
        try:
            user = authenticate_token(engine=engine, secret=credentials.credentials)
        except TokenRefused as exc:
            log.info("API token refused: %s", exc)
            raise _refuse("the token is unknown, revoked or expired", invalid=True) from None
        if not can(user.role, permission):
            raise ApiError(403, f"the role {user.role.value} may not do this (needs {permission.value})")
        return user

    return check


def acting(
    engine: Engine, permission: Permission, clock: Callable[[], datetime]
) -> Callable[[Request, UserRead], UserRead]:
    """Dependency for the inbox's routers: :func:`caller`, and on a change (any method but GET and HEAD)
    the organisation's gates on working the inbox: a person who has not acknowledged the policy in force
    is refused (403, saying why, in their language)."""
    check = caller(engine, permission)

    # the dependency as a default: the annotations are strings here, and ``check`` is not a global
    def gate(request: Request, user: UserRead = Depends(check)) -> UserRead:  # noqa: B008
        if request.method not in ("GET", "HEAD"):
            refused = refusal_for(engine=engine, user_id=user.id, now=clock())
            if refused:
                raise ApiError(403, refused)
        return user

    return gate
