"""Reading alerts, their rules and channels: lists and details for the edges (no writes).

Every change is an ``alert_event`` (who, what, when; see ``actions``): the timeline is the after-action
review.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.alerts import texts
from luister.alerts.channels.setup import masked_options
from luister.alerts.model import (
    AlertError,
    AlertRuleError,
    AlertStatus,
    ChannelError,
    RuleKind,
    Severity,
    UnknownChannel,
    UnknownRule,
)
from luister.alerts.rules import Playbook, RuleRead
from luister.domain.accounts import EVERYTHING, Scope
from luister.services.mentions import MentionRead, mentions_by_id
from luister.storage.scoping import seen
from luister.storage.tables import (
    alert,
    alert_channel,
    alert_delivery,
    alert_event,
    alert_rule,
    alert_step,
    mention,
    mention_topic,
    topic,
)

__all__ = ["AlertError", "AlertRuleError", "ChannelError"]  # raised here, defined in ``model``


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
    message: dict[str, Any] | None = None  # the title as key + values (luister.alerts.texts)

    def title_in(self, gettext: Callable[[str], str]) -> str:
        """The title in the reader's language (alerts from before messages keep their English title)."""
        return texts.render(self.message, gettext) if self.message else self.title


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
class Window:
    """The mentions that made a spike: its topic's, published in [since, until), only the negative ones
    for a negative rule; ``mentions`` of them in all."""

    since: datetime
    until: datetime
    negative: bool
    mentions: int


@dataclass(frozen=True, slots=True)
class AlertDetail:
    alert: AlertRead
    samples: list[MentionRead]
    steps: list[StepRead]
    events: list[EventRead]
    deliveries: list[DeliveryRead]
    window: Window | None = None  # spikes and negative shares: the hours they were counted in


SPIKE_ALERTS = frozenset({"volume_spike", "negative_spike", "negative_share"})  # judged per hour
NEGATIVE_ALERTS = frozenset({"negative_spike", "negative_share"})
SAMPLES = 5
HOUR = timedelta(hours=1)


def spike_window(found: AlertRead, events: list[EventRead]) -> tuple[datetime, datetime] | None:
    """The hours an hourly alert counted: each check at ``now`` counts [now − 1 h, now), from the one that
    opened it to the last that saw it. A replayed one (``actions.open_past_alerts``) was stored with its
    first hour's start and its last hour's end, and never updated. ``None`` for event alerts."""
    if found.kind not in SPIKE_ALERTS:
        return None
    replayed = found.last_seen_at > found.opened_at and not any(e.kind == "updated" for e in events)
    return (found.opened_at if replayed else found.opened_at - HOUR), found.last_seen_at


def _in_scope(scope: Scope) -> sa.ColumnElement[bool]:
    """Departments scope topics and so their alerts (``domain.accounts.Scope``); an alert over all
    mentions (no topic) is everyone's."""
    return sa.or_(alert.c.topic_id.is_(None), seen(topic.c.department, scope))


def open_count(*, engine: Engine, scope: Scope = EVERYTHING) -> int:
    """How many alerts nobody has picked up yet, of those ``scope`` sees."""
    query = (
        sa.select(sa.func.count())
        .select_from(alert)
        .outerjoin(topic, topic.c.id == alert.c.topic_id)
        .where(alert.c.status == AlertStatus.open.value, _in_scope(scope))
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


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
    *,
    engine: Engine,
    status: AlertStatus | None = None,
    topic_id: int | None = None,
    limit: int = 50,
    scope: Scope = EVERYTHING,
) -> list[AlertRead]:
    """The newest alerts ``scope`` sees first (or only those with ``status``, or of one topic)."""
    query = (
        _select().where(_in_scope(scope)).order_by(alert.c.opened_at.desc(), alert.c.id.desc()).limit(limit)
    )
    if status is not None:
        query = query.where(alert.c.status == status.value)
    if topic_id is not None:
        query = query.where(alert.c.topic_id == topic_id)
    with engine.connect() as conn:
        return [_read(row) for row in conn.execute(query)]


def get_alert(*, engine: Engine, alert_id: int, scope: Scope = EVERYTHING) -> AlertRead:
    """One alert without its samples, steps, timeline and deliveries: enough to check who may see it.
    One outside ``scope`` is as unknown as one that does not exist."""
    with engine.connect() as conn:
        row = conn.execute(_select().where(alert.c.id == alert_id, _in_scope(scope))).first()
    if row is None:
        raise AlertError(f"no alert with id {alert_id}")
    return _read(row)


def alert_detail(*, engine: Engine, alert_id: int, scope: Scope = EVERYTHING) -> AlertDetail:
    """One alert with its samples, steps, timeline and deliveries; outside ``scope`` as unknown."""
    with engine.connect() as conn:
        row = conn.execute(_select().where(alert.c.id == alert_id, _in_scope(scope))).first()
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
    found = _read(row)
    period = spike_window(found, events)
    if period is None:  # events: the mentions that matched, as the rule picked them
        samples = mentions_by_id(engine=engine, ids=list(row.sample_ids or []))
        return AlertDetail(found, samples, steps, events, deliveries)
    negative = found.kind in NEGATIVE_ALERTS
    samples, total = _spike_mentions(engine, row.topic_id, *period, negative=negative)
    return AlertDetail(found, samples, steps, events, deliveries, Window(*period, negative, total))


def _spike_mentions(
    engine: Engine, topic_id: int | None, since: datetime, until: datetime, *, negative: bool
) -> tuple[list[MentionRead], int]:
    """The window's mentions that reach most people, and how many there are."""
    where = [mention.c.published_at >= since, mention.c.published_at < until, mention.c.date_known.is_(True)]
    if negative:
        where.append(mention.c.sentiment == "negative")
    if topic_id is not None:
        where.append(sa.exists().where(mention_topic.c.mention_id == mention.c.id,
                                       mention_topic.c.topic_id == topic_id))  # fmt: skip
    with engine.connect() as conn:
        total = int(conn.execute(sa.select(sa.func.count()).select_from(mention).where(*where)).scalar_one())
        ids = conn.execute(
            sa.select(mention.c.id).where(*where)
            .order_by(sa.func.coalesce(mention.c.author_followers, 0).desc(), mention.c.id.desc())
            .limit(SAMPLES)
        ).scalars().all()  # fmt: skip
    return mentions_by_id(engine=engine, ids=list(ids)), total


# --- rules -------------------------------------------------------------------------------------------------


def list_rules(*, engine: Engine, enabled_only: bool = False, scope: Scope = EVERYTHING) -> list[RuleRead]:
    """The rules ``scope`` sees: those over all mentions, and those on a topic it sees."""
    query = (
        sa.select(alert_rule, topic.c.name.label("topic_name"))
        .outerjoin(topic, topic.c.id == alert_rule.c.topic_id)
        .where(sa.or_(alert_rule.c.topic_id.is_(None), seen(topic.c.department, scope)))
    )
    if enabled_only:
        query = query.where(alert_rule.c.enabled)
    with engine.connect() as conn:
        return [_rule(row) for row in conn.execute(query.order_by(alert_rule.c.name))]


def get_rule(*, engine: Engine, name: str, scope: Scope = EVERYTHING) -> RuleRead:
    """The rule called ``name``; one on a topic outside ``scope`` is as unknown as one that does not exist."""
    for rule in list_rules(engine=engine, scope=scope):
        if rule.name == name:
            return rule
    raise UnknownRule(f"no alert rule named {name!r}")


def _rule(row: Any) -> RuleRead:
    return RuleRead(
        id=row.id, name=row.name, kind=RuleKind(row.kind), topic_id=row.topic_id, topic=row.topic_name,
        query=row.query, intent=row.intent, min_followers=row.min_followers, threshold=row.threshold,
        sensitivity=row.sensitivity, min_count=row.min_count, cooldown_minutes=row.cooldown_minutes,
        severity=Severity(row.severity), channels=tuple(row.channels or ()),
        playbook=Playbook.model_validate(row.playbook) if row.playbook else None, enabled=row.enabled,
        last_mention_id=row.last_mention_id, note=row.note,
    )  # fmt: skip


# --- channels ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelRead:
    id: int
    name: str
    kind: str
    options: dict[str, Any]  # secrets masked
    enabled: bool
    created_at: datetime
    pending: int  # deliveries waiting
    failed: int  # deliveries that failed for good
    last_sent_at: datetime | None


def get_channel(*, engine: Engine, name: str) -> ChannelRead:
    for found in list_channels(engine=engine):
        if found.name == name:
            return found
    raise UnknownChannel(f"no alert channel named {name!r}")


def list_channels(*, engine: Engine) -> list[ChannelRead]:
    """Every channel with masked options and its deliveries: pending, failed, last sent."""
    d = alert_delivery.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(alert_channel).order_by(alert_channel.c.name)).mappings().all()
        stats = {
            r.channel: r
            for r in conn.execute(
                sa.select(
                    d.channel,
                    sa.func.sum(sa.case((d.status == "pending", 1), else_=0)).label("pending"),
                    sa.func.sum(sa.case((d.status == "failed", 1), else_=0)).label("failed"),
                    sa.func.max(d.sent_at).label("last_sent_at"),
                ).group_by(d.channel)
            )
        }
    return [
        ChannelRead(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            options=masked_options(row["options"] or {}),
            enabled=row["enabled"],
            created_at=row["created_at"],
            pending=int(stats[row["name"]].pending or 0) if row["name"] in stats else 0,
            failed=int(stats[row["name"]].failed or 0) if row["name"] in stats else 0,
            last_sent_at=stats[row["name"]].last_sent_at if row["name"] in stats else None,
        )
        for row in rows
    ]
