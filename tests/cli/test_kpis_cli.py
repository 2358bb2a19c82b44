"""``luister kpis goals|list|show|add-goal|add|target|import|series`` in process, on SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from kpi_world import goals, world
from luister.cli import app
from luister.kpis.status import PeriodKind, period_at
from luister.services.database import open_database
from luister.settings import Settings

runner = CliRunner()


def invoke(settings: Settings, *args: str):  # type: ignore[no-untyped-def]
    env = {"LUISTER_DATABASE_URL": settings.database_url, "LUISTER_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "240"}  # fmt: skip
    return runner.invoke(app, list(args), env=env)


def test_goals_kpis_targets_and_imports_on_the_command_line(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    engine = open_database(settings=sqlite_settings)
    world(engine)
    ids = goals(engine)
    engine.dispose()
    month = period_at(PeriodKind.month, datetime.now(UTC))  # the CLI's clock is the real one

    tree = invoke(sqlite_settings, "kpis", "goals")
    assert tree.exit_code == 0, tree.output
    lines = tree.output.splitlines()
    assert lines[0].startswith(f"#{ids['goal']} A better reputation than Stroomwijs")
    assert any(line.startswith(f"  #{ids['sub']} More new customers") for line in lines)
    assert "Share of voice" in tree.output and "target" in tree.output

    made = invoke(
        sqlite_settings, "kpis", "add-goal", "[bold]Lower service cost[/]", "--parent", str(ids["goal"])
    )
    assert made.exit_code == 0 and "[bold]Lower service cost[/]" in made.output, (
        made.output
    )  # text, not markup
    goal_id = int(made.output.split("#")[1].split()[0])
    assert invoke(sqlite_settings, "kpis", "add-goal", "[bold]Lower service cost[/]").exit_code == 2
    added = invoke(
        sqlite_settings, "kpis", "add", str(goal_id), "nps", "NPS", "--series", "nps", "--unit", "score"
    )
    assert added.exit_code == 0, added.output
    kpi_id = int(added.output.split("#")[1].split()[0])
    frt = invoke(sqlite_settings, "kpis", "add", str(goal_id), "frt", "First response", "--formula",
                 "first_response", "--variant", "p90", "--direction", "down")  # fmt: skip
    assert frt.exit_code == 0, frt.output
    bad = invoke(sqlite_settings, "kpis", "add", str(goal_id), "sov2", "SoV", "--formula", "share_of_voice",
                 "--topic", "Voltaro")  # fmt: skip
    assert bad.exit_code == 2 and "competitor" in bad.output

    target = invoke(sqlite_settings, "kpis", "target", str(kpi_id), month.start.isoformat(), "40")
    assert target.exit_code == 0, target.output
    wrong = invoke(sqlite_settings, "kpis", "target", str(kpi_id), month.start.isoformat(), "40 %")
    assert wrong.exit_code == 2 and "percent" in wrong.output

    data = tmp_path / "nps.csv"
    data.write_text(f"period;value\n{month.start.isoformat()};35,5\nlater;3\n", encoding="utf-8")
    imported = invoke(sqlite_settings, "kpis", "import", "nps", str(data))
    assert imported.exit_code == 0, imported.output
    assert "nps: 1 stored, 1 problems" in imported.output and "line 3:" in imported.output
    as_json = json.loads(
        invoke(sqlite_settings, "kpis", "import", "nps", str(data), "--format", "json").output
    )
    assert as_json["stored"] == 1 and as_json["problems"][0]["line"] == 3
    data.write_text("when,what\nsoon,1\n", encoding="utf-8")
    assert invoke(sqlite_settings, "kpis", "import", "nps", str(data)).exit_code == 1
    assert invoke(sqlite_settings, "kpis", "import", "nope", str(data)).exit_code == 2

    rows = {
        r["key"]: r for r in json.loads(invoke(sqlite_settings, "kpis", "list", "--format", "json").output)
    }
    assert (rows["nps"]["value"], rows["nps"]["target"], rows["nps"]["status"]) == (35.5, 40.0, "off_track")
    assert rows["sov"]["version"] == "share_of_voice/mentions@1.0" and rows["frt"]["unit"] == "hours"
    header = invoke(sqlite_settings, "kpis", "list", "--format", "csv").output.splitlines()[0]
    assert header.startswith("id,key,name,goal,formula,version")
    shown = invoke(sqlite_settings, "kpis", "show", str(ids["sov"]))
    assert shown.exit_code == 0, shown.output
    assert "version share_of_voice/mentions@1.0" in shown.output and "Wilson" in shown.output
    assert "Values per period" in shown.output and "/mentions?topic=Voltaro" in shown.output
    per_period = json.loads(invoke(sqlite_settings, "kpis", "show", str(kpi_id), "--format", "json").output)
    assert len(per_period) == 12 and per_period[-1]["value"] == 35.5 and per_period[-1]["target"] == 40.0
    assert invoke(sqlite_settings, "kpis", "show", "9999").exit_code == 2
    series = {
        s["key"]: s for s in json.loads(invoke(sqlite_settings, "kpis", "series", "--format", "json").output)
    }
    assert series["nps"]["points"] == 1 and series["nps"]["unit"] == "score"
