"""The effects ledger's tables: every outbound action (a reply now; a publication, an e-mail, a webhook
later) is one ``effect`` row, committed before the call it stands for, with its history in
``effect_event`` and each lane's (an account's) pace in ``effect_pace``."""

from __future__ import annotations

import sqlalchemy as sa

from luister.storage.tables import BigId, JsonText, UtcDateTime, _now, metadata

STATES = ("planned", "sending", "sent", "unknown", "failed", "dead", "cancelled")

effect = sa.Table(
    "effect",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # reply (publish, email, webhook later)
    # who acts: "voice:3" for a voice's replies; effects of one lane share its rate limit
    sa.Column("lane", sa.String(64), nullable=False),
    sa.Column("target", JsonText, nullable=False),  # where it goes (for a reply: the ReplyTarget's fields)
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("body_hash", sa.String(64), nullable=False),  # sha256 of the body, to recognise it remotely
    # the idempotency key, or the record key the platform keeps (Bluesky rkey): 13 characters of time
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("state", sa.String(10), nullable=False, default="planned"),
    sa.Column("origin", sa.String(64), nullable=True),  # what asked for it: "reply_draft:12"
    sa.Column("remote_id", sa.String(512), nullable=True),
    sa.Column("remote_url", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),  # calls made (sends, not reconciliations)
    sa.Column("max_attempts", sa.Integer, nullable=False, default=3),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("error_code", sa.String(16), nullable=True),  # a ReplyRefused code, "attempts", "lane" ...
    sa.Column("not_before", UtcDateTime, nullable=True),  # backoff: not tried again before
    sa.Column("lease_until", UtcDateTime, nullable=True),  # a runner works on it until then
    sa.Column("leased_by", sa.String(64), nullable=True),
    sa.Column("created_by", BigId, sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    sa.CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")", name="state"),
    sa.UniqueConstraint("key"),
    sa.Index("ix_effect_state_not_before", "state", "not_before"),
    sa.Index("ix_effect_origin", "origin"),
)

effect_event = sa.Table(
    "effect_event",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("effect_id", BigId, sa.ForeignKey("effect.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # the state it moved to
    sa.Column("detail", sa.Text, nullable=True),
    sa.Index("ix_effect_event_effect", "effect_id", "id"),
)

effect_pace = sa.Table(
    "effect_pace",
    metadata,
    sa.Column("lane", sa.String(64), primary_key=True),
    sa.Column("not_before", UtcDateTime, nullable=False),  # the platform asked this account to wait
    sa.Column("reason", sa.Text, nullable=True),
)
