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
