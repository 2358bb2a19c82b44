"""``luister projects`` in process, on SQLite: add, list, spend, show (overlaps, attribution), evaluate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from luister.cli import app
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from test_projects import seed_world  # noqa: E402

runner = CliRunner()


def invoke(settings: Settings, *args: str) -> Result:
    env = {"LUISTER_DATABASE_URL": settings.database_url, "LUISTER_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "200"}  # fmt: skip
    return runner.invoke(app, list(args), env=env)


def test_projects_commands(sqlite_settings: Settings) -> None:
    engine = create_engine(sqlite_settings)
    upgrade(engine)
    brand, a, b, _ = seed_world(engine)
    made = invoke(sqlite_settings, "projects", "add", "[red]Pilot[/red]", "--kind", "webcare_pilot",
                  "--start", "2026-03-01", "--end", "2026-03-31", "--budget", "1250.5",
                  "--country", "nl")  # fmt: skip
    assert made.exit_code == 0, made.output
    bad = invoke(sqlite_settings, "projects", "add", "X", "--start", "2026-03-01", "--end", "maart")
    assert bad.exit_code == 2 and "--end" in bad.output
    assert invoke(sqlite_settings, "projects", "spend", str(a), "99.99", "--on", "2026-06-10").exit_code == 0
    listed = json.loads(invoke(sqlite_settings, "projects", "list", "--format", "json").output)
    assert {p["name"]: p["spend_cents"] for p in listed} == {
        "Zonnedeal": 9999,
        "Prijs": 0,
        "[red]Pilot[/red]": 0,
    }
    table = invoke(sqlite_settings, "projects", "list")
    assert "[red]Pilot[/red]" in table.output and "EUR 1,250.50" in table.output
    shown = invoke(
        sqlite_settings, "projects", "show", str(a), "--kpi", f"mentions:{brand}", "--method", "causal"
    )
    assert shown.exit_code == 0, shown.output
    assert "overlaps" in shown.output and "Prijs" in shown.output and "holds 0" in shown.output
    done = invoke(sqlite_settings, "projects", "evaluate", str(a), "--met", "--evaluation", "Goed")
    assert done.exit_code == 0 and "met): Goed" in invoke(sqlite_settings, "projects", "show", str(a)).output
    assert invoke(sqlite_settings, "projects", "show", "999").exit_code == 2
