"""The accounts capability's tables: server-side web sessions and sign-in failure counts."""

from __future__ import annotations

import sqlalchemy as sa

from luister.storage.tables import BigId, UtcDateTime, metadata

web_session = sa.Table(
    "web_session",
    metadata,
    # SHA-256 of the cookie's random token: a copy of the database opens no session
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("address", sa.String(45), nullable=True),
    sa.Column("agent", sa.String(200), nullable=True),
    sa.Index("ix_web_session_user_id", "user_id"),
)

sign_in_failure = sa.Table(
    "sign_in_failure",
    metadata,
    sa.Column("key", sa.String(300), primary_key=True),  # "account:<e-mail as typed>" or "address:<ip>"
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failed_at", UtcDateTime, nullable=False),
)
