"""rollups keep Σ engagement² and Σ followers² per bucket: the KPIs' intervals read the rollups instead
of every mention of their periods (a monthly report at a million mentions reads thousands of rows)

The counts after the final line (see ``luister.storage.rollups.final_line``) are counted again, with the
squares; buckets before it (their mentions retired by retention) keep 0 there.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

TABLES = ("rollup_hour", "rollup_day", "rollup_hour_sentiment", "rollup_day_sentiment", "rollup_day_place",
          "rollup_day_language")  # fmt: skip
SQUARES = ("engagement_squares", "reach_squares")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for name in SQUARES:
                batch.add_column(sa.Column(name, sa.Float(), nullable=False, server_default="0"))
    from luister.storage.rollups import rebuild_on  # derived data: the current code counts

    rebuild_on(op.get_bind())


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            for name in SQUARES:
                batch.drop_column(name)
