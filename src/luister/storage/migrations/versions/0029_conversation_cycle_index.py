"""an index on conversation(cycle_started_at): the maturity assessment's routing scan counts the
conversations that started in a period (SQLite and PostgreSQL)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_conversation_cycle_started", "conversation", ["cycle_started_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_conversation_cycle_started", table_name="conversation")
