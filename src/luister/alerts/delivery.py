"""Alert delivery: an outbox of (alert, channel, revision) rows, sent by ``deliver_due`` with retries.

Detection queues a row per channel when an alert opens or is updated (:func:`enqueue`, in its own
transaction, so an alert is never stored without its deliveries). :func:`deliver_due` sends what is due:
success marks the row ``sent``; a retryable failure (time-out, 5xx, busy mail server) waits
30 s · 2^(attempts-1), capped at an hour, with jitter; a final failure (or ``max_attempts``) marks it
``failed``. Nothing is ever deleted: failures stay visible with their reason in ``last_error`` and in the
alert's events, and ``actions.retry_deliveries`` queues them again once the channel is fixed.

A worker claims a row before sending it (moving ``next_attempt_at`` a lease ahead), so two workers never
send the same row at once, and a worker that dies mid-send leaves the row to be retried after the lease.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from luister.alerts.channels.base import AlertChannel, DeliveryError
from luister.alerts.channels.setup import usable_channels
from luister.alerts.model import AlertMessage, AlertStatus, RuleKind, SampleMention, Severity
from luister.net.http import FetchPolicy, SafeHttp
from luister.settings import Settings
from luister.storage.secrets import Cipher
from luister.storage.tables import alert, alert_delivery, alert_event, alert_rule, alert_step, mention, topic

log = logging.getLogger(__name__)

SAMPLES = 5
SAMPLE_CHARS = 1000
LEASE = timedelta(minutes=10)  # a claimed row is not picked up by another worker before this
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
ERROR_CHARS = 1000


@dataclass(frozen=True, slots=True)
class DeliveryProblem:
    alert_id: int
    channel: str
    reason: str
    final: bool  # failed for good (else it will be retried)


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # failed for good in this run
    retrying: int = 0  # failed in this run, will be retried
    pending: int = 0  # pending after this run, due or not
    problems: list[DeliveryProblem] = field(default_factory=list)


def enqueue(
    *, conn: Connection, alert_id: int, revision: int, channels: Sequence[str], now: datetime
) -> None:
    """Queue one delivery per channel; a (alert, channel, revision) already queued is left alone."""
    rows = [
        {
            "alert_id": alert_id,
            "channel": name,
            "revision": revision,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for name in dict.fromkeys(channels)
    ]
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(alert_delivery).on_conflict_do_nothing(
        index_elements=["alert_id", "channel", "revision"]
    )
    conn.execute(statement, rows)


def alert_message(*, conn: Connection, alert_id: int, update: bool) -> AlertMessage:
    """Everything a channel sends about alert ``alert_id``, as it stands now."""
    row = conn.execute(
        sa.select(alert, alert_rule.c.name.label("rule_name"), topic.c.name.label("topic_name"))
        .select_from(alert.join(alert_rule, alert.c.rule_id == alert_rule.c.id))
        .outerjoin(topic, alert.c.topic_id == topic.c.id)
        .where(alert.c.id == alert_id)
    ).one_or_none()
    if row is None:
        raise LookupError(f"no alert with id {alert_id}")
    steps = conn.scalars(
        sa.select(alert_step.c.title).where(alert_step.c.alert_id == alert_id).order_by(alert_step.c.position)
    ).all()
    return AlertMessage(
        alert_id=row.id,
        rule=row.rule_name,
        kind=RuleKind(row.kind),
        severity=Severity(row.severity),
        status=AlertStatus(row.status),
        title=row.title,
        summary=row.summary,
        topic=row.topic_name,
        opened_at=row.opened_at,
        updated_at=row.last_seen_at,
        mentions=row.mentions,
        expected=row.expected,
        samples=_samples(conn, row.sample_ids or []),
        steps=tuple(steps),
        update=update,
    )


def _samples(conn: Connection, sample_ids: Sequence[Any]) -> tuple[SampleMention, ...]:
    ids = [int(i) for i in sample_ids][:SAMPLES]
    if not ids:
        return ()
    rows = conn.execute(sa.select(mention).where(mention.c.id.in_(ids))).mappings().all()
    by_id = {row["id"]: row for row in rows}
    return tuple(
        SampleMention(
            id=row["id"],
            channel=row["channel"],
            author=row["author_name"] or row["author_handle"],
            text=_cut(row["text"], SAMPLE_CHARS),
            url=row["url"],
            published_at=row["published_at"],
        )
        for row in (by_id.get(i) for i in ids)
        if row is not None
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def retry_delay(attempts: int, *, rng: Callable[[], float] = random.random) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling from 30 s, at most an hour,
    the second half jittered so that many deliveries failing together do not return together."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0))
    half: timedelta = ceiling / 2
    return half + half * rng()


def deliver_due(
    *,
    engine: Engine,
    channels: Mapping[str, AlertChannel] | None = None,
    settings: Settings,
    now: datetime | None = None,
    max_attempts: int = 8,
    limit: int = 500,
) -> DeliveryReport:
    """Send every due pending delivery once (see :func:`deliver_due_async`, which async callers such as a
    worker use instead: this one runs its own event loop)."""
    return asyncio.run(
        deliver_due_async(
            engine=engine,
            channels=channels,
            settings=settings,
            now=now,
            max_attempts=max_attempts,
            limit=limit,
        )
    )


async def deliver_due_async(
    *,
    engine: Engine,
    channels: Mapping[str, AlertChannel] | None = None,
    settings: Settings,
    now: datetime | None = None,
    max_attempts: int = 8,
    limit: int = 500,
) -> DeliveryReport:
    """Send up to ``limit`` due deliveries, oldest first. ``channels`` (name → channel) defaults to the
    enabled ``alert_channel`` rows, built through the installed plugins; ``now`` is for tests."""
    report = DeliveryReport()
    start = now or datetime.now(UTC)
    async with SafeHttp(FetchPolicy.of(settings)) as http:
        usable: Mapping[str, AlertChannel | str] = (
            dict(channels)
            if channels is not None
            else usable_channels(engine=engine, http=http, cipher=Cipher.of(settings))
        )
        for row in _due(engine, start, limit):
            if not _claim(engine, row.id, now or datetime.now(UTC)):
                continue  # another worker has it
            await _deliver_one(engine, row, usable, now, max_attempts, report)
    with engine.connect() as conn:
        report.pending = (
            conn.scalar(
                sa.select(sa.func.count())
                .select_from(alert_delivery)
                .where(alert_delivery.c.status == "pending")
            )
            or 0
        )
    return report


def _due(engine: Engine, now: datetime, limit: int) -> list[sa.Row[Any]]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(alert_delivery)
                .where(alert_delivery.c.status == "pending", alert_delivery.c.next_attempt_at <= now)
                .order_by(alert_delivery.c.next_attempt_at, alert_delivery.c.id)
                .limit(limit)
            ).all()
        )


def _claim(engine: Engine, delivery_id: int, now: datetime) -> bool:
    with engine.begin() as conn:
        claimed = conn.execute(
            alert_delivery.update()
            .where(
                alert_delivery.c.id == delivery_id,
                alert_delivery.c.status == "pending",
                alert_delivery.c.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + LEASE)
        )
        return claimed.rowcount == 1


async def _deliver_one(
    engine: Engine,
    row: sa.Row[Any],
    usable: Mapping[str, AlertChannel | str],
    now: datetime | None,
    max_attempts: int,
    report: DeliveryReport,
) -> None:
    channel = usable.get(row.channel, f"no channel named {row.channel!r} is configured")
    if isinstance(channel, str):
        _record_failure(engine, row, DeliveryError(channel, retryable=False), now, max_attempts, report)
        return
    try:
        with engine.connect() as conn:
            message = alert_message(conn=conn, alert_id=row.alert_id, update=_sent_before(conn, row))
    except LookupError:  # the alert was deleted meanwhile, and its deliveries with it
        return
    try:
        await channel.send(message)
    except DeliveryError as exc:
        _record_failure(engine, row, exc, now, max_attempts, report)
        return
    except Exception as exc:  # a broken plugin must not stop the other deliveries; it is retried
        log.exception("alert channel %r failed unexpectedly", row.channel)
        _record_failure(engine, row, DeliveryError(f"{type(exc).__name__}: {exc}"), now, max_attempts, report)
        return
    at = now or datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            alert_delivery.update()
            .where(alert_delivery.c.id == row.id)
            .values(status="sent", sent_at=at, attempts=row.attempts + 1, next_attempt_at=at)
        )
        detail = f"{row.channel} (revision {row.revision})"
        conn.execute(
            alert_event.insert().values(alert_id=row.alert_id, at=at, kind="delivered", detail=detail)
        )
    report.sent += 1


def _sent_before(conn: Connection, row: sa.Row[Any]) -> bool:
    """An update for this channel when an earlier revision reached it; else the first it hears of it."""
    earlier = conn.scalar(
        sa.select(sa.func.count())
        .select_from(alert_delivery)
        .where(
            alert_delivery.c.alert_id == row.alert_id,
            alert_delivery.c.channel == row.channel,
            alert_delivery.c.revision < row.revision,
            alert_delivery.c.status == "sent",
        )
    )
    return bool(earlier)


def _record_failure(
    engine: Engine,
    row: sa.Row[Any],
    error: DeliveryError,
    now: datetime | None,
    max_attempts: int,
    report: DeliveryReport,
) -> None:
    at = now or datetime.now(UTC)
    attempts = row.attempts + 1
    final = not error.retryable or attempts >= max_attempts
    reason = _cut(error.reason, ERROR_CHARS)
    values: dict[str, Any] = {"attempts": attempts, "last_error": reason}
    if final:
        values |= {"status": "failed", "next_attempt_at": at}
    else:
        values["next_attempt_at"] = at + retry_delay(attempts)
    with engine.begin() as conn:
        conn.execute(alert_delivery.update().where(alert_delivery.c.id == row.id).values(**values))
        if final:
            why = reason if not error.retryable else f"{reason} (gave up after {attempts} attempts)"
            conn.execute(
                alert_event.insert().values(
                    alert_id=row.alert_id, at=at, kind="delivery_failed", detail=f"{row.channel}: {why}"
                )
            )
    log.warning("alert %s to %r: %s%s", row.alert_id, row.channel, reason, "" if final else " (will retry)")
    report.problems.append(DeliveryProblem(row.alert_id, row.channel, reason, final))
    if final:
        report.failed += 1
    else:
        report.retrying += 1
