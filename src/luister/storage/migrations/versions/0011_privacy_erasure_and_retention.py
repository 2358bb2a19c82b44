"""privacy: erased mentions (never stored again) and the final rollup buckets after retention

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_mention",
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(512), nullable=False),
        sa.Column("erased_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "external_id", name="pk_erased_mention"),
    )
    op.create_table(
        "rollup_final",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("before", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rollup_final"),
    )


def downgrade() -> None:
    op.drop_table("rollup_final")
    op.drop_table("erased_mention")
