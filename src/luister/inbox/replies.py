"""Replying from the inbox: propose a reply, approve (four-eyes), reject or withdraw it, and the
send-time guard. A reply that may go out is planned on the effects ledger in the same transaction
(:func:`luister.effects.actions.plan`); the runner sends it and calls :func:`settle` back.

**The send-time guard.** Every answer in a conversation (a reply planned from luister, or one of our
voices' posts seen at the source) adds one to ``conversation.reply_seq``. The composer shows the number it
saw; planning a reply runs ``UPDATE conversation SET reply_seq = reply_seq + 1 WHERE id = :id AND
reply_seq = :seen`` in the planning transaction: one statement, atomic on SQLite and PostgreSQL, so of two
replies written against the same state at most one goes out; the other is refused (:class:`Answered`,
HTTP 409, saying what answered since) unless its author confirms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Permission, Role, Scope, can
from luister.effects import actions as effects
from luister.inbox import bookkeeping as book
from luister.inbox import raci
from luister.inbox.actions import _changing
from luister.inbox.approval import ApprovalContext, ApprovalRule, RuleKind, needs_approval
from luister.inbox.model import Conflict, InboxError, UnknownConversation
from luister.inbox.read import in_scope
from luister.inbox.refusals import said
from luister.inbox.replies_settle import origin_of, reply_target, settle
from luister.inbox.tables import (
    approval_rule,
    conversation,
    conversation_message,
    conversation_tag,
    department,
    reply_draft,
    voice,
)
from luister.organisation.belt_gate import belt_refusal
from luister.services.events import EventBus
from luister.storage.tables import mention_topic, user_account

__all__ = [
    "Answered", "NotAllowed", "Proposed", "TooLong", "UnknownDraft", "approve", "propose", "reject",
    "conversation_of", "settle", "unit_of", "voice_of", "withdraw",
]  # fmt: skip

MAX_BODY = 10_000
Measure = Callable[[str], tuple[int, int]]  # the text's length and the platform's limit, from its Replier


class Answered(Conflict):
    """The send-time guard: someone answered since the composer opened (409). ``reply_seq`` is the
    conversation's number now (confirming sends against it)."""

    def __init__(self, message: str, *, reply_seq: int) -> None:
        self.reply_seq = reply_seq
        super().__init__(message)


class NotAllowed(InboxError):
    """The actor may not do this to the draft (403): approving their own, approving without being an
    approver, withdrawing someone else's."""


class TooLong(InboxError):
    """The text is longer than the platform takes (422)."""

    def __init__(self, message: str, *, length: int, limit: int, unit: str) -> None:
        self.length, self.limit, self.unit = length, limit, unit
        super().__init__(message)


class UnknownDraft(UnknownConversation):
    """No such draft, or one of a conversation outside the reader's departments (404)."""


@dataclass(frozen=True, slots=True)
class Proposed:
    draft_id: int
    state: str  # "approval" (waiting for an approver) or "sending" (planned on the ledger)
    reasons: tuple[str, ...] = ()
    effect_id: int | None = None


def unit_of(channel: str) -> str:
    """What a platform counts its limit in: Bluesky graphemes, the others characters."""
    return "graphemes" if channel == "bluesky" else "characters"


def _check_text(body: str, *, channel: str, measure: Measure | None) -> str:
    text = body.strip()
    if not text:
        raise InboxError("a reply needs text")
    if len(text) > MAX_BODY:
        raise TooLong(
            f"a reply has at most {MAX_BODY:,} characters",
            length=len(text),
            limit=MAX_BODY,
            unit="characters",
        )
    if measure is not None:
        length, limit = measure(text)
        if length > limit:
            unit = unit_of(channel)
            raise TooLong(
                f"the reply is {length} {unit} long; {channel} takes at most {limit} {unit}",
                length=length, limit=limit, unit=unit,
            )  # fmt: skip
    return text


def _user(conn: Connection, email: str) -> Any:
    row = book.active_account(conn, email)
    if row is None:
        raise NotAllowed(f"{email} is not an active account: replies are written and approved by people")
    return row


def _refusal(conn: Connection, user: Any, action: str, row: Any, now: datetime) -> str | None:
    """The organisation's gates, asked in this one place before a reply is drafted, sent without an
    approver, or approved or rejected: why ``user`` may not, or None."""
    tags = conn.scalars(sa.select(conversation_tag.c.tag).where(conversation_tag.c.conversation_id == row.id))
    context = {
        "intent": row.intent,
        "department": row.department,
        "priority": row.priority,
        "tags": list(tags),
    }
    return belt_refusal(conn, user_id=user.id, action=action, context=context, now=now)


def _answered_since(conn: Connection, conversation_id: int) -> str:
    """What answered most recently: the newest agent message, or the newest reply on its way."""
    message = conn.execute(
        sa.select(conversation_message.c.author, conversation_message.c.at)
        .where(
            conversation_message.c.conversation_id == conversation_id, conversation_message.c.kind == "agent"
        )
        .order_by(conversation_message.c.at.desc(), conversation_message.c.id.desc())
        .limit(1)
    ).first()
    draft = conn.execute(
        sa.select(reply_draft.c.id, reply_draft.c.updated_at, user_account.c.email)
        .outerjoin(user_account, user_account.c.id == reply_draft.c.author_id)
        .where(reply_draft.c.conversation_id == conversation_id, reply_draft.c.state.in_(("sending", "sent")))
        .order_by(reply_draft.c.updated_at.desc(), reply_draft.c.id.desc())
        .limit(1)
    ).first()
    if draft is not None and (message is None or draft.updated_at >= message.at):
        return f"reply #{draft.id} by {draft.email or 'someone'} is on its way"
    if message is not None:
        return f"{message.author or 'an agent'} answered at {message.at:%Y-%m-%d %H:%M} UTC"
    return "the conversation changed"


def guard(conn: Connection, conversation_id: int, *, seen_reply_seq: int, confirm: bool) -> None:
    """The send-time guard (see the module): one conditional update; ``confirm`` sends anyway."""
    bump = conversation.update().values(reply_seq=conversation.c.reply_seq + 1)
    if confirm:
        conn.execute(bump.where(conversation.c.id == conversation_id))
        return
    done = conn.execute(
        bump.where(conversation.c.id == conversation_id, conversation.c.reply_seq == seen_reply_seq)
    ).rowcount
    if not done:
        now_seq = conn.execute(
            sa.select(conversation.c.reply_seq).where(conversation.c.id == conversation_id)
        )
        raise Answered(
            f"someone answered since you opened this: {_answered_since(conn, conversation_id)}; "
            "read it, then send anyway if your reply still fits",
            reply_seq=int(now_seq.scalar_one()),
        )


def approval_rules(conn: Connection) -> list[ApprovalRule]:
    return [
        ApprovalRule(r.id, r.name, RuleKind(r.kind), r.value, r.active)
        for r in conn.execute(sa.select(approval_rule).order_by(approval_rule.c.id))
    ]


def approval_context(conn: Connection, row: Any, author_id: int) -> ApprovalContext:
    """The conversation (``row`` with its department key) and the author as the rules see them."""
    mentions = sa.select(conversation_message.c.mention_id).where(
        conversation_message.c.conversation_id == row.id, conversation_message.c.mention_id.is_not(None)
    )
    topics = frozenset(
        int(t) for t in conn.scalars(
            sa.select(mention_topic.c.topic_id).distinct().where(mention_topic.c.mention_id.in_(mentions))
        )
    )  # fmt: skip
    sent = conn.execute(
        sa.select(sa.func.count()).where(
            conversation_message.c.kind == "agent", conversation_message.c.user_id == author_id
        )
    ).scalar_one()
    return ApprovalContext(topics, row.intent, row.department, row.priority, int(sent))


def _voice(conn: Connection, voice_id: int, channel: str, scope: Scope) -> Any:
    found = conn.execute(
        sa.select(voice, department.c.key)
        .outerjoin(department, department.c.id == voice.c.department_id)
        .where(voice.c.id == voice_id)
    ).first()
    if found is None or not found.active or not scope.sees(found.key):  # another department's: as unknown
        raise InboxError(f"there is no active voice #{voice_id}")
    if found.channel != channel or not found.connector:
        raise InboxError(f"voice {found.handle} cannot reply on {channel}")
    return found


def _mention_replied_to(conn: Connection, conversation_id: int, mention_id: int | None) -> int:
    query = sa.select(conversation_message.c.mention_id).where(
        conversation_message.c.conversation_id == conversation_id,
        conversation_message.c.kind == "customer",
        conversation_message.c.mention_id.is_not(None),
    )
    if mention_id is not None:
        query = query.where(conversation_message.c.mention_id == mention_id)
    found = conn.execute(
        query.order_by(conversation_message.c.at.desc(), conversation_message.c.id.desc()).limit(1)
    ).scalar()
    if found is None:
        raise InboxError(
            "that mention is not the customer's in this conversation"
            if mention_id is not None
            else "this conversation has no customer's post to reply to: answer at the source"
        )
    return int(found)


def _approvers(conn: Connection, department_key: str | None, exclude: int) -> list[int]:
    """Who may approve a reply in a conversation of ``department_key``: analysts and admins who see it."""
    roles = [r.value for r in Role if can(r, Permission.manage)]
    query = sa.select(user_account.c.id, user_account.c.role, user_account.c.department).where(
        user_account.c.active, user_account.c.role.in_(roles), user_account.c.id != exclude
    )
    return [
        r.id for r in conn.execute(query)
        if r.role == Role.admin or not r.department or r.department == department_key
    ]  # fmt: skip


def _go(conn: Connection, draft_id: int, *, body: str, voice_id: int, mention_id: int, actor_id: int,
        now: datetime) -> int:  # fmt: skip
    """Plan the draft's effect and point the draft at it."""
    effect_id = effects.plan(
        conn, kind="reply", lane=f"voice:{voice_id}", target=reply_target(conn, mention_id), body=body,
        origin=origin_of(draft_id), actor_id=actor_id, now=now,
    )  # fmt: skip
    conn.execute(reply_draft.update().where(reply_draft.c.id == draft_id).values(effect_id=effect_id))
    return effect_id


def propose(
    engine: Engine,
    *,
    conversation_id: int,
    voice_id: int,
    body: str,
    actor: str,
    seen_reply_seq: int,
    now: datetime,
    scope: Scope = EVERYTHING,
    confirm: bool = False,
    measure: Measure | None = None,
    mention_id: int | None = None,
    bus: EventBus | None = None,
) -> Proposed:
    """Propose a reply from ``voice_id``. When approval rules hold it waits for an approver (who is
    notified); otherwise the guard runs and it is planned at once. Refusals: :class:`Answered` (409),
    :class:`TooLong` (422), :class:`NotAllowed` (403), :class:`InboxError` (422)."""
    with _changing(engine, conversation_id, scope, bus, "reply_proposed", actor, now) as (conn, row, detail):
        user = _user(conn, actor)
        if not can(Role(user.role), Permission.correct):
            raise NotAllowed(said(user, "viewer"))
        if why := _refusal(conn, user, "reply.draft", row, now):
            raise NotAllowed(why)
        found = _voice(conn, voice_id, row.channel, scope)
        text = _check_text(body, channel=row.channel, measure=measure)
        replied_to = _mention_replied_to(conn, conversation_id, mention_id)
        reasons = needs_approval(approval_rules(conn), approval_context(conn, row, user.id))
        if matrix := raci.accountable(conn, conversation_id):  # the process's A approves
            reasons = (*reasons, matrix.reason)
        if not reasons and (held := _refusal(conn, user, "reply.send", row, now)):
            reasons = (held,)  # below the belt that sends on its own: the reply waits for an approver
        if reasons and not confirm and row.reply_seq != seen_reply_seq:
            guard(conn, conversation_id, seen_reply_seq=seen_reply_seq, confirm=False)  # refuses, says why
        seen = row.reply_seq if confirm and reasons else seen_reply_seq
        draft_id = int(
            conn.execute(
                reply_draft.insert().values(
                    conversation_id=conversation_id, voice_id=found.id, mention_id=replied_to,
                    author_id=user.id, body=text, state="approval" if reasons else "sending",
                    approval=raci.approval(reasons, matrix), seen_reply_seq=seen,
                    created_at=now, updated_at=now,
                ).returning(reply_draft.c.id)
            ).scalar_one()
        )  # fmt: skip
        effect_id = None
        if reasons:
            book.notify(
                conn, raci.approvers_of(conn, matrix.department, user.id) if matrix
                else _approvers(conn, row.department, user.id), at=now, kind="approval",
                conversation_id=conversation_id,
                text=f"{actor} asks approval for a reply on conversation #{conversation_id}",
                nl=f"{actor} vraagt goedkeuring voor een antwoord in gesprek #{conversation_id}",
            )  # fmt: skip
        else:
            guard(conn, conversation_id, seen_reply_seq=seen_reply_seq, confirm=confirm)
            effect_id = _go(conn, draft_id, body=text, voice_id=found.id, mention_id=replied_to,
                            actor_id=user.id, now=now)  # fmt: skip
        book.add_event(
            conn, conversation_id, at=now, actor=actor, kind="reply_proposed", draft_id=draft_id,
            voice=found.handle, state="approval" if reasons else "sending", reasons=list(reasons),
            confirmed=confirm,
        )  # fmt: skip
        detail |= {"draft_id": draft_id, "reasons": list(reasons), "confirmed": confirm}
    return Proposed(draft_id, "approval" if reasons else "sending", reasons, effect_id)


def conversation_of(engine: Engine, draft_id: int, scope: Scope = EVERYTHING) -> int:
    """The conversation of a draft the actor sees (:class:`UnknownDraft` otherwise)."""
    scope = raci.scope_for(engine, draft_id, scope)  # the Accountable department sees what it approves
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(reply_draft.c.conversation_id)
            .join(conversation, conversation.c.id == reply_draft.c.conversation_id)
            .where(reply_draft.c.id == draft_id, in_scope(scope))
        ).first()
    if found is None:
        raise UnknownDraft(f"no reply draft #{draft_id}")
    return int(found.conversation_id)


def voice_of(engine: Engine, draft_id: int) -> int:
    """The voice a draft goes out from (the edges measure its text with that voice's Replier)."""
    with engine.connect() as conn:
        found = conn.execute(sa.select(reply_draft.c.voice_id).where(reply_draft.c.id == draft_id)).scalar()
    if found is None:
        raise UnknownDraft(f"no reply draft #{draft_id}")
    return int(found)


def _current(conn: Connection, draft_id: int) -> Any:
    return conn.execute(
        sa.select(reply_draft, voice.c.handle).join(voice, voice.c.id == reply_draft.c.voice_id)
        .where(reply_draft.c.id == draft_id)
    ).one()  # fmt: skip


def _approver(conn: Connection, actor: str, draft: Any, doing: str, row: Any, now: datetime) -> Any:
    user = _user(conn, actor)
    if not can(Role(user.role), Permission.manage):
        raise NotAllowed(said(user, doing))
    if why := _refusal(conn, user, "reply.approve", row, now):
        raise NotAllowed(why)
    if draft.author_id == user.id and doing == "approve":
        raise NotAllowed(said(user, "own"))
    if why := raci.not_accountable(conn, user, draft.approval):
        raise NotAllowed(why)
    if draft.state != "approval":
        raise Conflict(f"reply #{draft.id} is {draft.state}, not waiting for approval")
    return user


def approve(
    engine: Engine,
    *,
    draft_id: int,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    body: str | None = None,
    confirm: bool = False,
    measure: Measure | None = None,
    bus: EventBus | None = None,
) -> Proposed:
    """Approve a draft waiting for approval (four-eyes: not its author's own; only approvers), with an
    edit if ``body`` differs (the author's text kept in ``original_body``). The conversation's other
    drafts waiting for approval are superseded; then the guard (with the draft's ``seen_reply_seq``) and
    the plan."""
    conversation_id = conversation_of(engine, draft_id, scope := raci.scope_for(engine, draft_id, scope))
    with _changing(engine, conversation_id, scope, bus, "reply_approved", actor, now) as (conn, row, detail):
        draft = _current(conn, draft_id)
        user = _approver(conn, actor, draft, "approve", row, now)
        values: dict[str, Any] = {}
        text = draft.body
        if body is not None and body.strip() != draft.body:
            text = _check_text(body, channel=row.channel, measure=measure)
            values = {"body": text, "original_body": draft.original_body or draft.body}
        guard(conn, conversation_id, seen_reply_seq=draft.seen_reply_seq, confirm=confirm)
        conn.execute(
            reply_draft.update().where(reply_draft.c.id == draft_id).values(
                state="sending", approver_id=user.id, decided_at=now, updated_at=now, **values
            )
        )  # fmt: skip
        superseded = list(conn.scalars(
            sa.select(reply_draft.c.id).where(
                reply_draft.c.conversation_id == conversation_id, reply_draft.c.state == "approval",
                reply_draft.c.id != draft_id,
            )
        ))  # fmt: skip
        if superseded:
            conn.execute(
                reply_draft.update().where(reply_draft.c.id.in_(superseded))
                .values(state="superseded", decided_at=now, updated_at=now,
                        decision_note=f"#{draft_id} approved")
            )  # fmt: skip
        if draft.mention_id is None:
            raise InboxError("the post this draft replies to is gone: write a new reply")
        effect_id = _go(conn, draft_id, body=text, voice_id=draft.voice_id, mention_id=draft.mention_id,
                        actor_id=user.id, now=now)  # fmt: skip
        book.add_event(
            conn, conversation_id, at=now, actor=actor, kind="reply_approved", draft_id=draft_id,
            edited=bool(values), superseded=superseded, confirmed=confirm,
        )  # fmt: skip
        if draft.author_id is not None:
            book.notify(
                conn, [draft.author_id], at=now, kind="reply_approved", conversation_id=conversation_id,
                text=f"{actor} approved your reply on conversation #{conversation_id}"
                + (" (edited)" if values else ""),
                nl=f"{actor} keurde je antwoord in gesprek #{conversation_id} goed"
                + (" (bewerkt)" if values else ""),
            )  # fmt: skip
        detail |= {"draft_id": draft_id, "edited": bool(values), "superseded": superseded}
    return Proposed(draft_id, "sending", (), effect_id)


def reject(
    engine: Engine,
    *,
    draft_id: int,
    actor: str,
    now: datetime,
    reason: str,
    scope: Scope = EVERYTHING,
    bus: EventBus | None = None,
) -> None:
    """An approver turns a draft down, with a reason its author is told."""
    reason = " ".join(reason.split())[:2000]
    if not reason:
        raise InboxError("say why the reply is rejected")
    conversation_id = conversation_of(engine, draft_id, scope := raci.scope_for(engine, draft_id, scope))
    with _changing(engine, conversation_id, scope, bus, "reply_rejected", actor, now) as (conn, row, detail):
        draft = _current(conn, draft_id)
        user = _approver(conn, actor, draft, "reject", row, now)
        conn.execute(
            reply_draft.update().where(reply_draft.c.id == draft_id).values(
                state="rejected", approver_id=user.id, decided_at=now, updated_at=now, decision_note=reason
            )
        )  # fmt: skip
        book.add_event(conn, conversation_id, at=now, actor=actor, kind="reply_rejected", draft_id=draft_id,
                       reason=reason)  # fmt: skip
        if draft.author_id is not None:
            book.notify(
                conn, [draft.author_id], at=now, kind="reply_rejected", conversation_id=conversation_id,
                text=f"{actor} rejected your reply on conversation #{conversation_id}: {reason}",
                nl=f"{actor} keurde je antwoord in gesprek #{conversation_id} af: {reason}",
            )  # fmt: skip
        detail |= {"draft_id": draft_id, "reason": reason}


def withdraw(
    engine: Engine,
    *,
    draft_id: int,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
    bus: EventBus | None = None,
) -> None:
    """The author takes their draft back: while it waits, or while its effect is planned but not yet
    tried (then the effect is cancelled). Once on its way it cannot be withdrawn."""
    conversation_id = conversation_of(engine, draft_id, scope)
    with _changing(engine, conversation_id, scope, bus, "reply_withdrawn", actor, now) as (
        conn,
        _row,
        detail,
    ):
        draft = _current(conn, draft_id)
        user = _user(conn, actor)
        if draft.author_id != user.id:
            raise NotAllowed(said(user, "withdraw"))
        if draft.state == "sending":
            gone = draft.effect_id is not None and effects.cancel(
                conn, effect_id=draft.effect_id, now=now, reason=f"withdrawn by {actor}"
            )
            if not gone:
                raise Conflict("the reply is already on its way: it can no longer be withdrawn")
        elif draft.state not in ("pending", "approval"):
            raise Conflict(f"reply #{draft_id} is {draft.state}: only a reply not yet sent is withdrawn")
        conn.execute(
            reply_draft.update().where(reply_draft.c.id == draft_id)
            .values(state="withdrawn", updated_at=now)
        )  # fmt: skip
        book.add_event(conn, conversation_id, at=now, actor=actor, kind="reply_withdrawn", draft_id=draft_id)
        detail |= {"draft_id": draft_id, "was": draft.state}
