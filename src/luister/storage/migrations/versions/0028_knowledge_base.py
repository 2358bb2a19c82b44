"""the centre of excellence: knowledge-base articles with their versions and links (kb_article,
kb_article_version, kb_link), searchable in Dutch and English (PostgreSQL: a GIN index on the article's
tsvector stemmed by its language's configuration; SQLite: an FTS5 table of stems the actions keep), and
reverse mentoring (mentoring_pair, mentoring_session)

Revision ID: 0028
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import BigId, JsonText, UtcDateTime

revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None


def _vector(config: str) -> str:
    return (
        f"setweight(to_tsvector('{config}', title), 'A') || "
        f"setweight(to_tsvector('{config}', replace(replace(tags, '-', ' '), '_', ' ')), 'B') || "
        f"setweight(to_tsvector('{config}', body), 'D')"
    )


# Written out here (not imported): luister.organisation.knowledge_tables.search_document builds the same.
_DOCUMENT = f"(CASE WHEN language = 'nl' THEN {_vector('dutch')} ELSE {_vector('english')} END)"
_KINDS = "'playbook', 'holding_statement', 'lesson_learned', 'project_evaluation', 'policy_faq'"
_TARGETS = "'alert_rule', 'alert_kind', 'intent', 'department', 'tag', 'project', 'project_kind', 'process'"


def upgrade() -> None:
    op.create_table(
        "kb_article",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("translation_of", BigId, nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=254), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(f"kind IN ({_KINDS})", name=op.f("ck_kb_article_kind")),
        sa.CheckConstraint("language IN ('nl', 'en')", name=op.f("ck_kb_article_language")),
        sa.ForeignKeyConstraint(
            ["translation_of"],
            ["kb_article.id"],
            name=op.f("fk_kb_article_translation_of_kb_article"),
            ondelete="SET NULL",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_article")),
        sa.UniqueConstraint("slug", name=op.f("uq_kb_article_slug")),
    )
    op.create_index("ix_kb_article_translation_of", "kb_article", ["translation_of"], unique=False)
    op.create_table(
        "kb_article_version",
        sa.Column("article_id", BigId, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("edited_by", sa.String(length=254), nullable=False),
        sa.Column("edited_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_article.id"],
            name=op.f("fk_kb_article_version_article_id_kb_article"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("article_id", "version", name=op.f("pk_kb_article_version")),
    )
    op.create_table(
        "kb_link",
        sa.Column("article_id", BigId, nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_key", sa.String(length=80), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(f"target_kind IN ({_TARGETS})", name=op.f("ck_kb_link_target_kind")),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["kb_article.id"],
            name=op.f("fk_kb_link_article_id_kb_article"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("article_id", "target_kind", "target_key", name=op.f("pk_kb_link")),
    )
    op.create_index("ix_kb_link_target", "kb_link", ["target_kind", "target_key"], unique=False)
    op.create_table(
        "mentoring_pair",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("mentor", sa.String(length=120), nullable=False),
        sa.Column("mentor_role", sa.String(length=120), nullable=False),
        sa.Column("mentee", sa.String(length=120), nullable=False),
        sa.Column("mentee_role", sa.String(length=120), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_pair")),
        sa.UniqueConstraint("mentor", "mentee", "started_on", name="uq_mentoring_pair_people"),
    )
    op.create_table(
        "mentoring_session",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("pair_id", BigId, nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topics", JsonText, nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=254), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pair_id"],
            ["mentoring_pair.id"],
            name=op.f("fk_mentoring_session_pair_id_mentoring_pair"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentoring_session")),
    )
    op.create_index("ix_mentoring_session_pair", "mentoring_session", ["pair_id", "held_on"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_kb_article_search ON kb_article USING gin ({_DOCUMENT})")
        return
    # stems, not words: SQLite has no stemmer, so the actions write each article's stems here
    op.execute(
        "CREATE VIRTUAL TABLE kb_article_search USING fts5(title, tags, body,"
        " tokenize='unicode61 remove_diacritics 0')"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_kb_article_search")
    else:
        op.execute("DROP TABLE kb_article_search")
    op.drop_index("ix_mentoring_session_pair", table_name="mentoring_session")
    op.drop_table("mentoring_session")
    op.drop_table("mentoring_pair")
    op.drop_index("ix_kb_link_target", table_name="kb_link")
    op.drop_table("kb_link")
    op.drop_index("ix_kb_article_translation_of", table_name="kb_article")
    op.drop_table("kb_article_version")
    op.drop_table("kb_article")
