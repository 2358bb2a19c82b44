"""Alembic environment: the connection is handed in by ``luister.storage.migrate``."""

from __future__ import annotations

from alembic import context

import luister.accounts.tables  # noqa: F401  # capability tables join the shared metadata on import
import luister.effects.tables  # noqa: F401
import luister.inbox.tables  # noqa: F401
import luister.kpis.projects_tables  # noqa: F401
import luister.kpis.report_tables  # noqa: F401
import luister.kpis.tables  # noqa: F401
import luister.listening.tables  # noqa: F401
import luister.organisation.knowledge_tables  # noqa: F401
import luister.organisation.maturity_tables  # noqa: F401
import luister.organisation.policy_tables  # noqa: F401
import luister.organisation.training_tables  # noqa: F401
import luister.storage.search_index  # noqa: F401
from luister.storage.tables import declared, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `luister db upgrade`, which provides the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=declared,
)
with context.begin_transaction():
    context.run_migrations()
