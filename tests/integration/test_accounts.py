"""Accounts on both databases: argon2 hashes, sign-in back-off, sessions, roles, audit."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.accounts.actions import (
    WRONG,
    SignInRefused,
    change_password,
    end_sessions,
    reset_password,
    set_active,
    sign_in,
    start_session,
    unlock,
)
from luister.accounts.read import session_for, waiting_accounts
from luister.domain.accounts import Permission, Role, can
from luister.services.accounts import AccountError, create_user, get_user, list_users, set_role
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
    user = sign_in(
        engine=engine, email="SANNE@voltaro.example", password=PASSWORD, address="10.0.0.1", now=NOW
    )
    assert (user.role, user.department, user.last_login_at) == (Role.agent, "customer-service", NOW)


def refusal(engine: Engine, email: str, password: str, *, address: str = "10.9.9.9",
            now: datetime = NOW) -> SignInRefused:  # fmt: skip
    with pytest.raises(SignInRefused) as raised:
        sign_in(engine=engine, email=email, password=password, address=address, now=now)
    return raised.value


def test_wrong_passwords_make_the_next_attempt_wait_longer_never_lock(engine: Engine) -> None:
    create_user(engine=engine, email="a@voltaro.example", name="A", password=PASSWORD, role=Role.viewer)
    sign_in(engine=engine, email="a@voltaro.example", password=PASSWORD, address="10.0.0.7",
            now=NOW - timedelta(days=1))  # fmt: skip
    for _ in range(4):  # three free failures, then a wait of 1 s
        assert str(refusal(engine, "a@voltaro.example", "x" * 12)) == WRONG
    held = refusal(engine, "a@voltaro.example", PASSWORD)  # even the right password waits its turn
    assert held.retry_after == 1 and str(held) == "Too many attempts; try again in a moment (1 s)."
    waits = []
    for n in range(5):  # each failure after its wait doubles the next: 2, 4, 8, 16, 32 s
        later = NOW + timedelta(seconds=sum(waits) + 1 + n)
        assert str(refusal(engine, "a@voltaro.example", "x" * 12, now=later)) == WRONG
        waits.append(refusal(engine, "a@voltaro.example", PASSWORD, now=later).retry_after or 0)
    assert waits == [2, 4, 8, 16, 32]
    assert "a@voltaro.example" in waiting_accounts(engine=engine, now=NOW + timedelta(seconds=50))
    # the owner, from an address that signed in before, is not held back by a stranger's guesses
    later = NOW + timedelta(seconds=60)
    refusal(engine, "a@voltaro.example", "x" * 12, now=later)
    assert refusal(engine, "a@voltaro.example", PASSWORD, now=later).retry_after
    assert sign_in(engine=engine, email="a@voltaro.example", password=PASSWORD, address="10.0.0.7", now=later)
    assert unlock(engine=engine, email="a@voltaro.example", actor="admin@x")
    assert not waiting_accounts(engine=engine, now=later)
    failed = [e for e in entries(engine=engine) if e.action == "login.failed"]
    assert {e.detail["reason"] for e in failed if e.detail} == {"password", "throttled"}


def test_an_address_that_guesses_many_accounts_is_held_back(engine: Engine) -> None:
    for n in range(11):  # ten free failures for one address, across account names
        assert str(refusal(engine, f"nobody{n}@voltaro.example", "x" * 12, address="10.6.6.6")) == WRONG
    held = refusal(engine, "someone-else@voltaro.example", "x" * 12, address="10.6.6.6")
    assert held.retry_after == 1
    assert str(refusal(engine, "someone-else@voltaro.example", "x" * 12, address="10.1.1.1")) == WRONG


@pytest.mark.real_password_hashing
def test_unknown_switched_off_and_waiting_accounts_answer_alike_and_as_slowly(engine: Engine) -> None:
    """No account enumeration: the same message, and one argon2 verification on every path."""
    create_user(engine=engine, email="on@voltaro.example", name="On", password=PASSWORD, role=Role.viewer)
    create_user(engine=engine, email="off@voltaro.example", name="Off", password=PASSWORD, role=Role.viewer)
    set_active(engine=engine, email="off@voltaro.example", active=False, actor="admin@x")
    cases = {"wrong password": ("on@voltaro.example", "x" * 12),
             "unknown": ("nobody@voltaro.example", PASSWORD),
             "switched off, right password": ("off@voltaro.example", PASSWORD)}  # fmt: skip
    timings: dict[str, float] = {}
    for case, (email, password) in cases.items():
        spent = []
        for n in range(3):
            started = time.perf_counter()
            message = str(refusal(engine, email, password, address=f"10.2.{len(timings)}.{n}"))
            spent.append(time.perf_counter() - started)
            assert message == WRONG, case
        timings[case] = min(spent)
    fastest, slowest = min(timings.values()), max(timings.values())
    assert slowest < fastest * 2 + 0.05, timings  # loosely: an argon2 check (~50 ms) dominates every path
    for n in range(4):  # an unknown name waits just like a known one
        refusal(engine, "nobody@voltaro.example", "x" * 12, address=f"10.3.0.{n}")
    assert refusal(engine, "nobody@voltaro.example", "x" * 12, address="10.3.0.9").retry_after


def test_sessions_end_on_sign_out_password_change_and_switching_off(engine: Engine) -> None:
    user = create_user(engine=engine, email="d@voltaro.example", name="D", password=PASSWORD, role=Role.agent)
    one, two, three = (start_session(engine=engine, user=user, address="10.0.0.1", agent="test", now=NOW)
                       for _ in range(3))  # fmt: skip
    assert one.token not in one.session.id and len(one.session.id) == 64  # only the digest is stored
    assert session_for(engine=engine, token=one.token, now=NOW + timedelta(hours=11))
    assert session_for(engine=engine, token=one.token, now=NOW + timedelta(hours=12)) is None  # expired
    with pytest.raises(AccountError, match="current password is not right"):
        change_password(engine=engine, user=user, current="x" * 12, new="another long passphrase 7",
                        keep=one.session.id, address=None)  # fmt: skip
    with pytest.raises(AccountError, match="too easy to guess"):
        change_password(
            engine=engine, user=user, current=PASSWORD, new="Password1234", keep=None, address=None
        )
    ended = change_password(engine=engine, user=user, current=PASSWORD, new="another long passphrase 7",
                            keep=one.session.id, address=None)  # fmt: skip
    assert ended == 2 and session_for(engine=engine, token=two.token, now=NOW) is None
    assert session_for(engine=engine, token=one.token, now=NOW)  # the one that changed it stays
    assert reset_password(engine=engine, email=user.email, password=PASSWORD, actor="admin@x") == 1
    again = start_session(engine=engine, user=user, address=None, agent=None, now=NOW)
    set_active(engine=engine, email=user.email, active=False, actor="admin@x")
    assert session_for(engine=engine, token=again.token, now=NOW) is None
    assert not get_user(engine=engine, email=user.email).active
    set_active(engine=engine, email=user.email, active=True, actor="admin@x")
    last = start_session(engine=engine, user=user, address=None, agent=None, now=NOW)
    assert end_sessions(engine=engine, user_id=user.id, actor=user.email) == 1
    assert session_for(engine=engine, token=last.token, now=NOW) is None and three.token


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-address", PASSWORD, "not an e-mail address"),
        ("b@voltaro.example", "short", "at least 12 characters"),
        ("bobby@voltaro.example", "bobby-is-my-password", "must not contain the e-mail name"),
        ("b@voltaro.example", "aaaaaaaaaaaaaa", "more different characters"),
        ("b@voltaro.example", "Password1234", "too easy to guess"),
        ("b@voltaro.example", "qwertyuiop123", "too easy to guess"),
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
    assert str(refusal(engine, "c@voltaro.example", PASSWORD)) == WRONG
    trail = [(e.actor, e.action, e.target) for e in reversed(entries(engine=engine))]
    target = "c@voltaro.example"
    assert trail[:3] == [("cli", "user.create", target), ("admin@x", "user.role", target),
                         ("admin@x", "user.deactivate", target)]  # fmt: skip


def test_role_permissions() -> None:
    assert can(Role.admin, Permission.admin) and not can(Role.analyst, Permission.admin)
    assert can(Role.analyst, Permission.manage) and not can(Role.agent, Permission.manage)
    assert can(Role.agent, Permission.correct) and not can(Role.viewer, Permission.correct)
    assert all(can(role, Permission.view) for role in Role)
