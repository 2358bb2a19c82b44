"""``luister org policy`` and ``luister org processes`` in process, on SQLite: write, publish, diff,
acknowledge for someone, the acknowledgements; a process whose matrix routes the inbox; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from luister.cli import app
from luister.inbox.read import list_rules
from luister.services.database import open_database
from luister.settings import Settings
from replies_helpers import ANNA, scene

runner = CliRunner()


def invoke(settings: Settings, *args: str) -> Result:
    env = {"LUISTER_DATABASE_URL": settings.database_url, "LUISTER_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "200"}  # fmt: skip
    return runner.invoke(app, list(args), env=env)


def test_policy_and_processes_commands(sqlite_settings: Settings, tmp_path: Path) -> None:
    engine = open_database(settings=sqlite_settings)
    scene(engine)
    one, two = tmp_path / "v1.md", tmp_path / "v2.md"
    one.write_text("# Beleid\n\nWees eerlijk.\n", encoding="utf-8")
    two.write_text("# Beleid\n\nWees eerlijk en [red]snel[/red].\n", encoding="utf-8")
    made = invoke(sqlite_settings, "org", "policy", "write", "--title", "Beleid", "--file", str(one),
                  "--rule", "Klachten | intent | complaint")  # fmt: skip
    assert made.exit_code == 0 and "draft version 1" in made.output, made.output
    bad = invoke(
        sqlite_settings, "org", "policy", "write", "--title", "x", "--file", str(one), "--rule", "x | nope"
    )
    assert bad.exit_code == 2 and "approval_rules[0].kind" in bad.output
    assert (
        invoke(sqlite_settings, "org", "policy", "write", "--title", "v2", "--file", str(two)).exit_code == 0
    )
    published = invoke(sqlite_settings, "org", "policy", "publish", "1")
    assert published.exit_code == 0 and "1 approval rule(s)" in published.output
    assert invoke(sqlite_settings, "org", "policy", "publish", "1").exit_code == 1
    diff = invoke(sqlite_settings, "org", "policy", "diff", "1", "2")
    assert "- Wees eerlijk." in diff.output and "+ Wees eerlijk en [red]snel[/red]." in diff.output
    acked = invoke(sqlite_settings, "org", "policy", "acknowledge", "1", "--as", ANNA)
    assert acked.exit_code == 0 and "acknowledged version 1" in acked.output
    rows = json.loads(invoke(sqlite_settings, "org", "policy", "acks", "--format", "json").output)
    assert {r["email"]: bool(r["acknowledged_at"]) for r in rows}[ANNA] is True
    pending = json.loads(
        invoke(sqlite_settings, "org", "policy", "acks", "--pending", "--format", "json").output
    )
    assert ANNA not in {r["email"] for r in pending} and pending
    listed = json.loads(invoke(sqlite_settings, "org", "policy", "list", "--format", "json").output)
    assert [(v["number"], v["state"]) for v in listed] == [(2, "draft"), (1, "in_force")]

    names = ("--name-nl", "Persvraag", "--name-en", "Press question")
    saved = invoke(sqlite_settings, "org", "processes", "set", "press", *names, "--query", "journalist",
                   "--matrix", "legal=R, customer-service=C")  # fmt: skip
    assert saved.exit_code == 0, saved.output
    assert any(r.name == "process: press" and r.department == "legal" for r in list_rules(engine=engine))
    wrong = invoke(sqlite_settings, "org", "processes", "set", "press", "--name-nl", "x", "--name-en", "x",
                   "--query", "x", "--matrix", "legal")  # fmt: skip
    assert wrong.exit_code == 2 and "department=R" in wrong.output
    shown = json.loads(invoke(sqlite_settings, "org", "processes", "list", "--format", "json").output)
    assert shown[0]["matrix"] == {"legal": "R", "customer-service": "C"}
    assert invoke(sqlite_settings, "org", "processes", "remove", "press").exit_code == 0
    assert invoke(sqlite_settings, "org", "processes", "remove", "press").exit_code == 1
    engine.dispose()
