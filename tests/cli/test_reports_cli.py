"""``luister reports schedules add|list|pause|resume|send-now|remove`` and ``luister effects settle`` in
process, on SQLite: a schedule's report sent now lands in the dev pickup folder once."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from luister.cli import app
from luister.effects.tables import effect
from luister.services.database import open_database
from luister.settings import Settings

runner = CliRunner()


def invoke(settings: Settings, *args: str):  # type: ignore[no-untyped-def]
    env = {"LUISTER_DATABASE_URL": settings.database_url, "LUISTER_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "240"}  # fmt: skip
    return runner.invoke(app, list(args), env=env)


def test_report_schedules_on_the_command_line(sqlite_settings: Settings, tmp_path: Path) -> None:
    open_database(settings=sqlite_settings).dispose()
    made = invoke(sqlite_settings, "reports", "schedules", "add", "[bold]Webcare[/]", "--to",
                  "team@voltaro.example", "--weekday", "friday", "--at", "16:30",
                  "--language", "en")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "report schedule 1 added" in made.output
    bad = invoke(sqlite_settings, "reports", "schedules", "add", "X", "--to", "nobody", "--at", "16:30")
    assert bad.exit_code == 2 and "recipients:" in bad.output
    assert (
        invoke(
            sqlite_settings, "reports", "schedules", "add", "X", "--to", "a@b.nl", "--weekday", "funday"
        ).exit_code
        == 2
    )

    listed = invoke(sqlite_settings, "reports", "schedules", "list")
    assert "[bold]Webcare[/]" in listed.output and "friday 16:30" in listed.output  # text, not markup
    assert "paused" in invoke(sqlite_settings, "reports", "schedules", "pause", "1").output
    rows = json.loads(invoke(sqlite_settings, "reports", "schedules", "list", "--format", "json").output)
    assert [(r["id"], r["active"], r["next_run"]) for r in rows] == [(1, False, None)]
    assert "resumed" in invoke(sqlite_settings, "reports", "schedules", "resume", "1").output

    sent = invoke(sqlite_settings, "reports", "schedules", "send-now", "1")
    assert sent.exit_code == 0 and "planned as effect" in sent.output, sent.output
    assert invoke(sqlite_settings, "effects", "run", "--once").exit_code == 0
    assert len(list(Path(sqlite_settings.data_dir, "mail").glob("*.eml"))) == 1
    rows = json.loads(invoke(sqlite_settings, "reports", "schedules", "list", "--format", "json").output)
    assert rows[0]["last_mail"] == "sent"

    refused = invoke(sqlite_settings, "effects", "settle", "1", "--arrived")
    assert refused.exit_code == 2 and "not waiting to be settled" in refused.output
    engine = open_database(settings=sqlite_settings)
    with engine.begin() as conn:  # as the runner leaves a mail whose connection dropped mid-message
        conn.execute(effect.update().values(state="unknown", error_code="unverifiable"))
    engine.dispose()
    assert "recorded as sent" in invoke(sqlite_settings, "effects", "settle", "1", "--arrived").output

    assert invoke(sqlite_settings, "reports", "schedules", "remove", "1").exit_code == 0
    gone = invoke(sqlite_settings, "reports", "schedules", "remove", "1")
    assert gone.exit_code == 2 and "no report schedule 1" in gone.output


def test_working_as_a_department_on_the_command_line(sqlite_settings: Settings) -> None:
    """--department: its schedules and the company's; another's is as unknown as a missing one."""
    open_database(settings=sqlite_settings).dispose()
    for name, department in (("Marketing weekly", "marketing"), ("Service weekly", "customer-service")):
        made = invoke(sqlite_settings, "reports", "schedules", "add", name, "--to", "bureau@extern.example",
                      "--department", department)  # fmt: skip
        assert made.exit_code == 0, made.output
    assert invoke(sqlite_settings, "reports", "schedules", "add", "Company", "--to", "a@b.nl").exit_code == 0
    listed = invoke(sqlite_settings, "reports", "schedules", "list", "--department", "marketing",
                    "--format", "json")  # fmt: skip
    assert [(r["name"], r["department"]) for r in json.loads(listed.output)] == [
        ("Company", None),
        ("Marketing weekly", "marketing"),
    ]
    for command in ("pause", "resume", "send-now", "remove"):
        theirs = invoke(sqlite_settings, "reports", "schedules", command, "2", "--department", "marketing")
        assert theirs.exit_code == 2 and "there is no report schedule 2" in theirs.output, theirs.output
        company = invoke(sqlite_settings, "reports", "schedules", command, "3", "--department", "marketing")
        assert company.exit_code == 2 and "department:" in company.output, company.output
    assert (
        invoke(sqlite_settings, "reports", "schedules", "pause", "1", "--department", "marketing").exit_code
        == 0
    )
    everything = json.loads(
        invoke(sqlite_settings, "reports", "schedules", "list", "--format", "json").output
    )
    assert [(r["name"], r["active"]) for r in everything] == [
        ("Company", True),
        ("Marketing weekly", False),
        ("Service weekly", True),
    ]
