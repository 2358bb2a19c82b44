"""scheduled reports: report_schedule and report_run (one per schedule and period)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import BigId, JsonText, UtcDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_schedule",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("recipients", JsonText, nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("zone", sa.String(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "report_run",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("schedule_id", BigId, nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("due_at", UtcDateTime, nullable=False),
        sa.Column("effect_id", BigId, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(["schedule_id"], ["report_schedule.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_id", "period_start", name="uq_report_run_period"),
    )


def downgrade() -> None:
    op.drop_table("report_run")
    op.drop_table("report_schedule")
