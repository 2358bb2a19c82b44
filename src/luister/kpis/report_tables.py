"""Scheduled reports' tables: a ``report_schedule`` (which report, to whom, weekly at a local time) and a
``report_run`` per period it was sent for, and one per "send now". UNIQUE (schedule_id, period_start) over
the scheduled runs: two schedulers ticking at once insert one run per period, and only the one that
inserted it plans the e-mail."""

from __future__ import annotations

import sqlalchemy as sa

from luister.storage.tables import BigId, JsonText, UtcDateTime, _now, metadata

report_schedule = sa.Table(
    "report_schedule",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("template", sa.String(40), nullable=False),  # weekly_webcare, monthly_management, project
    sa.Column("language", sa.String(2), nullable=False, default="nl"),
    sa.Column("recipients", JsonText, nullable=False),  # e-mail addresses
    sa.Column("weekday", sa.Integer, nullable=False),
    sa.Column("at_time", sa.String(5), nullable=False),  # HH:MM local
    sa.Column("zone", sa.String(60), nullable=False, default="Europe/Amsterdam"),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_by", sa.String(255), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    # whose report it is: its figures are what that department sees; NULL: the company's (all figures)
    sa.Column("department", sa.String(40), nullable=True, index=True),
)

report_run = sa.Table(
    "report_run",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("schedule_id", BigId, sa.ForeignKey("report_schedule.id", ondelete="CASCADE"), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),  # the local date of the run
    sa.Column("due_at", UtcDateTime, nullable=False),
    sa.Column("effect_id", BigId, nullable=True),  # the e-mail in the effects ledger
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("requested_by", sa.String(255), nullable=True),  # "send now" by this person; else scheduled
    sa.Index("uq_report_run_scheduled", "schedule_id", "period_start", unique=True,
             sqlite_where=sa.text("requested_by IS NULL"), postgresql_where=sa.text("requested_by IS NULL")),
)  # fmt: skip
