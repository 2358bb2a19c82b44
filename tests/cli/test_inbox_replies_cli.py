"""``luister inbox approval-rules`` and ``luister inbox approvals`` in process, on SQLite: a rule makes a
reply wait, the queue lists it, four-eyes refuses its author, another approver approves, a reject says why."""

from __future__ import annotations

import json

from typer.testing import CliRunner, Result

from luister.cli import app
from luister.inbox import replies
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from replies_helpers import ANNA, CARLA, MAUD, NOW, ROOT, reply_seq, scene

runner = CliRunner()


def invoke(settings: Settings, *args: str) -> Result:
    env = {"LUISTER_DATABASE_URL": settings.database_url, "LUISTER_DATA_DIR": str(settings.data_dir),
           "COLUMNS": "200"}  # fmt: skip
    return runner.invoke(app, list(args), env=env)


def test_rules_and_approvals(sqlite_settings: Settings) -> None:
    engine = create_engine(sqlite_settings)
    upgrade(engine)
    s = scene(engine)
    bad = invoke(
        sqlite_settings, "inbox", "approval-rules", "add", "Boos", "--kind", "intent", "--value", "boos"
    )
    assert bad.exit_code == 2 and "one of crisis" in bad.output
    made = invoke(sqlite_settings, "inbox", "approval-rules", "add", "Alles", "--kind", "all")
    assert made.exit_code == 0, made.output
    listed = json.loads(invoke(sqlite_settings, "inbox", "approval-rules", "list", "--format", "json").output)
    assert [(r["name"], r["kind"]) for r in listed] == [("Alles", "all")]
    ids = []
    for who in (ANNA, CARLA):
        ids.append(
            replies.propose(
                engine, conversation_id=s.conversation_id, voice_id=s.voice_id, body=f"Hallo van {who}",
                actor=who, seen_reply_seq=reply_seq(s), now=NOW,
            ).draft_id
        )  # fmt: skip
    queue = invoke(sqlite_settings, "inbox", "approvals", "list")
    assert queue.exit_code == 0 and "2 waiting" in queue.output and "Alles: every reply" in queue.output
    rejected = invoke(
        sqlite_settings, "inbox", "approvals", "reject", str(ids[0]), "--as", MAUD, "--reason", "Nee"
    )
    assert rejected.exit_code == 0, rejected.output
    own = invoke(sqlite_settings, "inbox", "approvals", "approve", str(ids[1]), "--as", CARLA)
    assert own.exit_code == 2 and "only approvers" in own.output
    done = invoke(
        sqlite_settings, "inbox", "approvals", "approve", str(ids[1]), "--as", ROOT, "--body", "Hoi!"
    )
    assert done.exit_code == 0, done.output
    assert "0 waiting" in invoke(sqlite_settings, "inbox", "approvals", "list").output
    removed = invoke(sqlite_settings, "inbox", "approval-rules", "remove", str(listed[0]["id"]))
    assert (
        removed.exit_code == 0
        and invoke(sqlite_settings, "inbox", "approval-rules", "remove", "99").exit_code == 2
    )
    engine.dispose()
