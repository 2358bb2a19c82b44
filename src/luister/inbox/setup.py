"""Every change to how the inbox is set up: departments, their members, routing rules (and simulating one
before it is saved), SLA policies and canned responses. Keyword arguments, an ``actor``, one transaction
with its audit row; bad input raises with what and where, and changes nothing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox import bookkeeping as book
from luister.inbox.assignment import Availability, Strategy, parse_languages
from luister.inbox.calendar import BusinessCalendar
from luister.inbox.intake import Routing, decide, rule_of
from luister.inbox.model import InboxError, NotAMember, NotYours, UnknownDepartment
from luister.inbox.rules import Candidate, Conditions, RuleProblem, clean_tags, holds
from luister.inbox.status import Priority
from luister.inbox.tables import (
    canned_response,
    conversation,
    department,
    department_member,
    routing_rule,
    sla_policy,
)
from luister.services import audit
from luister.storage.tables import mention, mention_topic, topic, user_account
from luister.storage.unique import put_row

_KEY = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
SIMULATION_DAYS = 30
SIMULATION_EXAMPLES = 5


def _department_id(conn: Connection, key: str) -> int:
    found = conn.execute(sa.select(department.c.id).where(department.c.key == key)).scalar()
    if found is None:
        raise UnknownDepartment(f"there is no department {key!r}")
    return int(found)


def _own(scope: Scope, key: str | None) -> None:
    """``domain.accounts.Scope.owns``: a department's set-up (its people, hours, policies, canned responses)
    is changed by its own people, or by someone across departments."""
    if not scope.owns(key or None):
        raise NotYours(f"only people of {key or 'every department'} (or across departments) may change this")


def save_department(
    *,
    engine: Engine,
    actor: str,
    key: str,
    name_en: str,
    name_nl: str | None = None,
    calendar: Mapping[str, Any] | None = None,
    digest_every: str = "weekly",
    assignment: str = "least_loaded",
    reclaim_minutes: int | None = None,
    scope: Scope = EVERYTHING,
) -> None:
    """Create or change the department ``key`` (lower-case letters, digits and dashes)."""
    _own(scope, key)
    if not _KEY.match(key):
        raise InboxError(
            f"key: {key!r} must be 2-40 lower-case letters, digits or dashes, starting with a letter"
        )
    if not name_en.strip():
        raise InboxError("name_en: a department needs a name")
    if digest_every not in ("daily", "weekly", "monthly"):
        raise InboxError("digest_every: daily, weekly or monthly")
    try:
        Strategy(assignment)
    except ValueError:
        raise InboxError(f"assignment: one of {', '.join(s.value for s in Strategy)}") from None
    if reclaim_minutes is not None and not 1 <= reclaim_minutes <= 10_080:
        raise InboxError("reclaim_minutes: from 1 to 10,080 (a week)")
    if calendar is not None:
        try:
            BusinessCalendar.from_json(calendar)
        except ValueError as exc:
            raise InboxError(f"calendar: {exc}") from exc
    values: dict[str, Any] = {
        "name_en": name_en.strip()[:80],
        "name_nl": (name_nl or name_en).strip()[:80],
        "digest_every": digest_every,
        "assignment": assignment,
        "reclaim_minutes": reclaim_minutes,
    }
    if calendar is not None:
        values["calendar"] = dict(calendar)
    with engine.begin() as conn:
        calendar = {} if "calendar" in values else {"calendar": {}}
        new = put_row(conn, department, key={"key": key}, values=values, on_insert=calendar)
        audit.record(conn, actor=actor, action="department.save", target=key, detail={"new": new})


def set_member(
    *,
    engine: Engine,
    actor: str,
    department_key: str,
    email: str,
    languages: str | Sequence[str] = "nl,en",
    capacity: int = 20,
    availability: str = "available",
    now: datetime,
    scope: Scope = EVERYTHING,
) -> None:
    """Add someone to a department (or change their languages, capacity, availability). Becoming
    available drains the department's queue to them."""
    _own(scope, department_key)
    try:
        codes = parse_languages(languages)
        state = Availability(availability)
    except ValueError as exc:
        raise InboxError(f"member: {exc}") from exc
    if not 0 <= capacity <= 500:
        raise InboxError("capacity: from 0 to 500 open conversations")
    with engine.begin() as conn:
        department_id = _department_id(conn, department_key)
        user = conn.execute(
            sa.select(user_account).where(user_account.c.email == email.strip().lower())
        ).first()
        if user is None or not user.active:
            raise NotAMember(f"there is no active account {email!r}")
        values = {"languages": ",".join(codes), "capacity": capacity, "availability": state.value}
        put_row(
            conn, department_member, key={"department_id": department_id, "user_id": user.id}, values=values
        )
        audit.record(
            conn,
            actor=actor,
            action="department.member",
            target=department_key,
            detail={"email": user.email, **values},
        )
        if state is Availability.available:
            drain(conn, department_id, now=now)


def set_availability(*, engine: Engine, actor: str, email: str, availability: str, now: datetime) -> None:
    """Available, away or off, in every department the person is in; available drains the queues."""
    state = Availability(availability)
    with engine.begin() as conn:
        user = conn.execute(sa.select(user_account.c.id).where(user_account.c.email == email.lower())).first()
        if user is None:
            raise NotAMember(f"there is no account {email!r}")
        conn.execute(
            department_member.update()
            .where(department_member.c.user_id == user.id)
            .values(availability=state.value)
        )
        audit.record(
            conn, actor=actor, action="department.availability", target=email, detail={"to": state.value}
        )
        if state is Availability.available:
            for department_id in conn.scalars(
                sa.select(department_member.c.department_id).where(department_member.c.user_id == user.id)
            ):
                drain(conn, department_id, now=now)


def remove_member(
    *, engine: Engine, actor: str, department_key: str, email: str, scope: Scope = EVERYTHING
) -> None:
    _own(scope, department_key)
    with engine.begin() as conn:
        department_id = _department_id(conn, department_key)
        user = conn.execute(sa.select(user_account.c.id).where(user_account.c.email == email.lower())).first()
        if user is None:
            raise NotAMember(f"there is no account {email!r}")
        conn.execute(
            department_member.delete().where(
                department_member.c.department_id == department_id, department_member.c.user_id == user.id
            )
        )
        audit.record(
            conn,
            actor=actor,
            action="department.member_removed",
            target=department_key,
            detail={"email": email},
        )


def drain(conn: Connection, department_id: int, *, now: datetime, limit: int = 200) -> int:
    """Give the department's unassigned conversations (most urgent and oldest first) to whoever can take
    them now; stops at the first one nobody can take. Returns how many were assigned."""
    from luister.inbox.read import _PRIORITY_RANK
    from luister.inbox.status import Status

    waiting = conn.scalars(
        sa.select(conversation.c.id)
        .where(
            conversation.c.department_id == department_id,
            conversation.c.assignee_id.is_(None),
            conversation.c.status.in_([Status.new.value, Status.open.value, Status.reopened.value]),
        )
        .order_by(_PRIORITY_RANK, conversation.c.last_customer_at, conversation.c.id)
        .limit(limit)
    ).all()
    assigned = 0
    for conversation_id in waiting:
        if book.auto_assign(conn, conversation_id, now=now) is None:
            break
        assigned += 1
    return assigned


# --- routing rules -------------------------------------------------------------------------------------


def _checked_rule(
    conn: Connection,
    conditions: Mapping[str, Any],
    department_key: str,
    priority: str | None,
    tags: Sequence[str] | str,
) -> tuple[Conditions, int, Priority | None, tuple[str, ...]]:
    parsed = Conditions.from_json(conditions)
    names = dict.fromkeys(conn.scalars(sa.select(topic.c.name)))
    parsed.check(topic_names=names)  # QuerySyntaxError carries the position
    department_id = _department_id(conn, department_key)
    try:
        level = Priority(priority) if priority else None
    except ValueError:
        raise RuleProblem("priority", f"one of {', '.join(p.value for p in Priority)}") from None
    return parsed, department_id, level, clean_tags(tags)


def save_rule(
    *,
    engine: Engine,
    actor: str,
    name: str,
    conditions: Mapping[str, Any],
    department_key: str,
    priority: str | None = None,
    tags: Sequence[str] | str = (),
    position: int | None = None,
    enabled: bool = True,
) -> int:
    """Create or replace the routing rule ``name``; new rules go last unless a position is given."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise RuleProblem("name", "a rule needs a name of at most 120 characters")
    with engine.begin() as conn:
        parsed, department_id, level, cleaned = _checked_rule(
            conn, conditions, department_key, priority, tags
        )
        existing = conn.execute(
            sa.select(routing_rule.c.id, routing_rule.c.position).where(routing_rule.c.name == name)
        ).first()
        if position is None:
            position = (
                existing.position
                if existing
                else int(
                    conn.execute(
                        sa.select(sa.func.coalesce(sa.func.max(routing_rule.c.position), 0))
                    ).scalar_one()
                )
                + 10
            )
        values = {
            "conditions": parsed.to_json(),
            "department_id": department_id,
            "priority": level.value if level else None,
            "tags": ",".join(cleaned),
            "position": position,
            "enabled": enabled,
        }
        put_row(conn, routing_rule, key={"name": name}, values=values, on_insert={"created_by": actor})
        rule_id = int(
            conn.execute(sa.select(routing_rule.c.id).where(routing_rule.c.name == name)).scalar_one()
        )
        audit.record(conn, actor=actor, action="routing_rule.save", target=name, detail=values)
    return rule_id


def remove_rule(*, engine: Engine, actor: str, name: str) -> None:
    with engine.begin() as conn:
        if not conn.execute(routing_rule.delete().where(routing_rule.c.name == name)).rowcount:
            raise InboxError(f"there is no routing rule {name!r}")
        audit.record(conn, actor=actor, action="routing_rule.remove", target=name)


@dataclass(frozen=True, slots=True)
class Simulation:
    """What a rule would have routed over the last days: counts per department it would take them
    from (where they went, or "none") and examples."""

    days: int
    considered: int
    matched: int
    taken_from: dict[str, int]  # the department they went to without the rule (or "none")
    examples: list[tuple[int, str, str | None]]  # mention id, text, what routed it before


def simulate_rule(
    *,
    engine: Engine,
    conditions: Mapping[str, Any],
    department_key: str,
    now: datetime,
    days: int = SIMULATION_DAYS,
    limit: int = 20_000,
) -> Simulation:
    """Run a rule, unsaved, over the mentions of the last ``days`` (the newest ``limit``): how many it
    would route to ``department_key``, where they would otherwise have gone, and examples."""
    with engine.connect() as conn:
        parsed, department_id, _level, _tags = _checked_rule(conn, conditions, department_key, None, ())
        routing = Routing.load(conn)
        probe = rule_of(_Probe(parsed.to_json(), department_id), department_key)
        rows = conn.execute(
            sa.select(mention)
            .where(
                mention.c.published_at >= now - timedelta(days=days),
                mention.c.published_at <= now,
                mention.c.duplicate_of.is_(None),
            )
            .order_by(mention.c.published_at.desc())
            .limit(limit)
        ).all()
        topics_of: dict[int, list[tuple[str, str]]] = {}
        for chunk in range(0, len(rows), 500):
            ids = [r.id for r in rows[chunk : chunk + 500]]
            for mid, topic_name, kind in conn.execute(
                sa.select(mention_topic.c.mention_id, topic.c.name, topic.c.kind)
                .join(topic, topic.c.id == mention_topic.c.topic_id)
                .where(mention_topic.c.mention_id.in_(ids))
            ):
                topics_of.setdefault(mid, []).append((topic_name, kind))
    from luister.inbox.intake import match_doc

    taken: Counter[str] = Counter()
    examples: list[tuple[int, str, str | None]] = []
    matched = 0
    for row in rows:
        names = tuple(name for name, _kind in topics_of.get(row.id, []))
        if not holds(probe, Candidate(doc=match_doc(row), topics=names), topic_queries=routing.topic_queries):
            continue
        matched += 1
        before = decide(row, topics_of.get(row.id, []), routing)
        went = before[0].department if before else None
        taken[went or "none"] += 1
        if len(examples) < SIMULATION_EXAMPLES:
            examples.append((row.id, " ".join(row.text.split())[:280], went))
    return Simulation(days, len(rows), matched, dict(taken.most_common()), examples)


@dataclass(frozen=True, slots=True)
class _Probe:
    conditions: dict[str, Any]
    department_id: int
    id: int = 0
    name: str = "(simulation)"
    position: int = 0
    priority: str | None = None
    tags: str = ""
    enabled: bool = True


# --- SLA policies and canned responses -----------------------------------------------------------------


def save_policy(
    *,
    engine: Engine,
    actor: str,
    department_key: str,
    priority: str,
    first_response_minutes: int | None,
    next_response_minutes: int | None,
    resolution_minutes: int | None,
    warn_minutes: int = 15,
    business_hours: bool = True,
    scope: Scope = EVERYTHING,
) -> None:
    _own(scope, department_key)
    level = Priority(priority)
    for label, value in (
        ("first_response_minutes", first_response_minutes),
        ("next_response_minutes", next_response_minutes),
        ("resolution_minutes", resolution_minutes),
    ):
        if value is not None and not 1 <= value <= 60 * 24 * 60:
            raise InboxError(f"{label}: from 1 minute to 60 days")
    if not 0 <= warn_minutes <= 24 * 60:
        raise InboxError("warn_minutes: from 0 to 1,440")
    values = {
        "first_response_minutes": first_response_minutes,
        "next_response_minutes": next_response_minutes,
        "resolution_minutes": resolution_minutes,
        "warn_minutes": warn_minutes,
        "business_hours": business_hours,
    }
    with engine.begin() as conn:
        department_id = _department_id(conn, department_key)
        put_row(
            conn, sla_policy, key={"department_id": department_id, "priority": level.value}, values=values
        )
        audit.record(
            conn,
            actor=actor,
            action="sla_policy.save",
            target=f"{department_key}/{level.value}",
            detail=values,
        )


_VARIABLE = re.compile(r"\{(\w+)\}")
VARIABLES = ("first_name", "case_number", "agent_name")


def save_canned(
    *,
    engine: Engine,
    actor: str,
    name: str,
    language: str,
    body: str,
    department_key: str | None = None,
    scope: Scope = EVERYTHING,
) -> None:
    """A canned response in one language; its body may use {first_name}, {case_number}, {agent_name}.
    Someone of a department saves only their own department's (and changes no other's)."""
    _own(scope, department_key)
    name, body = " ".join(name.split()), body.strip()
    if not name or not body:
        raise InboxError("a canned response needs a name and a text")
    if language not in ("nl", "en"):
        raise InboxError("language: nl or en")
    unknown = set(_VARIABLE.findall(body)) - set(VARIABLES)
    if unknown:
        raise InboxError(f"body: unknown variable {{{sorted(unknown)[0]}}}; known: {', '.join(VARIABLES)}")
    with engine.begin() as conn:
        department_id = _department_id(conn, department_key) if department_key else None

        def own(row: Any) -> None:  # the one it would change; also one saved meanwhile by someone else
            owner = conn.execute(sa.select(department.c.key).where(department.c.id == row.department_id))
            _own(scope, owner.scalar())

        put_row(
            conn,
            canned_response,
            key={"name": name, "language": language},
            values={"body": body, "department_id": department_id},
            check=own,
        )
        audit.record(conn, actor=actor, action="canned_response.save", target=f"{name} ({language})")


def fill_canned(body: str, values: Mapping[str, str]) -> str:
    """The body with its variables filled in; an unknown or missing one stays visible as ``{name}``."""
    return _VARIABLE.sub(lambda m: values.get(m.group(1)) or m.group(0), body)
