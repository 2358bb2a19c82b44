"""The inbox capability's tables: departments and their people, routing rules, SLA policies,
conversations with their messages, events and tags, canned responses, notifications and digests.

A department's ``key`` is the same string topics, sources and user accounts carry in their
``department`` column (``customer-service``), so department scoping stays one rule
(:func:`luister.domain.accounts.scope_of`)."""

from __future__ import annotations

import sqlalchemy as sa

import luister.effects.tables  # noqa: F401  # reply_draft.effect_id refers to the ledger's table
from luister.storage.tables import BigId, JsonText, UtcDateTime, _now, _where_not_null, metadata

_PRIORITY = "priority IN ('urgent', 'high', 'normal', 'low')"
CALM_DUE = (
    "sla_due_at IS NOT NULL AND status NOT IN ('resolved', 'snoozed')"
    " AND sla_state NOT IN ('warning', 'breached')"
)

department = sa.Table(
    "department",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(40), nullable=False, unique=True),
    sa.Column("name_en", sa.String(80), nullable=False),
    sa.Column("name_nl", sa.String(80), nullable=False),
    # business hours: {"zone": "Europe/Amsterdam", "shifts": [[weekday, "08:00", "12:00"], ...],
    # "holidays": ["NL"]}; an empty object means around the clock
    sa.Column("calendar", JsonText, nullable=False),
    sa.Column("digest_every", sa.String(8), nullable=False, default="weekly"),
    sa.Column("assignment", sa.String(12), nullable=False, default="least_loaded"),  # or round_robin, manual
    # an assigned conversation without a reply from its agent for this long goes back to the queue
    sa.Column("reclaim_minutes", sa.Integer, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now, onupdate=_now),
    sa.CheckConstraint("digest_every IN ('daily', 'weekly', 'monthly')", name="digest_every"),
    sa.CheckConstraint("assignment IN ('manual', 'round_robin', 'least_loaded')", name="assignment"),
)

department_member = sa.Table(
    "department_member",
    metadata,
    sa.Column("department_id", BigId, sa.ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("languages", sa.String(40), nullable=False, default="nl,en"),  # ISO 639-1, comma-separated
    sa.Column("availability", sa.String(10), nullable=False, default="available"),
    sa.Column("capacity", sa.Integer, nullable=False, default=20),  # most open conversations at once
    sa.Column("last_assigned_at", UtcDateTime, nullable=True),  # round-robin takes the longest waiting
    sa.CheckConstraint("availability IN ('available', 'away', 'off')", name="availability"),
    sa.CheckConstraint("capacity >= 0", name="capacity"),
    sa.Index("ix_department_member_user_id", "user_id"),
)

sla_policy = sa.Table(
    "sla_policy",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("department_id", BigId, sa.ForeignKey("department.id", ondelete="CASCADE"), nullable=False),
    sa.Column("priority", sa.String(8), nullable=False),
    sa.Column("first_response_minutes", sa.Integer, nullable=True),
    sa.Column("next_response_minutes", sa.Integer, nullable=True),
    sa.Column("resolution_minutes", sa.Integer, nullable=True),
    sa.Column("warn_minutes", sa.Integer, nullable=False, default=15),
    sa.Column("business_hours", sa.Boolean, nullable=False, default=True),  # false: the wall clock
    sa.UniqueConstraint("department_id", "priority"),
    sa.CheckConstraint(_PRIORITY, name="priority"),
)

routing_rule = sa.Table(
    "routing_rule",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("position", sa.Integer, nullable=False),  # lower first; the first rule that matches routes
    # {"topics": [...], "query": "...", "intents": [...], "sentiments": [...], "languages": [...],
    #  "channels": [...], "countries": [...], "min_followers": n}
    sa.Column("conditions", JsonText, nullable=False),
    sa.Column("department_id", BigId, sa.ForeignKey("department.id", ondelete="CASCADE"), nullable=False),
    sa.Column("priority", sa.String(8), nullable=True),  # NULL: the priority the mention earns itself
    sa.Column("tags", sa.String(400), nullable=False, default=""),  # comma-separated
    sa.Column("enabled", sa.Boolean, nullable=False, default=True),
    sa.Column("created_by", sa.String(254), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now, onupdate=_now),
    sa.CheckConstraint(f"priority IS NULL OR {_PRIORITY}", name="priority"),
)

conversation = sa.Table(
    "conversation",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("author_handle", sa.String(255), nullable=True),
    sa.Column("author_name", sa.String(255), nullable=True),
    sa.Column("author_followers", sa.BigInteger, nullable=True),
    sa.Column("thread_key", sa.String(512), nullable=True),  # the platform's thread of its first mention
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("intent", sa.String(12), nullable=True),  # the primary intent of what opened it
    sa.Column("sentiment", sa.String(8), nullable=True),
    sa.Column("department_id", BigId, sa.ForeignKey("department.id", ondelete="SET NULL"), nullable=True),
    sa.Column("assignee_id", BigId, sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    sa.Column("assigned_at", UtcDateTime, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, default="new"),
    sa.Column("snoozed_until", UtcDateTime, nullable=True),
    sa.Column("priority", sa.String(8), nullable=False, default="normal"),
    sa.Column("route", JsonText, nullable=False),  # why it went where it went (rule, or model label + score)
    sa.Column("cycle", sa.Integer, nullable=False, default=1),  # 2 after the first reopen, ...
    sa.Column("cycle_started_at", UtcDateTime, nullable=False),  # when the customer wrote (platform time)
    sa.Column("last_customer_at", UtcDateTime, nullable=False),
    sa.Column("first_response_at", UtcDateTime, nullable=True),  # of this cycle
    sa.Column("last_agent_at", UtcDateTime, nullable=True),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    # the SLA clock's next deadline and state, kept by every action for the queues ("about to breach")
    sa.Column("sla_due_at", UtcDateTime, nullable=True),
    sa.Column("sla_state", sa.String(10), nullable=False, default="none"),
    sa.Column("answered_elsewhere", sa.String(12), nullable=True),  # phone, email, in_person
    sa.Column("merged_into_id", BigId, sa.ForeignKey("conversation.id", ondelete="SET NULL"), nullable=True),
    sa.Column("message_count", sa.Integer, nullable=False, default=0),
    # +1 on every answer (ours from luister, or a voice's seen at the source): the send-time guard's check
    sa.Column("reply_seq", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now, onupdate=_now),
    sa.CheckConstraint(
        "status IN ('new', 'open', 'waiting_customer', 'waiting_department', 'snoozed', 'resolved',"
        " 'reopened')",
        name="status",
    ),
    sa.CheckConstraint(_PRIORITY, name="priority"),
    sa.CheckConstraint("sla_state IN ('none', 'ok', 'warning', 'breached', 'paused', 'met')", name="sla"),
    # The queues: every column the views, their counts, their order and the intent and channel filters look
    # at, so that counting the tabs and finding a page read these indexes alone (bench/inbox.py: 100,000
    # open conversations)
    sa.Index(
        "ix_conversation_queue",
        "status",
        "department_id",
        "assignee_id",
        "priority",
        "sla_state",
        "sla_due_at",
        "last_customer_at",
        "intent",
        "channel",
        "id",
    ),
    # the maturity assessment's routing scan: the conversations that started in a period
    sa.Index("ix_conversation_cycle_started", "cycle_started_at"),
    sa.Index(
        "ix_conversation_assignee",
        "assignee_id",
        "status",
        "department_id",
        "priority",
        "sla_due_at",
        "last_customer_at",
        "id",
    ),
    # The inbox's order (priority, then the deadline, then the oldest customer message) over what is not
    # resolved, with the views' columns: a big view's page is read in this order instead of sorted
    sa.Index(
        "ix_conversation_order",
        "priority",
        "sla_due_at",
        "last_customer_at",
        "id",
        "status",
        "department_id",
        "assignee_id",
        "sla_state",
        "intent",
        "channel",
        sqlite_where=sa.text("status <> 'resolved'"),
        postgresql_where=sa.text("status <> 'resolved'"),
    ),
    sa.Index("ix_conversation_author", "channel", "author_handle", "last_customer_at"),
    sa.Index("ix_conversation_thread", "channel", "thread_key", **_where_not_null("thread_key")),
    sa.Index("ix_conversation_sla_due_at", "sla_due_at", **_where_not_null("sla_due_at")),
    # the breaching tab's count beside conversation_tally: live ones not yet warned whose deadline is near
    sa.Index(
        "ix_conversation_calm_due",
        "sla_due_at",
        "status",
        "department_id",
        "assignee_id",
        sqlite_where=sa.text(CALM_DUE),
        postgresql_where=sa.text(CALM_DUE),
    ),
)

# How many conversations each (status, department, assignee, SLA warning-or-breached) group holds, for the
# inbox's tabs: kept by triggers on ``conversation`` (migration 0017), so that every writer — actions,
# intake, timers, privacy, a department's or person's deletion (SET NULL) — keeps it right without knowing
# of it, and counting the tabs reads these few hundred rows instead of every open conversation. 0 stands
# for "no department" and "nobody" (a primary key holds no NULL). NB: SQLite's batch migrations recreate
# a table and drop its triggers; a migration that batch-alters ``conversation`` must create them again.
conversation_tally = sa.Table(
    "conversation_tally",
    metadata,
    sa.Column("status", sa.String(20), primary_key=True),
    sa.Column("department_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("assignee_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("sla_hot", sa.Boolean, primary_key=True),  # sla_state is warning or breached
    sa.Column("conversations", sa.BigInteger, nullable=False),
)

# Full-text search over a conversation's subject and author handle (migration 0017), outside this
# metadata because it differs per database: on PostgreSQL a GIN index on SEARCH_DOCUMENT's tsvector, on
# SQLite an FTS5 table with external content, kept by triggers. Migrations and their
# comparison with this metadata leave it alone (:func:`luister.storage.tables.declared`).
SEARCH_TABLE = "conversation_search"
SEARCH_INDEX = "ix_conversation_search"
SEARCH_DOCUMENT = (
    "to_tsvector('simple', regexp_replace("
    "conversation.subject || ' ' || coalesce(conversation.author_handle, ''), '[^[:alnum:]]+', ' ', 'g'))"
)
metadata.info.setdefault("undeclared", set()).update((SEARCH_TABLE, SEARCH_INDEX))

conversation_message = sa.Table(
    "conversation_message",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    sa.Column("mention_id", BigId, sa.ForeignKey("mention.id", ondelete="SET NULL"), nullable=True),
    # customer: a mention; agent: our reply; note: internal; automated: never a first response;
    # elsewhere: answered by phone, e-mail or in person
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("author", sa.String(255), nullable=True),  # the customer's handle, or the user's e-mail
    sa.Column("user_id", BigId, sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),  # when it was really posted (the platform's time)
    # our reply's id on the platform: the mention fetched back later is this message, not a new one
    sa.Column("remote_id", sa.String(512), nullable=True),
    sa.Column("draft_id", BigId, sa.ForeignKey("reply_draft.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.CheckConstraint("kind IN ('customer', 'agent', 'note', 'automated', 'elsewhere')", name="kind"),
    sa.Index("ix_conversation_message_conversation", "conversation_id", "at", "id"),
    sa.Index(
        "ix_conversation_message_mention_id", "mention_id", unique=True, **_where_not_null("mention_id")
    ),
    sa.Index("ix_conversation_message_remote_id", "remote_id", **_where_not_null("remote_id")),
)

conversation_event = sa.Table(
    "conversation_event",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("actor", sa.String(254), nullable=False),  # an e-mail, "cli", "router", "system"
    sa.Column("kind", sa.String(30), nullable=False),  # created, routed, assigned, status, transferred, ...
    sa.Column("detail", JsonText, nullable=True),
    sa.Index("ix_conversation_event_conversation", "conversation_id", "id"),
)

conversation_tag = sa.Table(
    "conversation_tag",
    metadata,
    sa.Column(
        "conversation_id", BigId, sa.ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("tag", sa.String(60), primary_key=True),
    sa.Index("ix_conversation_tag_tag", "tag", "conversation_id"),
)

canned_response = sa.Table(
    "canned_response",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("language", sa.String(5), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # may hold {first_name}, {case_number}, {agent_name}
    sa.Column("department_id", BigId, sa.ForeignKey("department.id", ondelete="CASCADE"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.UniqueConstraint("name", "language"),
)

notification = sa.Table(
    "notification",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", BigId, sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # mentioned, assigned, sla_warning, sla_breach, digest
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversation.id", ondelete="CASCADE"), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("read_at", UtcDateTime, nullable=True),
    sa.Index("ix_notification_user", "user_id", "read_at"),
)

digest = sa.Table(
    "digest",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("department_id", BigId, sa.ForeignKey("department.id", ondelete="CASCADE"), nullable=False),
    sa.Column("period_start", UtcDateTime, nullable=False),
    sa.Column("period_end", UtcDateTime, nullable=False),
    sa.Column("every", sa.String(8), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.UniqueConstraint("department_id", "period_start", "period_end"),
)

digest_item = sa.Table(
    "digest_item",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("digest_id", BigId, sa.ForeignKey("digest.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),  # complaint, idea, question
    sa.Column("theme", sa.String(160), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("previous_count", sa.Integer, nullable=False),
    sa.Column("decision", sa.String(10), nullable=True),  # taken_up, declined
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(254), nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.CheckConstraint("kind IN ('complaint', 'idea', 'question')", name="kind"),
    sa.CheckConstraint("decision IS NULL OR decision IN ('taken_up', 'declined')", name="decision"),
    sa.Index("ix_digest_item_digest_id", "digest_id"),
)

digest_item_mention = sa.Table(
    "digest_item_mention",
    metadata,
    sa.Column("item_id", BigId, sa.ForeignKey("digest_item.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("mention_id", BigId, sa.ForeignKey("mention.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("example", sa.Boolean, nullable=False, default=False),  # shown in the digest
    sa.Index("ix_digest_item_mention_mention_id", "mention_id"),
)

# The accounts the company speaks from, per channel: their posts are our replies (agent messages in the
# thread's conversation, counting as responses), never customers' conversations. A voice with a
# ``connector`` that can reply and ``credentials`` answers from the inbox, through the effects ledger.
voice = sa.Table(
    "voice",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("handle", sa.String(255), nullable=False),  # as mentions carry it, compared lower-case
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("connector", sa.String(64), nullable=True),  # the connector that replies for it
    # the connector's voice_model as JSON, encrypted (Fernet, the key from settings); never shown
    sa.Column("credentials", sa.Text, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("department_id", BigId, sa.ForeignKey("department.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now),
    sa.UniqueConstraint("channel", "handle"),
)

# A reply as an agent writes it, before and while it goes out. Several may be proposed for one
# conversation; one is approved (the others are superseded). ``seen_reply_seq`` is the conversation's
# ``reply_seq`` when the composer opened: the send-time guard refuses when an answer came since.
reply_draft = sa.Table(
    "reply_draft",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversation.id", ondelete="CASCADE"), nullable=False),
    sa.Column("voice_id", BigId, sa.ForeignKey("voice.id", ondelete="RESTRICT"), nullable=False),
    sa.Column("mention_id", BigId, sa.ForeignKey("mention.id", ondelete="SET NULL"), nullable=True),
    sa.Column("author_id", BigId, sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    sa.Column("body", sa.Text, nullable=False),  # what goes out (the approver's edit, if any)
    sa.Column("original_body", sa.Text, nullable=True),  # the author's text, when an approver edited it
    sa.Column("state", sa.String(12), nullable=False, default="pending"),
    sa.Column("approval", JsonText, nullable=True),  # why it needs approval: the rules that asked
    sa.Column("approver_id", BigId, sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("decision_note", sa.Text, nullable=True),
    sa.Column("seen_reply_seq", sa.Integer, nullable=False, default=0),
    sa.Column("effect_id", BigId, sa.ForeignKey("effect.id", ondelete="SET NULL"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now),
    sa.CheckConstraint(
        "state IN ('pending', 'approval', 'approved', 'rejected', 'superseded', 'withdrawn', 'sending',"
        " 'sent', 'failed')",
        name="state",
    ),
    sa.Index("ix_reply_draft_conversation", "conversation_id", "id"),
    sa.Index("ix_reply_draft_state", "state"),
)

# When a reply waits for an approver: every reply, or those on a topic, with an intent, of a department,
# of a priority, or the first ``value`` replies of an agent.
approval_rule = sa.Table(
    "approval_rule",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("value", sa.String(255), nullable=True),  # topic id, intent, department key, priority, N
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.CheckConstraint(
        "kind IN ('all', 'topic', 'intent', 'department', 'priority', 'new_agent')", name="kind"
    ),
)

# Who has a conversation open, and who is typing in it, for the collision warning (seconds old at most).
conversation_presence = sa.Table(
    "conversation_presence",
    metadata,
    sa.Column(
        "conversation_id", BigId, sa.ForeignKey("conversation.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", BigId, sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("typing", sa.Boolean, nullable=False, default=False),
    sa.Column("seen_at", UtcDateTime, nullable=False),
)
