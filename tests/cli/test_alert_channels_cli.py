"""``luister alerts channels …``, ``alerts deliver`` and ``alerts retry``, in process, on both databases."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from luister.alerts import delivery
from luister.cli import app
from luister.settings import Settings
from luister.storage.tables import alert, alert_rule
from luister.storage.tables import alert_delivery as delivery_table

runner = CliRunner()


def invoke(settings: Settings, *args: str) -> Result:
    env = {"LUISTER_DATABASE_URL": settings.database_url, "COLUMNS": "200"}
    if settings.fetch_allow:
        env["LUISTER_FETCH_ALLOW"] = orjson.dumps(settings.fetch_allow).decode()
    if settings.database_schema:
        env["LUISTER_DATABASE_SCHEMA"] = settings.database_schema
    return runner.invoke(app, list(args), env=env)


@dataclass
class Mailbox:
    envelopes: list[Envelope] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    box = Mailbox(port=port)
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def add_mail(settings: Settings, box: Mailbox, *extra: str) -> Result:
    return invoke(
        settings,
        "alerts",
        "channels",
        "add",
        "team-mail",
        "email",
        "-o",
        "host=127.0.0.1",
        "-o",
        f"port={box.port}",
        "-o",
        "starttls=false",
        "-o",
        "from_address=alerts@luister.example",
        "-o",
        "to=webcare@example.nl,pr@example.nl",
        *extra,
    )


def test_add_list_test_remove(settings: Settings, engine: Engine, mailbox: Mailbox) -> None:
    added = add_mail(settings, mailbox, "-o", "username=alerts", "-o", "password=hunter2hunter2")
    assert added.exit_code == 2 and "a password needs ssl or starttls" in added.output  # refused: clear text
    added = add_mail(settings, mailbox)
    assert added.exit_code == 0, added.output
    assert "alert channel team-mail (email)" in added.output
    hook = invoke(
        settings,
        "alerts",
        "channels",
        "add",
        "slack",
        "webhook",
        "-o",
        "url=https://hooks.slack.com/services/T0/B0/SECRETPATH",
        "-o",
        "secret=verysecretvalue",
        "-o",
        "format=slack",
    )
    assert hook.exit_code == 0, hook.output

    listed = invoke(settings, "alerts", "channels", "list")
    assert listed.exit_code == 0, listed.output
    assert "team-mail" in listed.output and "webcare@example.nl" in listed.output
    assert "SECRETPATH" not in listed.output and "verysecretvalue" not in listed.output
    assert listed.output.count("***") >= 2  # URL and secret: encrypted, masked

    tested = invoke(settings, "alerts", "channels", "test", "team-mail")
    assert tested.exit_code == 0, tested.output
    assert "sent a test alert through team-mail" in tested.output
    [envelope] = mailbox.envelopes
    assert envelope.rcpt_tos == ["webcare@example.nl", "pr@example.nl"]
    assert isinstance(envelope.content, bytes) and b"Test alert from luister" in envelope.content

    removed = invoke(settings, "alerts", "channels", "remove", "team-mail")
    assert removed.exit_code == 0 and "removed alert channel team-mail" in removed.output
    assert "team-mail" not in invoke(settings, "alerts", "channels", "list").output
    again = invoke(settings, "alerts", "channels", "remove", "team-mail")
    assert again.exit_code == 2 and "no alert channel named 'team-mail'" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pager"], "unknown channel kind 'pager'; installed: email, webhook"),
        (["webhook", "-o", "url=ftp://x.example/"], "url: must be an http:// or https:// URL"),
        (["webhook", "-o", "url=https://x.example/", "-o", "colour=red"], "colour: Extra inputs"),
        (["webhook", "-o", "url"], "write it as KEY=VALUE"),
    ],
)
def test_bad_kind_or_options_exit_2_with_a_clear_message(
    settings: Settings, engine: Engine, args: list[str], message: str
) -> None:
    result = invoke(settings, "alerts", "channels", "add", "x", *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_test_fails_clearly_when_the_server_is_down(settings: Settings, engine: Engine) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = Mailbox(port=int(probe.getsockname()[1]))
    assert add_mail(settings, dead).exit_code == 0
    result = invoke(settings, "alerts", "channels", "test", "team-mail")
    assert result.exit_code == 1 and "error: team-mail: SMTP 127.0.0.1:" in result.output


def test_deliver_and_retry(settings: Settings, engine: Engine, mailbox: Mailbox) -> None:
    assert add_mail(settings, mailbox).exit_code == 0
    now = datetime.now(UTC)
    with engine.begin() as conn:
        rule_id = conn.execute(
            alert_rule.insert().values(name="storing", kind="query", query="storing", channels=["team-mail"])
        ).inserted_primary_key[0]
        alert_id = conn.execute(
            alert.insert().values(
                rule_id=rule_id,
                kind="query",
                severity="warning",
                title="3 mentions of <storing>",
                summary="new mentions match the rule",
                opened_at=now,
                last_seen_at=now,
                mentions=3,
            )
        ).inserted_primary_key[0]
        delivery.enqueue(conn=conn, alert_id=alert_id, revision=1, channels=["team-mail", "gone"], now=now)

    result = invoke(settings, "alerts", "deliver")
    assert result.exit_code == 0, result.output
    assert "1 sent, 1 failed, 0 to retry, 0 pending" in result.output
    assert "gone: no channel named 'gone' is configured" in result.output
    assert len(mailbox.envelopes) == 1

    retried = invoke(settings, "alerts", "retry", "--alert", str(alert_id))
    assert retried.exit_code == 0 and "1 failed delivery queued again" in retried.output
    with engine.connect() as conn:
        statuses = dict(conn.execute(sa.select(delivery_table.c.channel, delivery_table.c.status)).all())
    assert statuses == {"team-mail": "sent", "gone": "pending"}
