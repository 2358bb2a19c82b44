"""Times as SQLite stores them, shared by the mention writer, the rollups and the alert detector."""

from __future__ import annotations

from datetime import datetime


def sqlite_time(moment: datetime) -> str:
    """The text SQLAlchemy's SQLite ``DateTime`` reads back: naive UTC with microseconds.

    Domain timestamps are already UTC (see ``luister.domain.timestamps.to_utc``).
    """
    return moment.isoformat(sep=" ", timespec="microseconds")[:26]
