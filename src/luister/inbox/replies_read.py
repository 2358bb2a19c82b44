"""Reading replies: a conversation's drafts with their state, reasons, author, approver and both
versions; the approval queue in the reader's scope; the voices that can answer a conversation. No writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.effects.tables import effect
from luister.inbox.read import in_scope
from luister.inbox.tables import conversation, department, reply_draft, voice
from luister.storage.scoping import seen
from luister.storage.tables import user_account

author_account = user_account.alias("author_account")
approver_account = user_account.alias("approver_account")


@dataclass(frozen=True, slots=True)
class DraftRead:
    id: int
    conversation_id: int
    subject: str
    channel: str
    voice_id: int
    voice: str  # the handle it goes out from
    author: str | None  # e-mail
    body: str
    original_body: str | None  # the author's text, when an approver edited it
    state: str
    reasons: list[str]
    approver: str | None
    decided_at: datetime | None
    note: str | None  # why rejected, what superseded it
    seen_reply_seq: int
    effect_state: str | None
    error: str | None  # why it failed, in plain words
    url: str | None  # where it is, once sent
    created_at: datetime
    waiting_until: datetime | None = None  # the platform asked to wait (rate limit, quota) until then
    waiting_reason: str | None = None
    accountable: str | None = None  # the department that approves it (the process's A in the matrix)


def _select() -> sa.Select[Any]:
    return (
        sa.select(
            reply_draft, conversation.c.subject, conversation.c.channel, voice.c.handle,
            author_account.c.email.label("author"), approver_account.c.email.label("approver"),
            effect.c.state.label("effect_state"), effect.c.remote_url, effect.c.last_error,
            effect.c.not_before,
        )
        .join(conversation, conversation.c.id == reply_draft.c.conversation_id)
        .join(voice, voice.c.id == reply_draft.c.voice_id)
        .outerjoin(author_account, author_account.c.id == reply_draft.c.author_id)
        .outerjoin(approver_account, approver_account.c.id == reply_draft.c.approver_id)
        .outerjoin(effect, effect.c.id == reply_draft.c.effect_id)
    )  # fmt: skip


def _draft(r: Any) -> DraftRead:
    reasons = (r.approval or {}).get("reasons", []) if isinstance(r.approval, dict) else []
    accountable = r.approval.get("accountable") if isinstance(r.approval, dict) else None
    error = r.decision_note if r.state == "failed" else None
    note = r.decision_note if r.state != "failed" else None
    return DraftRead(
        r.id, r.conversation_id, r.subject, r.channel, r.voice_id, r.handle, r.author, r.body,
        r.original_body, r.state, [str(x) for x in reasons], r.approver, r.decided_at, note,
        r.seen_reply_seq, r.effect_state,
        error or (r.last_error if r.state == "failed" else None), r.remote_url, r.created_at,
        r.not_before if r.effect_state in ("planned", "unknown") else None,
        r.last_error if r.effect_state in ("planned", "unknown") else None,
        str(accountable) if accountable else None,
    )  # fmt: skip


def drafts_of(*, engine: Engine, conversation_id: int, scope: Scope = EVERYTHING) -> list[DraftRead]:
    """The conversation's drafts, oldest first (none for a conversation outside ``scope``)."""
    with engine.connect() as conn:
        rows = conn.execute(
            _select()
            .where(reply_draft.c.conversation_id == conversation_id, in_scope(scope))
            .order_by(reply_draft.c.id)
        )
        return [_draft(r) for r in rows]


@dataclass(frozen=True, slots=True)
class ApprovalQueue:
    count: int
    drafts: list[DraftRead]


def approval_queue(*, engine: Engine, scope: Scope = EVERYTHING, limit: int = 100) -> ApprovalQueue:
    """Drafts waiting for an approver in ``scope`` (and those the matrix holds for its department as
    Accountable, in any department's conversation), oldest first, with how many there are."""
    waiting = sa.and_(reply_draft.c.state == "approval", in_scope(scope))
    with engine.connect() as conn:
        count = conn.execute(
            sa.select(sa.func.count())
            .select_from(reply_draft.join(conversation, conversation.c.id == reply_draft.c.conversation_id))
            .where(waiting)
        ).scalar_one()
        rows = conn.execute(_select().where(waiting).order_by(reply_draft.c.id).limit(limit))
        drafts = [_draft(r) for r in rows]
        if scope.department is not None:  # and those held for its department as a process's Accountable one
            elsewhere = _select().where(reply_draft.c.state == "approval", sa.not_(in_scope(scope)))
            theirs = [d for r in conn.execute(elsewhere) if (d := _draft(r)).accountable == scope.department]
            drafts, count = sorted(drafts + theirs, key=lambda d: d.id)[:limit], count + len(theirs)
        return ApprovalQueue(int(count), drafts)


@dataclass(frozen=True, slots=True)
class ReplyVoice:
    id: int
    handle: str
    name: str
    connector: str


def reply_voices(*, engine: Engine, channel: str, scope: Scope = EVERYTHING) -> list[ReplyVoice]:
    """Active voices with a connector on ``channel`` that ``scope`` sees: those a reply can go out from."""
    with engine.connect() as conn:
        return [
            ReplyVoice(v.id, v.handle, v.name, v.connector)
            for v in conn.execute(
                sa.select(voice)
                .outerjoin(department, department.c.id == voice.c.department_id)
                .where(
                    voice.c.channel == channel,
                    voice.c.active,
                    voice.c.connector.is_not(None),
                    seen(department.c.key, scope),
                )  # fmt: skip
                .order_by(voice.c.name)
            )
        ]
