"""Which conversation a new mention joins (pure).

A reply in the same thread joins the thread's conversation, whatever its age. Otherwise the same author
writing again on the same channel within :data:`JOIN_WINDOW` of their last message joins their latest
conversation. A resolved conversation that is joined is reopened by the caller (a new cycle, with a new
first-response clock); merged conversations are never joined (their target is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

JOIN_WINDOW = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Open:
    """A conversation that a new mention might join."""

    id: int
    thread_key: str | None
    author_handle: str | None
    last_customer_at: datetime
    merged_into: int | None = None


def thread_key(*, thread_id: str | None, parent_id: str | None, external_id: str) -> str:
    """The platform thread a mention belongs to: its thread's id, else what it replies to, else itself
    (so that later replies naming it as their thread find it)."""
    return thread_id or parent_id or external_id


def conversation_to_join(
    candidates: Sequence[Open],
    *,
    keys: Sequence[str],
    author_handle: str | None,
    posted_at: datetime,
    window: timedelta = JOIN_WINDOW,
) -> int | None:
    """The conversation the mention joins, or None for a new one. ``keys``: the thread keys the mention
    may share with a conversation (its thread, its parent, its own id)."""
    live = [c for c in candidates if c.merged_into is None]
    by_thread = [c for c in live if c.thread_key is not None and c.thread_key in keys]
    if by_thread:
        return max(by_thread, key=lambda c: (c.last_customer_at, c.id)).id
    if not author_handle:
        return None
    same_author = [
        c for c in live if c.author_handle == author_handle and abs(posted_at - c.last_customer_at) <= window
    ]
    if same_author:
        return max(same_author, key=lambda c: (c.last_customer_at, c.id)).id
    return None
