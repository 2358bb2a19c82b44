"""Scheduled reports are mailed by the running loop, end to end on both databases: a schedule due at
Monday 08:00 Amsterdam, `listen` passes (the loop of `luister listen` and `luister serve`) plan its run and
the effects loop sends it to a real SMTP server once, however many passes follow; paused, nothing goes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fakes.smtp import MailServer, mail_server
from luister.kpis.report_actions import set_active
from luister.kpis.report_tables import report_run
from luister.kpis.reports import add_schedule
from luister.runtime import Runtime
from luister.settings import Settings

MONDAY = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 08:00 in Amsterdam


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    with mail_server() as box:
        yield box


def test_a_due_report_is_mailed_once_by_the_listen_loop(
    settings: Settings, engine: Engine, smtp: MailServer
) -> None:
    server = {"mail_host": "127.0.0.1", "mail_port": smtp.port, "mail_security": "none"}
    mailing = settings.model_copy(update=server | {"mail_from": "luister@voltaro.example"})
    clock = [MONDAY - timedelta(days=1)]
    runtime = Runtime(mailing, engine=engine, clock=lambda: clock[0])
    sid = add_schedule(engine=engine, name="Webcare weekly", recipients=["team@voltaro.example"], weekday=0,
                       at="08:00", now=clock[0] - timedelta(days=1), actor="test", language="en")  # fmt: skip
    for moment in (
        MONDAY - timedelta(minutes=1),
        MONDAY,
        MONDAY + timedelta(minutes=5),
        MONDAY + timedelta(hours=3),
    ):
        clock[0] = moment
        asyncio.run(runtime.listen(once=True))
    [mail] = smtp.messages()
    assert (mail["To"], mail["Content-Language"]) == ("team@voltaro.example", "en")
    assert (
        mail["Subject"] == "Weekly webcare and KPI report: 30 Nov 2026 – 6 Dec 2026"
    )  # the week before the run
    with engine.connect() as conn:
        [run] = conn.execute(sa.select(report_run)).all()
    assert run.due_at == MONDAY and mail["X-Luister-Effect"] == str(run.effect_id)

    set_active(engine=engine, schedule_id=sid, active=False, actor="test", now=MONDAY)
    clock[0] = MONDAY + timedelta(weeks=1, hours=1)
    asyncio.run(runtime.listen(once=True))
    assert len(smtp.messages()) == 1  # paused: the next Monday's report is not sent
