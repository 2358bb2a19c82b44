"""Every change to sessions and sign-in state: one transaction each, with its audit row.

Sign-in answers the same, in the same time, for an unknown, switched-off or wrong-password account:
exactly one argon2 verification runs on every path, and the message does not say which it was.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from luister.accounts import throttle
from luister.accounts.read import SessionRead, failure_count, signed_in_from, token_id
from luister.accounts.tables import sign_in_failure, web_session
from luister.domain.accounts import normalise_email, password_problem
from luister.services import audit
from luister.services.accounts import (
    DUMMY_HASH,
    AccountError,
    UserRead,
    get_user,
    hash_password,
    needs_rehash,
    verify_password,
)
from luister.storage.tables import user_account

SESSION_LIFETIME = timedelta(hours=12)
SEEN_EVERY = timedelta(minutes=5)  # how often a session's last use is written: not on every request
WRONG = "wrong e-mail address or password"


WAIT = "Too many attempts; try again in a moment ({seconds} s)."


class SignInRefused(Exception):
    """Credentials that do not sign in; the message is safe to show and the same for every account.
    ``template`` is the English text to translate, with ``{seconds}`` for ``retry_after``."""

    def __init__(self, template: str, *, retry_after: int | None = None) -> None:
        super().__init__(template.format(seconds=retry_after))
        self.template, self.retry_after = template, retry_after


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str  # for the cookie; the database keeps only its digest
    session: SessionRead


def account_key(email: str) -> str:
    """Counted for any name typed, with or without an account behind it: no probing for accounts."""
    return "account:" + email.strip().lower()[:254]


def address_key(address: str | None) -> str:
    return "address:" + (address or "?")[:45]


def sign_in(*, engine: Engine, email: str, password: str, address: str | None, now: datetime) -> UserRead:
    """The account for these credentials, or :class:`SignInRefused`.

    Each wrong answer makes the next attempt for that account name, and from that address, wait longer
    (:mod:`luister.accounts.throttle`). An address that signed in to the account before is not held back
    by the account's count, so a stranger guessing cannot keep its owner out."""
    name = email.strip().lower()[:254]
    with engine.begin() as conn:  # failures are committed too: raising inside would roll them back
        row: Any = conn.execute(sa.select(user_account).where(user_account.c.email == name)).first()
        held = throttle.wait(throttle.ADDRESS, failure_count(conn, address_key(address)), now)
        if not (row is not None and signed_in_from(conn, email=name, address=address, now=now)):
            held = max(held, throttle.wait(throttle.ACCOUNT, failure_count(conn, account_key(name)), now))
        usable = row is not None and row.active and not held
        right = verify_password(row.password_hash if usable else DUMMY_HASH, password) and usable
        if held:
            reason = "throttled"
        elif right:
            reason = ""
        else:
            reason = "unknown" if row is None else "inactive" if not row.active else "password"
            for key, rule in (
                (account_key(name), throttle.ACCOUNT),
                (address_key(address), throttle.ADDRESS),
            ):
                _count_failure(conn, key, rule, now)
        if reason:
            audit.record(
                conn, actor=name or "?", action="login.failed", detail={"reason": reason}, ip=address
            )
        else:
            values: dict[str, Any] = {"last_login_at": now}
            if needs_rehash(row.password_hash):
                values["password_hash"] = hash_password(password)
            conn.execute(user_account.update().where(user_account.c.id == row.id).values(**values))
            conn.execute(sign_in_failure.delete().where(sign_in_failure.c.key == account_key(name)))
            audit.record(conn, actor=name, action="login", ip=address)
    if held:
        seconds = max(1, round(held.total_seconds()))
        raise SignInRefused(WAIT, retry_after=seconds)
    if reason:
        raise SignInRefused(WRONG)
    return get_user(engine=engine, user_id=row.id)


def _count_failure(conn: Connection, key: str, rule: throttle.Rule, now: datetime) -> None:
    count = throttle.after_failure(rule, failure_count(conn, key), now)
    values = {"failures": count.failures, "last_failed_at": now}
    if conn.execute(sign_in_failure.update().where(sign_in_failure.c.key == key).values(**values)).rowcount:
        return
    try:
        with conn.begin_nested():
            conn.execute(sign_in_failure.insert().values(key=key, **values))
    except IntegrityError:  # a parallel attempt inserted it first: count on top of it
        conn.execute(sign_in_failure.update().where(sign_in_failure.c.key == key)
                     .values(failures=sign_in_failure.c.failures + 1, last_failed_at=now))  # fmt: skip


# --- sessions --------------------------------------------------------------------------------------------


def start_session(
    *, engine: Engine, user: UserRead, address: str | None, agent: str | None, now: datetime
) -> NewSession:
    """A new server-side session for a signed-in user; the token goes in the cookie."""
    token = secrets.token_urlsafe(32)
    address = address[:45] if address else None
    session = SessionRead(token_id(token), user.id, secrets.token_urlsafe(24), now, now,
                          now + SESSION_LIFETIME, address, (agent or "")[:200] or None)  # fmt: skip
    with engine.begin() as conn:
        conn.execute(web_session.delete().where(web_session.c.expires_at <= now))  # tidy up as we go
        conn.execute(web_session.insert().values(
            id=session.id, user_id=user.id, csrf=session.csrf, created_at=now, seen_at=now,
            expires_at=session.expires_at, address=session.address, agent=session.agent,
        ))  # fmt: skip
    return NewSession(token, session)


def seen(*, engine: Engine, session: SessionRead, now: datetime) -> None:
    """Note that a session was used (at most every ``SEEN_EVERY``: the account page shows it)."""
    if now - session.seen_at >= SEEN_EVERY:
        with engine.begin() as conn:
            conn.execute(web_session.update().where(web_session.c.id == session.id).values(seen_at=now))


def end_session(*, engine: Engine, session: SessionRead, actor: str, address: str | None) -> None:
    """Sign out: the session's cookie opens nothing any more."""
    with engine.begin() as conn:
        conn.execute(web_session.delete().where(web_session.c.id == session.id))
        audit.record(conn, actor=actor, action="logout", ip=address)


def end_sessions(
    *, engine: Engine, user_id: int, actor: str, address: str | None = None, keep: str | None = None
) -> int:
    """Sign a user out everywhere (but in the session ``keep``); how many sessions ended."""
    with engine.begin() as conn:
        ended = _end_sessions(conn, user_id, keep=keep)
        target = conn.execute(sa.select(user_account.c.email).where(user_account.c.id == user_id)).scalar()
        audit.record(conn, actor=actor, action="sessions.end", target=target, detail={"ended": ended},
                     ip=address)  # fmt: skip
    return ended


def _end_sessions(conn: Connection, user_id: int, *, keep: str | None = None) -> int:
    query = web_session.delete().where(web_session.c.user_id == user_id)
    if keep is not None:
        query = query.where(web_session.c.id != keep)
    return int(conn.execute(query).rowcount or 0)


# --- passwords and access, for the account's owner and for administrators -----------------------------


def change_password(
    *, engine: Engine, user: UserRead, current: str, new: str, keep: str | None, address: str | None
) -> int:
    """The owner's new password; every other session of theirs ends. How many ended."""
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(user_account.c.password_hash).where(user_account.c.id == user.id)
        ).scalar()
    if not verify_password(str(stored or DUMMY_HASH), current):
        raise AccountError("the current password is not right")
    return _set_password(engine, user, new, actor=user.email, keep=keep, address=address)


def reset_password(*, engine: Engine, email: str, password: str, actor: str) -> int:
    """An administrator sets someone's password (they forgot it): their sessions end, waits are lifted."""
    user = get_user(engine=engine, email=email)
    return _set_password(engine, user, password, actor=actor, keep=None, address=None)


def _set_password(
    engine: Engine, user: UserRead, password: str, *, actor: str, keep: str | None, address: str | None
) -> int:
    if problem := password_problem(password, email=user.email, name=user.name):
        raise AccountError(problem)
    with engine.begin() as conn:
        conn.execute(user_account.update().where(user_account.c.id == user.id)
                     .values(password_hash=hash_password(password)))  # fmt: skip
        ended = _end_sessions(conn, user.id, keep=keep)
        conn.execute(sign_in_failure.delete().where(sign_in_failure.c.key == account_key(user.email)))
        audit.record(conn, actor=actor, action="user.password", target=user.email,
                     detail={"sessions_ended": ended}, ip=address)  # fmt: skip
    return ended


def unlock(*, engine: Engine, email: str, actor: str) -> UserRead:
    """Lift the wait that wrong passwords put on an account."""
    user = get_user(engine=engine, email=normalise_or_as_is(email))
    with engine.begin() as conn:
        conn.execute(sign_in_failure.delete().where(sign_in_failure.c.key == account_key(user.email)))
        audit.record(conn, actor=actor, action="user.unlock", target=user.email)
    return user


def set_active(*, engine: Engine, email: str, active: bool, actor: str) -> UserRead:
    """Switch an account off (its sessions end at once) or on again (with any wait lifted)."""
    user = get_user(engine=engine, email=normalise_or_as_is(email))
    with engine.begin() as conn:
        conn.execute(user_account.update().where(user_account.c.id == user.id).values(active=active))
        ended = 0 if active else _end_sessions(conn, user.id)
        if active:
            conn.execute(sign_in_failure.delete().where(sign_in_failure.c.key == account_key(user.email)))
        audit.record(conn, actor=actor, action="user.activate" if active else "user.deactivate",
                     target=user.email, detail=None if active else {"sessions_ended": ended})  # fmt: skip
    return get_user(engine=engine, user_id=user.id)


def normalise_or_as_is(email: str) -> str:
    try:
        return normalise_email(email)
    except ValueError:
        return email
