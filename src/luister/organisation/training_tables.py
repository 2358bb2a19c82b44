"""Training's tables: whether belts gate permissions (``training_setting``, one row) and every quiz attempt
(``training_attempt``). Certificates are not stored: they follow from the passing attempts and ``now``
(:func:`luister.organisation.belts.certificates`), so they expire without anyone touching them."""

from __future__ import annotations

import sqlalchemy as sa

from luister.storage.tables import BigId, JsonText, UtcDateTime, metadata

training_setting = sa.Table(
    "training_setting",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),  # always 1
    sa.Column("gates_on", sa.Boolean, nullable=False, default=False),
    sa.Column("changed_by", sa.String(255), nullable=True),
    sa.Column("changed_at", UtcDateTime, nullable=False),
    sa.CheckConstraint("id = 1", name="one_row"),
)

training_attempt = sa.Table(
    "training_attempt",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", BigId, sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
    sa.Column("module", sa.String(60), nullable=False),  # the module's slug
    sa.Column("language", sa.String(2), nullable=False),
    sa.Column("answers", JsonText, nullable=False),  # the chosen option per question (null: unanswered)
    sa.Column("correct", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Index("ix_training_attempt_user_id_module", "user_id", "module"),
)
