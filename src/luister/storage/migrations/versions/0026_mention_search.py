"""search all of history: a full-text index of mentions (SQLite: a contentless FTS5 table whose rowid is
the mention's id; PostgreSQL: a tsvector per mention with a GIN index) and the record of its build

The index is filled for the mentions already stored by ``luister search build`` (also run by
``luister db upgrade`` right after this migration), in batches that each commit: interrupted, it goes on
where it stopped. Mentions written from now on are indexed by the writer.

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mention_index_build",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_id", sa.BigInteger(), nullable=False),
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mention_index_build")),
    )
    # ids 1 .. the newest stored now are left to the build; newer ones the writer indexes
    op.execute(
        "INSERT INTO mention_index_build (id, next_id, target_id) "
        "SELECT 1, 1, coalesce(max(id), 0) FROM mention"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE mention_search (mention_id BIGINT PRIMARY KEY "
            "REFERENCES mention (id) ON DELETE CASCADE, keys tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_mention_search_keys ON mention_search USING gin (keys)")
        return
    # tokens are [a-z0-9_] only (luister.domain.query_index.encode): '_' must stay inside them
    op.execute(
        "CREATE VIRTUAL TABLE mention_search USING fts5(keys, content='', detail=none, "
        "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")"
    )


def downgrade() -> None:
    op.execute("DROP TABLE mention_search")
    op.drop_table("mention_index_build")
