"""the social media policy (versions, acknowledgements) and processes with their RACI matrix

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import BigId, JsonText, UtcDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_version",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("approval_rules", JsonText, nullable=False),
        sa.Column("grace_days", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=True),
        sa.Column("published_by", sa.String(length=254), nullable=True),
        sa.CheckConstraint("grace_days >= 0 AND grace_days <= 365", name="grace_days"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_table(
        "policy_ack",
        sa.Column("version_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(["version_id"], ["policy_version.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("version_id", "user_id"),
    )
    op.create_table(
        "process",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name_nl", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("conditions", JsonText, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "process_raci",
        sa.Column("process_id", BigId, nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=1), nullable=False),
        sa.CheckConstraint("role IN ('R', 'A', 'C', 'I')", name="role"),
        sa.ForeignKeyConstraint(["process_id"], ["process.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("process_id", "department"),
    )


def downgrade() -> None:
    op.drop_table("process_raci")
    op.drop_table("process")
    op.drop_table("policy_ack")
    op.drop_table("policy_version")
