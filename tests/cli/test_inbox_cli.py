"""``luister inbox`` in process, on SQLite: imported mentions become conversations that are listed, shown
(hostile text printed as text), assigned, noted, moved, transferred and resolved; departments, people,
routing rules (simulated, saved, removed), SLA policies and the timers; refusals exit with code 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner, Result

from luister.cli import app
from luister.domain.accounts import Role
from luister.services.accounts import create_user
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.testing import PASSWORD, write_jsonl

runner = CliRunner()


def invoke(settings: Settings, *args: str) -> Result:
    env = {
        "LUISTER_DATABASE_URL": settings.database_url,
        "LUISTER_DATA_DIR": str(settings.data_dir),
        "COLUMNS": "200",
    }
    return runner.invoke(app, list(args), env=env)


def ok(settings: Settings, *args: str) -> str:
    result = invoke(settings, *args)
    assert result.exit_code == 0, result.output
    return result.output


def refused(settings: Settings, *args: str) -> str:
    result = invoke(settings, *args)
    assert result.exit_code == 2, result.output
    return result.output


def test_conversations_are_listed_shown_and_worked(sqlite_settings: Settings, tmp_path: Path) -> None:
    s = sqlite_settings
    ok(s, "init")
    engine = create_engine(s)
    for name, department in (("anna", "customer-service"), ("carla", "customer-service"), ("bob", "sales")):
        create_user(
            engine=engine,
            email=f"{name}@voltaro.example",
            name=name.title(),
            password=PASSWORD,
            role=Role.agent,
            department=department,
        )
        ok(s, "inbox", "member", department, f"{name}@voltaro.example", "--languages", "nl,en")
    engine.dispose()
    ok(s, "topics", "add", "Voltaro", "voltaro", "--kind", "brand")
    now = datetime.now(UTC)
    path = write_jsonl(
        tmp_path / "m.jsonl",
        [
            {
                "id": "1",
                "channel": "mastodon",
                "author": "[red]eve[/red]",
                "lang": "nl",
                "text": "@Voltaro mijn laadpaal doet het al dagen niet "
                "[link=https://evil.example]klik[/link], slechte service!",
                "created_at": (now - timedelta(minutes=5)).isoformat(),
            },
        ],
    )
    ok(s, "import", str(path))

    listed = ok(s, "inbox", "list")
    assert "all 1" in listed and "customer-service" in listed and "[red]eve[/red]" in listed
    as_json = json.loads(ok(s, "inbox", "list", "--format", "json"))
    cid = str(as_json[0]["id"])
    shown = ok(s, "inbox", "show", cid)
    assert "[link=https://evil.example]klik[/link]" in shown and "routed by model" in shown
    assert "Timeline" in shown and "created" in shown

    ok(s, "inbox", "assign", cid, "carla@voltaro.example")
    assert "not a member" in refused(s, "inbox", "assign", cid, "bob@voltaro.example")
    assert "carla@voltaro.example" in ok(s, "inbox", "list", "--assignee", "carla@voltaro.example")
    assert "told bob@voltaro.example" in ok(s, "inbox", "note", cid, "@bob verkoopkans? [bold]x[/bold]")
    assert "[bold]x[/bold]" in ok(s, "inbox", "show", cid)
    assert "is waiting_customer" in ok(s, "inbox", "move", cid, "wait_customer")
    assert "cannot reopen" in refused(s, "inbox", "move", cid, "reopen")
    assert "not a move" in refused(s, "inbox", "move", cid, "customer_wrote")
    assert "future" in refused(s, "inbox", "move", cid, "snooze", "--until", "2020-01-01T09:00")
    assert "write a time" in refused(s, "inbox", "move", cid, "snooze", "--until", "morgen")
    later = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert "is snoozed" in ok(s, "inbox", "move", cid, "snooze", "--until", later)
    assert cid in ok(s, "inbox", "list", "--view", "snoozed")
    woke = ok(s, "inbox", "tick", "--now", (now + timedelta(days=1, minutes=1)).isoformat())
    assert "1 woken" in woke
    assert "no department 'finance'" in refused(s, "inbox", "transfer", cid, "finance", "--reason", "x")
    ok(s, "inbox", "transfer", cid, "sales", "--reason", "Wil een offerte", "--priority", "high")
    assert "routed by transfer: Wil een offerte" in ok(s, "inbox", "show", cid)
    ok(s, "inbox", "resolve", cid)
    assert cid in ok(s, "inbox", "list", "--view", "resolved")
    assert "no conversation #999" in refused(s, "inbox", "show", "999")
    assert "no department" in refused(s, "inbox", "list", "--department", "finance")


def test_departments_rules_and_policies(sqlite_settings: Settings) -> None:
    s = sqlite_settings
    ok(s, "init")
    engine = create_engine(s)
    create_user(engine=engine, email="anna@voltaro.example", name="Anna", password=PASSWORD, role=Role.agent)
    engine.dispose()
    ok(
        s,
        "inbox",
        "member",
        "sales",
        "anna@voltaro.example",
        "--languages",
        "nl",
        "--capacity",
        "3",
        "--availability",
        "away",
    )
    departments = ok(s, "inbox", "departments")
    assert "anna@voltaro.example (nl; away; 0/3)" in departments and "legal" in departments
    assert "no active account" in refused(s, "inbox", "member", "sales", "x@voltaro.example")
    assert "no department" in refused(s, "inbox", "member", "finance", "anna@voltaro.example")
    ok(s, "inbox", "member", "sales", "anna@voltaro.example", "--remove")
    assert "anna@" not in ok(s, "inbox", "departments")

    assert "No routing rules" in ok(s, "inbox", "rules")
    simulated = ok(
        s, "inbox", "rule", "save", "Offertes", "--department", "sales", "--query", "offerte", "--simulate"
    )
    assert "0 of 0 mentions" in simulated and "Nothing was saved" in simulated
    assert "No routing rules" in ok(s, "inbox", "rules")
    bad = refused(s, "inbox", "rule", "save", "Kapot", "--department", "sales", "--query", "offerte AND (")
    assert "invalid query" in bad and "^" in bad
    assert "no department" in refused(
        s, "inbox", "rule", "save", "X", "--department", "nope", "--intent", "lead"
    )
    assert "not an intent" in refused(
        s, "inbox", "rule", "save", "X", "--department", "sales", "--intent", "x"
    )
    ok(
        s,
        "inbox",
        "rule",
        "save",
        "Offertes",
        "--department",
        "sales",
        "--query",
        "offerte",
        "--intent",
        "lead",
        "--priority",
        "high",
        "--tag",
        "offerte",
    )
    rules = ok(s, "inbox", "rules")
    assert "Offertes" in rules and "query: offerte" in rules and "intents: lead" in rules
    ok(s, "inbox", "rule", "remove", "Offertes")
    assert "no routing rule" in refused(s, "inbox", "rule", "remove", "Offertes")

    ok(
        s,
        "inbox",
        "policy",
        "set",
        "sales",
        "urgent",
        "--first-response",
        "30",
        "--resolution",
        "480",
        "--wall-clock",
    )
    policies = json.loads(ok(s, "inbox", "policies", "--format", "json"))
    urgent = next(p for p in policies if (p["department"], p["priority"]) == ("sales", "urgent"))
    assert urgent == {
        **urgent,
        "first_response_minutes": 30,
        "next_response_minutes": None,
        "resolution_minutes": 480,
        "business_hours": False,
    }
    assert "30 min" in ok(s, "inbox", "policies")
    assert "from 1 minute" in refused(s, "inbox", "policy", "set", "sales", "low", "--first-response", "0")
    assert "no department" in refused(s, "inbox", "policy", "set", "nope", "low")
    assert "0 woken" in ok(s, "inbox", "tick")
