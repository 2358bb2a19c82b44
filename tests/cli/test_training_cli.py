"""``luister org training`` in process, on SQLite: the modules, a module's text and quiz, answering it,
someone's belt, the report, and switching the gates; bad input says what is wrong."""

from __future__ import annotations

import json

from typer.testing import CliRunner, Result

from luister.cli import app
from luister.domain.accounts import Role
from luister.organisation import training
from luister.services.accounts import create_user
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade

runner = CliRunner()
ANNA = "anna@voltaro.example"


def invoke(settings: Settings, *args: str) -> Result:
    env = {"LUISTER_DATABASE_URL": settings.database_url, "LUISTER_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "200"}  # fmt: skip
    return runner.invoke(app, ["org", "training", *args], env=env)


def answers(slug: str) -> str:
    return ",".join(str(q.answer) for q in training.module(slug, "en").questions)


def test_training_commands(sqlite_settings: Settings) -> None:
    engine = create_engine(sqlite_settings)
    upgrade(engine)
    create_user(engine=engine, email=ANNA, name="Anna", password="lang-genoeg-wachtwoord-42", role=Role.agent,
                department="customer-service")  # fmt: skip
    listed = json.loads(invoke(sqlite_settings, "modules", "--format", "json", "--language", "nl").output)
    assert {m["slug"] for m in listed} >= {"listening-basics", "the-policy", "crisis", "privacy"}
    shown = invoke(sqlite_settings, "show", "escalation", "--language", "nl")
    assert shown.exit_code == 0 and "Escaleren" in shown.output and "0) " in shown.output
    failed = invoke(sqlite_settings, "answer", "the-policy", "0,0,0,0,0", "--as", ANNA)
    assert failed.exit_code == 0 and "not passed" in failed.output
    invoke(sqlite_settings, "answer", "listening-basics", answers("listening-basics"), "--as", ANNA)
    passed = invoke(sqlite_settings, "answer", "the-policy", answers("the-policy"), "--as", ANNA)
    assert "5 of 5 right" in passed.output and "belt: white" in passed.output
    belt = invoke(sqlite_settings, "belt", ANNA)
    assert "white" in belt.output and "gates off" in belt.output and "to pass: " in belt.output
    report = json.loads(invoke(sqlite_settings, "report", "--format", "json").output)
    assert report == [{"department": "customer-service", "people": 1, "expiring": 0, "none": 0.0,
                       "white": 1.0, "yellow": 0.0, "orange": 0.0, "green": 0.0, "blue": 0.0,
                       "black": 0.0}]  # fmt: skip
    on = invoke(sqlite_settings, "gates", "on")
    assert on.exit_code == 0 and "Belt gates: on" in on.output and "reply.approve" in on.output
    assert "Belt gates: off" in invoke(sqlite_settings, "gates", "off").output
    bad = invoke(sqlite_settings, "gates", "maybe")
    assert bad.exit_code == 2 and "maybe" in bad.output
    assert invoke(sqlite_settings, "answer", "crisis", "a,b", "--as", ANNA).exit_code == 2
    wrong = invoke(sqlite_settings, "answer", "crisis", "0,1", "--as", ANNA)
    assert wrong.exit_code == 2 and "has 5 questions" in wrong.output
    assert invoke(sqlite_settings, "show", "nope").exit_code == 2
    assert invoke(sqlite_settings, "belt", "nobody@x.example").exit_code == 2
