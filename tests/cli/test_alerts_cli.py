"""``luister alerts`` in process, on SQLite: rules, alerts raised by an import, working them, replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from luister.cli import app
from luister.settings import Settings
from luister.testing import write_jsonl

runner = CliRunner()


def invoke(settings: Settings, *args: str):  # type: ignore[no-untyped-def]
    env = {"LUISTER_DATABASE_URL": settings.database_url, "LUISTER_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "200"}  # fmt: skip
    return runner.invoke(app, list(args), env=env)


def test_rules_alerts_playbook_and_replay(sqlite_settings: Settings, tmp_path: Path) -> None:
    playbook = tmp_path / "playbook.json"
    playbook.write_text(json.dumps({"name": "Storing", "steps": [
        {"title": "Statuspagina bijwerken", "owner": "webcare", "due_minutes": 10,
         "statements": {"nl": "We werken aan de [bold]storing[/]."}}]}), "utf-8")  # fmt: skip
    assert invoke(sqlite_settings, "init").exit_code == 0
    rule = ["Storing", "--kind", "query", "--query", "storing OR lek", "--severity", "critical"]
    added = invoke(sqlite_settings, "alerts", "rules", "add", *rule, "--playbook", str(playbook))
    assert added.exit_code == 0, added.output
    bad = invoke(
        sqlite_settings, "alerts", "rules", "add", "Kapot", "--kind", "query", "--query", "storing AND ("
    )
    assert bad.exit_code == 2 and "invalid query" in bad.output
    listed = invoke(sqlite_settings, "alerts", "rules", "list")
    assert "Storing" in listed.output and "storing OR lek" in listed.output and "in-app" in listed.output
    now = datetime.now(UTC)
    path = write_jsonl(tmp_path / "m.jsonl", [
        {"id": "1", "channel": "mastodon", "author": "[red]eve[/red]",
         "text": "Weer een storing bij Voltaro [link=https://evil.example]klik[/link] & <3",
         "created_at": (now - timedelta(minutes=2)).isoformat()},
        {"id": "2", "channel": "mastodon", "text": "Mooi weer vandaag", "created_at": now.isoformat()},
    ])  # fmt: skip
    assert invoke(sqlite_settings, "import", str(path)).exit_code == 0  # the rule fires while importing
    alerts = invoke(sqlite_settings, "alerts", "list")
    assert alerts.exit_code == 0 and "all mentions: 1 new mention matches storing OR lek" in alerts.output
    shown = invoke(sqlite_settings, "alerts", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "[link=https://evil.example]klik[/link] & <3" in shown.output and "[red]eve[/red]" in shown.output
    assert "Statuspagina bijwerken" in shown.output and "We werken aan de [bold]storing[/]." in shown.output
    assert invoke(sqlite_settings, "alerts", "ack", "1", "--by", "anouk").exit_code == 0
    assert invoke(sqlite_settings, "alerts", "ack", "1", "--by", "anouk").exit_code == 2
    assert invoke(sqlite_settings, "alerts", "step", "1", "1", "--by", "webcare").exit_code == 0
    assert (
        invoke(sqlite_settings, "alerts", "resolve", "1", "--by", "anouk", "--note", "klaar").exit_code == 0
    )
    timeline = invoke(sqlite_settings, "alerts", "show", "1").output
    assert "acknowledged" in timeline and "step_done" in timeline and "resolved" in timeline
    replayed = invoke(
        sqlite_settings, "alerts", "replay", "--from", f"{now - timedelta(days=1):%Y-%m-%dT%H:%M:%S}"
    )
    assert replayed.exit_code == 0 and "Would have fired: 1" in replayed.output
    unknown = invoke(sqlite_settings, "alerts", "replay", "--from", "2026-01-01", "--rule", "Nope")
    assert unknown.exit_code == 2 and "no alert rule named Nope" in unknown.output
    assert invoke(sqlite_settings, "alerts", "show", "99").exit_code == 2
    assert invoke(sqlite_settings, "alerts", "rules", "remove", "Storing").exit_code == 0
    assert "No alert rules yet" in invoke(sqlite_settings, "alerts", "rules", "list").output


def test_replay_refuses_a_reversed_or_empty_window_and_checks_partial_hours(
    sqlite_settings: Settings,
) -> None:
    assert invoke(sqlite_settings, "init").exit_code == 0
    added = invoke(sqlite_settings, "alerts", "rules", "add", "Piek", "--kind", "volume_spike")
    assert added.exit_code == 0, added.output
    reversed_ = invoke(sqlite_settings, "alerts", "replay", "--from", "2026-12-04", "--to", "2026-12-03")
    assert reversed_.exit_code == 2
    assert (
        "the window is reversed: --from 2026-12-04 00:00 is after --to 2026-12-03 00:00" in reversed_.output
    )
    empty = invoke(sqlite_settings, "alerts", "replay", "--from", "2026-12-04", "--to", "2026-12-04")
    assert empty.exit_code == 2 and "the window is empty" in empty.output
    partial = invoke(sqlite_settings, "alerts", "replay", "--from", "2026-12-03T22:30", "--to", "2026-12-04")
    assert partial.exit_code == 0, partial.output
    assert "The first hour is partial (30 min): checked from 2026-12-03 22:00 UTC" in partial.output
    assert "Piek: 2 of 2 hours not judged (2 for no data)" in partial.output  # an empty database
    as_json = invoke(sqlite_settings, "alerts", "replay", "--json", "--from", "2026-12-03T22:30", "--to",
                     "2026-12-04")  # fmt: skip
    assert json.loads(as_json.output) == {"hours": 2, "fired": [], "not_judged": {"Piek": {"unknown": 2}}}
