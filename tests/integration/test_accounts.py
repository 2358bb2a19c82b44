"""Accounts on both databases: argon2 hashes, lock-out, roles, audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import Permission, Role, can
from luister.services.accounts import (
    AccountError,
    LoginError,
    authenticate,
    create_user,
    list_users,
    set_active,
    set_role,
)
from luister.services.audit import entries
from luister.storage.tables import user_account

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PASSWORD = "een lang en goed wachtwoord"


def test_passwords_are_argon2id_hashes_and_sign_in_works(engine: Engine) -> None:
    create_user(engine=engine, email=" Sanne@Voltaro.example ", name="Sanne", password=PASSWORD,
                role=Role.agent, department="customer-service")  # fmt: skip
    with engine.connect() as conn:
        stored = conn.execute(sa.select(user_account.c.email, user_account.c.password_hash)).one()
    assert stored.email == "sanne@voltaro.example" and stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    user = authenticate(
        engine=engine, email="SANNE@voltaro.example", password=PASSWORD, ip="10.0.0.1", now=NOW
    )
    assert (user.role, user.department, user.last_login_at) == (Role.agent, "customer-service", NOW)


def test_lock_out_after_five_wrong_passwords(engine: Engine) -> None:
    create_user(engine=engine, email="a@voltaro.example", name="A", password=PASSWORD, role=Role.viewer)
    for _ in range(5):
        with pytest.raises(LoginError, match="wrong e-mail address or password"):
            authenticate(engine=engine, email="a@voltaro.example", password="x" * 12, now=NOW)
    with pytest.raises(LoginError, match="too many wrong passwords"):
        authenticate(
            engine=engine, email="a@voltaro.example", password=PASSWORD, now=NOW + timedelta(minutes=5)
        )
    assert authenticate(
        engine=engine, email="a@voltaro.example", password=PASSWORD, now=NOW + timedelta(minutes=16)
    )
    failed = [e for e in entries(engine=engine) if e.action == "login.failed"]
    assert len(failed) == 6 and failed[1].detail == {"reason": "password", "locked": True}


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-address", PASSWORD, "not an e-mail address"),
        ("b@voltaro.example", "short", "at least 12 characters"),
        ("bobby@voltaro.example", "bobby-is-my-password", "must not contain the e-mail name"),
        ("b@voltaro.example", "aaaaaaaaaaaaaa", "more different characters"),
    ],
)
def test_bad_accounts_are_refused(engine: Engine, email: str, password: str, message: str) -> None:
    with pytest.raises(AccountError, match=message):
        create_user(engine=engine, email=email, name="B", password=password, role=Role.viewer)
    assert list_users(engine=engine) == []


def test_roles_switching_off_and_the_audit_trail(engine: Engine) -> None:
    create_user(engine=engine, email="c@voltaro.example", name="C", password=PASSWORD, role=Role.viewer)
    with pytest.raises(AccountError, match="already an account"):
        create_user(engine=engine, email="C@voltaro.example", name="C", password=PASSWORD, role=Role.viewer)
    assert (
        set_role(engine=engine, email="c@voltaro.example", role=Role.analyst, actor="admin@x").role
        is Role.analyst
    )
    set_active(engine=engine, email="c@voltaro.example", active=False, actor="admin@x")
    with pytest.raises(LoginError, match="switched off"):
        authenticate(engine=engine, email="c@voltaro.example", password=PASSWORD)
    trail = [(e.actor, e.action, e.target) for e in reversed(entries(engine=engine))]
    target = "c@voltaro.example"
    assert trail[:3] == [("cli", "user.create", target), ("admin@x", "user.role", target),
                         ("admin@x", "user.deactivate", target)]  # fmt: skip


def test_role_permissions() -> None:
    assert can(Role.admin, Permission.admin) and not can(Role.analyst, Permission.admin)
    assert can(Role.analyst, Permission.manage) and not can(Role.agent, Permission.manage)
    assert can(Role.agent, Permission.correct) and not can(Role.viewer, Permission.correct)
    assert all(can(role, Permission.view) for role in Role)
