"""Social projects' tables: a ``project`` (a campaign, a community launch, a webcare pilot) with its budget,
timing, what identifies it and its evaluation, and ``project_spend``, what was spent on it, line by line
(the project's spend is their sum)."""

from __future__ import annotations

import sqlalchemy as sa

from luister.storage.tables import BigId, JsonText, UtcDateTime, _now, metadata

KINDS = ("campaign", "community", "webcare_pilot")

project = sa.Table(
    "project",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("owner", sa.String(120), nullable=True),  # who answers for it: a person or a role
    sa.Column("department", sa.String(40), nullable=True),  # whose project it is; NULL: the company's
    sa.Column("currency", sa.String(3), nullable=False, default="EUR"),
    sa.Column("budget_cents", sa.BigInteger, nullable=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),  # the last day it runs
    # what identifies it: topic ids, hashtags (without #), links; and the audience it aims at
    sa.Column("topics", JsonText, nullable=False),
    sa.Column("hashtags", JsonText, nullable=False),
    sa.Column("links", JsonText, nullable=False),
    sa.Column("channels", JsonText, nullable=False),
    sa.Column("countries", JsonText, nullable=False),
    sa.Column("objectives", sa.Text, nullable=False, default=""),
    sa.Column("kpi_ids", JsonText, nullable=False),  # the goal tree's KPIs it should move
    sa.Column("evaluation", sa.Text, nullable=True),  # lessons, written at the end
    sa.Column("objectives_met", sa.Boolean, nullable=True),
    sa.Column("evaluated_at", UtcDateTime, nullable=True),
    sa.Column("evaluated_by", sa.String(254), nullable=True),
    sa.Column("created_by", sa.String(254), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now),
    sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name="kind"),
    sa.CheckConstraint("ends_on >= starts_on", name="dates"),
    sa.Index("ix_project_starts_on", "starts_on"),
)

project_spend = sa.Table(
    "project_spend",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("project_id", BigId, sa.ForeignKey("project.id", ondelete="CASCADE"), nullable=False),
    sa.Column("spent_on", sa.Date, nullable=False),
    sa.Column("amount_cents", sa.BigInteger, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.String(254), nullable=True),
    sa.Column("recorded_at", UtcDateTime, nullable=False, default=_now),
    sa.Index("ix_project_spend_project", "project_id", "spent_on"),
)
