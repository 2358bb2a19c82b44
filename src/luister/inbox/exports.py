"""The conversations for an export: every conversation the scope sees with the inbox's filters (those of
:func:`luister.inbox.read.list_conversations`), oldest first, read through a server-side cursor so that
memory stays flat; :mod:`luister.kpis.exports` writes them as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox.read import Filters, _filter_conditions, in_scope
from luister.inbox.tables import conversation, department
from luister.storage.tables import user_account

BATCH = 2_000
NO_FILTERS = Filters()

COLUMNS = (
    "id", "created_at", "channel", "author_handle", "author_name", "subject", "language", "intent",
    "sentiment", "department", "assignee", "status", "priority", "sla_state", "sla_due_at",
    "cycle_started_at", "first_response_at", "resolved_at", "message_count",
)  # fmt: skip

_SOURCE = {"department": department.c.key, "assignee": user_account.c.email}


def conversations_query(
    *, scope: Scope = EVERYTHING, filters: Filters = NO_FILTERS,
    since: datetime | None = None, until: datetime | None = None, dialect: str = "sqlite",
) -> sa.Select[Any]:  # fmt: skip
    """Conversations opened in [since, until) with the filters, in the scope, oldest first."""
    c = conversation.c
    query = (
        sa.select(*(_SOURCE[name].label(name) if name in _SOURCE else c[name] for name in COLUMNS))
        .select_from(
            conversation.outerjoin(department, department.c.id == c.department_id).outerjoin(
                user_account, user_account.c.id == c.assignee_id
            )
        )
        .where(in_scope(scope), *_filter_conditions(filters, dialect))
        .order_by(c.created_at, c.id)
    )
    if since is not None:
        query = query.where(c.created_at >= since)
    if until is not None:
        query = query.where(c.created_at < until)
    return query


def conversation_rows(
    *, engine: Engine, scope: Scope = EVERYTHING, filters: Filters = NO_FILTERS,
    since: datetime | None = None, until: datetime | None = None,
) -> Iterator[Sequence[Any]]:  # fmt: skip
    query = conversations_query(scope=scope, filters=filters, since=since, until=until,
                                dialect=engine.dialect.name)  # fmt: skip
    with engine.connect() as conn:
        for row in conn.execution_options(stream_results=True, yield_per=BATCH).execute(query):
            yield tuple(row)
