"""The listening capability's tables: each person's saved searches of the mention list."""

from __future__ import annotations

import sqlalchemy as sa

from luister.storage.tables import BigId, UtcDateTime, metadata

saved_search = sa.Table(
    "saved_search",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", BigId, sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("query_string", sa.String(4000), nullable=False),  # the list's address after "?", no cursor
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("user_id", "name"),
)
