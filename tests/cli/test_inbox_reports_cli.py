"""``luister inbox report`` and ``luister inbox digest build|show|decide`` in process, on SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from inbox_report_data import said, seed
from luister.cli import app
from luister.domain.topics import TopicKind
from luister.services.database import open_database
from luister.services.topics import create_topic
from luister.settings import Settings

runner = CliRunner()


def invoke(settings: Settings, *args: str):  # type: ignore[no-untyped-def]
    env = {
        "LUISTER_DATABASE_URL": settings.database_url,
        "LUISTER_DATA_DIR": str(settings.data_dir),
        "COLUMNS": "240",
    }
    return runner.invoke(app, list(args), env=env)


def test_report_and_digests_on_the_command_line(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    seed(engine)
    create_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro", actor="test")
    when = datetime.now(UTC) - timedelta(days=10)
    with engine.begin() as conn:
        for n, text in enumerate(["[red]laadpas[/red] kapot", "laadpas weg", "weer die laadpas"]):
            said(conn, "product", 100 + n, text, intent="complaint", when=when)
    engine.dispose()

    period = ["--period", "2026-11-27..2026-12-04T12:00"]
    table = invoke(sqlite_settings, "inbox", "report", *period)
    assert table.exit_code == 0, table.output
    assert "sales" in table.output and "product" in table.output and "first response" in table.output
    rows = json.loads(
        invoke(sqlite_settings, "inbox", "report", *period, "--by", "agent", "--format", "json").output
    )
    assert rows[0]["agent"] == ""  # the first row is the total
    for row in rows:
        assert row["volume"]["count"] == len(row["volume"]["ids"])
    bad = invoke(sqlite_settings, "inbox", "report", "--by", "mood")
    assert bad.exit_code == 2

    since, until = (when - timedelta(days=2)).isoformat(), (when + timedelta(days=5)).isoformat()
    built = invoke(sqlite_settings, "inbox", "digest", "build", "product", "--since", since, "--until", until)
    assert built.exit_code == 0 and "built: 1 themes" in built.output, built.output
    again = invoke(sqlite_settings, "inbox", "digest", "build", "product", "--since", since, "--until", until)
    assert "already built" in again.output
    assert "product" in invoke(sqlite_settings, "inbox", "digest", "show").output
    shown = invoke(sqlite_settings, "inbox", "digest", "show", "1")
    assert shown.exit_code == 0 and "laadpas" in shown.output and "[red]laadpas[/red]" in shown.output
    item = json.loads(invoke(sqlite_settings, "inbox", "digest", "show", "1", "--format", "json").output)[0][
        "id"
    ]
    decided = invoke(
        sqlite_settings, "inbox", "digest", "decide", str(item), "taken_up", "--outcome", "Besteld"
    )
    assert decided.exit_code == 0, decided.output
    assert "taken_up: Besteld" in invoke(sqlite_settings, "inbox", "digest", "show", "1").output
    assert invoke(sqlite_settings, "inbox", "digest", "decide", str(item), "maybe").exit_code == 2
    assert invoke(sqlite_settings, "inbox", "digest", "build", "nobody").exit_code == 2
