"""saved searches of the mention list, per person (saved_search), and tags on mentions (mention_tag)

Revision ID: 0030
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import BigId, UtcDateTime

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_search",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("query_string", sa.String(length=4000), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_saved_search_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_search")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_search_user_id_name")),
    )
    op.create_table(
        "mention_tag",
        sa.Column("mention_id", BigId, nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("tagged_by", sa.String(length=254), nullable=False),
        sa.Column("tagged_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mention_id"], ["mention.id"], name=op.f("fk_mention_tag_mention_id_mention"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("mention_id", "tag", name=op.f("pk_mention_tag")),
    )
    op.create_index("ix_mention_tag_tag", "mention_tag", ["tag", "mention_id"])


def downgrade() -> None:
    op.drop_index("ix_mention_tag_tag", table_name="mention_tag")
    op.drop_table("mention_tag")
    op.drop_table("saved_search")
