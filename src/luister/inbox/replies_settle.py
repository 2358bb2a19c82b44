"""What happens to a reply draft when its effect settles, and where a reply goes.

:func:`settle` is the callback the effects runner calls inside its own transaction when an effect it
planned for a draft (origin ``reply_draft:<id>``) is sent, failed, dead or unknown: a sent reply becomes
the conversation's agent message (a response on the SLA clock), a failed one is said in plain words on
the timeline and to its author, an unknown one is "being checked" (once).

:func:`reply_target` builds the fields of :class:`luister.connectors.base.ReplyTarget` from the stored
mention replied to; :func:`recognise_fetched_back` lets intake attach our own reply, fetched back by the
listener, to the message it already is."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.effects.model import Settled, State
from luister.inbox import bookkeeping as book
from luister.inbox.status import Move, Status, next_status
from luister.inbox.tables import conversation, conversation_event, conversation_message, reply_draft, voice
from luister.storage.tables import mention

ORIGIN = "reply_draft:"

# A platform's refusal (luister.connectors.base.REFUSAL_CODES) and the ledger's own reasons, in plain words
PLAIN = {
    "credentials": "the platform refused the voice's credentials (expired or revoked): renew them",
    "forbidden": "the voice may not reply there (blocked, or not allowed in that community)",
    "parent_gone": "the post replied to was deleted",
    "locked": "the thread is locked or archived: it takes no replies",
    "too_long": "the text is too long for the platform",
    "invalid": "the platform refused the reply as invalid",
    "quota": "the platform's quota for this voice is used up",
    "not_found": "the platform cannot find the post replied to",
    "attempts": "it did not arrive after every attempt",
    "settings": "the voice's settings are wrong (its server address or credentials): correct the voice",
}


def origin_of(draft_id: int) -> str:
    return f"{ORIGIN}{draft_id}"


def draft_of(origin: str | None) -> int | None:
    """The draft an effect's origin names, or None for another capability's effect."""
    if not origin or not origin.startswith(ORIGIN) or not origin[len(ORIGIN) :].isdigit():
        return None
    return int(origin[len(ORIGIN) :])


def plain_reason(code: str | None, message: str | None) -> str:
    """Why a reply did not go out, for the people in the conversation."""
    words = PLAIN.get(code or "")
    if words and message:
        return f"{words} ({message})"
    return words or message or "the platform refused the reply"


def _decoded(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def reply_target(conn: Connection, mention_id: int) -> dict[str, Any]:
    """The ReplyTarget's fields for a reply to the stored mention ``mention_id``: its external id, url,
    the thread's root key, the author's handle, its raw item and (where stored) the thread root's."""
    row = conn.execute(sa.select(mention).where(mention.c.id == mention_id)).first()
    if row is None:
        raise LookupError(f"no mention #{mention_id}")
    root_key = row.thread_id or row.external_id
    root_raw = None
    if row.thread_id and row.thread_id != row.external_id:
        root = conn.execute(
            sa.select(mention.c.raw)
            .where(mention.c.channel == row.channel, mention.c.external_id == row.thread_id)
            .limit(1)
        ).first()
        root_raw = None if root is None else _decoded(root.raw)
    return {
        "external_id": row.external_id,
        "url": row.url,
        "thread_id": root_key,
        "author": row.author_handle,
        "raw": _decoded(row.raw),
        "root_raw": root_raw,
    }


def record_agent_reply(
    conn: Connection, conversation_id: int, *, at: datetime, actor: str, now: datetime
) -> None:
    """An answer counts: message count, last agent time, the first response of the cycle, the status
    move an agent's reply makes, and the SLA clock (as intake does for a reply seen at the source)."""
    found = conn.execute(
        sa.select(
            conversation.c.status, conversation.c.first_response_at, conversation.c.cycle_started_at
        ).where(conversation.c.id == conversation_id)
    ).one()
    values: dict[str, Any] = {
        "message_count": conversation.c.message_count + 1,
        "updated_at": now,
        "last_agent_at": at,
    }
    if found.first_response_at is None and at >= found.cycle_started_at:
        values["first_response_at"] = at
    status = Status(found.status)
    if status is not Status.resolved:
        after = next_status(status, Move.agent_replied)
        if after is not status:
            values["status"] = after.value
            book.add_event(
                conn, conversation_id, at=at, actor=actor, kind="status",
                **{"from": status.value, "to": after.value},
            )  # fmt: skip
    conn.execute(conversation.update().where(conversation.c.id == conversation_id).values(**values))


def settle(conn: Connection, settled: Settled) -> None:
    """The effect of a draft settled (called by the effects runner inside its transaction)."""
    draft_id = draft_of(settled.origin)
    if draft_id is None:
        return
    draft = conn.execute(
        sa.select(reply_draft, voice.c.handle, voice.c.channel)
        .join(voice, voice.c.id == reply_draft.c.voice_id)
        .where(reply_draft.c.id == draft_id)
    ).first()
    if draft is None or draft.state in ("sent", "failed", "withdrawn"):
        return  # settled before (the runner may call again after a crash), or withdrawn in time
    at = settled.at
    if settled.state is State.sent:
        _sent(conn, draft, settled)
    elif settled.state in (State.failed, State.dead):
        reason = plain_reason(settled.error_code, settled.error)
        conn.execute(
            reply_draft.update()
            .where(reply_draft.c.id == draft_id)
            .values(state="failed", decision_note=reason[:2000], updated_at=at)
        )
        book.add_event(
            conn, draft.conversation_id, at=at, actor="system", kind="reply_failed",
            draft_id=draft_id, reason=reason, code=settled.error_code,
        )  # fmt: skip
        if draft.author_id is not None:
            book.notify(
                conn, [draft.author_id], at=at, kind="reply_failed", conversation_id=draft.conversation_id,
                text=f"your reply on conversation #{draft.conversation_id} was not sent: {reason}",
                nl=f"je antwoord in gesprek #{draft.conversation_id} is niet verstuurd: {reason}",
            )  # fmt: skip
    elif settled.state in (State.unknown, State.planned):  # being checked; or waiting on the platform
        kind = "reply_checking" if settled.state is State.unknown else "reply_waiting"
        told = conn.execute(
            sa.select(conversation_event.c.id, conversation_event.c.detail).where(
                conversation_event.c.conversation_id == draft.conversation_id,
                conversation_event.c.kind == kind,
            )
        ).all()
        if not any(_decoded(e.detail).get("draft_id") == draft_id for e in told):
            extra = {"reason": settled.error} if settled.state is State.planned else {}
            book.add_event(
                conn, draft.conversation_id, at=at, actor="system", kind=kind,
                draft_id=draft_id, channel=draft.channel, **extra,
            )  # fmt: skip


def _sent(conn: Connection, draft: Any, settled: Settled) -> None:
    at, conversation_id = settled.at, draft.conversation_id
    conn.execute(reply_draft.update().where(reply_draft.c.id == draft.id).values(state="sent", updated_at=at))
    # the listener may have fetched our reply back before this commit: it is then already a message
    fetched = None
    if settled.remote_id:
        fetched = conn.execute(
            sa.select(conversation_message.c.id)
            .join(mention, mention.c.id == conversation_message.c.mention_id)
            .where(
                conversation_message.c.conversation_id == conversation_id,
                mention.c.channel == draft.channel,
                mention.c.external_id == settled.remote_id,
            )
        ).first()
    if fetched is not None:
        conn.execute(
            conversation_message.update()
            .where(conversation_message.c.id == fetched.id)
            .values(remote_id=settled.remote_id, draft_id=draft.id, user_id=draft.author_id)
        )
    else:
        conn.execute(
            conversation_message.insert().values(
                conversation_id=conversation_id, kind="agent", author=draft.handle, user_id=draft.author_id,
                body=draft.body, at=at, remote_id=settled.remote_id, draft_id=draft.id, created_at=at,
            )
        )  # fmt: skip
        record_agent_reply(conn, conversation_id, at=at, actor=draft.handle, now=at)
    book.add_event(
        conn, conversation_id, at=at, actor="system", kind="reply_sent",
        draft_id=draft.id, url=settled.remote_url, remote_id=settled.remote_id,
    )  # fmt: skip
    book.refresh_sla(conn, conversation_id, now=at)


def recognise_fetched_back(conn: Connection, row: Any) -> int | None:
    """A voice's post fetched back by the listener that is a reply luister sent (its id is a message's
    ``remote_id``): the mention is attached to that message, nothing is counted twice. Returns the
    conversation, or None when the post is not one of ours from luister."""
    found = conn.execute(
        sa.select(
            conversation_message.c.id,
            conversation_message.c.conversation_id,
            conversation_message.c.mention_id,
        )
        .join(conversation, conversation.c.id == conversation_message.c.conversation_id)
        .where(conversation_message.c.remote_id == row.external_id, conversation.c.channel == row.channel)
        .limit(1)
    ).first()
    if found is None:
        return None
    if found.mention_id is None:
        conn.execute(
            conversation_message.update()
            .where(conversation_message.c.id == found.id)
            .values(mention_id=row.id)
        )
    return int(found.conversation_id)
