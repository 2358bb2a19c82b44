"""API tokens: secrets for the REST API, shown once and stored only as their SHA-256; every change audited.

A token looks like ``lst_`` followed by 43 URL-safe characters. Its first characters (the ``prefix``) are
kept in clear so people can tell their tokens apart; the whole token is never stored.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.services import audit
from luister.services.accounts import UserRead, get_user
from luister.storage.tables import api_token, user_account

TOKEN_START = "lst_"
PREFIX_CHARS = 12  # "lst_" and 8 characters of the secret: enough to tell tokens apart, useless to guess
MAX_TOKEN_CHARS = 200
MAX_EXPIRES_DAYS = 3650
TOUCH_INTERVAL = timedelta(minutes=1)  # last_used_at is written at most this often per token


class TokenError(ValueError):
    """A token cannot be created, found or revoked; the message says why."""


class TokenRefused(Exception):
    """The presented token does not authenticate (unknown, revoked, expired, or its user is switched
    off). The message is for logs; callers answer every case the same way."""


@dataclass(frozen=True, slots=True)
class TokenRead:
    id: int
    email: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def active(self, now: datetime | None = None) -> bool:
        now = now or datetime.now(UTC)
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True, slots=True)
class NewToken:
    """A freshly made token: ``secret`` is shown this once and can never be read back."""

    token: TokenRead
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *,
    engine: Engine,
    email: str,
    name: str,
    expires_in: timedelta | None = None,
    actor: str = "cli",
    now: datetime | None = None,
) -> NewToken:
    """A new token for the account ``email``; it expires after ``expires_in`` (never when ``None``)."""
    now = now or datetime.now(UTC)
    label = " ".join(name.split())
    if not label or len(label) > 120:
        raise TokenError("a token needs a name of 1 to 120 characters")
    if expires_in is not None and not timedelta(0) < expires_in <= timedelta(days=MAX_EXPIRES_DAYS):
        raise TokenError(f"a token expires after 1 to {MAX_EXPIRES_DAYS} days")
    try:
        user = get_user(engine=engine, email=email)
    except ValueError as exc:
        raise TokenError(str(exc)) from None
    if not user.active:
        raise TokenError(f"the account {user.email} is switched off")
    secret = TOKEN_START + secrets.token_urlsafe(32)
    expires_at = now + expires_in if expires_in is not None else None
    with engine.begin() as conn:
        token_id = conn.execute(
            api_token.insert()
            .values(
                user_id=user.id,
                name=label,
                token_hash=hash_token(secret),
                prefix=secret[:PREFIX_CHARS],
                created_at=now,
                expires_at=expires_at,
            )
            .returning(api_token.c.id)
        ).scalar_one()
        audit.record(
            conn,
            actor=actor,
            action="token.create",
            target=user.email,
            detail={
                "token": token_id,
                "name": label,
                "expires_at": expires_at.isoformat() if expires_at else None,
            },
        )
    return NewToken(get_token(engine=engine, token_id=token_id), secret)


def _select() -> Any:
    return sa.select(api_token, user_account.c.email).join(
        user_account, user_account.c.id == api_token.c.user_id
    )


def _read(row: Any) -> TokenRead:
    return TokenRead(
        row.id,
        row.email,
        row.name,
        row.prefix,
        row.created_at,
        row.expires_at,
        row.last_used_at,
        row.revoked_at,
    )


def get_token(*, engine: Engine, token_id: int) -> TokenRead:
    with engine.connect() as conn:
        row = conn.execute(_select().where(api_token.c.id == token_id)).first()
    if row is None:
        raise TokenError(f"no token with id {token_id}")
    return _read(row)


def list_tokens(*, engine: Engine, email: str | None = None) -> list[TokenRead]:
    """Every token (or those of the account ``email``), the newest first; revoked ones included."""
    query = _select().order_by(api_token.c.created_at.desc(), api_token.c.id.desc())
    if email is not None:
        query = query.where(user_account.c.email == email.strip().lower())
    with engine.connect() as conn:
        return [_read(row) for row in conn.execute(query)]


def revoke_token(
    *,
    engine: Engine,
    token_id: int,
    actor: str = "cli",
    owner: str | None = None,
    now: datetime | None = None,
) -> TokenRead:
    """Switch a token off for good. With ``owner`` (an e-mail), only that account's tokens are found."""
    now = now or datetime.now(UTC)
    found = get_token(engine=engine, token_id=token_id)
    if owner is not None and found.email != owner.strip().lower():
        raise TokenError(f"no token with id {token_id}")
    if found.revoked_at is not None:
        raise TokenError(f"token {token_id} was already revoked")
    with engine.begin() as conn:
        conn.execute(api_token.update().where(api_token.c.id == token_id).values(revoked_at=now))
        audit.record(
            conn,
            actor=actor,
            action="token.revoke",
            target=found.email,
            detail={"token": token_id, "name": found.name},
        )
    return get_token(engine=engine, token_id=token_id)


def authenticate_token(*, engine: Engine, secret: str, now: datetime | None = None) -> UserRead:
    """The account a presented token belongs to; raises :class:`TokenRefused` when it may not be used."""
    now = now or datetime.now(UTC)
    if not secret.startswith(TOKEN_START) or len(secret) > MAX_TOKEN_CHARS:
        raise TokenRefused("not a luister token")
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(
                api_token.c.id,
                api_token.c.user_id,
                api_token.c.expires_at,
                api_token.c.revoked_at,
                api_token.c.last_used_at,
                user_account.c.active,
            )
            .join(user_account, user_account.c.id == api_token.c.user_id)
            .where(api_token.c.token_hash == hash_token(secret))
        ).first()
    if row is None:
        raise TokenRefused("unknown token")
    if row.revoked_at is not None:
        raise TokenRefused("revoked token")
    if row.expires_at is not None and row.expires_at <= now:
        raise TokenRefused("expired token")
    if not row.active:
        raise TokenRefused("the token's account is switched off")
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
        with engine.begin() as conn:
            conn.execute(api_token.update().where(api_token.c.id == row.id).values(last_used_at=now))
    return get_user(engine=engine, user_id=row.user_id)
