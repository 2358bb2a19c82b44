"""Working with alerts: list and read them, acknowledge and resolve them, tick off playbook steps.

Every change is an ``alert_event`` (who, what, when): the timeline is the after-action review.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain import alert_texts
from luister.domain.alerting import AlertStatus
from luister.services import audit
from luister.services.mentions import MentionRead, mentions_by_id
from luister.storage.tables import alert, alert_delivery, alert_event, alert_rule, alert_step, topic


class AlertError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class AlertRead:
    id: int
    rule: str
    topic: str | None
    kind: str
    severity: str
    status: AlertStatus
    title: str
    summary: str
    opened_at: datetime
    last_seen_at: datetime
    mentions: int
    expected: float | None
    acknowledged_by: str | None
    resolved_by: str | None
    message: dict[str, Any] | None = None  # the title as key + values (luister.domain.alert_texts)

    def title_in(self, gettext: Callable[[str], str]) -> str:
        """The title in the reader's language (alerts from before messages keep their English title)."""
        return alert_texts.render(self.message, gettext) if self.message else self.title


@dataclass(frozen=True, slots=True)
class StepRead:
    position: int
    title: str
    owner: str | None
    due_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    statements: dict[str, str]

    @property
    def late_minutes(self) -> int | None:
        """How late the step was (or is, when still open at ``now``); ``None`` without a deadline."""
        if self.due_at is None or self.done_at is None:
            return None
        return max(0, int((self.done_at - self.due_at).total_seconds() // 60))


@dataclass(frozen=True, slots=True)
class EventRead:
    at: datetime
    kind: str
    detail: str | None
    by: str | None


@dataclass(frozen=True, slots=True)
class DeliveryRead:
    channel: str
    revision: int
    status: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class AlertDetail:
    alert: AlertRead
    samples: list[MentionRead]
    steps: list[StepRead]
    events: list[EventRead]
    deliveries: list[DeliveryRead]


def in_view(topic_name: str | None, topics: Collection[str]) -> bool:
    """Whether someone who works with ``topics`` (names) sees an alert of ``topic_name``: departments scope
    topics and so their alerts; an alert over all mentions (no topic) is everyone's."""
    return topic_name is None or topic_name in topics


def open_count(*, engine: Engine, topics: Collection[str]) -> int:
    """How many alerts nobody has picked up yet, of those someone working with ``topics`` sees."""
    query = (
        sa.select(topic.c.name)
        .select_from(alert)
        .outerjoin(topic, topic.c.id == alert.c.topic_id)
        .where(alert.c.status == AlertStatus.open.value)
    )
    with engine.connect() as conn:
        return sum(1 for name in conn.execute(query).scalars() if in_view(name, topics))


def _select() -> Any:
    return (
        sa.select(alert, alert_rule.c.name.label("rule_name"), topic.c.name.label("topic_name"))
        .join(alert_rule, alert_rule.c.id == alert.c.rule_id)
        .outerjoin(topic, topic.c.id == alert.c.topic_id)
    )


def _read(row: Any) -> AlertRead:
    return AlertRead(
        id=row.id, rule=row.rule_name, topic=row.topic_name, kind=row.kind, severity=row.severity,
        status=AlertStatus(row.status), title=row.title, summary=row.summary, opened_at=row.opened_at,
        last_seen_at=row.last_seen_at, mentions=row.mentions, expected=row.expected,
        acknowledged_by=row.acknowledged_by, resolved_by=row.resolved_by, message=row.message,
    )  # fmt: skip


def list_alerts(
    *, engine: Engine, status: AlertStatus | None = None, topic_id: int | None = None, limit: int = 50
) -> list[AlertRead]:
    """The newest alerts first (or only those with ``status``, or of one topic)."""
    query = _select().order_by(alert.c.opened_at.desc(), alert.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(alert.c.status == status.value)
    if topic_id is not None:
        query = query.where(alert.c.topic_id == topic_id)
    with engine.connect() as conn:
        return [_read(row) for row in conn.execute(query)]


def alert_detail(*, engine: Engine, alert_id: int) -> AlertDetail:
    with engine.connect() as conn:
        row = conn.execute(_select().where(alert.c.id == alert_id)).first()
        if row is None:
            raise AlertError(f"no alert with id {alert_id}")
        steps = [
            StepRead(s.position, s.title, s.owner, s.due_at, s.done_at, s.done_by, dict(s.template or {}))
            for s in conn.execute(
                sa.select(alert_step).where(alert_step.c.alert_id == alert_id).order_by(alert_step.c.position)
            )  # fmt: skip
        ]
        events = [
            EventRead(e.at, e.kind, e.detail, e.by)
            for e in conn.execute(
                sa.select(alert_event).where(alert_event.c.alert_id == alert_id).order_by(alert_event.c.id)
            )  # fmt: skip
        ]
        deliveries = [
            DeliveryRead(d.channel, d.revision, d.status, d.attempts, d.last_error, d.sent_at)
            for d in conn.execute(
                sa.select(alert_delivery)
                .where(alert_delivery.c.alert_id == alert_id)
                .order_by(alert_delivery.c.id)
            )  # fmt: skip
        ]
    samples = mentions_by_id(engine=engine, ids=list(row.sample_ids or []))
    return AlertDetail(_read(row), samples, steps, events, deliveries)


def acknowledge(*, engine: Engine, alert_id: int, by: str, now: datetime | None = None) -> None:
    """Someone is on it. Only an open alert can be acknowledged."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        _expect_status(conn, alert_id, {AlertStatus.open}, "acknowledge")
        conn.execute(alert.update().where(alert.c.id == alert_id)
                     .values(status="acknowledged", acknowledged_by=by, acknowledged_at=now))  # fmt: skip
        _event(conn, alert_id, now, "acknowledged", None, by)


def resolve(
    *, engine: Engine, alert_id: int, by: str, note: str | None = None, now: datetime | None = None
) -> None:
    """The incident is over. A new firing of the rule opens a new alert."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        _expect_status(conn, alert_id, {AlertStatus.open, AlertStatus.acknowledged}, "resolve")
        conn.execute(alert.update().where(alert.c.id == alert_id)
                     .values(status="resolved", resolved_by=by, resolved_at=now))  # fmt: skip
        _event(conn, alert_id, now, "resolved", note, by)


def complete_step(
    *, engine: Engine, alert_id: int, position: int, by: str, now: datetime | None = None
) -> StepRead:
    """Tick off playbook step ``position``; the timeline records whether it met its deadline."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        step = conn.execute(
            sa.select(alert_step).where(alert_step.c.alert_id == alert_id, alert_step.c.position == position)
        ).first()
        if step is None:
            raise AlertError(f"alert {alert_id} has no playbook step {position}")
        if step.done_at is not None:
            raise AlertError(f"step {position} was already done by {step.done_by}")
        conn.execute(alert_step.update().where(alert_step.c.id == step.id).values(done_at=now, done_by=by))
        late = (
            ""
            if step.due_at is None or now <= step.due_at
            else f" ({int((now - step.due_at).total_seconds() // 60)} min late)"
        )
        _event(conn, alert_id, now, "step_done", f"{position}. {step.title}{late}", by)
    return StepRead(step.position, step.title, step.owner, step.due_at, now, by, dict(step.template or {}))


def _expect_status(conn: Connection, alert_id: int, allowed: set[AlertStatus], action: str) -> None:
    status = conn.execute(sa.select(alert.c.status).where(alert.c.id == alert_id)).scalar()
    if status is None:
        raise AlertError(f"no alert with id {alert_id}")
    if AlertStatus(status) not in allowed:
        raise AlertError(f"alert {alert_id} is {status}; cannot {action} it")


def _event(
    conn: Connection, alert_id: int, at: datetime, kind: str, detail: str | None, by: str | None
) -> None:
    conn.execute(alert_event.insert().values(alert_id=alert_id, at=at, kind=kind, detail=detail, by=by))
    audit.record(conn, actor=by or "system", action=f"alert.{kind}", target=str(alert_id),
                 detail={"detail": detail} if detail else None)  # fmt: skip
