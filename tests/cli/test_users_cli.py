"""``luister users`` and ``luister audit`` in process."""

from __future__ import annotations

from typer.testing import CliRunner

from luister.cli import app
from luister.settings import Settings

runner = CliRunner()


def invoke(settings: Settings, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    env = {"LUISTER_DATABASE_URL": settings.database_url, "COLUMNS": "200"}
    if settings.database_schema:
        env["LUISTER_DATABASE_SCHEMA"] = settings.database_schema
    return runner.invoke(app, list(args), env=env, input=stdin)


def test_accounts_from_the_command_line(settings: Settings) -> None:
    assert invoke(settings, "init").exit_code == 0
    assert "No accounts yet" in invoke(settings, "users", "list").output
    made = invoke(settings, "users", "create-admin", "Admin@Voltaro.example", "--name", "[b]Admin[/b]",
                  "--password-stdin", stdin="a long and secret passphrase\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    weak = invoke(settings, "users", "add", "x@voltaro.example", "--password-stdin", stdin="short\n")
    assert weak.exit_code == 2 and "at least 12 characters" in weak.output
    agent = invoke(settings, "users", "add", "sanne@voltaro.example", "--role", "agent", "--department",
                   "customer-service", "--password-stdin", stdin="another long password\n")  # fmt: skip
    assert agent.exit_code == 0, agent.output
    assert invoke(settings, "users", "role", "sanne@voltaro.example", "analyst").exit_code == 0
    assert invoke(settings, "users", "deactivate", "sanne@voltaro.example").exit_code == 0
    listed = invoke(settings, "users", "list").output
    assert "admin@voltaro.example" in listed and "[b]Admin[/b]" in listed and "customer-service" in listed
    audit = invoke(settings, "audit").output
    for action in ("user.create", "user.role", "user.deactivate"):
        assert action in audit
    assert invoke(settings, "users", "role", "nobody@voltaro.example", "viewer").exit_code == 2


def test_administrators_unlock_reset_and_reactivate_from_the_command_line(settings: Settings) -> None:
    from datetime import UTC, datetime

    from luister.accounts.actions import SignInRefused, sign_in, start_session
    from luister.accounts.read import session_for, waiting_accounts
    from luister.services.accounts import get_user
    from luister.services.database import open_database

    assert invoke(settings, "init").exit_code == 0
    email = "sanne@voltaro.example"
    assert (
        invoke(settings, "users", "add", email, "--password-stdin", stdin="another long password\n").exit_code
        == 0
    )
    engine = open_database(settings=settings)
    now = datetime.now(UTC)
    for _ in range(5):
        try:
            sign_in(engine=engine, email=email, password="x" * 12, address="10.0.0.1", now=now)
        except SignInRefused:
            pass
    assert email in waiting_accounts(engine=engine, now=now)
    unlocked = invoke(settings, "users", "unlock", email)
    assert unlocked.exit_code == 0 and "may sign in again at once" in unlocked.output
    assert email not in waiting_accounts(engine=engine, now=now)
    weak = invoke(settings, "users", "reset-password", email, "--password-stdin", stdin="Password1234\n")
    assert weak.exit_code == 2 and "too easy to guess" in weak.output
    live = start_session(
        engine=engine, user=get_user(engine=engine, email=email), address=None, agent=None, now=now
    )
    reset = invoke(
        settings, "users", "reset-password", email, "--password-stdin", stdin="a quiet long river 7\n"
    )
    assert reset.exit_code == 0 and "1 session(s) signed out" in reset.output
    assert session_for(engine=engine, token=live.token, now=now) is None
    assert invoke(settings, "users", "deactivate", email).exit_code == 0
    activated = invoke(settings, "users", "activate", email)
    assert activated.exit_code == 0 and get_user(engine=engine, email=email).active
    assert sign_in(engine=engine, email=email, password="a quiet long river 7", address="10.0.0.2", now=now)
    start_session(engine=engine, user=get_user(engine=engine, email=email), address=None, agent=None, now=now)
    out = invoke(settings, "users", "sign-out", email)
    assert out.exit_code == 0 and "1 session(s) signed out" in out.output
    assert invoke(settings, "users", "unlock", "nobody@voltaro.example").exit_code == 2
    audit = invoke(settings, "audit").output
    for action in ("user.unlock", "user.password", "user.activate", "sessions.end"):
        assert action in audit
    engine.dispose()
