"""the webcare inbox: departments with members, routing rules, SLA policies, conversations with messages,
events and tags, canned responses, notifications, digests; the six usual departments to start with

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from luister.storage.tables import BigId, JsonText, UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

RULE_KINDS = "'volume_spike', 'negative_spike', 'query', 'intent', 'influencer', 'negative_share'"
TABLES = (
    "digest_item_mention notification digest_item conversation_tag conversation_message conversation_event"
    " sla_policy routing_rule digest department_member conversation canned_response department voice"
).split()
OFFICE = {"zone": "Europe/Amsterdam", "holidays": ["NL"],
          "shifts": [[day, "09:00", "17:00"] for day in range(5)]}  # fmt: skip
WEBCARE = {  # a split shift on weekdays, and Saturday mornings
    "zone": "Europe/Amsterdam",
    "holidays": ["NL"],
    "shifts": [
        *([day, "08:00", "12:30"] for day in range(5)),
        *([day, "13:00", "21:00"] for day in range(5)),
        [5, "09:00", "13:00"],
    ],
}
DEPARTMENTS = [  # key, English, Dutch, calendar
    ("customer-service", "Customer service", "Klantenservice", WEBCARE),
    ("sales", "Sales", "Verkoop", OFFICE),
    ("product", "Product", "Product", OFFICE),
    ("marketing", "Marketing", "Marketing", OFFICE),
    ("communications", "Communications", "Communicatie", OFFICE),
    ("legal", "Legal", "Juridische zaken", OFFICE),
]
# minutes in business hours: first response, next response, resolution
SERVICE_TIMES = {
    "urgent": (30, 60, 480),
    "high": (60, 120, 960),
    "normal": (120, 240, 1920),
    "low": (480, 960, 4800),
}
OFFICE_TIMES = {
    "urgent": (60, 120, 960),
    "high": (240, 480, 1920),
    "normal": (480, 960, 4800),
    "low": (960, 1920, 9600),
}


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("name_nl", sa.String(length=80), nullable=False),
        sa.Column("calendar", JsonText, nullable=False),
        sa.Column("digest_every", sa.String(length=8), nullable=False),
        sa.Column("assignment", sa.String(length=12), nullable=False),
        sa.Column("reclaim_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "digest_every IN ('daily', 'weekly', 'monthly')", name=op.f("ck_department_digest_every")
        ),
        sa.CheckConstraint(
            "assignment IN ('manual', 'round_robin', 'least_loaded')", name=op.f("ck_department_assignment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_department")),
        sa.UniqueConstraint("key", name=op.f("uq_department_key")),
    )
    op.create_table(
        "canned_response",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("department_id", BigId, nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_canned_response_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_response")),
        sa.UniqueConstraint("name", "language", name=op.f("uq_canned_response_name_language")),
    )
    op.create_table(
        "conversation",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("author_handle", sa.String(length=255), nullable=True),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("author_followers", sa.BigInteger(), nullable=True),
        sa.Column("thread_key", sa.String(length=512), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("intent", sa.String(length=12), nullable=True),
        sa.Column("sentiment", sa.String(length=8), nullable=True),
        sa.Column("department_id", BigId, nullable=True),
        sa.Column("assignee_id", BigId, nullable=True),
        sa.Column("assigned_at", UtcDateTime(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("snoozed_until", UtcDateTime(), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("route", JsonText, nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("cycle_started_at", UtcDateTime(), nullable=False),
        sa.Column("last_customer_at", UtcDateTime(), nullable=False),
        sa.Column("first_response_at", UtcDateTime(), nullable=True),
        sa.Column("last_agent_at", UtcDateTime(), nullable=True),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.Column("sla_due_at", UtcDateTime(), nullable=True),
        sa.Column("sla_state", sa.String(length=10), nullable=False),
        sa.Column("answered_elsewhere", sa.String(length=12), nullable=True),
        sa.Column("merged_into_id", BigId, nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "priority IN ('urgent', 'high', 'normal', 'low')", name=op.f("ck_conversation_priority")
        ),
        sa.CheckConstraint(
            "sla_state IN ('none', 'ok', 'warning', 'breached', 'paused', 'met')",
            name=op.f("ck_conversation_sla"),
        ),
        sa.CheckConstraint(
            "status IN ('new', 'open', 'waiting_customer', 'waiting_department', 'snoozed', 'resolved',"
            " 'reopened')",
            name=op.f("ck_conversation_status"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user_account.id"],
            name=op.f("fk_conversation_assignee_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_conversation_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_merged_into_id_conversation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation")),
    )
    op.create_index(
        "ix_conversation_assignee",
        "conversation",
        ["assignee_id", "status", "department_id", "priority", "sla_due_at", "last_customer_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_conversation_author",
        "conversation",
        ["channel", "author_handle", "last_customer_at"],
        unique=False,
    )
    op.create_index(
        "ix_conversation_order",
        "conversation",
        [
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
        ],
        unique=False,
        sqlite_where=sa.text("status <> 'resolved'"),
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_index(
        "ix_conversation_queue",
        "conversation",
        [
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
        ],
        unique=False,
    )
    op.create_index(
        "ix_conversation_sla_due_at",
        "conversation",
        ["sla_due_at"],
        unique=False,
        sqlite_where=sa.text("sla_due_at IS NOT NULL"),
        postgresql_where=sa.text("sla_due_at IS NOT NULL"),
    )
    op.create_index(
        "ix_conversation_thread",
        "conversation",
        ["channel", "thread_key"],
        unique=False,
        sqlite_where=sa.text("thread_key IS NOT NULL"),
        postgresql_where=sa.text("thread_key IS NOT NULL"),
    )
    op.create_table(
        "department_member",
        sa.Column("department_id", BigId, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("languages", sa.String(length=40), nullable=False),
        sa.Column("availability", sa.String(length=10), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("last_assigned_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "availability IN ('available', 'away', 'off')", name=op.f("ck_department_member_availability")
        ),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_department_member_capacity")),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_department_member_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_department_member_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("department_id", "user_id", name=op.f("pk_department_member")),
    )
    op.create_index("ix_department_member_user_id", "department_member", ["user_id"], unique=False)
    op.create_table(
        "digest",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("department_id", BigId, nullable=False),
        sa.Column("period_start", UtcDateTime(), nullable=False),
        sa.Column("period_end", UtcDateTime(), nullable=False),
        sa.Column("every", sa.String(length=8), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_digest_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest")),
        sa.UniqueConstraint(
            "department_id",
            "period_start",
            "period_end",
            name=op.f("uq_digest_department_id_period_start_period_end"),
        ),
    )
    op.create_table(
        "routing_rule",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("conditions", JsonText, nullable=False),
        sa.Column("department_id", BigId, nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=True),
        sa.Column("tags", sa.String(length=400), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "priority IS NULL OR priority IN ('urgent', 'high', 'normal', 'low')",
            name=op.f("ck_routing_rule_priority"),
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_routing_rule_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rule")),
        sa.UniqueConstraint("name", name=op.f("uq_routing_rule_name")),
    )
    op.create_table(
        "sla_policy",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("department_id", BigId, nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("first_response_minutes", sa.Integer(), nullable=True),
        sa.Column("next_response_minutes", sa.Integer(), nullable=True),
        sa.Column("resolution_minutes", sa.Integer(), nullable=True),
        sa.Column("warn_minutes", sa.Integer(), nullable=False),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "priority IN ('urgent', 'high', 'normal', 'low')", name=op.f("ck_sla_policy_priority")
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_sla_policy_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policy")),
        sa.UniqueConstraint("department_id", "priority", name=op.f("uq_sla_policy_department_id_priority")),
    )
    op.create_table(
        "conversation_event",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("detail", JsonText, nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_event_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_event")),
    )
    op.create_index(
        "ix_conversation_event_conversation", "conversation_event", ["conversation_id", "id"], unique=False
    )
    op.create_table(
        "conversation_message",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("mention_id", BigId, nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=True),
        sa.Column("user_id", BigId, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('customer', 'agent', 'note', 'automated', 'elsewhere')",
            name=op.f("ck_conversation_message_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_message_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["mention.id"],
            name=op.f("fk_conversation_message_mention_id_mention"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_conversation_message_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_message")),
    )
    op.create_index(
        "ix_conversation_message_conversation",
        "conversation_message",
        ["conversation_id", "at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_conversation_message_mention_id",
        "conversation_message",
        ["mention_id"],
        unique=True,
        sqlite_where=sa.text("mention_id IS NOT NULL"),
        postgresql_where=sa.text("mention_id IS NOT NULL"),
    )
    op.create_table(
        "conversation_tag",
        sa.Column("conversation_id", BigId, nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_conversation_tag_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "tag", name=op.f("pk_conversation_tag")),
    )
    op.create_index("ix_conversation_tag_tag", "conversation_tag", ["tag", "conversation_id"], unique=False)
    op.create_table(
        "digest_item",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("digest_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("theme", sa.String(length=160), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("previous_count", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=254), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('taken_up', 'declined')", name=op.f("ck_digest_item_decision")
        ),
        sa.CheckConstraint("kind IN ('complaint', 'idea', 'question')", name=op.f("ck_digest_item_kind")),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["digest.id"], name=op.f("fk_digest_item_digest_id_digest"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_item")),
    )
    op.create_index("ix_digest_item_digest_id", "digest_item", ["digest_id"], unique=False)
    op.create_table(
        "notification",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("conversation_id", BigId, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("read_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_notification_conversation_id_conversation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_notification_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    op.create_index("ix_notification_user", "notification", ["user_id", "read_at"], unique=False)
    op.create_table(
        "digest_item_mention",
        sa.Column("item_id", BigId, nullable=False),
        sa.Column("mention_id", BigId, nullable=False),
        sa.Column("example", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["digest_item.id"],
            name=op.f("fk_digest_item_mention_item_id_digest_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mention_id"],
            ["mention.id"],
            name=op.f("fk_digest_item_mention_mention_id_mention"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "mention_id", name=op.f("pk_digest_item_mention")),
    )
    op.create_index("ix_digest_item_mention_mention_id", "digest_item_mention", ["mention_id"], unique=False)
    op.create_table(
        "voice",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("handle", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice")),
        sa.UniqueConstraint("channel", "handle", name=op.f("uq_voice_channel_handle")),
    )
    with op.batch_alter_table("alert_rule", schema=None) as batch_op:  # inbox SLA breaches as alerts
        batch_op.drop_constraint(op.f("ck_alert_rule_kind"), type_="check")
        batch_op.create_check_constraint("kind", f"kind IN ({RULE_KINDS}, 'sla_breach')")
    now = datetime.now(UTC)
    departments = sa.table(
        "department", sa.column("id", BigId), sa.column("key", sa.String),
        sa.column("name_en", sa.String), sa.column("name_nl", sa.String), sa.column("calendar", JsonText),
        sa.column("digest_every", sa.String), sa.column("assignment", sa.String),
        sa.column("reclaim_minutes", sa.Integer),
        sa.column("created_at", UtcDateTime()), sa.column("updated_at", UtcDateTime()),
    )  # fmt: skip
    policies = sa.table(
        "sla_policy", sa.column("department_id", BigId), sa.column("priority", sa.String),
        sa.column("first_response_minutes", sa.Integer), sa.column("next_response_minutes", sa.Integer),
        sa.column("resolution_minutes", sa.Integer), sa.column("warn_minutes", sa.Integer),
        sa.column("business_hours", sa.Boolean),
    )  # fmt: skip
    op.bulk_insert(departments, [
        {"id": number, "key": key, "name_en": en, "name_nl": nl, "calendar": calendar,
         "digest_every": "weekly", "assignment": "least_loaded",
         "reclaim_minutes": 60 if key == "customer-service" else None, "created_at": now, "updated_at": now}
        for number, (key, en, nl, calendar) in enumerate(DEPARTMENTS, start=1)
    ])  # fmt: skip
    rows = []
    for number, (key, *_rest) in enumerate(DEPARTMENTS, start=1):
        for priority, (first, following, resolution) in (
            SERVICE_TIMES if key == "customer-service" else OFFICE_TIMES
        ).items():
            rows.append({"department_id": number, "priority": priority, "first_response_minutes": first,
                         "next_response_minutes": following, "resolution_minutes": resolution,
                         "warn_minutes": 15, "business_hours": True})  # fmt: skip
    op.bulk_insert(policies, rows)
    if op.get_bind().dialect.name == "postgresql":  # the ids above were given: move the sequence past them
        op.execute(
            "SELECT setval(pg_get_serial_sequence('department', 'id'), (SELECT max(id) FROM department))"
        )


def downgrade() -> None:
    op.execute("DELETE FROM alert_rule WHERE kind = 'sla_breach'")
    with op.batch_alter_table("alert_rule", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_alert_rule_kind"), type_="check")
        batch_op.create_check_constraint("kind", f"kind IN ({RULE_KINDS})")
    for name in TABLES:
        op.drop_table(name)
