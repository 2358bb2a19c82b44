"""Scheduled reports over a year with a controlled clock and two schedulers ticking at the same moments:
each Monday's report is planned in the effects ledger exactly once, at 08:00 Amsterdam time, across both
daylight-saving changes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.effects.tables import effect
from luister.kpis.report_tables import report_run
from luister.kpis.reports import add_schedule, tick


def test_weekly_report_once_per_week_with_two_schedulers(engine: Engine) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    add_schedule(engine=engine, name="Webcare", recipients=["team@voltaro.example"], weekday=0, at="08:00",
                 now=start, actor="test")  # fmt: skip
    moment, step = start, timedelta(hours=6)
    while moment < datetime(2027, 1, 1, tzinfo=UTC):
        gate = threading.Barrier(2)
        problems: list[BaseException] = []

        def scheduler(
            now: datetime = moment, gate: threading.Barrier = gate, problems: list[BaseException] = problems
        ) -> None:
            gate.wait()
            try:
                tick(engine=engine, now=now)
            except BaseException as exc:  # noqa: BLE001 - reported below
                problems.append(exc)

        threads = [threading.Thread(target=scheduler) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not problems, problems
        moment += step
    with engine.connect() as conn:
        runs = conn.execute(sa.select(report_run).order_by(report_run.c.period_start)).all()
        mails = conn.execute(sa.select(effect).where(effect.c.kind == "email")).all()
    mondays = [datetime(2026, 1, 5) + timedelta(weeks=n) for n in range(52)]
    assert [r.period_start for r in runs] == [m.date() for m in mondays]
    local = [r.due_at.astimezone(ZoneInfo("Europe/Amsterdam")) for r in runs]
    assert {(t.hour, t.minute) for t in local} == {(8, 0)}
    assert {r.due_at.hour for r in runs} == {6, 7}  # summer and winter time
    assert len(mails) == 52 and {m.lane for m in mails} == {"mail"}
    assert sorted(r.effect_id for r in runs) == sorted(m.id for m in mails)
