"""The effects ledger's mail lane against a real local SMTP server (aiosmtpd), on both databases:
multipart mail with a Message-ID derived from the effect, a refused recipient, a 4xx answer (waits, then
sent once), a 5xx answer (failed), a connection dropped after the message went out (unknown, never sent
again by a runner, settled by a person), a runner that died mid-call, and the dev pickup folder."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fakes.smtp import MailServer, mail_server
from luister.effects.actions import plan, settle_by_hand
from luister.effects.mail import MailLane, MailNotConfigured
from luister.effects.model import UNVERIFIABLE
from luister.effects.runner import EffectRunner, RunReport
from luister.effects.tables import effect, effect_event
from luister.net.mail import Security, SmtpServer
from luister.settings import get_settings

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
SENDER = "luister <luister@voltaro.example>"
BODY = "<h1>Week 49</h1><p>12 replies &amp; 3 <b>ideas</b></p>"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    with mail_server() as box:
        yield box


def lane_for(box: MailServer, clock: Clock) -> MailLane:
    return MailLane(sender=SENDER, server=SmtpServer("127.0.0.1", box.port, Security.none, timeout=5),
                    clock=clock)  # fmt: skip


def runner(engine: Engine, lane: MailLane, clock: Clock) -> EffectRunner:
    async def resolve(_lane: str) -> MailLane:
        return lane

    return EffectRunner(engine, resolve=resolve, clock=clock)


def plan_mail(
    engine: Engine, to: list[str], *, subject: str = "Webcare week 49", language: str = "nl"
) -> int:
    with engine.begin() as conn:
        return plan(conn, kind="email", lane="mail", body=BODY,
                    target={"to": to, "subject": subject, "language": language}, origin="test:1",
                    actor_id=None, now=NOW)  # fmt: skip


def row(engine: Engine, effect_id: int) -> sa.Row[tuple[object, ...]]:
    with engine.connect() as conn:
        return conn.execute(sa.select(effect).where(effect.c.id == effect_id)).one()


def run(engine: Engine, lane: MailLane, clock: Clock) -> RunReport:
    return asyncio.run(runner(engine, lane, clock).run_due())


def test_mail_is_multipart_with_a_message_id_of_the_effect(engine: Engine, smtp: MailServer) -> None:
    clock = Clock()
    effect_id = plan_mail(engine, ["team@voltaro.example"])
    assert run(engine, lane_for(smtp, clock), clock).sent == 1
    [mail] = smtp.messages()
    sent = row(engine, effect_id)
    assert sent.state == "sent" and sent.attempts == 1
    assert (
        mail["Message-ID"]
        == sent.remote_id
        == f"<luister.effect.{effect_id}.{sent.key.lower()}@voltaro.example>"
    )
    assert (mail["Subject"], mail["To"], mail["Content-Language"]) == (
        "Webcare week 49",
        "team@voltaro.example",
        "nl",
    )
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    assert "12 replies & 3 ideas" in text.get_content() and "<b>ideas</b>" in html.get_content()
    assert run(engine, lane_for(smtp, clock), clock).sent == 0  # nothing due: sent once
    assert len(smtp.messages()) == 1


def test_a_refused_recipient_is_noted_and_all_refused_fails(engine: Engine, smtp: MailServer) -> None:
    clock = Clock()
    smtp.refuse = {"gone@voltaro.example"}
    partly = plan_mail(engine, ["team@voltaro.example", "gone@voltaro.example"])
    nobody = plan_mail(engine, ["gone@voltaro.example"])
    report = run(engine, lane_for(smtp, clock), clock)
    assert (report.sent, report.failed) == (1, 1)
    assert [e.rcpt_tos for e in smtp.envelopes] == [["team@voltaro.example"]]
    assert row(engine, partly).state == "sent"
    with engine.connect() as conn:
        details = conn.scalars(
            sa.select(effect_event.c.detail).where(effect_event.c.effect_id == partly)
        ).all()
    assert any(d and "gone@voltaro.example: 550" in d for d in details)
    failed = row(engine, nobody)
    assert failed.state == "failed" and "550" in failed.last_error and failed.error_code == "invalid"


def test_4xx_waits_without_an_attempt_then_goes_once(engine: Engine, smtp: MailServer) -> None:
    clock = Clock()
    smtp.answer = "451 4.3.0 try again later"
    effect_id = plan_mail(engine, ["team@voltaro.example"])
    assert run(engine, lane_for(smtp, clock), clock).deferred == 1
    waiting = row(engine, effect_id)
    assert (waiting.state, waiting.attempts) == ("planned", 0) and "451" in waiting.last_error
    assert waiting.not_before == NOW + timedelta(seconds=300)
    smtp.answer = "250 OK"
    assert run(engine, lane_for(smtp, clock), clock).sent == 0  # not before its time
    clock.now += timedelta(minutes=6)
    assert run(engine, lane_for(smtp, clock), clock).sent == 1
    assert len(smtp.messages()) == 1 and row(engine, effect_id).state == "sent"


def test_5xx_fails_for_good(engine: Engine, smtp: MailServer) -> None:
    clock = Clock()
    smtp.answer = "554 5.7.1 rejected as spam"
    effect_id = plan_mail(engine, ["team@voltaro.example"])
    assert run(engine, lane_for(smtp, clock), clock).failed == 1
    failed = row(engine, effect_id)
    assert failed.state == "failed" and "554" in failed.last_error and not smtp.messages()


def test_a_drop_after_data_is_unknown_never_resent_and_settled_by_hand(
    engine: Engine, smtp: MailServer
) -> None:
    clock = Clock()
    smtp.answer = "drop"
    effect_id = plan_mail(engine, ["team@voltaro.example"])
    assert run(engine, lane_for(smtp, clock), clock).unknown == 1
    lost = row(engine, effect_id)
    assert (lost.state, lost.error_code) == ("unknown", UNVERIFIABLE) and "connection lost" in lost.last_error
    smtp.answer = "250 OK"
    for _ in range(3):  # hours later, many passes: never asked, never sent again
        clock.now += timedelta(hours=2)
        assert run(engine, lane_for(smtp, clock), clock) == RunReport()
    assert len(smtp.messages()) == 1  # it did arrive: sending again would have doubled it

    with engine.begin() as conn:
        assert settle_by_hand(conn, effect_id=effect_id, arrived=True, now=clock.now, actor="ops")
        assert not settle_by_hand(conn, effect_id=effect_id, arrived=True, now=clock.now, actor="ops")
    assert row(engine, effect_id).state == "sent"


def test_not_arrived_by_hand_sends_once_more(engine: Engine, smtp: MailServer) -> None:
    clock = Clock()
    smtp.answer = "drop"
    effect_id = plan_mail(engine, ["team@voltaro.example"])
    run(engine, lane_for(smtp, clock), clock)
    smtp.answer = "250 OK"
    with engine.begin() as conn:
        assert settle_by_hand(conn, effect_id=effect_id, arrived=False, now=clock.now, actor="ops")
    assert run(engine, lane_for(smtp, clock), clock).sent == 1
    again = row(engine, effect_id)
    assert (again.state, again.attempts) == ("sent", 2)
    ids = {m["Message-ID"] for m in smtp.messages()}
    assert len(smtp.messages()) == 2 and len(ids) == 1  # the same Message-ID: a client sees one mail


def test_a_runner_that_died_mid_call_leaves_it_to_a_person(engine: Engine, smtp: MailServer) -> None:
    clock = Clock()
    effect_id = plan_mail(engine, ["team@voltaro.example"])
    with engine.begin() as conn:  # as a runner leaves it when it dies during the SMTP conversation
        lease = NOW + timedelta(minutes=2)
        conn.execute(effect.update().where(effect.c.id == effect_id).values(
            state="sending", attempts=1, lease_until=lease, leased_by="gone:1"))  # fmt: skip
    assert run(engine, lane_for(smtp, clock), clock) == RunReport()  # its lease still runs
    clock.now += timedelta(minutes=3)
    assert run(engine, lane_for(smtp, clock), clock).unknown == 1
    assert (row(engine, effect_id).state, row(engine, effect_id).error_code) == ("unknown", UNVERIFIABLE)
    assert not smtp.messages()


def test_dev_mode_writes_each_mail_once_to_the_pickup_folder(engine: Engine, tmp_path: Path) -> None:
    clock = Clock()
    lane = MailLane.of(get_settings(data_dir=tmp_path / "data"), clock=clock)
    effect_id = plan_mail(engine, ["team@voltaro.example"])
    assert run(engine, lane, clock).sent == 1
    [written] = (tmp_path / "data" / "mail").glob("*.eml")
    assert row(engine, effect_id).remote_id in written.read_text()
    with pytest.raises(MailNotConfigured, match="LUISTER_MAIL_HOST"):
        MailLane.of(get_settings(mode="production", secret_key="x" * 40))
