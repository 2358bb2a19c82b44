"""The social media policy's tables: ``policy_version`` (versioned Markdown, with the approval rules it
sets when published and how long people have to acknowledge it) and ``policy_ack`` (who acknowledged
which version, when); ``process`` and ``process_raci`` (what the organisation does for a kind of
conversation, and which department is Responsible, Accountable, Consulted or Informed)."""

from __future__ import annotations

import sqlalchemy as sa

from luister.storage.tables import BigId, JsonText, UtcDateTime, _now, metadata

policy_version = sa.Table(
    "policy_version",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("number", sa.Integer, nullable=False, unique=True),  # 1, 2, 3 … in the order written
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # Markdown, rendered escaped
    # [{"name": …, "kind": …, "value": …}]: the inbox's approval rules while this version is current
    sa.Column("approval_rules", JsonText, nullable=False),
    sa.Column("grace_days", sa.Integer, nullable=False, default=0),  # days to acknowledge before the gate
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("published_at", UtcDateTime, nullable=True),  # NULL: a draft
    sa.Column("published_by", sa.String(254), nullable=True),
    sa.CheckConstraint("grace_days >= 0 AND grace_days <= 365", name="grace_days"),
)

policy_ack = sa.Table(
    "policy_ack",
    metadata,
    sa.Column("version_id", BigId, sa.ForeignKey("policy_version.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("at", UtcDateTime, nullable=False),
)

process = sa.Table(
    "process",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(40), nullable=False, unique=True),
    sa.Column("name_nl", sa.String(120), nullable=False),
    sa.Column("name_en", sa.String(120), nullable=False),
    # the inbox routing conditions that recognise a mention of this process ({"query": …, "intents": […]})
    sa.Column("conditions", JsonText, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now),
)

process_raci = sa.Table(
    "process_raci",
    metadata,
    sa.Column("process_id", BigId, sa.ForeignKey("process.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("department", sa.String(40), primary_key=True),
    sa.Column("role", sa.String(1), nullable=False),
    sa.CheckConstraint("role IN ('R', 'A', 'C', 'I')", name="role"),
)
