"""Checking alert rules against stored mentions, and replaying history.

What a rule finds is a :class:`~luister.alerts.model.Finding`; ``actions.raise_alert`` turns it into an
alert (one incident is one alert: while a rule keeps firing within its cooldown the open alert is updated).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.alerts import texts
from luister.alerts.actions import raise_alert
from luister.alerts.coverage import RunRecord, SourceRuns, data_start, known_hours, source_gaps
from luister.alerts.model import (
    EVENT_KINDS,
    INBOX_KINDS,
    SPIKE_KINDS,
    AlertChange,
    Finding,
    Outcome,
    RuleKind,
)
from luister.alerts.read import list_rules
from luister.alerts.rules import RuleRead
from luister.alerts.spikes import (
    Detector,
    HourlySeries,
    NotJudged,
    Pattern,
    SpikeCheck,
    SpikeSettings,
    group_firings,
    history_hours,
)
from luister.domain.analysis import parse_intents
from luister.domain.queries import evaluate, parse_query
from luister.services.events import EventBus
from luister.services.matching import MATCH_COLUMNS, doc_from_row
from luister.storage.sql_time import sqlite_time
from luister.storage.tables import alert_rule, mention, mention_topic, source, source_run

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)
EVENT_LOOKBACK = timedelta(hours=24)  # event rules ignore mentions published longer ago (late backfills)
SCAN_LIMIT = 5000  # new mentions judged per event rule per check
SAMPLES = 5
DETECTOR = "detector"  # the actor of what the rules do on their own
DEFAULT_ZONE = ZoneInfo("Europe/Amsterdam")  # as ``Settings.time_zone``, for callers without settings


def spike_settings(rule: RuleRead) -> SpikeSettings:
    return SpikeSettings(sensitivity=rule.sensitivity, min_count=rule.min_count)


def check_rules(
    *,
    engine: Engine,
    now: datetime | None = None,
    rules: Sequence[RuleRead] | None = None,
    bus: EventBus | None = None,
    zone: tzinfo = DEFAULT_ZONE,
) -> list[AlertChange]:
    """Check every enabled rule (or ``rules``) at ``now``; return the alerts opened or updated. ``zone``:
    whose daily rhythm spike rules follow (``Settings.time_zone``)."""
    now = now or datetime.now(UTC)
    changes = []
    memo: dict[Any, Any] = {}  # what the spike rules of this moment share
    for rule in rules if rules is not None else list_rules(engine=engine, enabled_only=True):
        if rule.kind in INBOX_KINDS:  # raised by the inbox's events (alerts.escalation)
            continue
        try:
            change = raise_alert(
                engine=engine,
                rule=rule,
                now=now,
                actor=DETECTOR,
                bus=bus,
                find=partial(find, rule=rule, now=now, zone=zone, memo=memo),
            )
        except Exception:  # one broken rule must not stop the others
            log.exception("alert rule %r failed", rule.name)
            continue
        if change is not None:
            changes.append(change)
    return changes


def find(
    conn: Connection,
    rule: RuleRead,
    now: datetime,
    zone: tzinfo = DEFAULT_ZONE,
    memo: dict[Any, Any] | None = None,
) -> Outcome:
    """What ``rule`` finds at ``now``; an event rule moves its cursor past the mentions it judged."""
    if rule.kind in SPIKE_KINDS:
        return _spike(conn, rule, now, zone, memo)
    if rule.kind is RuleKind.negative_share:
        return Outcome(_negative_share(conn, rule, now))
    return Outcome(_events(conn, rule, now))


DATED = mention.c.date_known.is_(True)  # a mention without a known date has no hour to count in

# --- spikes ------------------------------------------------------------------------------------------------


def hourly_counts(
    conn: Connection, *, topic_id: int | None, end: datetime, hours: int, negative_only: bool = False
) -> list[int]:
    """Mentions per hour in the ``hours`` hours before ``end``, oldest first; the last is [end − 1 h, end).
    Mentions without a known date are left out: their time is when they were fetched, and an import of
    old undated items is no spike."""
    start = end - hours * HOUR
    # whole milliseconds before ``end`` (SQLite's day fractions are not exact), so that a mention on the
    # stroke of an hour counts in the hour it starts: hours ago = (ms − 1) // 3,600,000
    if conn.dialect.name == "sqlite":
        days = sa.func.julianday(sqlite_time(end)) - sa.func.julianday(mention.c.published_at)
        ms = sa.cast(sa.func.round(days * 86_400_000), sa.BigInteger)
    else:
        ms = sa.cast(sa.func.round(sa.extract("epoch", sa.literal(end) - mention.c.published_at) * 1000),
                     sa.BigInteger)  # fmt: skip
    ago = sa.cast((ms - 1) // 3_600_000, sa.Integer)
    query = (
        sa.select(ago.label("ago"), sa.func.count())
        .where(
            mention.c.published_at >= start,
            mention.c.published_at < end,
            mention.c.duplicate_of.is_(None),
            DATED,
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


def coverage(conn: Connection, *, end: datetime, hours: int) -> list[bool]:
    """Which of the ``hours`` hours before ``end`` have data (see :mod:`luister.alerts.coverage`)."""
    first_run = conn.scalar(sa.select(sa.func.min(source_run.c.started_at)))
    first_unpolled = conn.scalar(
        sa.select(sa.func.min(mention.c.published_at)).where(mention.c.source_id.is_(None), DATED)
    )
    first_mention = conn.scalar(sa.select(sa.func.min(mention.c.published_at)).where(DATED))
    start = data_start(
        first_run=first_run, first_unpolled_mention=first_unpolled, first_mention=first_mention
    )
    sources = {
        row.id: row
        for row in conn.execute(sa.select(source.c.id, source.c.poll_interval_s, source.c.enabled))
    }
    since = end - hours * HOUR - timedelta(days=1)  # a failing streak may have begun before the window
    runs = conn.execute(
        sa.select(
            source_run.c.source_id, source_run.c.started_at, source_run.c.finished_at, source_run.c.error
        )
        .where(source_run.c.finished_at >= since, source_run.c.started_at < end)
        .order_by(source_run.c.source_id, source_run.c.started_at, source_run.c.id)
    )
    gaps = []
    for source_id, rows in groupby(runs, key=lambda row: row.source_id):
        row = sources.get(source_id)
        interval = timedelta(seconds=(row.poll_interval_s if row is not None else None) or 900)
        records = [RunRecord(r.started_at, r.finished_at, r.error is not None) for r in rows]
        gaps += source_gaps(SourceRuns(records, interval, bool(row is None or row.enabled)), now=end)
    return known_hours(end=end, hours=hours, start=start, gaps=gaps)


def spike_detector(
    conn: Connection,
    rule: RuleRead,
    *,
    end: datetime,
    hours: int,
    zone: tzinfo,
    memo: dict[Any, Any] | None = None,
) -> Detector:
    """The detector over the ``hours`` hours before ``end`` for a spike rule: the topic's mentions (or its
    negative ones, as their share of all the topic's), the shape of the day from all mentions, and
    which hours have data. ``memo`` keeps what rules checked at the same moment share (the coverage,
    all mentions, a topic's volume)."""
    memo = {} if memo is None else memo

    def remembered(key: tuple[Any, ...], make: Any) -> Any:
        if key not in memo:
            memo[key] = make()
        return memo[key]

    topic = rule.topic_id
    totals = remembered(
        ("counts", topic, end, hours), lambda: hourly_counts(conn, topic_id=topic, end=end, hours=hours)
    )
    reference = totals if topic is None else remembered(
        ("counts", None, end, hours), lambda: hourly_counts(conn, topic_id=None, end=end, hours=hours)
    )  # fmt: skip
    known = remembered(("coverage", end, hours), lambda: coverage(conn, end=end, hours=hours))
    settings = spike_settings(rule)
    start = end - hours * HOUR
    whole: Detector = remembered(("volume", topic, end, hours, zone), lambda: Detector(
        HourlySeries.at(totals, known, start=start, zone=zone, reference=reference), settings
    ))  # fmt: skip  # its expectations do not depend on a rule's sensitivity or minimum count
    if rule.kind is not RuleKind.negative_spike:
        return whole if whole.settings == settings else Detector(whole.series, settings)
    negatives = hourly_counts(conn, topic_id=topic, end=end, hours=hours, negative_only=True)
    series = HourlySeries.at(negatives, known, start=start, zone=zone, reference=reference)
    return Detector(series, settings, share_of=whole)


def history_phrase(hours: int) -> str:
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hours"


def not_judged_note(check: SpikeCheck, settings: SpikeSettings) -> str | None:
    """What a spike rule says about itself when it judged nothing (``None`` when it judged)."""
    if check.not_judged is NotJudged.history:
        return (f"learning the rhythm: {check.history} of {settings.min_history} hours with data so far; "
                "spikes are judged from then on")  # fmt: skip
    if check.not_judged is NotJudged.unknown:
        return "no data for the last hour (a source failing or paused, or nothing stored yet): not judged"
    return None


def _spike(
    conn: Connection, rule: RuleRead, now: datetime, zone: tzinfo, memo: dict[Any, Any] | None
) -> Outcome:
    settings = spike_settings(rule)
    hours = history_hours(settings) + 1
    check = spike_detector(conn, rule, end=now, hours=hours, zone=zone, memo=memo).check(hours - 1)
    note = not_judged_note(check, settings)
    if not check.is_spike:
        return Outcome(None, note)
    negative = rule.kind is RuleKind.negative_spike
    what = "negative mentions" if negative else "mentions"
    subject = rule.topic or texts.ALL_MENTIONS
    rise = check.pattern is Pattern.rise
    key = ("negative_" if negative else "") + ("rise" if rise else "spike")
    values: dict[str, Any] = {"count": check.observed, "expected": round(check.expected)}
    if rise:
        values["hours"] = check.rise_hours
    how = (f"have been rising for {check.rise_hours} hours, to {check.observed} in the hour before"
           if rise else f"rose to {check.observed} in the hour before")  # fmt: skip
    return Outcome(
        Finding(
            count=check.observed,
            expected=check.expected,
            message=texts.message(key, subject=rule.topic, **values),
            summary=f"{what.capitalize()} of {subject} {how} {now:%Y-%m-%d %H:%M} UTC, "
            f"{check.observed / max(check.expected, 1):.1f}× the usual for this hour and day "
            f"(p = {check.p_value:.1e}); the expectation stood on {history_phrase(check.history)} of "
            "history.",
            sample_ids=_samples(conn, rule, now - HOUR, now, negative_only=negative),
        ),
        note,
    )


def _negative_share(conn: Connection, rule: RuleRead, now: datetime) -> Finding | None:
    query = sa.select(
        sa.func.count(), sa.func.sum(sa.case((mention.c.sentiment == "negative", 1), else_=0))
    ).where(
        mention.c.published_at >= now - HOUR,
        mention.c.published_at < now,
        mention.c.sentiment.is_not(None),
        DATED,
    )
    query = _in_topic(query, rule.topic_id)
    total, negative = conn.execute(query).one()
    negative = int(negative or 0)
    assert rule.threshold is not None
    if total < rule.min_count or negative / total < rule.threshold:
        return None
    subject = rule.topic or texts.ALL_MENTIONS
    return Finding(
        count=negative,
        message=texts.message(
            "negative_share",
            subject=rule.topic,
            share=round(100 * negative / total),
            negative=negative,
            total=total,
        ),  # fmt: skip
        summary=f"The share of negative mentions of {subject} reached {negative / total:.0%} "
        f"(threshold {rule.threshold:.0%}).",
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
        summary=f"{len(found)} new mention(s){f' of {rule.topic}' if rule.topic else ''} matched rule "
        f"{rule.name!r}; the most-followed author has {found[0].author_followers or 0:,} followers.",
        sample_ids=tuple(row.id for row in found[:SAMPLES]),
    )


def _event_message(rule: RuleRead, n: int) -> dict[str, Any]:
    key = {RuleKind.query: "query", RuleKind.intent: "intent"}.get(rule.kind, "influencer")
    values: dict[str, dict[str, str | None]] = {
        "query": {"query": rule.query},
        "intent": {"intent": rule.intent},
        "influencer": {"followers": f"{rule.min_followers or 0:,}"},
    }
    return texts.message(key if n != 1 else f"{key}_one", subject=rule.topic, count=n, **values[key])


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
    query = sa.select(mention.c.id).where(
        mention.c.published_at >= start, mention.c.published_at < end, DATED
    )
    if negative_only:
        query = query.where(mention.c.sentiment == "negative")
    query = _in_topic(query, rule.topic_id).order_by(
        sa.func.coalesce(mention.c.author_followers, 0).desc(), mention.c.id.desc()
    )
    return tuple(conn.execute(query.limit(SAMPLES)).scalars())


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


@dataclass(slots=True)
class Replay:
    hits: list[ReplayHit] = field(default_factory=list)
    hours: int = 0  # hours checked: partial hours at the start count as whole ones
    not_judged: dict[str, Counter[NotJudged]] = field(default_factory=dict)  # rule → why, how many hours


class ReplayError(ValueError):
    """A window that cannot be replayed; the message says why."""


def replay_window(start: datetime, end: datetime) -> int:
    """The hours checked between ``start`` and ``end``, counted back from ``end`` (a partial first hour is
    checked as a whole one); a reversed or empty window is refused."""
    if end <= start:
        raise ReplayError(
            f"the window is {'empty' if end == start else 'reversed'}: --from {start:%Y-%m-%d %H:%M} is "
            f"{'the same as' if end == start else 'after'} --to {end:%Y-%m-%d %H:%M} (UTC)"
        )
    return math.ceil((end - start) / HOUR)


def replay(
    *, engine: Engine, start: datetime, end: datetime, rules: Sequence[RuleRead], zone: tzinfo = DEFAULT_ZONE
) -> list[ReplayHit]:
    """What the rules would have fired between ``start`` and ``end`` (nothing is stored or sent)."""
    return replay_rules(engine=engine, start=start, end=end, rules=rules, zone=zone).hits


def replay_rules(
    *, engine: Engine, start: datetime, end: datetime, rules: Sequence[RuleRead], zone: tzinfo = DEFAULT_ZONE
) -> Replay:
    """:func:`replay`, with the hours each spike rule could not judge and why."""
    result = Replay(hours=replay_window(start, end))
    memo: dict[Any, Any] = {}
    with engine.connect() as conn:
        for rule in rules:
            if rule.kind in INBOX_KINDS:
                continue
            if rule.kind in EVENT_KINDS:
                result.hits.extend(_replay_events(conn, rule, start, end))
            else:
                result.hits.extend(_replay_hourly(conn, rule, end, result.hours, zone, result, memo))
    result.hits.sort(key=lambda hit: (hit.start, hit.rule))
    return result


def _replay_hourly(
    conn: Connection,
    rule: RuleRead,
    end: datetime,
    hours: int,
    zone: tzinfo,
    result: Replay,
    memo: dict[Any, Any],
) -> list[ReplayHit]:
    settings = spike_settings(rule)
    history = history_hours(settings)
    total = history + hours
    expected: dict[int, float | None]
    if rule.kind is RuleKind.negative_share:
        totals = hourly_counts(conn, topic_id=rule.topic_id, end=end, hours=total)
        negatives = hourly_counts(conn, topic_id=rule.topic_id, end=end, hours=total, negative_only=True)
        assert rule.threshold is not None
        fired = [h for h in range(history, total)
                 if totals[h] >= rule.min_count and negatives[h] / totals[h] >= rule.threshold]  # fmt: skip
        expected = dict.fromkeys(fired)
        values = [negatives[h] for h in fired]
        patterns: dict[int, str] = {}
    else:
        detector = spike_detector(conn, rule, end=end, hours=total, zone=zone, memo=memo)
        checks = {h: detector.check(h) for h in range(history, total)}
        fired = [h for h, check in checks.items() if check.is_spike]
        expected = {h: checks[h].expected for h in fired}
        values = [checks[h].observed for h in fired]
        patterns = {h: str(checks[h].pattern) for h in fired}
        skipped = Counter(check.not_judged for check in checks.values() if check.not_judged is not None)
        if skipped:
            result.not_judged[rule.name] = skipped
    cooldown = max(1, rule.cooldown_minutes // 60)
    first_hour = end - total * HOUR
    return [
        ReplayHit(
            rule=rule.name,
            start=first_hour + episode.start * HOUR,
            end=first_hour + (episode.end + 1) * HOUR,
            firings=episode.firings,
            peak=episode.peak,
            expected=expected[episode.start],
            detail=f"{episode.peak} in the peak hour" + (f" ({patterns[episode.start]})" if patterns else ""),
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


def replayed_findings(
    *, engine: Engine, hits: Sequence[ReplayHit], rules: Sequence[RuleRead]
) -> list[tuple[RuleRead, Finding, ReplayHit]]:
    """The replayed spike episodes as findings, to be stored as past alerts (``actions.open_past_alerts``)."""
    by_name = {rule.name: rule for rule in rules}
    found = []
    with engine.connect() as conn:
        for hit in hits:
            rule = by_name[hit.rule]
            if rule.kind not in SPIKE_KINDS:
                continue
            subject = rule.topic or texts.ALL_MENTIONS
            what = "negative mentions" if rule.kind is RuleKind.negative_spike else "mentions"
            key = "negative_spike_peak" if rule.kind is RuleKind.negative_spike else "spike_peak"
            finding = Finding(
                count=hit.peak,
                expected=hit.expected,
                message=texts.message(
                    key, subject=rule.topic, count=hit.peak, expected=round(hit.expected or 0)
                ),  # fmt: skip
                summary=f"{what.capitalize()} of {subject} peaked at {hit.peak} an hour between "
                f"{hit.start:%Y-%m-%d %H:%M} and {hit.end:%H:%M} UTC.",
                sample_ids=_samples(conn, rule, hit.start, hit.end, negative_only=what != "mentions"),
            )
            found.append((rule, finding, hit))
    return found
