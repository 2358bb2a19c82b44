"""analysis results on mentions and user corrections

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from luister.storage.tables import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sentiment", sa.String(8), nullable=True))
        batch_op.add_column(sa.Column("sentiment_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("sentiment_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("intents", sa.String(120), nullable=True))
        json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
        batch_op.add_column(sa.Column("intent_scores", json_type, nullable=True))
        batch_op.add_column(sa.Column("analysis_model", sa.String(40), nullable=True))
    op.create_table(
        "correction",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("mention_id", _ID, nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("previous", sa.Text(), nullable=True),
        sa.Column("corrected_by", sa.String(120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("field IN ('sentiment', 'intents')", name=op.f("ck_correction_field")),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mention.id"], name=op.f("fk_correction_mention_id_mention"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction")),
    )
    with op.batch_alter_table("correction", schema=None) as batch_op:
        batch_op.create_index("ix_correction_mention", ["mention_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("correction")
    with op.batch_alter_table("mention", schema=None) as batch_op:
        for column in ("analysis_model", "intent_scores", "intents"):
            batch_op.drop_column(column)
        for column in ("sentiment_confidence", "sentiment_score", "sentiment"):
            batch_op.drop_column(column)
