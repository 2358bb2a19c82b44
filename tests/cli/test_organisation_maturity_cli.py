"""``luister org maturity`` in process, on SQLite: the questionnaire, answer, show, history, snapshot."""

from __future__ import annotations

import json

from typer.testing import CliRunner, Result

from luister.cli import app
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade

runner = CliRunner()
ANSWERS = ["strategy=4", "people=3", "governance=3", "processes=4", "training=3", "measurement=4",
           "technology=4"]  # fmt: skip


def invoke(settings: Settings, *args: str) -> Result:
    env = {"LUISTER_DATABASE_URL": settings.database_url, "LUISTER_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "200"}  # fmt: skip
    return runner.invoke(app, ["org", "maturity", *args], env=env)


def test_maturity_commands(sqlite_settings: Settings) -> None:
    upgrade(create_engine(sqlite_settings))
    asked = invoke(sqlite_settings, "questionnaire", "--lang", "nl")
    assert asked.exit_code == 0 and "Welke uitspraak past het best" in asked.output
    bad = invoke(sqlite_settings, "answer", *ANSWERS[1:])
    assert bad.exit_code == 2 and "no answer for strategy" in bad.output
    assert invoke(sqlite_settings, "answer", "strategy:4").exit_code == 2
    made = invoke(sqlite_settings, "answer", *ANSWERS, "--note", "kwartaalreview")
    assert made.exit_code == 0, made.output
    assert "stage 4 overall" in made.output
    shown = invoke(sqlite_settings, "show", "--lang", "nl")
    assert shown.exit_code == 0, shown.output
    assert "4 Geformaliseerd" in shown.output and "/inbox/approvals" in shown.output
    data = json.loads(invoke(sqlite_settings, "show", "--format", "json").output)[0]
    assert data["answered"]["scored"]["overall"] == 4 and all(c["links"] for c in data["claims"])
    assert invoke(sqlite_settings, "show", "--at", "2999-01-01").exit_code == 2
    assert invoke(sqlite_settings, "snapshot").exit_code == 0
    months = json.loads(invoke(sqlite_settings, "history", "--months", "2", "--format", "json").output)
    assert len(months) == 2 and months[-1]["stored"] and months[-1]["answered_overall"] == 4
    assert invoke(sqlite_settings, "history", "--months", "0").exit_code == 2
