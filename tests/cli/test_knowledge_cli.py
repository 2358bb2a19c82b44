"""``luister org kb`` and ``luister org mentoring`` in process, on SQLite: the starter set, search, add a
translation, edit, link, show an earlier version; pairs, sessions, evidence; bad input as exit code 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner, Result

from luister.cli import app
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade

runner = CliRunner()


def invoke(settings: Settings, *args: str) -> Result:
    env = {
        "LUISTER_DATABASE_URL": settings.database_url,
        "LUISTER_DATA_DIR": str(settings.data_dir),
        "COLUMNS": "200",
    }
    return runner.invoke(app, list(args), env=env)


def test_kb_commands(sqlite_settings: Settings) -> None:
    upgrade(create_engine(sqlite_settings))
    assert "28 articles added" in invoke(sqlite_settings, "org", "kb", "starter").output
    assert "0 articles added" in invoke(sqlite_settings, "org", "kb", "starter").output
    found = json.loads(
        invoke(
            sqlite_settings, "org", "kb", "search", "how do I answer a journalist?", "--format", "json"
        ).output
    )
    assert found[0]["slug"] == "playbook-press-question"
    made = invoke(
        sqlite_settings,
        "org",
        "kb",
        "add",
        "--kind",
        "lesson_learned",
        "--language",
        "en",
        "--title",
        "[red]Phishing[/red] wave",
        "--body",
        "We warned too late.",
        "--tag",
        "phishing",
        "--translation-of",
        "playbook-phishing",
    )
    assert made.exit_code == 2 and "already has a version in 'en'" in made.output
    made = invoke(
        sqlite_settings,
        "org",
        "kb",
        "add",
        "--kind",
        "lesson_learned",
        "--language",
        "en",
        "--title",
        "[red]Phishing[/red] wave",
        "--body",
        "We warned too late.",
        "--tag",
        "phishing",
    )
    assert made.exit_code == 0, made.output
    edited = invoke(
        sqlite_settings,
        "org",
        "kb",
        "edit",
        "red-phishing-red-wave",
        "--body",
        "Warn within the hour.",
        "--note",
        "sharper",
    )
    assert "version 2 saved" in edited.output
    assert (
        invoke(sqlite_settings, "org", "kb", "link", "red-phishing-red-wave", "alert_kind", "query").exit_code
        == 0
    )
    shown = invoke(sqlite_settings, "org", "kb", "show", "red-phishing-red-wave", "--version", "1")
    assert "[red]Phishing[/red] wave" in shown.output and "We warned too late." in shown.output
    assert "linked to: alert_kind query" in shown.output
    assert invoke(sqlite_settings, "org", "kb", "link", "red-phishing-red-wave", "planet", "x").exit_code == 2
    assert invoke(sqlite_settings, "org", "kb", "show", "nothing-here").exit_code == 1
    listed = json.loads(
        invoke(sqlite_settings, "org", "kb", "list", "--kind", "lesson_learned", "--format", "json").output
    )
    assert len(listed) == 3


def test_mentoring_commands(sqlite_settings: Settings) -> None:
    upgrade(create_engine(sqlite_settings))
    made = invoke(
        sqlite_settings,
        "org",
        "mentoring",
        "pair",
        "--mentor",
        "Anouk",
        "--mentee",
        "Hester",
        "--mentee-role",
        "CEO",
        "--started-on",
        "2026-09-01",
    )
    assert "pair #1 added" in made.output
    assert (
        invoke(
            sqlite_settings,
            "org",
            "mentoring",
            "session",
            "1",
            "--held-on",
            "2026-09-15",
            "--topic",
            "TikTok",
            "--topic",
            "webcare",
        ).exit_code
        == 0
    )
    bad = invoke(sqlite_settings, "org", "mentoring", "session", "1", "--held-on", "gisteren", "--topic", "x")
    assert bad.exit_code == 2 and "--held-on" in bad.output
    assert (
        invoke(
            sqlite_settings, "org", "mentoring", "session", "9", "--held-on", "2026-09-15", "--topic", "x"
        ).exit_code
        == 1
    )
    evidence = json.loads(invoke(sqlite_settings, "org", "mentoring", "evidence", "--format", "json").output)
    assert evidence[0]["sessions"] == 1 and evidence[0]["executives_mentored"] == 1
    assert "Hester (CEO)" in invoke(sqlite_settings, "org", "mentoring", "list").output
