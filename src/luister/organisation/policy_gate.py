"""The policy's gate on working the inbox, in one function: the inbox asks it in the one place where it
checks who may act (:func:`luister.inbox.bookkeeping.may_act`). It imports nothing of the inbox."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.organisation.policy import Current, refusal
from luister.organisation.policy_tables import policy_ack, policy_version
from luister.storage.tables import user_account


def current_version(conn: Connection, *, now: datetime) -> tuple[int, Current] | None:
    """The version in force at ``now`` (the newest published by then) as (its id, the rule's view)."""
    row = conn.execute(
        sa.select(policy_version.c.id, policy_version.c.number, policy_version.c.published_at,
                  policy_version.c.grace_days)
        .where(policy_version.c.published_at.is_not(None), policy_version.c.published_at <= now)
        .order_by(policy_version.c.published_at.desc(), policy_version.c.number.desc())
        .limit(1)
    ).first()  # fmt: skip
    if row is None:
        return None
    return int(row.id), Current(row.number, row.published_at, row.grace_days)


def policy_refusal(conn: Connection, *, user_id: int, now: datetime) -> str | None:
    """Why the user may not reply or publish at ``now`` (in their language), or None when they may."""
    found = current_version(conn, now=now)
    if found is None:
        return None
    version_id, current = found
    user = conn.execute(
        sa.select(user_account.c.created_at, user_account.c.language).where(user_account.c.id == user_id)
    ).first()
    if user is None:
        return None
    acknowledged = conn.execute(
        sa.select(policy_ack.c.at).where(
            policy_ack.c.version_id == version_id, policy_ack.c.user_id == user_id
        )
    ).first()
    return refusal(
        current,
        acknowledged=acknowledged is not None,
        user_since=user.created_at,
        now=now,
        language="nl" if (user.language or "").startswith("nl") else "en",
    )
