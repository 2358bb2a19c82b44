"""How long luister keeps what (pure): the retention settings, and the moments before which each kind
of record goes, given ``now``.

Mentions go with everything they hold; their counts stay in the rollups (the dashboards' history), whose
buckets before the oldest deletion become final (see ``luister.storage.rollups.final_line``). Raw
payloads go sooner than their mentions (they are only needed to map again); the mention stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """Days to keep each kind of record; ``None`` keeps it for good. A source's own ``retention_days``
    shortens the mention days for its mentions."""

    mentions: int | None = None
    raw: int | None = None
    quarantine: int | None = None
    runs: int | None = None
    deliveries: int | None = None
    audit: int | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> RetentionPolicy:
        return cls(
            mentions=settings.retention_mentions_days,
            raw=settings.retention_raw_days,
            quarantine=settings.retention_quarantine_days,
            runs=settings.retention_runs_days,
            deliveries=settings.retention_deliveries_days,
            audit=settings.retention_audit_days,
        )


def cutoff(now: datetime, days: int | None) -> datetime | None:
    """Records older than the returned moment go; ``None``: nothing goes."""
    return None if days is None else now - timedelta(days=days)


def mention_cutoff(now: datetime, policy: RetentionPolicy, source_days: int | None) -> datetime | None:
    """For one source's mentions (``source_days``: its own setting): the shorter of the two wins."""
    days = [d for d in (policy.mentions, source_days) if d is not None]
    return cutoff(now, min(days)) if days else None
