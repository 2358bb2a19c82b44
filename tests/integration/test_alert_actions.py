"""Every alert state change goes through ``luister.alerts.actions``: each writes its audit row in its own
transaction (with the actor) and tells the event bus only after the commit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.alerts import actions, texts
from luister.alerts.events import AlertChanged, ChannelChanged, RuleChanged
from luister.alerts.model import AlertError, AlertRuleError, ChannelError, Finding, Outcome, RuleKind
from luister.alerts.read import alert_detail, get_alert, get_rule
from luister.services.audit import entries
from luister.services.events import EventBus
from luister.storage.tables import alert_delivery, audit_log
from luister.testing import sealing_cipher

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
PLAYBOOK = {"name": "Storing", "steps": [{"title": "Statuspagina bijwerken", "owner": "webcare"}]}
Event = AlertChanged | RuleChanged | ChannelChanged


class Recorder:
    """An event subscriber that also notes whether the change was committed when it heard of it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.heard: list[tuple[Event, int]] = []  # the event, and the audit rows visible at that moment

    def __call__(self, event: Event) -> None:
        with self.engine.connect() as conn:  # another connection: sees committed rows only
            self.heard.append((event, conn.scalar(sa.select(sa.func.count()).select_from(audit_log)) or 0))

    def bus(self) -> EventBus:
        bus = EventBus()
        for kind in (AlertChanged, RuleChanged, ChannelChanged):
            bus.subscribe(kind, self)
        return bus


def audited(engine: Engine) -> list[tuple[str, str, str | None]]:
    return [(e.actor, e.action, e.target) for e in reversed(entries(engine=engine))]


def finding(count: int) -> Finding:
    message = texts.message("query", subject=None, count=count, query="storing")
    return Finding(count=count, message=message, summary=f"{count} new mentions", sample_ids=())


def found(count: int) -> Callable[[Connection], Outcome]:
    return lambda conn: Outcome(finding(count))


@pytest.fixture
def recorder(engine: Engine) -> Recorder:
    return Recorder(engine)


def rule_with_alert(engine: Engine, bus: EventBus | None = None, **rule: Any) -> int:
    saved = actions.save_rule(engine=engine, actor="anouk", name="Storing", kind=RuleKind.query,
                              query="storing", playbook=PLAYBOOK, **rule)  # fmt: skip
    change = actions.raise_alert(engine=engine, actor="detector", rule=saved, now=NOW, find=found(3), bus=bus)
    assert change is not None and change.opened
    return change.alert_id


def test_saving_and_removing_a_rule_is_audited(engine: Engine, recorder: Recorder) -> None:
    bus = recorder.bus()
    actions.save_rule(engine=engine, actor="anouk", name="Piek", kind=RuleKind.volume_spike, bus=bus)
    actions.save_rule(engine=engine, actor="joris", name="Piek", kind=RuleKind.volume_spike, min_count=20,
                      bus=bus)  # fmt: skip
    assert get_rule(engine=engine, name="Piek").min_count == 20
    actions.remove_rule(engine=engine, actor="anouk", name="Piek", bus=bus)
    assert audited(engine) == [
        ("anouk", "alert_rule.save", "Piek"),
        ("joris", "alert_rule.save", "Piek"),
        ("anouk", "alert_rule.remove", "Piek"),
    ]
    assert recorder.heard == [
        (RuleChanged("Piek", "saved", "anouk"), 1),
        (RuleChanged("Piek", "saved", "joris"), 2),
        (RuleChanged("Piek", "removed", "anouk"), 3),
    ]


def test_a_refused_change_leaves_no_audit_row_and_no_event(engine: Engine, recorder: Recorder) -> None:
    bus = recorder.bus()
    with pytest.raises(AlertRuleError, match="no alert rule named 'nope'"):
        actions.remove_rule(engine=engine, actor="anouk", name="nope", bus=bus)
    with pytest.raises(AlertRuleError, match="no topic named 'Onbekend'"):
        actions.save_rule(engine=engine, actor="anouk", name="x", kind=RuleKind.volume_spike,
                          topic_name="Onbekend", bus=bus)  # fmt: skip
    with pytest.raises(ChannelError, match="no alert channel named 'nope'"):
        actions.remove_channel(engine=engine, actor="anouk", name="nope", bus=bus)
    with pytest.raises(AlertError, match="no alert with id 99"):
        actions.acknowledge(engine=engine, actor="anouk", alert_id=99, bus=bus)
    assert audited(engine) == [] and recorder.heard == []


def test_adding_and_removing_a_channel_is_audited_without_its_secrets(
    engine: Engine, recorder: Recorder
) -> None:
    bus = recorder.bus()
    options = {"url": "https://hooks.example/T000/B000/s3cretpath"}
    actions.add_channel(
        engine=engine,
        cipher=sealing_cipher(),
        actor="anouk",
        name="hook",
        kind="webhook",
        options=options,
        bus=bus,
    )
    actions.save_rule(engine=engine, actor="anouk", name="Storing", kind=RuleKind.query, query="storing",
                      channels=["hook"])  # fmt: skip
    assert actions.remove_channel(engine=engine, actor="joris", name="hook", bus=bus) == ["Storing"]
    assert [a for a in audited(engine) if a[1].startswith("alert_channel")] == [
        ("anouk", "alert_channel.add", "hook"),
        ("joris", "alert_channel.remove", "hook"),
    ]
    assert all("s3cret" not in str(e.detail) for e in entries(engine=engine))
    assert [event for event, _ in recorder.heard] == [
        ChannelChanged("hook", "added", "anouk"),
        ChannelChanged("hook", "removed", "joris"),
    ]


def test_opening_and_updating_an_alert_is_audited_as_the_detector(engine: Engine, recorder: Recorder) -> None:
    bus = recorder.bus()
    alert_id = rule_with_alert(engine, bus)
    rule = get_rule(engine=engine, name="Storing")
    later = NOW + timedelta(minutes=10)
    change = actions.raise_alert(
        engine=engine, actor="detector", rule=rule, now=later, find=found(2), bus=bus
    )
    assert change is not None and not change.opened and change.alert_id == alert_id
    nothing = actions.raise_alert(
        engine=engine, actor="detector", rule=rule, now=later, find=lambda c: Outcome(None)
    )
    assert nothing is None
    assert audited(engine)[1:] == [("detector", "alert.opened", str(alert_id)),
                                   ("detector", "alert.updated", str(alert_id))]  # fmt: skip
    assert recorder.heard == [
        (AlertChanged(alert_id, "opened", "detector"), 2),
        (AlertChanged(alert_id, "updated", "detector"), 3),
    ]
    timeline = [(e.kind, e.by) for e in alert_detail(engine=engine, alert_id=alert_id).events]
    assert timeline == [("opened", None), ("updated", None)]  # no person did this


def test_acknowledge_step_and_resolve_are_audited_with_who_did_them(
    engine: Engine, recorder: Recorder
) -> None:
    bus = recorder.bus()
    alert_id = rule_with_alert(engine)
    actions.acknowledge(engine=engine, actor="anouk", alert_id=alert_id, now=NOW, bus=bus)
    step = actions.complete_step(
        engine=engine, actor="joris", alert_id=alert_id, position=1, now=NOW, bus=bus
    )
    assert step.done_by == "joris"
    actions.resolve(engine=engine, actor="anouk", alert_id=alert_id, note="verholpen", now=NOW, bus=bus)
    target = str(alert_id)
    assert audited(engine)[2:] == [
        ("anouk", "alert.acknowledged", target),
        ("joris", "alert.step_done", target),
        ("anouk", "alert.resolved", target),
    ]
    assert entries(engine=engine, limit=1)[0].detail == {"detail": "verholpen"}
    assert [(event.action, event.actor, seen) for event, seen in recorder.heard] == [
        ("acknowledged", "anouk", 3),
        ("step_done", "joris", 4),
        ("resolved", "anouk", 5),
    ]
    found_alert = get_alert(engine=engine, alert_id=alert_id)
    assert (found_alert.acknowledged_by, found_alert.resolved_by) == ("anouk", "anouk")
    with pytest.raises(AlertError, match="is resolved; cannot resolve it"):
        actions.resolve(engine=engine, actor="anouk", alert_id=alert_id, bus=bus)
    assert len(entries(engine=engine)) == 5  # the refused second resolve left nothing


def test_retrying_failed_deliveries_is_audited(engine: Engine, recorder: Recorder) -> None:
    actions.add_channel(engine=engine, cipher=sealing_cipher(), actor="anouk", name="hook", kind="webhook",
                        options={"url": "https://hooks.example/x"})  # fmt: skip
    alert_id = rule_with_alert(engine, channels=["hook"])
    with engine.begin() as conn:
        conn.execute(alert_delivery.update().values(status="failed", attempts=8))
    count = actions.retry_deliveries(
        engine=engine, actor="joris", alert_id=alert_id, now=NOW, bus=recorder.bus()
    )
    assert count == 1
    assert audited(engine)[-1] == ("joris", "alert.delivery_retried", str(alert_id))
    assert recorder.heard == [(AlertChanged(alert_id, "delivery_retried", "joris"), 4)]


def test_past_alerts_from_a_replay_are_audited(engine: Engine, recorder: Recorder) -> None:
    rule = actions.save_rule(engine=engine, actor="demo", name="Piek", kind=RuleKind.volume_spike)
    past = [(rule, finding(40), NOW - timedelta(days=2), NOW - timedelta(days=2) + timedelta(hours=3))]
    (alert_id,) = actions.open_past_alerts(engine=engine, actor="demo", found=past, bus=recorder.bus())
    assert audited(engine)[-1] == ("demo", "alert.opened", str(alert_id))
    assert recorder.heard == [(AlertChanged(alert_id, "opened", "demo"), 2)]
    opened = get_alert(engine=engine, alert_id=alert_id)
    assert opened.opened_at.replace(tzinfo=UTC) == past[0][2]
    assert opened.last_seen_at.replace(tzinfo=UTC) == past[0][3]


def test_get_alert_reads_one_alert_or_says_there_is_none(engine: Engine) -> None:
    alert_id = rule_with_alert(engine)
    assert get_alert(engine=engine, alert_id=alert_id).rule == "Storing"
    with pytest.raises(AlertError, match=f"no alert with id {alert_id + 1}"):
        get_alert(engine=engine, alert_id=alert_id + 1)
