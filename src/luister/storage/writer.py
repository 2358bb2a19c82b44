"""The batch writer: the one place mentions, topic matches and rejections are written.

Writes are idempotent on ``(channel, external_id)`` (``INSERT … ON CONFLICT DO NOTHING``), so a
redelivered batch changes nothing. SQLite gets exactly one writer per database at a time.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from luister.domain.ingest import Rejection, StoredMention
from luister.domain.mentions import Mention
from luister.storage.tables import mention, mention_topic, rejected

_SQLITE_LOCKS: dict[str, threading.Lock] = {}
_SQLITE_LOCKS_GUARD = threading.Lock()
_MENTION_COLUMNS = (
    "channel",
    "external_id",
    "source_id",
    "url",
    "author_handle",
    "author_name",
    "author_followers",
    "title",
    "text",
    "language",
    "country",
    "published_at",
    "fetched_at",
    "parent_id",
    "thread_id",
    "like_count",
    "share_count",
    "reply_count",
    "view_count",
    "fingerprint",
    "raw",
)


def _writer_lock(engine: Engine) -> threading.Lock | None:
    if engine.dialect.name != "sqlite":
        return None
    key = str(engine.url)
    with _SQLITE_LOCKS_GUARD:
        return _SQLITE_LOCKS.setdefault(key, threading.Lock())


class SqlMentionStore:
    """Stores batches through SQLAlchemy on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = _writer_lock(engine)
        dialect_insert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert
        self._insert_mentions = (
            dialect_insert(mention)
            .on_conflict_do_nothing(index_elements=["channel", "external_id"])
            .returning(mention.c.id, mention.c.channel, mention.c.external_id)
        )
        self._insert_topics = dialect_insert(mention_topic).on_conflict_do_nothing()
        self._insert_rejections = dialect_insert(rejected).on_conflict_do_nothing()

    def write_batch(
        self, mentions: Sequence[Mention], rejections: Sequence[Rejection] = ()
    ) -> list[StoredMention]:
        """Store new mentions (known keys are skipped) and rejections in one transaction."""
        if self._lock is None:
            return self._write(mentions, rejections)
        with self._lock:
            return self._write(mentions, rejections)

    def _write(self, mentions: Sequence[Mention], rejections: Sequence[Rejection]) -> list[StoredMention]:
        with self.engine.begin() as conn:
            stored = self._store_mentions(conn, mentions) if mentions else []
            if rejections:
                conn.execute(self._insert_rejections, [_rejection_row(r) for r in rejections])
        return stored

    def _store_mentions(self, conn: Connection, mentions: Sequence[Mention]) -> list[StoredMention]:
        rows = [{name: getattr(m, name) for name in _MENTION_COLUMNS} for m in mentions]
        by_key = {m.key: m for m in mentions}
        inserted = conn.execute(self._insert_mentions, rows).all()
        ids = {(channel, external_id): row_id for row_id, channel, external_id in inserted}
        originals = self._mark_near_duplicates(conn, ids, by_key)
        topic_rows = [
            {"mention_id": ids[key], "topic_id": topic_id}
            for key, m in by_key.items()
            if key in ids
            for topic_id in m.topic_ids
        ]
        if topic_rows:
            conn.execute(self._insert_topics, topic_rows)
        return [
            StoredMention(id=row_id, mention=by_key[key], duplicate_of=originals.get(row_id))
            for key, row_id in ids.items()
        ]

    def _mark_near_duplicates(
        self, conn: Connection, ids: dict[tuple[str, str], int], by_key: dict[tuple[str, str], Mention]
    ) -> dict[int, int]:
        """Point each new mention whose fingerprint was seen before at the earliest mention with it."""
        fingerprints = {by_key[key].fingerprint: None for key in ids if by_key[key].fingerprint is not None}
        if not fingerprints:
            return {}
        first: dict[int, int] = {}
        keys = list(fingerprints)
        for start in range(0, len(keys), 5000):
            chunk = keys[start : start + 5000]
            query = (
                sa.select(mention.c.fingerprint, sa.func.min(mention.c.id))
                .where(mention.c.fingerprint.in_(chunk))
                .group_by(mention.c.fingerprint)
            )
            first.update(dict(conn.execute(query).all()))
        originals: dict[int, int] = {}
        for key, row_id in ids.items():
            fp = by_key[key].fingerprint
            if fp is not None and first.get(fp, row_id) < row_id:
                originals[row_id] = first[fp]
        if originals:
            conn.execute(
                mention.update()
                .where(mention.c.id == sa.bindparam("row_id"))
                .values(duplicate_of=sa.bindparam("orig")),
                [{"row_id": row_id, "orig": orig} for row_id, orig in originals.items()],
            )
        return originals


def _rejection_row(rejection: Rejection) -> dict[str, Any]:
    return {
        "origin": rejection.origin,
        "position": rejection.position[:120],
        "reason": rejection.reason,
        "raw": rejection.raw,
        "raw_hash": hashlib.blake2b(rejection.raw.encode(errors="replace"), digest_size=16).hexdigest(),
        "source_id": rejection.source_id,
    }
