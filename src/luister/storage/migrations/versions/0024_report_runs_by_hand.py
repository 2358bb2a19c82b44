"""report runs sent by hand ("send now"): report_run.requested_by; one scheduled run per period

Revision ID: 0024
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

SCHEDULED = sa.text("requested_by IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("report_run", recreate="auto") as batch:
        batch.add_column(sa.Column("requested_by", sa.String(length=255), nullable=True))
        batch.drop_constraint("uq_report_run_period", type_="unique")
    op.create_index("uq_report_run_scheduled", "report_run", ["schedule_id", "period_start"], unique=True,
                    sqlite_where=SCHEDULED, postgresql_where=SCHEDULED)  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_report_run_scheduled", table_name="report_run")
    op.execute("DELETE FROM report_run WHERE requested_by IS NOT NULL")
    with op.batch_alter_table("report_run", recreate="auto") as batch:
        batch.create_unique_constraint("uq_report_run_period", ["schedule_id", "period_start"])
        batch.drop_column("requested_by")
