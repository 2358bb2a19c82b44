"""The command line, in process, on both databases."""

from __future__ import annotations

import importlib
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from luister import __version__
from luister.cli import app
from luister.settings import Settings
from luister.storage.tables import SCHEMA_REVISION
from luister.testing import record, write_jsonl

runner = CliRunner()


def invoke(settings: Settings, *args: str):  # type: ignore[no-untyped-def]
    env = {"LUISTER_DATABASE_URL": settings.database_url, "COLUMNS": "160"}
    if settings.fetch_allow:
        env["LUISTER_FETCH_ALLOW"] = orjson.dumps(settings.fetch_allow).decode()
    if settings.database_schema:
        env["LUISTER_DATABASE_SCHEMA"] = settings.database_schema
    return runner.invoke(app, list(args), env=env)


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"luister {__version__}"


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    for command in ("init", "demo", "import", "stats", "rejected", "db"):
        assert command in result.output


@pytest.mark.blank_database
def test_init_then_db_current(settings: Settings) -> None:
    assert invoke(settings, "db", "current").exit_code == 1  # nothing migrated yet
    result = invoke(settings, "init")
    assert result.exit_code == 0, result.output
    assert "database ready" in result.output
    current = invoke(settings, "db", "current")
    assert current.exit_code == 0
    assert f"current: {SCHEMA_REVISION}" in current.output


def test_import_reports_counts_and_rejected_lines(settings: Settings, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", [record(1), '{"broken', record(2), "[1]"])
    result = invoke(settings, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "new mentions stored" in result.output and " 2 " in result.output
    assert "line 2" in result.output and "invalid JSON" in result.output
    assert "line 4" in result.output and "expected a JSON object, got list" in result.output
    again = invoke(settings, "import", str(path))  # nothing new is quarantined, and the summary says so
    assert "(0 new; 2 quarantined by an earlier run)" in again.output

    again = invoke(settings, "import", str(path))
    assert "already known (skipped)" in again.output

    quarantined = invoke(settings, "rejected")
    assert quarantined.exit_code == 0
    assert "file:m.jsonl" in quarantined.output


def test_import_settles_the_heap_for_bulk_work(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settled: list[bool] = []
    cli_app = importlib.import_module("luister.cli.app")  # the module: `luister.cli.app` is the Typer app
    monkeypatch.setattr(cli_app, "settle_for_bulk_work", lambda: settled.append(True))
    result = invoke(settings, "import", str(write_jsonl(tmp_path / "m.jsonl", [record(1)])))
    assert result.exit_code == 0, result.output
    assert settled == [True]  # once the models and topics are loaded (luister.heap)


def test_import_with_mapping_flags(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("post;body;wie\n7;Voltaro app kapot;kees\n", encoding="utf-8")
    result = invoke(
        settings,
        "import",
        str(path),
        "--map",
        "external_id=post",
        "--map",
        "text=body",
        "--map",
        "author_handle=wie",
        "--channel",
        "forum",
    )
    assert result.exit_code == 0, result.output
    stats = invoke(settings, "stats")
    assert "forum" in stats.output and "1 mentions" in stats.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "nope.csv"], "no such file"),
        (["import", "x.csv", "--map", "text"], "FIELD=COLUMN"),
        (["import", "x.csv", "--map", "tekst=body"], "unknown field"),
        (["import", "x.numbers"], "--format"),
        (["import", "x.xlsx"], "not a readable .xlsx workbook"),
    ],
)
def test_import_errors_are_helpful(
    sqlite_settings: Settings, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "x.csv").write_text("id,text\n1,a\n")
    (tmp_path / "x.xlsx").write_text("not really")
    (tmp_path / "x.numbers").write_text("not known")
    result = invoke(
        sqlite_settings, *[str(tmp_path / a) if a.startswith(("x.", "nope")) else a for a in args]
    )
    assert result.exit_code == 2
    assert message in result.output


def test_invalid_settings_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats"], env={"LUISTER_MODE": "production", "LUISTER_SECRET_KEY": ""})
    assert result.exit_code == 2
    assert "LUISTER_SECRET_KEY" in result.output


def test_stats_on_an_empty_database_says_what_to_do(settings: Settings) -> None:
    result = invoke(settings, "stats")
    assert result.exit_code == 0
    assert "luister demo" in result.output


def test_demo_without_serving(sqlite_settings: Settings) -> None:
    result = invoke(sqlite_settings, "demo", "--count", "800", "--no-serve")
    assert result.exit_code == 0, result.output
    assert "800 new mentions" in result.output
    assert "luister serve" in result.output


def test_serve_refuses_production_mode_without_accounts(tmp_path: Path) -> None:
    env = {
        "LUISTER_MODE": "production",
        "LUISTER_SECRET_KEY": "k" * 48,
        "LUISTER_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
    }
    result = runner.invoke(app, ["serve"], env=env)
    assert result.exit_code == 2
    assert "no accounts yet" in result.output and "luister users create-admin" in result.output


def test_topics_commands(settings: Settings, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "m.jsonl", [record(1, text="Storing bij Voltaro"), record(2, text="Enerlux app")]
    )
    invoke(settings, "import", str(path))
    added = invoke(settings, "topics", "add", "Voltaro", "voltaro OR #voltaro", "--kind", "brand")
    assert added.exit_code == 0, added.output
    assert "matches 1 mentions" in added.output
    listed = invoke(settings, "topics", "list")
    assert "Voltaro" in listed.output and "brand" in listed.output
    tried = invoke(settings, "topics", "test", "enerlux OR voltaro")
    assert "2 of the 2 mentions of all history match" in tried.output
    bad = invoke(settings, "topics", "test", "voltaro AND (storing")
    assert bad.exit_code == 2
    assert "^" in bad.output and "never closed" in bad.output
    referring = invoke(settings, "topics", "test", 'topic:Voltaro AND (storing OR "in de wacht") -#vacature')
    assert referring.exit_code == 0 and "1 of the 2 mentions of all history match" in referring.output
    unknown = invoke(settings, "topics", "test", "topic:Nergens AND storing")
    assert unknown.exit_code == 2 and "the query refers to unknown topic 'Nergens'" in unknown.output
    assert "\\x00" not in unknown.output
    deep = invoke(settings, "topics", "test", "voltaro AND " + "(" * 40 + "a" + ")" * 40)
    assert deep.exit_code == 2 and "nested too deeply at column 45" in deep.output
    assert "^" in deep.output.splitlines()[-1]
    assert invoke(settings, "topics", "rematch").exit_code == 0
    assert invoke(settings, "topics", "remove", "Voltaro").exit_code == 0
    assert invoke(settings, "topics", "remove", "Voltaro").exit_code == 2


def test_hostile_text_is_printed_as_text_not_markup(settings: Settings, tmp_path: Path) -> None:
    hostile = "[/] [bold red]niet vet[/bold red] [link=https://evil.example]klik[/link] \x1b[31m"
    path = write_jsonl(tmp_path / "m.jsonl", [record(1, text="Voltaro"), f'{{"broken": "{hostile[:20]}'])
    assert invoke(settings, "import", str(path)).exit_code == 0
    added = invoke(settings, "topics", "add", "[/]Voltaro[bold]", "voltaro")
    assert added.exit_code == 0, added.output
    assert "[/]Voltaro[bold]" in added.output
    for command in (["rejected"], ["topics", "list"], ["stats"]):
        result = invoke(settings, *command)
        assert result.exit_code == 0, (command, result.output)
    assert "[/]Voltaro[bold]" in invoke(settings, "topics", "list").output
    assert '{"broken": "[/] [bold' in invoke(settings, "rejected").output


def test_sources_and_listen(settings: Settings, tmp_path: Path) -> None:
    drop = write_jsonl(tmp_path / "drop.jsonl", [record(n) for n in range(5)])
    added = invoke(settings, "sources", "add", "drop", "file", "-o", f"path={drop}", "-o", "page_size=2")
    assert added.exit_code == 0, added.output
    assert invoke(settings, "sources", "add", "drop", "file", "-o", f"path={drop}").exit_code == 2
    bad = invoke(settings, "sources", "add", "x", "file", "-o", "page_size=0")
    assert bad.exit_code == 2 and "invalid options for file" in bad.output
    assert "file" in invoke(settings, "sources", "kinds").output
    assert invoke(settings, "sources", "check", "drop").exit_code == 0

    first = invoke(settings, "listen", "--once")
    assert first.exit_code == 0, first.output
    assert "drop: 5 fetched, 5 new, 0 rejected" in first.output
    with drop.open("a") as more:  # the file grows; the next pass reads only what is new
        more.write('{"id": "m5", "text": "Voltaro nieuw", "channel": "forum"}\n')
    again = invoke(settings, "listen", "--source", "drop")
    assert "drop: 1 fetched, 1 new" in again.output
    listed = invoke(settings, "sources", "list")
    assert "drop" in listed.output and "ok" in listed.output

    drop.unlink()
    failed = invoke(settings, "listen", "--source", "drop")
    assert "✗ drop" in failed.output and "no such file" in failed.output
    assert failed.exit_code == 1 and "1 source failed: drop" in failed.output  # cron and systemd see it
    assert invoke(settings, "listen", "--once").exit_code == 0  # backing off: not due, nothing failed
    assert "failing" in invoke(settings, "sources", "list").output
    assert invoke(settings, "sources", "check", "drop").exit_code == 1
    assert invoke(settings, "sources", "remove", "drop").exit_code == 0
    assert "No sources yet" in invoke(settings, "sources", "list").output


def test_listen_to_an_rss_feed_end_to_end(settings: Settings, httpserver) -> None:  # type: ignore[no-untyped-def]
    feed = (Path(__file__).parent.parent / "data" / "rss" / "rss2.xml").read_bytes()
    httpserver.expect_request("/feed", headers={"If-None-Match": '"v1"'}).respond_with_data("", status=304)
    httpserver.expect_request("/feed").respond_with_data(
        feed, content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    url = httpserver.url_for("/feed")
    env_settings = settings.model_copy(update={"fetch_allow": ["127.0.0.1"]})
    added = invoke(env_settings, "sources", "add", "blog", "rss", "-o", f"url={url}", "-o", "channel=blog")
    assert added.exit_code == 0, added.output

    refused = invoke(settings, "listen", "--once")  # without the allow-list the guard refuses loopback
    assert "✗ blog" in refused.output and "127.0.0.1" in refused.output
    assert refused.exit_code == 1

    first = invoke(env_settings, "listen", "--source", "blog")
    assert first.exit_code == 0, first.output
    assert "✓ blog" in first.output and " new" in first.output
    second = invoke(env_settings, "listen", "--source", "blog")  # conditional GET: 304, nothing new
    assert "blog: 0 fetched, 0 new" in second.output
    stats = invoke(env_settings, "stats")
    assert "blog" in stats.output


def test_db_recount_rebuilds_the_rollups(settings: Settings, tmp_path: Path) -> None:
    import sqlalchemy as sa

    from luister.services.database import open_database
    from luister.storage.tables import rollup_hour

    source = tmp_path / "m.jsonl"
    lines = [f'{{"id": "{n}", "text": "bericht {n}", "created_at": "2026-10-01T09:0{n}Z"}}' for n in range(5)]
    source.write_text("\n".join(lines) + "\n")
    assert invoke(settings, "import", str(source)).exit_code == 0
    engine = open_database(settings=settings)
    with engine.begin() as conn:
        conn.execute(rollup_hour.delete())
    checked = invoke(settings, "db", "recount", "--check")
    assert checked.exit_code == 1 and "differ from a recount (rollup_hour " in checked.output
    with engine.connect() as conn:  # the check changed nothing
        assert conn.execute(sa.select(sa.func.count()).select_from(rollup_hour)).scalar() == 0
    result = invoke(settings, "db", "recount")
    assert result.exit_code == 0 and "from 5 mentions" in result.output and "repaired" in result.output
    assert invoke(settings, "db", "recount", "--check").exit_code == 0
    with engine.connect() as conn:
        total = conn.execute(
            sa.select(sa.func.sum(rollup_hour.c.mentions)).where(rollup_hour.c.topic_id == 0)
        )
        assert total.scalar() == 5
    engine.dispose()


def test_a_full_disk_is_one_clear_message(sqlite_settings: Settings, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Not a 60-line traceback ending in the wrong cause: what happened, what to do, that it is safe."""
    import sqlite3

    from luister.storage.writer import SqlMentionStore

    def full(*args: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SqlMentionStore, "_write_sqlite", full)
    path = write_jsonl(tmp_path / "m.jsonl", [record(n) for n in range(3)])
    result = invoke(sqlite_settings, "import", "--workers", "0", str(path))
    assert result.exit_code == 1
    assert "disk full — free space and run again; nothing will be stored twice" in result.output
    assert "Traceback" not in result.output


def test_privacy_find_export_erase_and_retention(settings: Settings, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    path = write_jsonl(
        tmp_path / "m.jsonl", [record(n, author="anna" if n % 2 else "bram") for n in range(6)]
    )
    assert invoke(settings, "import", str(path)).exit_code == 0
    found = invoke(settings, "privacy", "find", "--channel", "mastodon", "--handle", "anna")
    assert found.exit_code == 0 and "mentions" in found.output and " 3 " in found.output
    assert invoke(settings, "privacy", "find", "--handle", "anna").exit_code == 2  # which channel?
    out = tmp_path / "anna.zip"
    exported = invoke(
        settings, "privacy", "export", "--channel", "mastodon", "--handle", "anna", "--out", str(out)
    )
    assert exported.exit_code == 0 and "mentions.json" in zipfile.ZipFile(out).namelist()
    erased = invoke(settings, "privacy", "erase", "--channel", "mastodon", "--handle", "anna", "--yes")
    assert erased.exit_code == 0 and "erased 3 mentions" in erased.output
    assert invoke(settings, "import", str(path)).exit_code == 0  # the same file again restores nothing
    again = invoke(settings, "privacy", "erase", "--channel", "mastodon", "--handle", "anna", "--yes")
    assert "Nothing to erase" in again.output and "erased 0 mentions" in again.output
    assert "nothing was older" in invoke(settings, "privacy", "retention").output  # no retention set
    monkeypatch.setenv("LUISTER_RETENTION_MENTIONS_DAYS", "30")
    retention = invoke(settings, "privacy", "retention", "--now", "2030-01-01T00:00:00")
    assert retention.exit_code == 0 and "removed: mentions 3" in retention.output, retention.output
    assert "mentions: 3 more" in retention.output  # the progress report


def test_listening_enforces_retention_daily(settings: Settings, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    from luister.services.database import open_database
    from luister.storage.tables import mention

    path = write_jsonl(tmp_path / "m.jsonl", [record(n) for n in range(3)])  # published October 2026
    assert invoke(settings, "import", str(path)).exit_code == 0
    monkeypatch.setenv("LUISTER_RETENTION_MENTIONS_DAYS", "30")
    assert invoke(settings, "listen", "--once").exit_code == 0
    engine = open_database(settings=settings)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(mention)).scalar_one() == 0
    engine.dispose()


def test_import_summary_says_how_the_file_was_read_and_what_it_lacked(
    settings: Settings, tmp_path: Path
) -> None:
    """Issue #24: encoding and why, delimiter, the column mapping, and id/date/author not found."""
    assert invoke(settings, "init").exit_code == 0
    path = tmp_path / "export.csv"
    path.write_text("Hit Sentence;Country\nEnerlux is duur;Netherlands\nEnerlux weer;Atlantis\n")
    result = invoke(settings, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "csv, utf-8, delimiter ';'" in result.output
    assert "encoding utf-8: the first" in result.output
    assert "text ← Hit Sentence" in result.output and "country ← Country" in result.output
    assert "no id column: 2 rows got an id derived" in result.output
    assert "no date column: 2 mentions kept with the date unknown" in result.output
    assert "no author column" in result.output
    assert "1 country values not recognised" in result.output


def test_import_says_how_dates_without_a_zone_and_in_doubt_were_read(
    settings: Settings, tmp_path: Path
) -> None:
    assert invoke(settings, "init").exit_code == 0
    path = tmp_path / "export.csv"
    path.write_text("id;bericht;datum\n1;Enerlux storing;07-01-2021 08:41\n")
    result = invoke(settings, "import", str(path))
    assert "1 dates had no time zone: read as UTC (--timezone Europe/Amsterdam" in result.output
    assert "1 dates like 07/01/2021: read day first (--monthfirst" in result.output
    told = invoke(settings, "import", str(path), "--timezone", "Europe/Amsterdam", "--monthfirst")
    assert "read as Europe/Amsterdam" in told.output and "read month first" in told.output
    wrong = invoke(settings, "import", str(path), "--timezone", "Mars/Olympus")
    assert wrong.exit_code == 2 and "not a time zone" in wrong.output


def test_list_commands_write_json_and_csv_for_scripts(settings: Settings, tmp_path: Path) -> None:
    import csv
    import io
    import json

    invoke(
        settings, "import", str(write_jsonl(tmp_path / "m.jsonl", [record(1, text="Storing bij Voltaro")]))
    )
    long_query = "voltaro OR #voltaro OR @voltaro OR " + " OR ".join(f"term{n}" for n in range(20))
    added = invoke(
        settings, "topics", "add", "Voltaro", long_query, "--kind", "brand", "--department", "webcare"
    )
    assert added.exit_code == 0 and "(brand, webcare)" in added.output
    listed = json.loads(invoke(settings, "topics", "list", "--format", "json").output)
    assert [(t["name"], t["kind"], t["query"], t["mentions"], t["department"]) for t in listed] == [
        ("Voltaro", "brand", long_query, 1, "webcare")
    ]  # the whole query, however narrow the terminal
    rows = list(csv.DictReader(io.StringIO(invoke(settings, "topics", "list", "--format", "csv").output)))
    assert rows[0]["query"] == long_query and rows[0]["enabled"] == "True"
    kept = invoke(settings, "topics", "add", "Voltaro", "voltaro", "--kind", "brand")
    assert kept.exit_code == 0 and "(brand, webcare)" in kept.output  # not given: the department stays
    secret = "s3cret-value-of-the-hook-1234"
    invoke(settings, "sources", "add", "hook", "webhook", "-o", f"secret={secret}")
    sources = invoke(settings, "sources", "list", "--format", "json").output
    assert secret not in sources and json.loads(sources)[0]["health"]["status"] in ("new", "ok")
    audit = json.loads(invoke(settings, "audit", "--format", "json").output)
    assert audit[0]["action"] and audit[0]["at"].startswith("20")
    assert invoke(settings, "alerts", "list", "--format", "json").output.strip() == "[]"
    assert invoke(settings, "topics", "list", "--format", "xml").exit_code == 2
