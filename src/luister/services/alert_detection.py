"""Checking alert rules against stored mentions, opening and updating alerts, and replaying history.

One incident is one alert: while a rule keeps firing within its cooldown the open alert is updated,
and a new delivery goes out only when the evidence has doubled since the last one. Opening an alert
starts its rule's playbook (a checklist with owners and deadlines) and queues its deliveries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain import alert_texts
from luister.domain.alerting import (
    EVENT_KINDS,
    SPIKE_KINDS,
    RuleKind,
    SpikeSettings,
    check_hour,
    group_firings,
    history_hours,
)
from luister.domain.analysis import parse_intents
from luister.domain.queries import evaluate, parse_query
from luister.services.alert_rules import RuleRead, list_rules
from luister.services.matching import MATCH_COLUMNS, doc_from_row
from luister.storage.tables import alert, alert_event, alert_rule, alert_step, mention, mention_topic
from luister.storage.writer import sqlite_time

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
EVENT_LOOKBACK = timedelta(hours=24)  # event rules ignore mentions published longer ago (late backfills)
SCAN_LIMIT = 5000  # new mentions judged per event rule per check
SAMPLES = 5


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule found now: how much evidence, against what expectation, and examples."""

    count: int
    message: dict[str, Any]  # the title as key + values (luister.domain.alert_texts)
    summary: str
    sample_ids: tuple[int, ...]
    expected: float | None = None

    @property
    def title(self) -> str:
        return alert_texts.render(self.message)


@dataclass(frozen=True, slots=True)
class AlertChange:
    alert_id: int
    rule: str
    opened: bool  # a new alert (else an update of an open one)
    notified: bool  # deliveries were queued
    mentions: int


def spike_settings(rule: RuleRead) -> SpikeSettings:
    return SpikeSettings(sensitivity=rule.sensitivity, min_count=rule.min_count)


def check_rules(
    *, engine: Engine, now: datetime | None = None, rules: Sequence[RuleRead] | None = None
) -> list[AlertChange]:
    """Check every enabled rule (or ``rules``) at ``now``; return the alerts opened or updated."""
    now = now or datetime.now(UTC)
    changes = []
    for rule in rules if rules is not None else list_rules(engine=engine, enabled_only=True):
        try:
            with engine.begin() as conn:
                finding = _find(conn, rule, now)
                if finding is not None:
                    changes.append(_record(conn, rule, finding, now))
        except Exception:  # one broken rule must not stop the others
            log.exception("alert rule %r failed", rule.name)
    return changes


def _find(conn: Connection, rule: RuleRead, now: datetime) -> Finding | None:
    if rule.kind in SPIKE_KINDS:
        return _spike(conn, rule, now)
    if rule.kind is RuleKind.negative_share:
        return _negative_share(conn, rule, now)
    return _events(conn, rule, now)


# --- spikes ------------------------------------------------------------------------------------------------


def hourly_counts(
    conn: Connection, *, topic_id: int | None, end: datetime, hours: int, negative_only: bool = False
) -> list[int]:
    """Mentions per hour in the ``hours`` hours before ``end``, oldest first; the last is [end − 1 h, end)."""
    start = end - hours * HOUR
    if conn.dialect.name == "sqlite":
        ago = sa.cast((sa.func.julianday(sqlite_time(end)) - sa.func.julianday(mention.c.published_at)) * 24,
                      sa.Integer)  # fmt: skip
    else:
        ago = sa.cast(
            sa.func.floor(sa.extract("epoch", sa.literal(end) - mention.c.published_at) / 3600), sa.Integer
        )
    query = (
        sa.select(ago.label("ago"), sa.func.count())
        .where(
            mention.c.published_at >= start, mention.c.published_at < end, mention.c.duplicate_of.is_(None)
        )
        .group_by(ago)
    )
    if negative_only:
        query = query.where(mention.c.sentiment == "negative")
    if topic_id is not None:
        query = query.join(mention_topic, mention_topic.c.mention_id == mention.c.id).where(
            mention_topic.c.topic_id == topic_id
        )
    counts = [0] * hours
    for hours_ago, n in conn.execute(query):
        if 0 <= hours_ago < hours:
            counts[hours - 1 - hours_ago] += n
    return counts


def _spike(conn: Connection, rule: RuleRead, now: datetime) -> Finding | None:
    settings = spike_settings(rule)
    negative = rule.kind is RuleKind.negative_spike
    counts = hourly_counts(conn, topic_id=rule.topic_id, end=now, hours=history_hours(settings) + 1,
                           negative_only=negative)  # fmt: skip
    check = check_hour(counts, len(counts) - 1, settings)
    if not check.is_spike:
        return None
    subject = rule.topic or alert_texts.ALL_MENTIONS
    return Finding(
        count=check.observed,
        expected=check.expected,
        message=alert_texts.message(
            "negative_spike" if negative else "spike",
            subject=rule.topic,
            count=check.observed,
            expected=round(check.expected),
        ),  # fmt: skip
        summary=alert_texts.summary(
            "negative_spike" if negative else "spike",
            subject=subject,
            count=check.observed,
            at=f"{now:%Y-%m-%d %H:%M}",
            ratio=f"{check.observed / max(check.expected, 1):.1f}",
            p=f"{check.p_value:.1e}",
        ),  # fmt: skip
        sample_ids=_samples(conn, rule, now - HOUR, now, negative_only=negative),
    )


def _negative_share(conn: Connection, rule: RuleRead, now: datetime) -> Finding | None:
    query = sa.select(
        sa.func.count(), sa.func.sum(sa.case((mention.c.sentiment == "negative", 1), else_=0))
    ).where(
        mention.c.published_at >= now - HOUR, mention.c.published_at < now, mention.c.sentiment.is_not(None)
    )
    query = _in_topic(query, rule.topic_id)
    total, negative = conn.execute(query).one()
    negative = int(negative or 0)
    assert rule.threshold is not None
    if total < rule.min_count or negative / total < rule.threshold:
        return None
    subject = rule.topic or alert_texts.ALL_MENTIONS
    return Finding(
        count=negative,
        message=alert_texts.message(
            "negative_share",
            subject=rule.topic,
            share=round(100 * negative / total),
            negative=negative,
            total=total,
        ),  # fmt: skip
        summary=alert_texts.summary(
            "negative_share",
            subject=subject,
            share=f"{negative / total:.0%}",
            threshold=f"{rule.threshold:.0%}",
        ),  # fmt: skip
        sample_ids=_samples(conn, rule, now - HOUR, now, negative_only=True),
    )


# --- events: query, intent, influencer ---------------------------------------------------------------------

_EVENT_COLUMNS = (*MATCH_COLUMNS, mention.c.published_at)  # what a query sees, and when it was said


def event_matcher(rule: RuleRead) -> Any:
    """A predicate over a mention row for an event rule."""
    if rule.kind is RuleKind.query:
        parsed = parse_query(rule.query or "")
        return lambda row: evaluate(parsed, doc_from_row(row))
    if rule.kind is RuleKind.intent:
        return lambda row: rule.intent in parse_intents(row.intents)
    minimum = rule.min_followers or 0
    return lambda row: (row.author_followers or 0) >= minimum


def _events(conn: Connection, rule: RuleRead, now: datetime) -> Finding | None:
    after = rule.last_mention_id or 0
    query = _in_topic(
        sa.select(*_EVENT_COLUMNS).where(mention.c.id > after).order_by(mention.c.id).limit(SCAN_LIMIT),
        rule.topic_id,
    )
    rows = conn.execute(query).all()
    if not rows:
        return None
    conn.execute(alert_rule.update().where(alert_rule.c.id == rule.id).values(last_mention_id=rows[-1].id))
    matches = event_matcher(rule)
    recent = now - EVENT_LOOKBACK
    found = [row for row in rows if row.published_at >= recent and matches(row)]
    if not found:
        return None
    found.sort(key=lambda row: -(row.author_followers or 0))
    return Finding(
        count=len(found),
        message=_event_message(rule, len(found)),
        summary=alert_texts.summary(
            "events_of" if rule.topic else "events",
            subject=rule.topic,
            count=len(found),
            rule=repr(rule.name),
            followers=f"{found[0].author_followers or 0:,}",
        ),  # fmt: skip
        sample_ids=tuple(row.id for row in found[:SAMPLES]),
    )


def _event_message(rule: RuleRead, n: int) -> dict[str, Any]:
    key = {RuleKind.query: "query", RuleKind.intent: "intent"}.get(rule.kind, "influencer")
    values: dict[str, dict[str, str | None]] = {
        "query": {"query": rule.query},
        "intent": {"intent": rule.intent},
        "influencer": {"followers": f"{rule.min_followers or 0:,}"},
    }
    return alert_texts.message(key if n != 1 else f"{key}_one", subject=rule.topic, count=n, **values[key])


def _in_topic(query: Any, topic_id: int | None) -> Any:
    if topic_id is None:
        return query
    return query.join(mention_topic, mention_topic.c.mention_id == mention.c.id).where(
        mention_topic.c.topic_id == topic_id
    )


def _samples(
    conn: Connection, rule: RuleRead, start: datetime, end: datetime, *, negative_only: bool = False
) -> tuple[int, ...]:
    """The window's mentions that reach most people, as examples."""
    query = sa.select(mention.c.id).where(mention.c.published_at >= start, mention.c.published_at < end)
    if negative_only:
        query = query.where(mention.c.sentiment == "negative")
    query = _in_topic(query, rule.topic_id).order_by(
        sa.func.coalesce(mention.c.author_followers, 0).desc(), mention.c.id.desc()
    )
    return tuple(conn.execute(query.limit(SAMPLES)).scalars())


# --- recording: open, update, notify ----------------------------------------------------------------------


def _record(conn: Connection, rule: RuleRead, finding: Finding, now: datetime) -> AlertChange:
    open_alert = conn.execute(
        sa.select(alert)
        .where(
            alert.c.rule_id == rule.id,
            alert.c.status != "resolved",
            alert.c.last_seen_at >= now - timedelta(minutes=rule.cooldown_minutes),
        )  # fmt: skip
        .order_by(alert.c.id.desc())
        .limit(1)
    ).first()
    if open_alert is None:
        return _open(conn, rule, finding, now)
    spike = rule.kind in SPIKE_KINDS or rule.kind is RuleKind.negative_share
    mentions = max(open_alert.mentions, finding.count) if spike else open_alert.mentions + finding.count
    notify = mentions >= 2 * max(open_alert.notified_mentions, 1)
    values: dict[str, Any] = {"last_seen_at": now, "mentions": mentions, "title": finding.title,
                              "message": finding.message, "summary": finding.summary,
                              "expected": finding.expected}  # fmt: skip
    if notify:
        values |= {"revision": open_alert.revision + 1, "notified_mentions": mentions,
                   "sample_ids": list(finding.sample_ids)}  # fmt: skip
    conn.execute(alert.update().where(alert.c.id == open_alert.id).values(**values))
    conn.execute(
        alert_event.insert().values(alert_id=open_alert.id, at=now, kind="updated", detail=finding.title)
    )
    if notify:
        _enqueue(conn, open_alert.id, open_alert.revision + 1, rule, now)
    return AlertChange(open_alert.id, rule.name, opened=False, notified=notify, mentions=mentions)


def _open(conn: Connection, rule: RuleRead, finding: Finding, now: datetime) -> AlertChange:
    alert_id = conn.execute(
        alert.insert()
        .values(
            rule_id=rule.id,
            topic_id=rule.topic_id,
            kind=rule.kind.value,
            severity=rule.severity.value,
            status="open",
            title=finding.title,
            message=finding.message,
            summary=finding.summary,
            opened_at=now,
            last_seen_at=now,
            mentions=finding.count,
            expected=finding.expected,
            sample_ids=list(finding.sample_ids),
            revision=1,
            notified_mentions=finding.count,
        )  # fmt: skip
        .returning(alert.c.id)
    ).scalar_one()
    conn.execute(alert_event.insert().values(alert_id=alert_id, at=now, kind="opened", detail=finding.title))
    if rule.playbook is not None:
        conn.execute(
            alert_step.insert(),
            [
                {
                    "alert_id": alert_id,
                    "position": n,
                    "title": step.title,
                    "owner": step.owner,
                    "due_at": None if step.due_minutes is None else now + timedelta(minutes=step.due_minutes),
                    "template": step.statements or None,
                }  # fmt: skip
                for n, step in enumerate(rule.playbook.steps, start=1)
            ],
        )
    _enqueue(conn, alert_id, 1, rule, now)
    return AlertChange(alert_id, rule.name, opened=True, notified=bool(rule.channels), mentions=finding.count)


def _enqueue(conn: Connection, alert_id: int, revision: int, rule: RuleRead, now: datetime) -> None:
    if rule.channels:
        from luister.services.alert_delivery import enqueue

        enqueue(conn=conn, alert_id=alert_id, revision=revision, channels=list(rule.channels), now=now)


# --- replay ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplayHit:
    rule: str
    start: datetime  # the first hour (or mention) that fired
    end: datetime  # the last
    firings: int
    peak: int
    expected: float | None
    detail: str


def replay(*, engine: Engine, start: datetime, end: datetime, rules: Sequence[RuleRead]) -> list[ReplayHit]:
    """What the rules would have fired between ``start`` and ``end`` (nothing is stored or sent)."""
    hits: list[ReplayHit] = []
    hours = max(1, int((end - start) / HOUR))
    with engine.connect() as conn:
        for rule in rules:
            if rule.kind in EVENT_KINDS:
                hits.extend(_replay_events(conn, rule, start, end))
            else:
                hits.extend(_replay_hourly(conn, rule, end, hours))
    return sorted(hits, key=lambda hit: (hit.start, hit.rule))


def _replay_hourly(conn: Connection, rule: RuleRead, end: datetime, hours: int) -> list[ReplayHit]:
    settings = spike_settings(rule)
    history = history_hours(settings)
    negative = rule.kind is RuleKind.negative_spike
    counts = hourly_counts(
        conn, topic_id=rule.topic_id, end=end, hours=history + hours, negative_only=negative
    )
    if rule.kind is RuleKind.negative_share:
        totals = counts  # all mentions: ``negative`` is only set for negative spikes
        negatives = hourly_counts(
            conn, topic_id=rule.topic_id, end=end, hours=history + hours, negative_only=True
        )
        assert rule.threshold is not None
        fired = [h for h in range(history, history + hours)
                 if totals[h] >= rule.min_count and negatives[h] / totals[h] >= rule.threshold]  # fmt: skip
        expected: dict[int, float | None] = dict.fromkeys(fired)
        values = [negatives[h] for h in fired]
    else:
        checks = {h: check_hour(counts, h, settings) for h in range(history, history + hours)}
        fired = [h for h, check in checks.items() if check.is_spike]
        expected = {h: checks[h].expected for h in fired}
        values = [counts[h] for h in fired]
    cooldown = max(1, rule.cooldown_minutes // 60)
    first_hour = end - (history + hours) * HOUR
    return [
        ReplayHit(
            rule=rule.name,
            start=first_hour + episode.start * HOUR,
            end=first_hour + (episode.end + 1) * HOUR,
            firings=episode.firings,
            peak=episode.peak,
            expected=expected[episode.start],
            detail=f"{episode.peak} in the peak hour",
        )
        for episode in group_firings(fired, values, cooldown=cooldown)
    ]


def _replay_events(conn: Connection, rule: RuleRead, start: datetime, end: datetime) -> list[ReplayHit]:
    query = _in_topic(
        sa.select(*_EVENT_COLUMNS)
        .where(mention.c.published_at >= start, mention.c.published_at < end)
        .order_by(mention.c.published_at),
        rule.topic_id,
    )
    matches = event_matcher(rule)
    times = [row.published_at for row in conn.execute(query) if matches(row)]
    minutes = [int((t - start).total_seconds() // 60) for t in times]
    episodes = group_firings(minutes, [1] * len(minutes), cooldown=rule.cooldown_minutes)
    return [
        ReplayHit(
            rule=rule.name,
            start=start + timedelta(minutes=e.start),
            end=start + timedelta(minutes=e.end),
            firings=e.firings,
            peak=e.firings,
            expected=None,
            detail=f"{e.firings} matching mentions",
        )  # fmt: skip
        for e in episodes
    ]


def record_replayed(*, engine: Engine, hits: Sequence[ReplayHit], rules: Sequence[RuleRead]) -> list[int]:
    """Store replayed spike episodes as alerts opened when they happened (for a new installation's
    history, e.g. the demo). No deliveries are queued for the past."""
    by_name = {rule.name: rule for rule in rules}
    opened = []
    with engine.begin() as conn:
        for hit in hits:
            rule = by_name[hit.rule]
            if rule.kind not in SPIKE_KINDS:
                continue
            subject = rule.topic or alert_texts.ALL_MENTIONS
            what = "negative mentions" if rule.kind is RuleKind.negative_spike else "mentions"
            key = "negative_spike_peak" if rule.kind is RuleKind.negative_spike else "spike_peak"
            finding = Finding(
                count=hit.peak,
                expected=hit.expected,
                message=alert_texts.message(
                    key, subject=rule.topic, count=hit.peak, expected=round(hit.expected or 0)
                ),  # fmt: skip
                summary=alert_texts.summary(
                    key,
                    subject=subject,
                    count=hit.peak,
                    start=f"{hit.start:%Y-%m-%d %H:%M}",
                    end=f"{hit.end:%H:%M}",
                ),  # fmt: skip
                sample_ids=_samples(conn, rule, hit.start, hit.end, negative_only=what != "mentions"),
            )
            change = _open(conn, replace(rule, channels=()), finding, hit.start)
            conn.execute(alert.update().where(alert.c.id == change.alert_id).values(last_seen_at=hit.end))
            opened.append(change.alert_id)
    return opened
