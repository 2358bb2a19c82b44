"""maturity assessment: maturity_assessment (answers, scored) and maturity_snapshot (one per month)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import BigId, JsonText, UtcDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "maturity_assessment",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("answers", JsonText, nullable=False),
        sa.Column("stages", JsonText, nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=254), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("overall BETWEEN 1 AND 6", name=op.f("ck_maturity_assessment_overall")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maturity_assessment")),
    )
    op.create_index("ix_maturity_assessment_answered_at", "maturity_assessment", ["answered_at"])
    op.create_table(
        "maturity_snapshot",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("assessment_id", BigId, nullable=True),
        sa.Column("answered", JsonText, nullable=True),
        sa.Column("answered_overall", sa.Integer(), nullable=True),
        sa.Column("suggested", JsonText, nullable=False),
        sa.Column("suggested_overall", sa.Integer(), nullable=True),
        sa.Column("evidence", JsonText, nullable=False),
        sa.Column("model", sa.String(length=20), nullable=False),
        sa.Column("as_of", UtcDateTime(), nullable=False),
        sa.Column("taken_by", sa.String(length=254), nullable=False),
        sa.Column("taken_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["maturity_assessment.id"],
            name=op.f("fk_maturity_snapshot_assessment_id_maturity_assessment"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maturity_snapshot")),
        sa.UniqueConstraint("month", name=op.f("uq_maturity_snapshot_month")),
    )


def downgrade() -> None:
    op.drop_table("maturity_snapshot")
    op.drop_index("ix_maturity_assessment_answered_at", table_name="maturity_assessment")
    op.drop_table("maturity_assessment")
