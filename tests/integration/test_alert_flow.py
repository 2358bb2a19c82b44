"""Alerts as people work them: raised while mentions are stored, acknowledged, playbook steps, resolved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from luister.alerts.actions import acknowledge, complete_step, resolve, save_rule
from luister.alerts.model import AlertError, AlertStatus, RuleKind
from luister.alerts.read import alert_detail, list_alerts
from luister.alerts.watch import AlertWatcher
from luister.connectors.records import FieldMapping
from luister.services.analysis import ingest_enrichers
from luister.services.events import EventBus
from luister.services.ingest import Pipeline
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
PLAYBOOK = {"name": "Datalek", "steps": [
    {"title": "Juridische check", "owner": "legal", "due_minutes": 30},
    {"title": "Holding statement plaatsen", "owner": "communications", "due_minutes": 60,
     "statements": {"nl": "We onderzoeken de melding.", "en": "We are looking into the report."}},
]}  # fmt: skip


def pipeline(engine: Engine, settings: Settings, watcher: AlertWatcher) -> Pipeline:
    events = watcher.subscribe(EventBus())
    return Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="t",
                    enrichers=ingest_enrichers(settings=settings), events=events)  # fmt: skip


def mention(n: int, text: str, at: datetime) -> object:
    return raw_item({"id": f"m{n}", "channel": "bluesky", "text": text, "created_at": at.isoformat(),
                     "author": "<b>hacker</b>", "followers": 5000}, f"line {n}")  # fmt: skip


def test_an_alert_is_raised_while_the_batch_is_stored(engine: Engine, settings: Settings) -> None:
    save_rule(
        engine=engine, actor="test", name="Crisis", kind=RuleKind.intent, intent="crisis", playbook=PLAYBOOK
    )
    watcher = AlertWatcher(engine=engine, settings=settings, deliver=False, clock=lambda: NOW)
    flow = pipeline(engine, settings, watcher)
    flow.run_batch([mention(1, "Leuke actie van Voltaro", NOW - timedelta(minutes=3))])
    assert list_alerts(engine=engine) == []
    flow.run_batch([mention(2, "Datalek bij Voltaro: mijn gegevens zijn gelekt <script>x()</script>",
                            NOW - timedelta(minutes=1))])  # fmt: skip
    (raised,) = list_alerts(engine=engine)
    assert raised.status is AlertStatus.open and raised.rule == "Crisis"
    detail = alert_detail(engine=engine, alert_id=raised.id)
    assert [m.text for m in detail.samples][0].startswith("Datalek bij Voltaro")
    assert [(s.title, s.owner, s.due_at) for s in detail.steps] == [
        ("Juridische check", "legal", NOW + timedelta(minutes=30)),
        ("Holding statement plaatsen", "communications", NOW + timedelta(minutes=60)),
    ]
    assert detail.steps[1].statements["en"] == "We are looking into the report."


def test_working_an_alert_records_who_did_what_and_when(engine: Engine, settings: Settings) -> None:
    save_rule(
        engine=engine, actor="test", name="Crisis", kind=RuleKind.intent, intent="crisis", playbook=PLAYBOOK
    )
    watcher = AlertWatcher(engine=engine, settings=settings, deliver=False, clock=lambda: NOW)
    pipeline(engine, settings, watcher).run_batch([mention(1, "Voltaro is gehackt, datalek!", NOW)])
    (raised,) = list_alerts(engine=engine)
    acknowledge(engine=engine, alert_id=raised.id, actor="anouk", now=NOW + timedelta(minutes=5))
    with pytest.raises(AlertError, match="is acknowledged; cannot acknowledge"):
        acknowledge(engine=engine, alert_id=raised.id, actor="joris")
    on_time = complete_step(engine=engine, alert_id=raised.id, position=1, actor="legal-team",
                            now=NOW + timedelta(minutes=20))  # fmt: skip
    late = complete_step(engine=engine, alert_id=raised.id, position=2, actor="woordvoerder",
                         now=NOW + timedelta(minutes=95))  # fmt: skip
    assert (on_time.late_minutes, late.late_minutes) == (0, 35)
    with pytest.raises(AlertError, match="already done"):
        complete_step(engine=engine, alert_id=raised.id, position=2, actor="x")
    with pytest.raises(AlertError, match="no playbook step 9"):
        complete_step(engine=engine, alert_id=raised.id, position=9, actor="x")
    resolve(engine=engine, alert_id=raised.id, actor="anouk", note="opgelost", now=NOW + timedelta(hours=3))
    with pytest.raises(AlertError, match="is resolved"):
        resolve(engine=engine, alert_id=raised.id, actor="anouk")
    timeline = [(e.kind, e.by) for e in alert_detail(engine=engine, alert_id=raised.id).events]
    assert timeline == [("opened", None), ("acknowledged", "anouk"), ("step_done", "legal-team"),
                        ("step_done", "woordvoerder"), ("resolved", "anouk")]  # fmt: skip
    assert "35 min late" in alert_detail(engine=engine, alert_id=raised.id).events[3].detail
    assert list_alerts(engine=engine, status=AlertStatus.open) == []
    with pytest.raises(AlertError, match="no alert with id 999"):
        alert_detail(engine=engine, alert_id=999)


def test_a_failing_alert_pass_does_not_stop_listening(engine: Engine, settings: Settings) -> None:
    save_rule(engine=engine, actor="test", name="Crisis", kind=RuleKind.intent, intent="crisis")

    def broken_clock() -> datetime:
        raise RuntimeError("clock broke")

    watcher = AlertWatcher(engine=engine, settings=settings, clock=broken_clock)
    watcher.tick()  # logged, not raised
    assert watcher.changes == []
