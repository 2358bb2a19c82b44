"""scheduled reports get a department: report_schedule.department (NULL: the company's, as every existing one)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing schedules stay company-wide (NULL): they were made by people across departments and
    # their reports already carried the whole company's figures.
    with op.batch_alter_table("report_schedule", recreate="auto") as batch:
        batch.add_column(sa.Column("department", sa.String(length=40), nullable=True))
    op.create_index("ix_report_schedule_department", "report_schedule", ["department"])


def downgrade() -> None:
    op.drop_index("ix_report_schedule_department", table_name="report_schedule")
    with op.batch_alter_table("report_schedule", recreate="auto") as batch:
        batch.drop_column("department")
