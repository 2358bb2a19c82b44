"""The maturity assessment's tables: every ``maturity_assessment`` (answers to a questionnaire version,
with the stages they scored) and one ``maturity_snapshot`` per month (the month's latest answers and
what the evidence suggested at the moment it was taken, figures and links included), for the history."""

from __future__ import annotations

import sqlalchemy as sa

from luister.storage.tables import BigId, JsonText, UtcDateTime, _now, metadata

maturity_assessment = sa.Table(
    "maturity_assessment",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("version", sa.String(20), nullable=False),  # the questionnaire's version
    sa.Column("answers", JsonText, nullable=False),  # question key → stage number
    sa.Column("stages", JsonText, nullable=False),  # dimension → stage number, as scored
    sa.Column("overall", sa.Integer, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("answered_by", sa.String(254), nullable=False),
    sa.Column("answered_at", UtcDateTime, nullable=False, default=_now),
    sa.CheckConstraint("overall BETWEEN 1 AND 6", name="overall"),
    sa.Index("ix_maturity_assessment_answered_at", "answered_at"),
)

maturity_snapshot = sa.Table(
    "maturity_snapshot",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("month", sa.Date, nullable=False, unique=True),  # its first day (UTC)
    sa.Column(
        "assessment_id", BigId, sa.ForeignKey("maturity_assessment.id", ondelete="SET NULL"), nullable=True
    ),
    sa.Column("answered", JsonText, nullable=True),  # dimension → stage, from the answers
    sa.Column("answered_overall", sa.Integer, nullable=True),
    sa.Column("suggested", JsonText, nullable=False),  # dimension → stage or null, from the evidence
    sa.Column("suggested_overall", sa.Integer, nullable=True),
    sa.Column("evidence", JsonText, nullable=False),  # [{key, stage, link, figures: {key: value}}]
    sa.Column("model", sa.String(20), nullable=False),
    sa.Column("as_of", UtcDateTime, nullable=False),  # the moment the evidence was gathered for
    sa.Column("taken_by", sa.String(254), nullable=False),
    sa.Column("taken_at", UtcDateTime, nullable=False, default=_now),
)
