"""The database schema (SQLAlchemy Core). Migrations in ``migrations/versions`` must match it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

from luister.domain.rollups import PROJECTIONS, Projection

SCHEMA_REVISION = "0033"

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite aliases INTEGER PRIMARY KEY to rowid
JsonText = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps naive text; we add the zone back)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def declared(name: str | None, type_: str, *_: Any) -> bool:
    """Whether a database object belongs to this metadata for migrations and their comparison: not the
    per-database ones a capability keeps outside it (``metadata.info["undeclared"]``: an FTS5 table and
    its shadow tables ``<name>_data``, ``<name>_idx``, …; an expression index). Alembic's ``include_name``
    hook."""
    undeclared = metadata.info.get("undeclared", set())
    if name is None or type_ not in ("table", "index"):
        return True
    return not any(name == u or (type_ == "table" and name.startswith(f"{u}_")) for u in undeclared)


def _where_not_null(column: str) -> dict[str, Any]:
    """Partial-index options: only rows that have a value are indexed (on both backends)."""
    clause = sa.text(f"{column} IS NOT NULL")
    return {"sqlite_where": clause, "postgresql_where": clause}


def _now() -> datetime:
    return datetime.now(UTC)


source = sa.Table(
    "source",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("connector", sa.String(40), nullable=False),
    sa.Column("options", JsonText, nullable=False, default=dict),
    sa.Column("cursor", JsonText, nullable=True),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("poll_interval_s", sa.Integer, nullable=True),
    sa.Column("retention_days", sa.Integer, nullable=True),
    sa.Column("department", sa.String(40), nullable=True),  # whose source it is (None: the company's)
    sa.Column("last_run_at", UtcDateTime, nullable=True),
    sa.Column("last_success_at", UtcDateTime, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("last_error_at", UtcDateTime, nullable=True),
    sa.Column("next_run_at", UtcDateTime, nullable=True),
    sa.Column("failures", sa.Integer, nullable=False, default=0, server_default="0"),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now, onupdate=_now),
)

source_run = sa.Table(
    "source_run",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("source_id", BigId, sa.ForeignKey("source.id", ondelete="CASCADE"), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=False),
    sa.Column("fetched", sa.Integer, nullable=False),
    sa.Column("stored", sa.Integer, nullable=False),
    sa.Column("rejected", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("ix_source_run_source_started", "source_id", "started_at"),
)

topic = sa.Table(
    "topic",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False, default="other"),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("department", sa.String(40), nullable=True),  # whose topic it is; NULL: the whole company's
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now, onupdate=_now),
    sa.CheckConstraint("kind IN ('brand', 'competitor', 'campaign', 'other')", name="kind"),
)

mention = sa.Table(
    "mention",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("external_id", sa.String(512), nullable=False),
    sa.Column("source_id", BigId, sa.ForeignKey("source.id", ondelete="SET NULL"), nullable=True),
    sa.Column("url", sa.Text, nullable=True),
    sa.Column("author_handle", sa.String(255), nullable=True),
    sa.Column("author_name", sa.String(255), nullable=True),
    sa.Column("author_followers", sa.BigInteger, nullable=True),
    sa.Column("title", sa.Text, nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("country", sa.String(8), nullable=True),
    sa.Column("published_at", UtcDateTime, nullable=False),
    sa.Column("fetched_at", UtcDateTime, nullable=False),
    # false when the source gave no date: published_at then holds fetched_at, and people are told so
    sa.Column("date_known", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("parent_id", sa.String(512), nullable=True),
    sa.Column("thread_id", sa.String(512), nullable=True),
    sa.Column("like_count", sa.BigInteger, nullable=True),
    sa.Column("share_count", sa.BigInteger, nullable=True),
    sa.Column("reply_count", sa.BigInteger, nullable=True),
    sa.Column("view_count", sa.BigInteger, nullable=True),
    sa.Column("fingerprint", sa.BigInteger, nullable=True),
    sa.Column("duplicate_of", BigId, sa.ForeignKey("mention.id", ondelete="SET NULL"), nullable=True),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("sentiment", sa.String(8), nullable=True),
    sa.Column("sentiment_score", sa.Float, nullable=True),
    sa.Column("sentiment_confidence", sa.Float, nullable=True),
    sa.Column("intents", sa.String(120), nullable=True),  # labels joined by commas: "complaint,churn"
    sa.Column("primary_intent", sa.String(12), nullable=True),  # the most urgent of them, for routing
    sa.Column("intent_scores", JsonText, nullable=True),
    sa.Column("analysis_model", sa.String(40), nullable=True),  # which model (or "human") set the labels
    sa.UniqueConstraint("channel", "external_id"),
    sa.Index("ix_mention_published_at", "published_at"),
    sa.Index("ix_mention_fingerprint", "fingerprint", "id", **_where_not_null("fingerprint")),
    sa.Index("ix_mention_author", "channel", "author_handle", **_where_not_null("author_handle")),
    # a person's mentions across channels, newest first (the inbox's author panel)
    sa.Index("ix_mention_author_handle", "author_handle", "published_at", **_where_not_null("author_handle")),
    sa.Index("ix_mention_thread", "channel", "thread_id", **_where_not_null("thread_id")),
)


def _zero_if_unknown(column: sa.Column[Any]) -> sa.ColumnElement[Any]:
    """``column``, 0 where unknown; the 0 is written into the SQL (not bound), so that a query's sort
    expression is the very expression of its index (SQLite and PostgreSQL match them as written)."""
    return sa.func.coalesce(column, sa.literal_column("0"))


# the mention list's other sorts, most first, ties newest first: keyset-paged on (value, id) along these
REACH = _zero_if_unknown(mention.c.author_followers)  # the author's followers
ENGAGEMENT = (_zero_if_unknown(mention.c.like_count) + _zero_if_unknown(mention.c.share_count)
              + _zero_if_unknown(mention.c.reply_count))  # fmt: skip  # as luister.domain.rollups.engagement
# migration 0031 indexes (value, id) of both, as the sorts' cursors walk them; expression indexes stay out
# of the metadata (SQLAlchemy reflects none on SQLite): the EXPLAIN tests hold query and index together
SORT_INDEXES = ("ix_mention_reach", "ix_mention_engagement")
metadata.info.setdefault("undeclared", set()).update(SORT_INDEXES)

mention_topic = sa.Table(
    "mention_topic",
    metadata,
    sa.Column("mention_id", BigId, sa.ForeignKey("mention.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", BigId, sa.ForeignKey("topic.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_mention_topic_topic", "topic_id", "mention_id"),
)

# labels people put on mentions from the mention list (its bulk selection); the list filters on them
mention_tag = sa.Table(
    "mention_tag",
    metadata,
    sa.Column("mention_id", BigId, sa.ForeignKey("mention.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag", sa.String(40), primary_key=True),
    sa.Column("tagged_by", sa.String(254), nullable=False),
    sa.Column("tagged_at", UtcDateTime, nullable=False),
    sa.Index("ix_mention_tag_tag", "tag", "mention_id"),
)

correction = sa.Table(
    "correction",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("mention_id", BigId, sa.ForeignKey("mention.id", ondelete="CASCADE"), nullable=False),
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("previous", sa.Text, nullable=True),
    sa.Column("corrected_by", sa.String(120), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.CheckConstraint("field IN ('sentiment', 'intents')", name="field"),
    sa.Index("ix_correction_mention", "mention_id", "id"),
)

rejected = sa.Table(
    "rejected",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("source_id", BigId, sa.ForeignKey("source.id", ondelete="SET NULL"), nullable=True),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("position", sa.String(120), nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("raw_hash", sa.String(32), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.UniqueConstraint("origin", "position", "raw_hash"),
)


alert_channel = sa.Table(
    "alert_channel",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("kind", sa.String(40), nullable=False),  # a registered channel: email, webhook, …
    sa.Column("options", JsonText, nullable=False, default=dict),
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
)

alert_rule = sa.Table(
    "alert_rule",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("topic_id", BigId, sa.ForeignKey("topic.id", ondelete="CASCADE"), nullable=True),
    sa.Column("query", sa.Text, nullable=True),
    sa.Column("intent", sa.String(20), nullable=True),
    sa.Column("min_followers", sa.BigInteger, nullable=True),
    sa.Column("threshold", sa.Float, nullable=True),  # negative_share: the share (0–1) that fires
    sa.Column("sensitivity", sa.Float, nullable=False, default=0.0005),
    sa.Column("min_count", sa.Integer, nullable=False, default=10),
    sa.Column("cooldown_minutes", sa.Integer, nullable=False, default=120),
    sa.Column("severity", sa.String(10), nullable=False, default="warning"),
    sa.Column("channels", JsonText, nullable=False, default=list),  # alert_channel names
    sa.Column("playbook", JsonText, nullable=True),  # {"name": …, "steps": [{title, owner, due_minutes, …}]}
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("last_mention_id", BigId, nullable=True),  # event rules: the newest mention already judged
    sa.Column("note", sa.Text, nullable=True),  # spike rules: why the last check judged nothing, if so
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now, onupdate=_now),
    sa.CheckConstraint(
        "kind IN ('volume_spike', 'negative_spike', 'query', 'intent', 'influencer', 'negative_share',"
        " 'sla_breach')",
        name="kind",
    ),
)

alert = sa.Table(
    "alert",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("rule_id", BigId, sa.ForeignKey("alert_rule.id", ondelete="CASCADE"), nullable=False),
    sa.Column("topic_id", BigId, sa.ForeignKey("topic.id", ondelete="SET NULL"), nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("status", sa.String(14), nullable=False, default="open"),
    sa.Column("title", sa.Text, nullable=False),  # in English, for channels and the command line
    sa.Column("message", JsonText, nullable=True),  # the title as key + values, for each reader's language
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("opened_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),  # the newest evidence; cooldown counts from it
    sa.Column("mentions", sa.Integer, nullable=False, default=0),
    sa.Column("expected", sa.Float, nullable=True),
    sa.Column("sample_ids", JsonText, nullable=False, default=list),
    sa.Column("revision", sa.Integer, nullable=False, default=1),  # bumped by each update that is delivered
    sa.Column("notified_mentions", sa.Integer, nullable=False, default=0),  # evidence at the last delivery
    sa.Column("acknowledged_by", sa.String(120), nullable=True),
    sa.Column("acknowledged_at", UtcDateTime, nullable=True),
    sa.Column("resolved_by", sa.String(120), nullable=True),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved')", name="status"),
    sa.Index("ix_alert_rule_status", "rule_id", "status", "last_seen_at"),
    sa.Index("ix_alert_opened", "opened_at"),
)

alert_event = sa.Table(
    "alert_event",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("alert_id", BigId, sa.ForeignKey("alert.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # opened, updated, acknowledged, resolved, step_done, …
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("by", sa.String(120), nullable=True),
    sa.Index("ix_alert_event_alert", "alert_id", "id"),
)

alert_delivery = sa.Table(
    "alert_delivery",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("alert_id", BigId, sa.ForeignKey("alert.id", ondelete="CASCADE"), nullable=False),
    sa.Column("channel", sa.String(120), nullable=False),  # alert_channel name
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("status", sa.String(10), nullable=False, default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", UtcDateTime, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("sent_at", UtcDateTime, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.UniqueConstraint("alert_id", "channel", "revision"),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
    sa.Index("ix_alert_delivery_due", "status", "next_attempt_at"),
)

alert_step = sa.Table(
    "alert_step",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("alert_id", BigId, sa.ForeignKey("alert.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("owner", sa.String(120), nullable=True),  # a department or role: communications, legal, …
    sa.Column("due_at", UtcDateTime, nullable=True),
    sa.Column("template", JsonText, nullable=True),  # holding statements per language: {"nl": …, "en": …}
    sa.Column("done_at", UtcDateTime, nullable=True),
    sa.Column("done_by", sa.String(120), nullable=True),
    sa.UniqueConstraint("alert_id", "position"),
)


user_account = sa.Table(
    "user_account",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),  # stored lower-case
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),  # argon2id
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("department", sa.String(40), nullable=True),  # the roadmap's routing and digests use it
    sa.Column("language", sa.String(5), nullable=False, default="en"),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("last_login_at", UtcDateTime, nullable=True),
    sa.CheckConstraint("role IN ('admin', 'analyst', 'agent', 'viewer')", name="role"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False, default=_now),
    sa.Column("actor", sa.String(254), nullable=False),  # a user's e-mail, or "cli", "system"
    sa.Column("action", sa.String(60), nullable=False),  # e.g. user.create, login.failed
    sa.Column("target", sa.String(254), nullable=True),
    sa.Column("detail", JsonText, nullable=True),
    sa.Column("ip", sa.String(45), nullable=True),
    sa.Index("ix_audit_log_at", "at"),
)

api_token = sa.Table(
    "api_token",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", BigId, sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # sha256 hex of the whole token
    sa.Column("prefix", sa.String(16), nullable=False),  # the first characters, shown to tell tokens apart
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

# Privacy (luister.privacy). The mentions erased at a person's request, by their platform's id only: the
# writer never stores them again, whoever fetches or imports the same post later.
erased_mention = sa.Table(
    "erased_mention",
    metadata,
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("external_id", sa.String(512), primary_key=True),
    sa.Column("erased_at", UtcDateTime, nullable=False),
)

# Rollup buckets before ``before`` are final: retention deleted mentions they count, so a recount
# leaves them as they are (one row, id 1; none until retention first deletes a mention).
rollup_final = sa.Table(
    "rollup_final",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("before", UtcDateTime, nullable=False),
)

# Rollups (luister.domain.rollups): counts maintained with every stored batch, so dashboards, KPIs and
# alerts read thousands of rows instead of millions of mentions. One table per projection; topic_id 0
# holds all mentions (so it is not a foreign key); '' is "unknown" in the text dimensions.
_DIMENSION_TYPES = {"channel": 32, "country": 8, "language": 8, "sentiment": 8, "intent": 20}


def _rollup_table(projection: Projection) -> sa.Table:
    sums = (
        [sa.Column("mentions", sa.Integer, nullable=False)]
        if projection.intents
        else [
            sa.Column("mentions", sa.Integer, nullable=False),
            sa.Column("duplicates", sa.Integer, nullable=False),  # near-duplicates among them
            sa.Column("sentiment_sum", sa.Float, nullable=False),  # sum of sentiment scores (−1…+1)
            sa.Column("engagement", sa.BigInteger, nullable=False),  # likes + shares + replies
            sa.Column("reach", sa.BigInteger, nullable=False),  # authors' followers, summed per mention
            # Σ engagement² and Σ followers² per mention (floats: squares of large audiences overflow
            # 64 bits), for the KPIs' intervals; 0 in buckets counted before migration 0033 and then retired
            sa.Column("engagement_squares", sa.Float, nullable=False, server_default="0"),
            sa.Column("reach_squares", sa.Float, nullable=False, server_default="0"),
        ]
    )
    return sa.Table(
        projection.table,
        metadata,
        sa.Column("topic_id", BigId, primary_key=True),
        sa.Column("bucket", UtcDateTime, primary_key=True),  # the hour, or the UTC day, it counts
        *(sa.Column(dim, sa.String(_DIMENSION_TYPES[dim]), primary_key=True) for dim in projection.dims),
        *sums,
    )


ROLLUP_TABLES = {projection.table: _rollup_table(projection) for projection in PROJECTIONS}
rollup_hour = ROLLUP_TABLES["rollup_hour"]
rollup_intent_hour = ROLLUP_TABLES["rollup_intent_hour"]
