"""The knowledge base's and reverse mentoring's tables.

``kb_article`` holds each article's current text; ``kb_article_version`` every version of it (who
changed what, when, why). ``kb_link`` ties an article to what it helps with: (article, target_kind,
target_key), so processes can be added as a kind of target without a change of schema.

Searching is not in this metadata because it differs per database (migration 0028): on PostgreSQL a GIN
index on :data:`SEARCH_DOCUMENT`, stemmed by the article's language; on SQLite an FTS5 table of stems that
the actions keep (:data:`SEARCH_TABLE`)."""

from __future__ import annotations

import sqlalchemy as sa

from luister.organisation.knowledge import ArticleKind, Language, TargetKind
from luister.storage.tables import BigId, JsonText, UtcDateTime, _now, metadata


def _one_of(column: str, values: object) -> sa.CheckConstraint:
    names = ", ".join(f"'{v.value}'" for v in values)  # type: ignore[attr-defined]
    return sa.CheckConstraint(f"{column} IN ({names})", name=column)


kb_article = sa.Table(
    "kb_article",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("language", sa.String(2), nullable=False),
    # the article this one translates (translations share the original): NULL for an original
    sa.Column("translation_of", BigId, sa.ForeignKey("kb_article.id", ondelete="SET NULL"), nullable=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # Markdown
    sa.Column("tags", sa.Text, nullable=False, default=""),  # space-separated, searchable and filterable
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_by", sa.String(254), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now),
    _one_of("kind", ArticleKind),
    _one_of("language", Language),
    sa.Index("ix_kb_article_translation_of", "translation_of"),
)

kb_article_version = sa.Table(
    "kb_article_version",
    metadata,
    sa.Column("article_id", BigId, sa.ForeignKey("kb_article.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("note", sa.String(500), nullable=False, default=""),  # why it changed
    sa.Column("edited_by", sa.String(254), nullable=False),
    sa.Column("edited_at", UtcDateTime, nullable=False),
)

kb_link = sa.Table(
    "kb_link",
    metadata,
    sa.Column("article_id", BigId, sa.ForeignKey("kb_article.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("target_kind", sa.String(16), primary_key=True),
    sa.Column("target_key", sa.String(80), primary_key=True),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    _one_of("target_kind", TargetKind),
    sa.Index("ix_kb_link_target", "target_kind", "target_key"),
)

mentoring_pair = sa.Table(
    "mentoring_pair",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("mentor", sa.String(120), nullable=False),  # a name or an e-mail address
    sa.Column("mentor_role", sa.String(120), nullable=False, default=""),
    sa.Column("mentee", sa.String(120), nullable=False),  # the executive being mentored
    sa.Column("mentee_role", sa.String(120), nullable=False, default=""),
    sa.Column("goal", sa.Text, nullable=False, default=""),
    sa.Column("started_on", sa.Date, nullable=False),
    sa.Column("ended_on", sa.Date, nullable=True),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.UniqueConstraint("mentor", "mentee", "started_on", name="uq_mentoring_pair_people"),
)

mentoring_session = sa.Table(
    "mentoring_session",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("pair_id", BigId, sa.ForeignKey("mentoring_pair.id", ondelete="CASCADE"), nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("topics", JsonText, nullable=False),  # short phrases: "TikTok", "webcare tone", …
    sa.Column("notes", sa.Text, nullable=False, default=""),
    sa.Column("minutes", sa.Integer, nullable=True),
    sa.Column("recorded_by", sa.String(254), nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False, default=_now),
    sa.Index("ix_mentoring_session_pair", "pair_id", "held_on"),
)

SEARCH_TABLE = "kb_article_search"
SEARCH_INDEX = "ix_kb_article_search"
# PostgreSQL: the article's title (weight A), tags (B) and body (D), stemmed by its language's Snowball
# configuration; migration 0028 indexes this expression (written out there: a migration is a snapshot).


def search_document(prefix: str = "kb_article.") -> str:
    def vector(config: str) -> str:
        return (
            f"setweight(to_tsvector('{config}', {prefix}title), 'A') || "
            f"setweight(to_tsvector('{config}', replace(replace({prefix}tags, '-', ' '), '_', ' ')), 'B') || "
            f"setweight(to_tsvector('{config}', {prefix}body), 'D')"
        )

    return f"(CASE WHEN {prefix}language = 'nl' THEN {vector('dutch')} ELSE {vector('english')} END)"


SEARCH_DOCUMENT = search_document()
metadata.info.setdefault("undeclared", set()).update((SEARCH_TABLE, SEARCH_INDEX))
