"""mention.date_known: a mention whose source gave no date is kept, and marked

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_known", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_column("date_known")
