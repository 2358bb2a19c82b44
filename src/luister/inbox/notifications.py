"""What the page header shows of the inbox, and reading one's notifications.

Marking a notification read is the reader's own bookkeeping, not a change to anyone's work: it writes no
audit row and emits no event (the notification itself was recorded when it was made)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox.read import View, in_scope, view_condition
from luister.inbox.tables import conversation, department, notification


def waiting_count(*, engine: Engine, user_id: int, scope: Scope = EVERYTHING, now: datetime) -> int:
    """The conversations waiting for this person: theirs and the unassigned ones, in their scope (the
    badge on Inbox in the menu; the views "mine" and "unassigned" together)."""
    either = sa.or_(
        view_condition(View.mine, user_id=user_id, scope=scope, now=now),
        view_condition(View.unassigned, user_id=user_id, scope=scope, now=now),
    )
    query = (
        sa.select(sa.func.count())
        .select_from(conversation.outerjoin(department, department.c.id == conversation.c.department_id))
        .where(in_scope(scope), either)
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def mark_read(*, engine: Engine, user_id: int, notification_id: int, now: datetime) -> int | None:
    """Mark one of the user's notifications read; returns the conversation it is about (None when it is
    about none). Someone else's notification, or none: ``LookupError``."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.select(notification.c.conversation_id, notification.c.read_at).where(
                notification.c.id == notification_id, notification.c.user_id == user_id
            )
        ).first()
        if row is None:
            raise LookupError(f"no notification #{notification_id}")
        if row.read_at is None:
            conn.execute(
                notification.update().where(notification.c.id == notification_id).values(read_at=now)
            )
        return None if row.conversation_id is None else int(row.conversation_id)


def mark_all_read(*, engine: Engine, user_id: int, now: datetime) -> int:
    """Mark every unread notification of the user read; returns how many."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                notification.update()
                .where(notification.c.user_id == user_id, notification.c.read_at.is_(None))
                .values(read_at=now)
            ).rowcount
        )
