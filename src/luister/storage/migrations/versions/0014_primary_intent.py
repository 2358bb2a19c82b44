"""primary intent per mention

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

The most urgent intent of each mention's set (crisis > churn > lead > complaint > question > feedback >
praise > other), stored beside the set so routing, lists and topics can use one value. Mentions already
analysed get theirs from their stored set, in SQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# As luister.domain.analysis.PRIMARY_ORDER at the time of writing (a migration must not change later).
_ORDER = ("crisis", "churn", "lead", "complaint", "question", "feedback", "praise")


def upgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.add_column(sa.Column("primary_intent", sa.String(12), nullable=True))
    # Stored sets are labels joined by commas, none a substring of another: a padded LIKE is exact.
    padded = "',' || intents || ','"
    cases = " ".join(f"WHEN {padded} LIKE '%,{label},%' THEN '{label}'" for label in _ORDER)
    op.execute(f"UPDATE mention SET primary_intent = CASE {cases} ELSE 'other' END WHERE intents IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_column("primary_intent")
