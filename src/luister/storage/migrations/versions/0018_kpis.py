"""goals → KPIs with targets per period, and external series with their points (issue #31)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import BigId, JsonText, UtcDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goal",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", BigId, nullable=True),
        sa.Column("department", sa.String(length=40), nullable=True),
        sa.Column("parent_id", BigId, nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_goal_owner_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["goal.id"], name=op.f("fk_goal_parent_id_goal"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal")),
        sa.UniqueConstraint("name", name=op.f("uq_goal_name")),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index("ix_goal_parent_id", ["parent_id"], unique=False)

    op.create_table(
        "kpi",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("goal_id", BigId, nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("formula", sa.String(length=40), nullable=True),
        sa.Column("params", JsonText, nullable=False),
        sa.Column("series_key", sa.String(length=60), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("owner_id", BigId, nullable=True),
        sa.Column("department", sa.String(length=40), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("direction IN ('up', 'down')", name=op.f("ck_kpi_direction")),
        sa.CheckConstraint("(formula IS NULL) <> (series_key IS NULL)", name=op.f("ck_kpi_definition")),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goal.id"], name=op.f("fk_kpi_goal_id_goal"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["user_account.id"], name=op.f("fk_kpi_owner_id_user_account"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi")),
        sa.UniqueConstraint("key", name=op.f("uq_kpi_key")),
    )
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_goal_id", ["goal_id"], unique=False)

    op.create_table(
        "kpi_target",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kpi_id", BigId, nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "period_kind IN ('week', 'month', 'quarter', 'year')", name=op.f("ck_kpi_target_period_kind")
        ),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["kpi.id"], name=op.f("fk_kpi_target_kpi_id_kpi"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_target")),
        sa.UniqueConstraint(
            "kpi_id",
            "period_kind",
            "period_start",
            name=op.f("uq_kpi_target_kpi_id_period_kind_period_start"),
        ),
    )
    op.create_table(
        "external_series",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_series")),
        sa.UniqueConstraint("key", name=op.f("uq_external_series_key")),
    )
    op.create_table(
        "external_point",
        sa.Column("series_id", BigId, nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("imported_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["external_series.id"],
            name=op.f("fk_external_point_series_id_external_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("series_id", "period", name=op.f("pk_external_point")),
    )


def downgrade() -> None:
    op.drop_table("external_point")
    op.drop_table("external_series")
    op.drop_table("kpi_target")
    with op.batch_alter_table("kpi", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_goal_id")
    op.drop_table("kpi")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index("ix_goal_parent_id")
    op.drop_table("goal")
