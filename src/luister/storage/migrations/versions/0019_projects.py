"""social projects: project (budget, timing, what identifies it, objectives, evaluation) and project_spend

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import BigId, JsonText, UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=True),
        sa.Column("department", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("topics", JsonText, nullable=False),
        sa.Column("hashtags", JsonText, nullable=False),
        sa.Column("links", JsonText, nullable=False),
        sa.Column("channels", JsonText, nullable=False),
        sa.Column("countries", JsonText, nullable=False),
        sa.Column("objectives", sa.Text(), nullable=False),
        sa.Column("kpi_ids", JsonText, nullable=False),
        sa.Column("evaluation", sa.Text(), nullable=True),
        sa.Column("objectives_met", sa.Boolean(), nullable=True),
        sa.Column("evaluated_at", UtcDateTime(), nullable=True),
        sa.Column("evaluated_by", sa.String(length=254), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('campaign', 'community', 'webcare_pilot')", name=op.f("ck_project_kind")
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_project_dates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project")),
    )
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index("ix_project_starts_on", ["starts_on"], unique=False)

    op.create_table(
        "project_spend",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("project_id", BigId, nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=254), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_project_spend_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_spend")),
    )
    with op.batch_alter_table("project_spend", schema=None) as batch_op:
        batch_op.create_index("ix_project_spend_project", ["project_id", "spent_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("project_spend", schema=None) as batch_op:
        batch_op.drop_index("ix_project_spend_project")
    op.drop_table("project_spend")
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.drop_index("ix_project_starts_on")
    op.drop_table("project")
