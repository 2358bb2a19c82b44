"""the inbox at speed: tab counts kept by triggers (conversation_tally), full-text search over a
conversation's subject and author (PostgreSQL: a GIN index on a 'simple' tsvector; SQLite: an FTS5 table
with external content kept by triggers), the near-deadline count's index, a person's mentions by handle

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Written out here (not imported): a migration is a snapshot. The inbox's read.py builds the same
# expression (luister.inbox.tables.SEARCH_DOCUMENT); a test checks PostgreSQL uses this index for it.
# Every run of characters other than letters and digits becomes a space first, so that PostgreSQL's
# parser sees plain words (no e-mail, host or URL tokens) and splits as SQLite's unicode61 tokenizer does.
_DOCUMENT = (
    "to_tsvector('simple', regexp_replace(subject || ' ' || coalesce(author_handle, ''),"
    " '[^[:alnum:]]+', ' ', 'g'))"
)
_HOT = "sla_state IN ('warning', 'breached')"
_CALM_DUE = (
    "sla_due_at IS NOT NULL AND status NOT IN ('resolved', 'snoozed')"
    " AND sla_state NOT IN ('warning', 'breached')"
)


def _postgres_tally_change(rows: str) -> str:
    """One statement over the statement's transition tables, its groups in key order: concurrent writers
    lock the tally's rows in the same order."""
    return f"""
    INSERT INTO conversation_tally AS t (status, department_id, assignee_id, sla_hot, conversations)
    SELECT c.status, c.department_id, c.assignee_id, c.sla_hot, sum(c.n)
    FROM ({rows}) AS c (status, department_id, assignee_id, sla_hot, n)
    GROUP BY c.status, c.department_id, c.assignee_id, c.sla_hot
    HAVING sum(c.n) <> 0
    ORDER BY c.status, c.department_id, c.assignee_id, c.sla_hot
    ON CONFLICT (status, department_id, assignee_id, sla_hot)
    DO UPDATE SET conversations = t.conversations + excluded.conversations;"""


def _postgres_rows(table: str, sign: str) -> str:
    return (
        f"SELECT status, coalesce(department_id, 0), coalesce(assignee_id, 0), {_HOT}, {sign}1 FROM {table}"
    )


_POSTGRES_TALLY = f"""
CREATE FUNCTION conversation_tally_keep() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {_postgres_tally_change(_postgres_rows("new_rows", "+"))}
    ELSIF TG_OP = 'DELETE' THEN {_postgres_tally_change(_postgres_rows("old_rows", "-"))}
    ELSE {
    _postgres_tally_change(_postgres_rows("old_rows", "-") + " UNION ALL " + _postgres_rows("new_rows", "+"))
}
    END IF;
    RETURN NULL;
END
$$
"""


def _sqlite_tally_change(row: str, sign: str) -> str:
    return (
        "INSERT INTO conversation_tally (status, department_id, assignee_id, sla_hot, conversations) "
        f"VALUES ({row}.status, coalesce({row}.department_id, 0), coalesce({row}.assignee_id, 0), "
        f"{row}.{_HOT}, {sign}1) "
        "ON CONFLICT (status, department_id, assignee_id, sla_hot) "
        f"DO UPDATE SET conversations = conversations {sign} 1;"
    )


_SQLITE_FTS_ADD = (
    "INSERT INTO conversation_search (rowid, subject, author_handle) "
    "VALUES (new.id, new.subject, new.author_handle);"
)
_SQLITE_FTS_REMOVE = (
    "INSERT INTO conversation_search (conversation_search, rowid, subject, author_handle) "
    "VALUES ('delete', old.id, old.subject, old.author_handle);"
)


def upgrade() -> None:
    op.create_table(
        "conversation_tally",
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("department_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("assignee_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("sla_hot", sa.Boolean(), nullable=False),
        sa.Column("conversations", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "status", "department_id", "assignee_id", "sla_hot", name=op.f("pk_conversation_tally")
        ),
    )
    op.execute(
        "INSERT INTO conversation_tally (status, department_id, assignee_id, sla_hot, conversations) "
        f"SELECT status, coalesce(department_id, 0), coalesce(assignee_id, 0), {_HOT}, count(*) "
        f"FROM conversation GROUP BY status, coalesce(department_id, 0), coalesce(assignee_id, 0), {_HOT}"
    )
    # the breaching tab's other half: live conversations not yet warned whose deadline is near
    op.create_index(
        "ix_conversation_calm_due",
        "conversation",
        ["sla_due_at", "status", "department_id", "assignee_id"],
        unique=False,
        sqlite_where=sa.text(_CALM_DUE),
        postgresql_where=sa.text(_CALM_DUE),
    )
    op.create_index(
        "ix_mention_author_handle",
        "mention",
        ["author_handle", "published_at"],
        unique=False,
        sqlite_where=sa.text("author_handle IS NOT NULL"),
        postgresql_where=sa.text("author_handle IS NOT NULL"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRES_TALLY)
        for event, tables in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER conversation_tally_{event.lower()} AFTER {event} ON conversation "
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION conversation_tally_keep()"
            )
        op.execute(f"CREATE INDEX ix_conversation_search ON conversation USING gin ({_DOCUMENT})")
        return
    changed = (
        "old.status IS NOT new.status OR old.department_id IS NOT new.department_id"
        " OR old.assignee_id IS NOT new.assignee_id OR old.sla_state IS NOT new.sla_state"
    )
    for statement in (
        f"CREATE TRIGGER conversation_tally_insert AFTER INSERT ON conversation BEGIN "
        f"{_sqlite_tally_change('new', '+')} END",
        f"CREATE TRIGGER conversation_tally_delete AFTER DELETE ON conversation BEGIN "
        f"{_sqlite_tally_change('old', '-')} END",
        "CREATE TRIGGER conversation_tally_update AFTER UPDATE OF status, department_id, assignee_id, "
        f"sla_state ON conversation WHEN {changed} BEGIN "
        f"{_sqlite_tally_change('old', '-')} {_sqlite_tally_change('new', '+')} END",
        # unicode61 keeps diacritics, as PostgreSQL's 'simple' configuration does: the same words match
        "CREATE VIRTUAL TABLE conversation_search USING fts5(subject, author_handle, content='conversation',"
        " content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
        f"CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversation BEGIN {_SQLITE_FTS_ADD} END",
        "CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversation "
        f"BEGIN {_SQLITE_FTS_REMOVE} END",
        "CREATE TRIGGER conversation_search_update AFTER UPDATE OF subject, author_handle ON conversation "
        f"BEGIN {_SQLITE_FTS_REMOVE} {_SQLITE_FTS_ADD} END",
        "INSERT INTO conversation_search (conversation_search) VALUES ('rebuild')",
    ):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_conversation_search")
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER conversation_tally_{event} ON conversation")
        op.execute("DROP FUNCTION conversation_tally_keep()")
    else:
        for name in ("search_insert", "search_delete", "search_update", "tally_insert", "tally_delete",
                     "tally_update"):  # fmt: skip
            op.execute(f"DROP TRIGGER conversation_{name}")
        op.execute("DROP TABLE conversation_search")
    op.drop_index("ix_mention_author_handle", table_name="mention")
    op.drop_index("ix_conversation_calm_due", table_name="conversation")
    op.drop_table("conversation_tally")
