"""Every change to alerts, their rules and their channels.

Each action takes keyword arguments only and an explicit ``actor`` (an e-mail address, ``cli``, or
``detector`` for what the rules do on their own), writes in one transaction together with its audit row
(and, for an alert, its timeline event), and tells ``bus`` after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from luister.alerts import delivery
from luister.alerts.channels.setup import (
    NAME,
    channel_kinds,
    is_channel_secret,
    masked_options,
    problems_by_option,
    secrets_refused,
)
from luister.alerts.events import AlertChanged, ChannelChanged, RuleChanged
from luister.alerts.model import (
    SPIKE_KINDS,
    AlertChange,
    AlertError,
    AlertRuleError,
    AlertStatus,
    ChannelError,
    ChannelNameTaken,
    Finding,
    InvalidChannelOptions,
    Outcome,
    RuleKind,
    RuleNameTaken,
    Severity,
    UnknownChannel,
    UnknownRule,
)
from luister.alerts.read import ChannelRead, StepRead, get_channel, get_rule
from luister.alerts.rules import RuleRead, check_rule
from luister.domain.accounts import EVERYTHING, Scope
from luister.services import audit
from luister.services.events import EventBus
from luister.storage.scoping import seen
from luister.storage.secrets import (
    CannotDecrypt,
    Cipher,
    SecretsUnavailable,
    is_sealed,
    open_options,
    reseal_options,
    seal_options,
)
from luister.storage.tables import (
    alert,
    alert_channel,
    alert_delivery,
    alert_event,
    alert_rule,
    alert_step,
    mention,
    topic,
)
from luister.storage.unique import insert_new, is_unique_violation

Emitted = AlertChanged | RuleChanged | ChannelChanged


def _emit(bus: EventBus | None, *events: Emitted) -> None:
    if bus is not None:
        for event in events:
            bus.emit(event)


# --- rules -------------------------------------------------------------------------------------------------


def save_rule(
    *,
    engine: Engine,
    actor: str,
    name: str,
    kind: RuleKind,
    topic_name: str | None = None,
    query: str | None = None,
    intent: str | None = None,
    min_followers: int | None = None,
    threshold: float | None = None,
    sensitivity: float = 0.0005,
    min_count: int = 10,
    cooldown_minutes: int = 120,
    severity: Severity = Severity.warning,
    channels: Sequence[str] = (),
    playbook: Mapping[str, Any] | None = None,
    scope: Scope = EVERYTHING,
    replace: bool = True,
    create: bool = True,
    rename_to: str | None = None,
    bus: EventBus | None = None,
) -> RuleRead:
    """Create (unless not ``create``: :class:`UnknownRule`) or replace (unless not ``replace``:
    :class:`RuleNameTaken`) the rule called ``name``, on a topic ``scope`` sees; an existing rule is
    renamed ``rename_to`` in the same step (:class:`RuleNameTaken` when another rule has that name; its
    alerts keep pointing at it). Event rules start at the newest stored mention: they fire on what comes
    in from now on (``luister alerts replay`` shows what they would have caught)."""
    name = name.strip()
    final = name if rename_to is None else rename_to.strip()
    checked_playbook = check_rule(
        name=final, kind=kind, query=query, intent=intent, min_followers=min_followers, threshold=threshold,
        sensitivity=sensitivity, min_count=min_count, cooldown_minutes=cooldown_minutes, playbook=playbook,
    )  # fmt: skip
    with engine.begin() as conn:
        topic_id = _topic_id(conn, topic_name, scope)
        _check_channels(conn, channels)
        newest = conn.execute(sa.select(sa.func.max(mention.c.id))).scalar_one()
        values = {
            "kind": kind.value, "topic_id": topic_id, "query": query, "intent": intent,
            "min_followers": min_followers, "threshold": threshold, "sensitivity": sensitivity,
            "min_count": min_count, "cooldown_minutes": cooldown_minutes, "severity": severity.value,
            "channels": list(channels), "enabled": True,
            "playbook": checked_playbook.model_dump() if checked_playbook else None,
            "last_mention_id": None if kind in SPIKE_KINDS else newest,
        }  # fmt: skip
        existing = conn.execute(sa.select(alert_rule.c.id).where(alert_rule.c.name == name)).scalar()
        if existing is None and not create:
            raise UnknownRule(f"no alert rule named {name!r}")  # removed meanwhile
        if existing is not None and not replace:
            raise RuleNameTaken("an alert rule with this name exists already")
        if existing is None:
            if insert_new(conn, alert_rule.insert().values(name=name, **values)) is None:
                raise RuleNameTaken("an alert rule with this name exists already")  # added meanwhile
        else:
            if final != name:
                _rename(conn, existing, name, final, actor)
            conn.execute(alert_rule.update().where(alert_rule.c.id == existing).values(**values))
        detail = {"kind": kind.value, "topic": topic_name, "channels": list(channels)}
        audit.record(conn, actor=actor, action="alert_rule.save", target=final, detail=detail)
    if final != name:
        _emit(bus, RuleChanged(name, "renamed", actor))
    _emit(bus, RuleChanged(final, "saved", actor))
    return get_rule(engine=engine, name=final)


def _rename(conn: Connection, rule_id: int, old: str, new: str, actor: str) -> None:
    """Rename the rule (its alerts and links point at its id, so they follow); a taken name refuses."""
    taken = conn.execute(sa.select(alert_rule.c.id).where(alert_rule.c.name == new)).scalar()
    if taken is not None and taken != rule_id:
        raise RuleNameTaken("an alert rule with this name exists already")
    try:
        with conn.begin_nested():
            conn.execute(alert_rule.update().where(alert_rule.c.id == rule_id).values(name=new))
    except IntegrityError as exc:  # taken by another request meanwhile
        if not is_unique_violation(exc):
            raise
        raise RuleNameTaken("an alert rule with this name exists already") from None
    audit.record(conn, actor=actor, action="alert_rule.rename", target=new, detail={"from": old})


def update_rule(
    *,
    engine: Engine,
    actor: str,
    name: str,
    changes: Mapping[str, Any],
    scope: Scope = EVERYTHING,
    bus: EventBus | None = None,
) -> RuleRead:
    """Change the settings in ``changes`` of rule ``name`` (one ``scope`` sees; else
    :class:`UnknownRule`), keeping the others; checked and saved as :func:`save_rule` does. A ``name``
    among the changes renames the rule."""
    old = get_rule(engine=engine, name=name, scope=scope)
    changes = dict(changes)
    rename_to = changes.pop("name", None)
    kept: dict[str, Any] = {
        "kind": old.kind, "topic_name": old.topic, "query": old.query, "intent": old.intent,
        "min_followers": old.min_followers, "threshold": old.threshold, "sensitivity": old.sensitivity,
        "min_count": old.min_count, "cooldown_minutes": old.cooldown_minutes, "severity": old.severity,
        "channels": old.channels, "playbook": old.playbook.model_dump() if old.playbook else None,
    }  # fmt: skip
    if unknown := sorted(set(changes) - set(kept)):
        raise AlertRuleError(f"a rule has no setting {', '.join(unknown)}")
    merged = kept | dict(changes)
    return save_rule(engine=engine, actor=actor, name=old.name, scope=scope, create=False, bus=bus,
                     rename_to=rename_to, **merged)  # fmt: skip


def remove_rule(*, engine: Engine, actor: str, name: str, bus: EventBus | None = None) -> None:
    """Remove a rule and (through the foreign key) its alerts."""
    with engine.begin() as conn:
        if not conn.execute(alert_rule.delete().where(alert_rule.c.name == name)).rowcount:
            raise UnknownRule(f"no alert rule named {name!r}")
        audit.record(conn, actor=actor, action="alert_rule.remove", target=name)
    _emit(bus, RuleChanged(name, "removed", actor))


def _topic_id(conn: Connection, name: str | None, scope: Scope) -> int | None:
    """The topic's id; one outside ``scope`` is as unknown as one that does not exist."""
    if name is None:
        return None
    found = conn.execute(
        sa.select(topic.c.id).where(topic.c.name == name, seen(topic.c.department, scope))
    ).scalar()
    if found is None:
        raise AlertRuleError(f"no topic named {name!r}")
    return int(found)


def _check_channels(conn: Connection, channels: Sequence[str]) -> None:
    known = set(conn.execute(sa.select(alert_channel.c.name)).scalars())
    if missing := [c for c in channels if c not in known]:
        raise AlertRuleError(f"no alert channel named {', '.join(map(repr, missing))}; add it first")


# --- channels ----------------------------------------------------------------------------------------------


def add_channel(
    *,
    engine: Engine,
    actor: str,
    name: str,
    kind: str,
    options: Mapping[str, Any],
    cipher: Cipher,
    kinds: Mapping[str, type[Any]] | None = None,
    bus: EventBus | None = None,
) -> ChannelRead:
    """Validate ``options`` against the plugin's options model and save the channel, its secrets (and
    URLs) encrypted with ``cipher``. The audit row names the kind only."""
    kinds = kinds if kinds is not None else channel_kinds()
    if not NAME.match(name):
        raise ChannelError(
            f"invalid channel name {name!r}: letters, digits, '.', '_' and '-', at most 120 characters",
            f"ongeldige kanaalnaam {name!r}: letters, cijfers, '.', '_' en '-', hooguit 120 tekens",
            field="name",
        )
    cls = kinds.get(kind)
    if cls is None:
        installed = ", ".join(sorted(kinds))
        raise ChannelError(
            f"unknown channel kind {kind!r}; installed: {installed or 'none'}",
            f"onbekend soort kanaal {kind!r}; geïnstalleerd: {installed or 'geen'}",
            field="kind",
        )
    stored = _sealed(kind, cls, options, cipher)
    with engine.begin() as conn:
        inserted = alert_channel.insert().values(name=name, kind=kind, options=stored, enabled=True)
        if insert_new(conn, inserted) is None:  # there already, or added by another request meanwhile
            raise ChannelNameTaken(
                f"an alert channel named {name!r} exists already",
                f"er bestaat al een meldingskanaal met de naam {name!r}",
                field="name",
            )
        audit.record(conn, actor=actor, action="alert_channel.add", target=name, detail={"kind": kind})
    _emit(bus, ChannelChanged(name, "added", actor))
    return get_channel(engine=engine, name=name)


def change_channel(
    *,
    engine: Engine,
    actor: str,
    name: str,
    options: Mapping[str, Any],
    cipher: Cipher,
    kinds: Mapping[str, type[Any]] | None = None,
    bus: EventBus | None = None,
) -> ChannelRead:
    """Give channel ``name`` new ``options``, checked as :func:`add_channel` checks them. A secret left
    out, left blank or given as it is shown (``***``) keeps its sealed value; one typed anew replaces it.
    The audit row names the options that changed, never their values."""
    kinds = kinds if kinds is not None else channel_kinds()
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(alert_channel.c.id, alert_channel.c.kind, alert_channel.c.options)
            .where(alert_channel.c.name == name)
            .with_for_update()
        ).first()
        if row is None:
            raise UnknownChannel(
                f"no alert channel named {name!r}", f"geen meldingskanaal met de naam {name!r}"
            )
        cls = kinds.get(row.kind)
        if cls is None:
            raise ChannelError(
                f"channel kind {row.kind!r} of {name!r} is not installed",
                f"het soort kanaal {row.kind!r} van {name!r} is niet geïnstalleerd",
                field="kind",
            )
        old: dict[str, Any] = dict(row.options or {})
        shown = masked_options(old)
        kept = {
            key for key in old if is_channel_secret(key) and options.get(key) in (None, "", shown.get(key))
        }
        try:
            opened = open_options({key: old[key] for key in kept}, cipher, what=f"alert channel {name!r}")
        except (CannotDecrypt, SecretsUnavailable) as exc:
            raise secrets_refused(exc) from None
        stored = _sealed(row.kind, cls, {**options, **opened}, cipher)
        stored |= {key: old[key] for key in kept if is_sealed(old[key])}  # the very same sealed value
        changed = sorted(
            key
            for key in set(old) | set(stored)
            if key not in kept
            and (key in options if is_channel_secret(key) else old.get(key) != stored.get(key))
        )
        conn.execute(alert_channel.update().where(alert_channel.c.id == row.id).values(options=stored))
        audit.record(conn, actor=actor, action="alert_channel.change", target=name,
                     detail={"kind": row.kind, "options": changed})  # fmt: skip
    _emit(bus, ChannelChanged(name, "changed", actor))
    return get_channel(engine=engine, name=name)


def _sealed(kind: str, cls: type[Any], options: Mapping[str, Any], cipher: Cipher) -> dict[str, Any]:
    """``options`` checked against the kind's options model, its secrets sealed with ``cipher``."""
    try:
        parsed = cls.options_model(**options)
    except ValidationError as exc:
        raise InvalidChannelOptions(kind, problems_by_option(exc)) from None
    try:
        return seal_options(parsed.model_dump(mode="json"), cipher, secret=is_channel_secret)
    except SecretsUnavailable as exc:
        raise secrets_refused(exc) from None


def reseal_channels(*, engine: Engine, cipher: Cipher, actor: str) -> int:
    """Encrypt every alert channel's secrets (and URLs) again with the first key, as
    :func:`~luister.services.sources.reseal_sources` does for sources; how many channels."""
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(alert_channel.c.id, alert_channel.c.name, alert_channel.c.options)
        ).all()
        for row in rows:
            sealed = reseal_options(
                row.options or {}, cipher, secret=is_channel_secret, what=f"alert channel {row.name!r}"
            )
            conn.execute(alert_channel.update().where(alert_channel.c.id == row.id).values(options=sealed))
        audit.record(conn, actor=actor, action="alert_channel.reseal", detail={"channels": len(rows)})
    return len(rows)


def remove_channel(*, engine: Engine, actor: str, name: str, bus: EventBus | None = None) -> list[str]:
    """Delete the channel; its deliveries stay (pending ones will fail, naming the missing channel).
    Returns the rules that still name it, so the caller can warn."""
    with engine.begin() as conn:
        if not conn.execute(alert_channel.delete().where(alert_channel.c.name == name)).rowcount:
            raise UnknownChannel(
                f"no alert channel named {name!r}", f"geen meldingskanaal met de naam {name!r}"
            )
        rules = conn.execute(sa.select(alert_rule.c.name, alert_rule.c.channels)).all()
        audit.record(conn, actor=actor, action="alert_channel.remove", target=name)
    _emit(bus, ChannelChanged(name, "removed", actor))
    return sorted(rule.name for rule in rules if name in (rule.channels or []))


# --- alerts: raised by the rules ---------------------------------------------------------------------------


def raise_alert(
    *,
    engine: Engine,
    actor: str,
    rule: RuleRead,
    now: datetime,
    find: Callable[[Connection], Outcome],
    bus: EventBus | None = None,
) -> AlertChange | None:
    """Open an alert for what ``find`` finds (in the same transaction, so an event rule's cursor moves
    with the alert it raised), or update the rule's open one. One incident is one alert: while a rule
    keeps firing within its cooldown the open alert is updated, and a new delivery goes out only when
    the evidence has doubled since the last one. Opening starts the rule's playbook and queues deliveries."""
    with engine.begin() as conn:
        outcome = find(conn)
        noted = outcome.note != rule.note
        if noted:  # why a spike rule judged nothing, or that it judges again: said once, on the rule
            conn.execute(alert_rule.update().where(alert_rule.c.id == rule.id).values(note=outcome.note))
            audit.record(conn, actor=actor, action="alert_rule.note", target=rule.name,
                         detail={"note": outcome.note} if outcome.note else None)  # fmt: skip
        change = None if outcome.finding is None else _record(conn, rule, outcome.finding, now, actor)
    if noted:
        _emit(bus, RuleChanged(rule.name, "noted", actor))
    if change is not None:
        _emit(bus, AlertChanged(change.alert_id, "opened" if change.opened else "updated", actor))
    return change


def open_past_alerts(
    *,
    engine: Engine,
    actor: str,
    found: Sequence[tuple[RuleRead, Finding, datetime, datetime]],
    bus: EventBus | None = None,
) -> list[int]:
    """Store replayed episodes ``(rule, finding, start, end)`` as alerts opened when they happened (for
    a new installation's history, e.g. the demo). No deliveries are queued for the past."""
    opened = []
    with engine.begin() as conn:
        for rule, finding, start, end in found:
            alert_id = _open(conn, rule, finding, start, actor, deliver=False)
            conn.execute(alert.update().where(alert.c.id == alert_id).values(last_seen_at=end))
            opened.append(alert_id)
    _emit(bus, *(AlertChanged(alert_id, "opened", actor) for alert_id in opened))
    return opened


def _record(conn: Connection, rule: RuleRead, finding: Finding, now: datetime, actor: str) -> AlertChange:
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
        alert_id = _open(conn, rule, finding, now, actor, deliver=True)
        return AlertChange(
            alert_id, rule.name, opened=True, notified=bool(rule.channels), mentions=finding.count
        )
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
    _event(conn, open_alert.id, now, "updated", finding.title, actor, by=None)
    if notify and rule.channels:
        delivery.enqueue(conn=conn, alert_id=open_alert.id, revision=open_alert.revision + 1,
                         channels=list(rule.channels), now=now)  # fmt: skip
    return AlertChange(open_alert.id, rule.name, opened=False, notified=notify, mentions=mentions)


def _open(
    conn: Connection, rule: RuleRead, finding: Finding, now: datetime, actor: str, *, deliver: bool
) -> int:
    alert_id: int = conn.execute(
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
    _event(conn, alert_id, now, "opened", finding.title, actor, by=None)
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
    if deliver and rule.channels:
        delivery.enqueue(conn=conn, alert_id=alert_id, revision=1, channels=list(rule.channels), now=now)
    return alert_id


# --- alerts: worked by people ----------------------------------------------------------------------------


def acknowledge(
    *, engine: Engine, actor: str, alert_id: int, now: datetime | None = None, bus: EventBus | None = None
) -> None:
    """Someone is on it. Only an open alert can be acknowledged."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        _expect_status(conn, alert_id, {AlertStatus.open}, "acknowledge")
        conn.execute(alert.update().where(alert.c.id == alert_id)
                     .values(status="acknowledged", acknowledged_by=actor, acknowledged_at=now))  # fmt: skip
        _event(conn, alert_id, now, "acknowledged", None, actor, by=actor)
    _emit(bus, AlertChanged(alert_id, "acknowledged", actor))


def resolve(
    *,
    engine: Engine,
    actor: str,
    alert_id: int,
    note: str | None = None,
    now: datetime | None = None,
    bus: EventBus | None = None,
) -> None:
    """The incident is over. A new firing of the rule opens a new alert."""
    now = now or datetime.now(UTC)
    with engine.begin() as conn:
        _expect_status(conn, alert_id, {AlertStatus.open, AlertStatus.acknowledged}, "resolve")
        conn.execute(alert.update().where(alert.c.id == alert_id)
                     .values(status="resolved", resolved_by=actor, resolved_at=now))  # fmt: skip
        _event(conn, alert_id, now, "resolved", note, actor, by=actor)
    _emit(bus, AlertChanged(alert_id, "resolved", actor))


def complete_step(
    *,
    engine: Engine,
    actor: str,
    alert_id: int,
    position: int,
    now: datetime | None = None,
    bus: EventBus | None = None,
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
        conn.execute(alert_step.update().where(alert_step.c.id == step.id).values(done_at=now, done_by=actor))
        late = (
            ""
            if step.due_at is None or now <= step.due_at
            else f" ({int((now - step.due_at).total_seconds() // 60)} min late)"
        )
        _event(conn, alert_id, now, "step_done", f"{position}. {step.title}{late}", actor, by=actor)
    _emit(bus, AlertChanged(alert_id, "step_done", actor))
    return StepRead(step.position, step.title, step.owner, step.due_at, now, actor, dict(step.template or {}))


def retry_deliveries(
    *,
    engine: Engine,
    actor: str,
    alert_id: int | None = None,
    now: datetime | None = None,
    bus: EventBus | None = None,
) -> int:
    """Queue failed deliveries (of one alert, or all) again with fresh attempts; returns how many.
    ``last_error`` stays until the next attempt, and each alert gets a ``delivery_retried`` event."""
    at = now or datetime.now(UTC)
    where = [alert_delivery.c.status == "failed"]
    if alert_id is not None:
        where.append(alert_delivery.c.alert_id == alert_id)
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(alert_delivery.c.alert_id, alert_delivery.c.channel).where(*where)
        ).all()
        if not rows:
            return 0
        conn.execute(
            alert_delivery.update().where(*where).values(status="pending", attempts=0, next_attempt_at=at)
        )
        by_alert: dict[int, list[str]] = {}
        for found in rows:
            by_alert.setdefault(found.alert_id, []).append(found.channel)
        for retried, names in by_alert.items():
            _event(conn, retried, at, "delivery_retried", ", ".join(sorted(set(names))), actor, by=None)
    _emit(bus, *(AlertChanged(retried, "delivery_retried", actor) for retried in by_alert))
    return len(rows)


def _expect_status(conn: Connection, alert_id: int, allowed: set[AlertStatus], action: str) -> None:
    status = conn.execute(sa.select(alert.c.status).where(alert.c.id == alert_id)).scalar()
    if status is None:
        raise AlertError(f"no alert with id {alert_id}")
    if AlertStatus(status) not in allowed:
        raise AlertError(f"alert {alert_id} is {status}; cannot {action} it")


def _event(
    conn: Connection,
    alert_id: int,
    at: datetime,
    kind: str,
    detail: str | None,
    actor: str,
    *,
    by: str | None,
) -> None:
    """The timeline event and the audit row of one change, in the change's transaction. What the rules
    and the outbox do has no person in the timeline (``by=None``) but is audited under ``actor``."""
    conn.execute(alert_event.insert().values(alert_id=alert_id, at=at, kind=kind, detail=detail, by=by))
    audit.record(conn, actor=actor, action=f"alert.{kind}", target=str(alert_id),
                 detail={"detail": detail} if detail else None)  # fmt: skip
