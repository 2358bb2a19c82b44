"""training: training_setting (belts gate permissions or not) and training_attempt (quiz attempts)

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import BigId, JsonText, UtcDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "training_setting",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("gates_on", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=255), nullable=True),
        sa.Column("changed_at", UtcDateTime, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_training_setting_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_setting")),
    )
    op.create_table(
        "training_attempt",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("module", sa.String(length=60), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("answers", JsonText, nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_training_attempt_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_attempt")),
    )
    op.create_index("ix_training_attempt_user_id_module", "training_attempt", ["user_id", "module"])


def downgrade() -> None:
    op.drop_index("ix_training_attempt_user_id_module", table_name="training_attempt")
    op.drop_table("training_attempt")
    op.drop_table("training_setting")
