"""Local accounts: argon2id passwords, roles, lock-out after repeated failures; every change audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from luister.domain.accounts import Role, Scope, normalise_email, password_problem, scope_of
from luister.services import audit
from luister.storage.tables import user_account

MAX_FAILURES = 5
LOCK_MINUTES = 15
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _HASHER.hash("luister-timing-equaliser")


class AccountError(ValueError):
    pass


class LoginError(Exception):
    """Wrong e-mail or password, or a locked or inactive account; the message is safe to show."""


@dataclass(frozen=True, slots=True)
class UserRead:
    id: int
    email: str
    name: str
    role: Role
    department: str | None
    language: str
    active: bool
    last_login_at: datetime | None

    @property
    def scope(self) -> Scope:
        """The departments' things this user works with (``domain.accounts.scope_of``)."""
        return scope_of(self.role, self.department)


def _read(row: Any) -> UserRead:
    return UserRead(row.id, row.email, row.name, Role(row.role), row.department, row.language, row.active,
                    row.last_login_at)  # fmt: skip


def create_user(
    *,
    engine: Engine,
    email: str,
    name: str,
    password: str,
    role: Role,
    department: str | None = None,
    language: str = "en",
    actor: str = "cli",
) -> UserRead:
    try:
        address = normalise_email(email)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    if problem := password_problem(password, email=address):
        raise AccountError(problem)
    if language not in ("nl", "en"):
        raise AccountError("language must be nl or en")
    with engine.begin() as conn:
        if conn.execute(sa.select(user_account.c.id).where(user_account.c.email == address)).first():
            raise AccountError(f"there is already an account for {address}")
        conn.execute(
            user_account.insert().values(
                email=address,
                name=name.strip() or address,
                password_hash=_HASHER.hash(password),
                role=role.value,
                department=department,
                language=language,
                active=True,
                failed_logins=0,
                created_at=datetime.now(UTC),
            )  # fmt: skip
        )
        audit.record(conn, actor=actor, action="user.create", target=address,
                     detail={"role": role.value, "department": department})  # fmt: skip
    return get_user(engine=engine, email=address)


def get_user(*, engine: Engine, email: str | None = None, user_id: int | None = None) -> UserRead:
    query = sa.select(user_account)
    query = (
        query.where(user_account.c.id == user_id)
        if user_id is not None
        else query.where(user_account.c.email == (email or "").strip().lower())
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise AccountError(f"no account {email or user_id}")
    return _read(row)


def list_users(*, engine: Engine) -> list[UserRead]:
    with engine.connect() as conn:
        return [_read(row) for row in conn.execute(sa.select(user_account).order_by(user_account.c.email))]


def count_users(*, engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(user_account)).scalar_one())


def authenticate(
    *, engine: Engine, email: str, password: str, ip: str | None = None, now: datetime | None = None
) -> UserRead:
    """The account for these credentials. After ``MAX_FAILURES`` wrong passwords in a row the account
    is locked for ``LOCK_MINUTES``; unknown e-mails take as long as known ones (no account probing)."""
    now = now or datetime.now(UTC)
    address = email.strip().lower()
    with engine.begin() as conn:  # failures are committed too: raising inside would roll them back
        row: Any = conn.execute(sa.select(user_account).where(user_account.c.email == address)).first()
        refusal = _refusal(row, password, now)
        if refusal is not None:
            reason, message = refusal
            detail: dict[str, Any] = {"reason": reason}
            if reason == "password":
                failures = row.failed_logins + 1
                locked = now + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
                counts = {"failed_logins": 0 if locked else failures, "locked_until": locked}
                conn.execute(user_account.update().where(user_account.c.id == row.id).values(**counts))
                detail["locked"] = locked is not None
            audit.record(conn, actor=address[:254] or "?", action="login.failed", detail=detail, ip=ip)
        else:
            values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
            if _HASHER.check_needs_rehash(row.password_hash):
                values["password_hash"] = _HASHER.hash(password)
            conn.execute(user_account.update().where(user_account.c.id == row.id).values(**values))
            audit.record(conn, actor=address, action="login", ip=ip)
    if refusal is not None:
        raise LoginError(refusal[1])
    return get_user(engine=engine, user_id=row.id)


def _refusal(row: Any, password: str, now: datetime) -> tuple[str, str] | None:
    """Why these credentials do not sign in (reason for the audit log, message for the person)."""
    if row is None:
        _verify(_DUMMY_HASH, password)  # as slow as a real check: no probing for accounts
        return "unknown", "wrong e-mail address or password"
    if not row.active:
        return "inactive", "this account is switched off; ask an administrator"
    if row.locked_until is not None and row.locked_until > now:
        return "locked", f"too many wrong passwords; try again after {row.locked_until:%H:%M} UTC"
    if not _verify(row.password_hash, password):
        return "password", "wrong e-mail address or password"
    return None


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_role(*, engine: Engine, email: str, role: Role, actor: str) -> UserRead:
    user = get_user(engine=engine, email=email)
    with engine.begin() as conn:
        conn.execute(user_account.update().where(user_account.c.id == user.id).values(role=role.value))
        audit.record(conn, actor=actor, action="user.role", target=user.email,
                     detail={"from": user.role.value, "to": role.value})  # fmt: skip
    return get_user(engine=engine, user_id=user.id)


def set_department(*, engine: Engine, email: str, department: str | None, actor: str) -> UserRead:
    """The department someone works in (``None``: across departments); it scopes their topics."""
    user = get_user(engine=engine, email=email)
    value = (department or "").strip()[:40] or None
    with engine.begin() as conn:
        conn.execute(user_account.update().where(user_account.c.id == user.id).values(department=value))
        audit.record(conn, actor=actor, action="user.department", target=user.email,
                     detail={"from": user.department, "to": value})  # fmt: skip
    return get_user(engine=engine, user_id=user.id)


def set_active(*, engine: Engine, email: str, active: bool, actor: str) -> UserRead:
    user = get_user(engine=engine, email=email)
    with engine.begin() as conn:
        conn.execute(user_account.update().where(user_account.c.id == user.id).values(active=active))
        audit.record(
            conn, actor=actor, action="user.activate" if active else "user.deactivate", target=user.email
        )
    return get_user(engine=engine, user_id=user.id)


def set_language(*, engine: Engine, email: str, language: str, actor: str) -> UserRead:
    """The language the web app speaks to this user (nl or en)."""
    if language not in ("nl", "en"):
        raise AccountError("language must be nl or en")
    user = get_user(engine=engine, email=email)
    with engine.begin() as conn:
        conn.execute(user_account.update().where(user_account.c.id == user.id).values(language=language))
        audit.record(
            conn, actor=actor, action="user.language", target=user.email, detail={"language": language}
        )
    return get_user(engine=engine, user_id=user.id)


def known_departments(*, engine: Engine) -> list[str]:
    """The departments people or topics belong to, for picking one."""
    from luister.storage.tables import topic

    with engine.connect() as conn:
        found = {row[0] for row in conn.execute(sa.select(user_account.c.department).distinct()) if row[0]}
        found |= {row[0] for row in conn.execute(sa.select(topic.c.department).distinct()) if row[0]}
    return sorted(found)
