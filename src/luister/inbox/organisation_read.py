"""The inbox's figures for the organisation's maturity assessment (read-only): who answers and approves per
department, where conversations are routed, replies at the source, response times, digests taken up and
the rules that govern replies — each as it stood at ``until`` (a window ``since``..``until`` for what
happens, everything set up before ``until`` for what is configured), so past months can be assessed too.
Department keys: ``""`` stands for people without a department (they work across departments) and for
conversations not routed to one."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.inbox.tables import (
    approval_rule,
    conversation,
    conversation_message,
    department,
    digest,
    digest_item,
    reply_draft,
    routing_rule,
    sla_policy,
    voice,
)
from luister.storage.tables import user_account

_DECIDED = ("approved", "sending", "sent", "failed")  # a second person let it go out


def _per_department(conn: Connection, query: sa.Select[Any]) -> dict[str, int]:
    return {row[0] or "": int(row[1]) for row in conn.execute(query)}


def answers_by_department(conn: Connection, *, since: datetime, until: datetime) -> dict[str, int]:
    """Our replies to customers in the window, by the department of who wrote them."""
    query = (
        sa.select(user_account.c.department, sa.func.count())
        .select_from(
            conversation_message.join(user_account, user_account.c.id == conversation_message.c.user_id)
        )
        .where(
            conversation_message.c.kind == "agent",
            conversation_message.c.at >= since,
            conversation_message.c.at < until,
        )
        .group_by(user_account.c.department)
    )
    return _per_department(conn, query)


def approvals_by_department(conn: Connection, *, since: datetime, until: datetime) -> dict[str, int]:
    """Replies a second person approved in the window, by the approver's department."""
    query = (
        sa.select(user_account.c.department, sa.func.count())
        .select_from(reply_draft.join(user_account, user_account.c.id == reply_draft.c.approver_id))
        .where(
            reply_draft.c.state.in_(_DECIDED),
            reply_draft.c.decided_at >= since,
            reply_draft.c.decided_at < until,
        )
        .group_by(user_account.c.department)
    )
    return _per_department(conn, query)


def conversations_by_department(conn: Connection, *, since: datetime, until: datetime) -> dict[str, int]:
    """Conversations a customer opened (or reopened) in the window, by the department they are routed to."""
    query = (
        sa.select(department.c.key, sa.func.count())
        .select_from(conversation.outerjoin(department, department.c.id == conversation.c.department_id))
        .where(
            conversation.c.cycle_started_at >= since,
            conversation.c.cycle_started_at < until,
            conversation.c.merged_into_id.is_(None),
        )
        .group_by(department.c.key)
    )
    return _per_department(conn, query)


@dataclass(frozen=True, slots=True)
class Replies:
    answers: int  # our replies in the inbox's conversations
    at_source: int  # of them, posted on the platform (sent from luister or seen there)
    from_luister: int  # of them, sent from luister through the effects ledger
    first_responses: int  # conversations answered for the first time
    median_first_response_minutes: float | None


def replies(conn: Connection, *, since: datetime, until: datetime) -> Replies:
    m = conversation_message.c
    window = sa.and_(m.kind == "agent", m.at >= since, m.at < until)
    answers, at_source, from_luister = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(m.remote_id),
            sa.func.count(m.draft_id),
        ).where(window)
    ).one()
    first, median = _median_first_response(conn, since=since, until=until)
    return Replies(int(answers), int(at_source), int(from_luister), first, median)


def _minutes_between(
    start: sa.ColumnElement[Any], end: sa.ColumnElement[Any], dialect: str
) -> sa.ColumnElement[Any]:
    if dialect == "sqlite":  # UtcDateTime keeps naive UTC text there, which julianday() reads
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 1440.0
    return sa.extract("epoch", end - start) / 60.0


def _median_first_response(conn: Connection, *, since: datetime, until: datetime) -> tuple[int, float | None]:
    """How many cycles got their first response in the window, and the median wait in minutes (the mean
    of the middle two for an even count), ordered in the database rather than fetched."""
    c = conversation.c
    window = sa.and_(
        c.first_response_at.is_not(None),
        c.first_response_at >= since,
        c.first_response_at < until,
        c.first_response_at >= c.cycle_started_at,
    )
    count = int(conn.execute(sa.select(sa.func.count()).select_from(conversation).where(window)).scalar_one())
    if count == 0:
        return 0, None
    wait = _minutes_between(c.cycle_started_at, c.first_response_at, conn.dialect.name)
    middle = [  # to 0.0001 min: julianday() differences carry float noise of well under a millisecond
        round(float(v), 4)
        for v in conn.execute(
            sa.select(wait).where(window).order_by(wait).offset((count - 1) // 2).limit(2 - count % 2)
        ).scalars()
    ]
    return count, round(statistics.fmean(middle), 1)


@dataclass(frozen=True, slots=True)
class Setup:
    departments: int
    routing_rules: int
    sla_policies: int
    voices: int
    approval_rules: int
    new_agent_rule: bool  # the first replies of a new agent wait for approval


def setup(conn: Connection, *, until: datetime) -> Setup:
    """What was set up before ``until`` (and is enabled now)."""

    def count(table: sa.Table, *conditions: sa.ColumnElement[bool]) -> int:
        column = table.c.created_at
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(table).where(column < until, *conditions)
            ).scalar_one()
        )

    return Setup(
        departments=count(department),
        routing_rules=count(routing_rule, routing_rule.c.enabled.is_(True)),
        sla_policies=int(
            conn.execute(  # an SLA policy is as old as its department
                sa.select(sa.func.count())
                .select_from(sla_policy.join(department))
                .where(department.c.created_at < until)
            ).scalar_one()
        ),
        voices=count(voice, voice.c.active.is_(True)),
        approval_rules=count(approval_rule, approval_rule.c.active.is_(True)),
        new_agent_rule=count(
            approval_rule, approval_rule.c.active.is_(True), approval_rule.c.kind == "new_agent"
        )
        > 0,
    )


def reviewed_authors(conn: Connection, *, until: datetime) -> int:
    """People whose replies a second person reviewed (approved or sent back) before ``until``."""
    d = reply_draft.c
    return int(
        conn.execute(
            sa.select(sa.func.count(sa.distinct(d.author_id))).where(
                d.approver_id.is_not(None), d.decided_at < until, d.author_id.is_not(None)
            )
        ).scalar_one()
    )


@dataclass(frozen=True, slots=True)
class Digests:
    digests: int  # digests of periods that ended in the window
    items: int
    decided: int
    taken_up: int
    departments_taking_up: int


def digests(conn: Connection, *, since: datetime, until: datetime) -> Digests:
    g, i = digest.c, digest_item.c
    window = sa.and_(g.period_end > since, g.period_end <= until)
    made = int(conn.execute(sa.select(sa.func.count()).select_from(digest).where(window)).scalar_one())
    decided_in_time = sa.and_(i.decided_at.is_not(None), i.decided_at < until)
    items, decided, taken = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(decided_in_time),
            sa.func.count().filter(decided_in_time, i.decision == "taken_up"),
        )
        .select_from(digest_item.join(digest, digest.c.id == i.digest_id))
        .where(window)
    ).one()
    departments = conn.execute(
        sa.select(sa.func.count(sa.distinct(g.department_id)))
        .select_from(digest_item.join(digest, digest.c.id == i.digest_id))
        .where(window, decided_in_time, i.decision == "taken_up")
    ).scalar_one()
    return Digests(made, int(items), int(decided), int(taken), int(departments))
