"""Who calls the API: ``Authorization: Bearer <token>``, checked against the role's permissions.

No cookies and no CSRF here: a token is only ever sent on purpose, never by a browser on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine

from luister.api.problems import ApiError
from luister.domain.accounts import Permission, can
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
