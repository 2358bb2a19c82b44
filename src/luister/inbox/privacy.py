"""What the inbox holds about one person, for privacy's find, export and erase (``luister.privacy``
calls these inside its own transaction; the inbox decides how its rows are found and forgotten).

A person is found through their mentions: the conversations they opened (by channel and handle) and every
customer message that quotes one of their mentions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.effects.actions import forget
from luister.inbox.replies_settle import origin_of
from luister.inbox.tables import (
    conversation,
    conversation_message,
    digest_item,
    digest_item_mention,
    reply_draft,
)

CHUNK = 500


def _authors(conn: Connection, mention_ids: Sequence[int]) -> set[tuple[str, str]]:
    from luister.storage.tables import mention

    found: set[tuple[str, str]] = set()
    for start in range(0, len(mention_ids), CHUNK):
        part = mention_ids[start : start + CHUNK]
        query = sa.select(mention.c.channel, mention.c.author_handle).where(
            mention.c.id.in_(part), mention.c.author_handle.is_not(None)
        )
        found |= {(channel, handle) for channel, handle in conn.execute(query)}
    return found


def conversation_ids(conn: Connection, mention_ids: Sequence[int]) -> list[int]:
    """The conversations a person opened, or that quote one of their mentions."""
    found: set[int] = set()
    for channel, handle in _authors(conn, mention_ids):
        found |= set(
            conn.scalars(
                sa.select(conversation.c.id).where(
                    conversation.c.channel == channel, conversation.c.author_handle == handle
                )
            )
        )
    for start in range(0, len(mention_ids), CHUNK):
        part = mention_ids[start : start + CHUNK]
        found |= set(
            conn.scalars(
                sa.select(conversation_message.c.conversation_id).where(
                    conversation_message.c.mention_id.in_(part)
                )
            )
        )
    return sorted(found)


def export(conn: Connection, mention_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Their conversations with the messages that are theirs (not colleagues' internal notes)."""
    rows = []
    for conversation_id in conversation_ids(conn, mention_ids):
        head = conn.execute(
            sa.select(
                conversation.c.id,
                conversation.c.channel,
                conversation.c.author_handle,
                conversation.c.subject,
                conversation.c.status,
                conversation.c.created_at,
            ).where(conversation.c.id == conversation_id)
        ).one()
        messages = conn.execute(
            sa.select(conversation_message.c.kind, conversation_message.c.body, conversation_message.c.at)
            .where(
                conversation_message.c.conversation_id == conversation_id,
                conversation_message.c.kind.in_(("customer", "agent", "elsewhere")),
            )
            .order_by(conversation_message.c.at, conversation_message.c.id)
        )
        rows.append({**_plain(head), "messages": [_plain(m) for m in messages]})
    return rows


def erase(conn: Connection, mention_ids: Sequence[int]) -> int:
    """Before their mentions go: delete the conversations they opened (messages, notes, events, tags
    and notifications with them), and their messages in anyone else's. Returns conversations deleted."""
    opened: set[int] = set()
    for channel, handle in _authors(conn, mention_ids):
        opened |= set(
            conn.scalars(
                sa.select(conversation.c.id).where(
                    conversation.c.channel == channel, conversation.c.author_handle == handle
                )
            )
        )
    ids = sorted(opened)
    drafts: set[int] = set()
    for start in range(0, max(len(mention_ids), len(ids)), CHUNK):
        answering = reply_draft.c.mention_id.in_(mention_ids[start : start + CHUNK])
        in_theirs = reply_draft.c.conversation_id.in_(ids[start : start + CHUNK])
        drafts |= set(conn.scalars(sa.select(reply_draft.c.id).where(sa.or_(answering, in_theirs))))
    quoted: set[int] = set()  # digests that quote their mentions: the members' mail holds the quote
    for start in range(0, len(mention_ids), CHUNK):
        quoted |= set(conn.scalars(
            sa.select(digest_item.c.digest_id)
            .join(digest_item_mention, digest_item_mention.c.item_id == digest_item.c.id)
            .where(digest_item_mention.c.mention_id.in_(mention_ids[start : start + CHUNK]),
                   digest_item_mention.c.example.is_(True))
        ))  # fmt: skip
    forget(conn, origins=[origin_of(d) for d in sorted(drafts)],  # replies to them: target and text
           prefixes=[f"digest:{d}:" for d in sorted(quoted)])  # fmt: skip
    conn.execute(reply_draft.delete().where(reply_draft.c.id.in_(sorted(drafts))))
    for start in range(0, len(mention_ids), CHUNK):
        part = mention_ids[start : start + CHUNK]
        conn.execute(conversation_message.delete().where(conversation_message.c.mention_id.in_(part)))
    for start in range(0, len(ids), CHUNK):
        conn.execute(
            conversation.update()
            .where(conversation.c.merged_into_id.in_(ids[start : start + CHUNK]))
            .values(merged_into_id=None)
        )
        conn.execute(conversation.delete().where(conversation.c.id.in_(ids[start : start + CHUNK])))
    return len(ids)


def _plain(row: Any) -> dict[str, Any]:
    """A row as a dict with plain string keys (SQLAlchemy's keys are a str subclass)."""
    return {str(key): value for key, value in row._mapping.items()}
