"""Who else has a conversation open, and who is typing in it: the collision warning.

The conversation page pings every second while it is visible (:func:`mark_present`, an upsert on SQLite
and PostgreSQL alike); :func:`present` answers who else was seen in the last few seconds. Rows older than
a minute mean nothing and are swept (:func:`sweep`). Presence is not a change to the conversation: no
audit rows, no events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox.model import UnknownConversation
from luister.inbox.read import in_scope
from luister.inbox.tables import conversation, conversation_presence
from luister.storage.tables import user_account

WITHIN = timedelta(seconds=5)
KEEP = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Presence:
    """The others on a conversation: their names (else e-mails), those typing also under ``typing``."""

    viewing: list[str] = field(default_factory=list)
    typing: list[str] = field(default_factory=list)


def mark_present(
    conn: Connection, *, conversation_id: int, user_id: int, typing: bool, now: datetime
) -> None:
    """``user_id`` has the conversation open now (and is typing, or not)."""
    values = {"conversation_id": conversation_id, "user_id": user_id, "typing": typing, "seen_at": now}
    keys = [conversation_presence.c.conversation_id, conversation_presence.c.user_id]
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(conversation_presence).values(**values)
        conn.execute(pg.on_conflict_do_update(index_elements=keys, set_={"typing": typing, "seen_at": now}))
    elif conn.dialect.name == "sqlite":
        lite = sqlite.insert(conversation_presence).values(**values)
        conn.execute(lite.on_conflict_do_update(index_elements=keys, set_={"typing": typing, "seen_at": now}))
    else:  # another database: update, else insert (a race here only costs one ping)
        done = conn.execute(
            conversation_presence.update()
            .where(
                conversation_presence.c.conversation_id == conversation_id,
                conversation_presence.c.user_id == user_id,
            )
            .values(typing=typing, seen_at=now)
        ).rowcount
        if not done:
            conn.execute(conversation_presence.insert().values(**values))


def present(
    conn: Connection,
    *,
    conversation_id: int,
    now: datetime,
    exclude_user_id: int | None = None,
    within: timedelta = WITHIN,
) -> Presence:
    """Who else has had the conversation open in the last ``within``, by name, and who of them types."""
    query = (
        sa.select(user_account.c.name, user_account.c.email, conversation_presence.c.typing)
        .select_from(
            conversation_presence.join(user_account, user_account.c.id == conversation_presence.c.user_id)
        )
        .where(
            conversation_presence.c.conversation_id == conversation_id,
            conversation_presence.c.seen_at >= now - within,
        )
        .order_by(user_account.c.name, user_account.c.email)
    )
    if exclude_user_id is not None:
        query = query.where(conversation_presence.c.user_id != exclude_user_id)
    viewing: list[str] = []
    typing: list[str] = []
    for row in conn.execute(query):
        who = (row.name or "").strip() or row.email
        viewing.append(who)
        if row.typing:
            typing.append(who)
    return Presence(viewing=viewing, typing=typing)


def sweep(conn: Connection, *, now: datetime, keep: timedelta = KEEP) -> int:
    """Forget presence older than ``keep``; returns how many rows went."""
    done = conn.execute(conversation_presence.delete().where(conversation_presence.c.seen_at < now - keep))
    return int(done.rowcount or 0)


def ping(
    *,
    engine: Engine,
    conversation_id: int,
    user_id: int,
    typing: bool,
    now: datetime,
    scope: Scope = EVERYTHING,
    within: timedelta = WITHIN,
) -> Presence:
    """One ping of the conversation page: mark ``user_id`` present (and typing or not) and answer who
    else is there. A conversation outside ``scope`` is as unknown as one that does not exist."""
    with engine.begin() as conn:
        seen = conn.execute(
            sa.select(conversation.c.id).where(conversation.c.id == conversation_id, in_scope(scope))
        ).first()
        if seen is None:
            raise UnknownConversation(f"no conversation #{conversation_id}")
        mark_present(conn, conversation_id=conversation_id, user_id=user_id, typing=typing, now=now)
        if now.second % 30 == 0:  # now and then, not on every ping
            sweep(conn, now=now)
        return present(conn, conversation_id=conversation_id, now=now, exclude_user_id=user_id, within=within)
