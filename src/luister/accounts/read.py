"""Reading sessions and sign-in counts back (no writes)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.accounts.tables import sign_in_failure, web_session
from luister.accounts.throttle import ACCOUNT, Count, wait
from luister.services.accounts import UserRead, get_user
from luister.storage.tables import audit_log, user_account

TRUSTED_FOR = timedelta(days=30)  # an address that signed in to an account this recently is its owner's


@dataclass(frozen=True, slots=True)
class SessionRead:
    id: str  # the token's digest, never the token
    user_id: int
    csrf: str
    created_at: datetime
    seen_at: datetime
    expires_at: datetime
    address: str | None
    agent: str | None


def token_id(token: str) -> str:
    """What the database keeps of a session token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def session_for(*, engine: Engine, token: str, now: datetime) -> tuple[SessionRead, UserRead] | None:
    """The live session behind a cookie's token, and its (active) user; ``None`` when ended or expired."""
    if not token or len(token) > 200:
        return None
    query = (
        sa.select(web_session)
        .join(user_account, user_account.c.id == web_session.c.user_id)
        .where(web_session.c.id == token_id(token), web_session.c.expires_at > now, user_account.c.active)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return _session(row), get_user(engine=engine, user_id=row.user_id)


def sessions_of(*, engine: Engine, user_id: int, now: datetime) -> list[SessionRead]:
    """A user's live sessions, the most recently used first."""
    query = (
        sa.select(web_session)
        .where(web_session.c.user_id == user_id, web_session.c.expires_at > now)
        .order_by(web_session.c.seen_at.desc())
    )
    with engine.connect() as conn:
        return [_session(row) for row in conn.execute(query)]


def _session(row: sa.Row[tuple[object, ...]]) -> SessionRead:
    m = row._mapping
    return SessionRead(m["id"], m["user_id"], m["csrf"], m["created_at"], m["seen_at"], m["expires_at"],
                       m["address"], m["agent"])  # fmt: skip


def failure_count(conn: Connection, key: str) -> Count:
    row = conn.execute(sa.select(sign_in_failure).where(sign_in_failure.c.key == key)).first()
    return Count(row.failures, row.last_failed_at) if row else Count()


def signed_in_from(conn: Connection, *, email: str, address: str | None, now: datetime) -> bool:
    """Whether ``address`` signed in to the account ``email`` within ``TRUSTED_FOR``."""
    if not address:
        return False
    query = sa.select(audit_log.c.id).where(
        audit_log.c.action == "login",
        audit_log.c.actor == email,
        audit_log.c.ip == address,
        audit_log.c.at > now - TRUSTED_FOR,
    )
    return conn.execute(query.limit(1)).first() is not None


def waiting_accounts(*, engine: Engine, now: datetime) -> set[str]:
    """The account names that wrong passwords currently hold back (for administrators to lift)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(sign_in_failure).where(sign_in_failure.c.key.startswith("account:")))
        return {row.key.removeprefix("account:") for row in rows
                if wait(ACCOUNT, Count(row.failures, row.last_failed_at), now)}  # fmt: skip
