"""The kpis capability's tables: goals (a tree), their KPIs with targets per period, and external series
(search position, new customers, NPS, …) imported by CSV or the API.

A KPI is defined either by a formula of the KPI library (``formula`` + ``params``: topics, competitor
topics, department, variant; see :mod:`luister.kpis.formulas`) or by an external series (``series_key``),
never both (a check constraint holds it). A ``department`` is the same key topics and people carry."""

from __future__ import annotations

import sqlalchemy as sa

from luister.storage.tables import BigId, JsonText, UtcDateTime, _now, metadata

goal = sa.Table(
    "goal",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(120), nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("owner_id", BigId, sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    sa.Column("department", sa.String(40), nullable=True),  # whose goal it is; NULL: the whole company's
    # a sub-goal; a goal with sub-goals cannot be deleted (the action says so), hence RESTRICT
    sa.Column("parent_id", BigId, sa.ForeignKey("goal.id", ondelete="RESTRICT"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now, onupdate=_now),
    sa.Index("ix_goal_parent_id", "parent_id"),
)

kpi = sa.Table(
    "kpi",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("goal_id", BigId, sa.ForeignKey("goal.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.String(60), nullable=False, unique=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("formula", sa.String(40), nullable=True),  # a key of formulas.LIBRARY
    # {"topics": [...], "competitors": [...], "department": "...", "variant": "...", "spend": n}
    sa.Column("params", JsonText, nullable=False, default=dict),
    sa.Column("series_key", sa.String(60), nullable=True),  # an external_series key
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("direction", sa.String(4), nullable=False, default="up"),
    sa.Column("baseline", sa.Float, nullable=True),
    sa.Column("owner_id", BigId, sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    sa.Column("department", sa.String(40), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.Column("updated_at", UtcDateTime, nullable=False, default=_now, onupdate=_now),
    sa.CheckConstraint("direction IN ('up', 'down')", name="direction"),
    sa.CheckConstraint("(formula IS NULL) <> (series_key IS NULL)", name="definition"),
    sa.Index("ix_kpi_goal_id", "goal_id"),
)

kpi_target = sa.Table(
    "kpi_target",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kpi_id", BigId, sa.ForeignKey("kpi.id", ondelete="CASCADE"), nullable=False),
    sa.Column("period_kind", sa.String(8), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),  # the first day, in Europe/Amsterdam
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
    sa.UniqueConstraint("kpi_id", "period_kind", "period_start"),
    sa.CheckConstraint("period_kind IN ('week', 'month', 'quarter', 'year')", name="period_kind"),
)

external_series = sa.Table(
    "external_series",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(60), nullable=False, unique=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("department", sa.String(40), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False, default=_now),
)

external_point = sa.Table(
    "external_point",
    metadata,
    sa.Column("series_id", BigId, sa.ForeignKey("external_series.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("period", sa.Date, primary_key=True),  # the day the value is for (a month: its first day)
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("source", sa.String(120), nullable=False),  # a file name, "api", …
    sa.Column("imported_at", UtcDateTime, nullable=False),
)
