"""indexes for the mention list's reach and engagement sorts: (value, id) as the keyset cursor walks them
(SQLite and PostgreSQL; the expressions are those of luister.storage.tables.REACH and ENGAGEMENT)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

REACH = "coalesce(author_followers, 0)"
ENGAGEMENT = "(coalesce(like_count, 0) + coalesce(share_count, 0) + coalesce(reply_count, 0))"


def upgrade() -> None:
    op.create_index("ix_mention_reach", "mention", [sa.text(REACH), "id"], unique=False)
    op.create_index("ix_mention_engagement", "mention", [sa.text(ENGAGEMENT), "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mention_engagement", table_name="mention")
    op.drop_index("ix_mention_reach", table_name="mention")
