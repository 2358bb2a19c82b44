"""The batch writer: the one place mentions, topic matches, their rollup counts and rejections are written.

Writes are idempotent on ``(channel, external_id)``, so a redelivered batch changes nothing.
SQLite gets exactly one writer at a time: an in-process lock plus ``BEGIN IMMEDIATE`` across
processes, which also makes "ids above the old maximum" exactly the rows this batch inserted.
PostgreSQL copies each batch into a temp table and inserts from it with ``ON CONFLICT DO NOTHING``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from luister.domain.analysis import format_intents
from luister.domain.ingest import Rejection, Stored, StoredMention
from luister.domain.mentions import Mention
from luister.domain.rollups import Rollup, correct, rollup
from luister.storage import rollups, search_index
from luister.storage.sql_time import sqlite_time

MENTION_COLUMNS = (
    "channel", "external_id", "source_id", "url", "author_handle", "author_name", "author_followers",
    "title", "text", "language", "country", "published_at", "fetched_at", "parent_id", "thread_id",
    "like_count", "share_count", "reply_count", "view_count", "fingerprint", "raw",
    "sentiment", "sentiment_score", "sentiment_confidence", "intents", "intent_scores", "analysis_model",
    "date_known", "primary_intent",
)  # fmt: skip
REJECTION_COLUMNS = ("origin", "position", "reason", "raw", "raw_hash", "source_id", "created_at")
# Each new row looks up the earliest mention with its fingerprint: one probe of (fingerprint, id) per row.
_FIRST_WITH_FINGERPRINT = (
    "(SELECT min(earlier.id) FROM mention AS earlier "
    "WHERE earlier.fingerprint = new.fingerprint AND earlier.id < new.id)"
)
_MARK_DUPLICATES_SQLITE = f"""
UPDATE mention SET duplicate_of = first FROM (
    SELECT new.id AS new_id, {_FIRST_WITH_FINGERPRINT} AS first
    FROM mention AS new WHERE new.id > ? AND new.fingerprint IS NOT NULL
) AS found WHERE mention.id = found.new_id AND found.first IS NOT NULL
"""
_MARK_DUPLICATES_POSTGRES = f"""
UPDATE mention SET duplicate_of = found.first FROM (
    SELECT new.id AS new_id, {_FIRST_WITH_FINGERPRINT} AS first
    FROM mention AS new WHERE new.id = ANY(%s) AND new.fingerprint IS NOT NULL
) AS found WHERE mention.id = found.new_id AND found.first IS NOT NULL
"""
_SQLITE_LOCKS: dict[str, threading.Lock] = {}
_SQLITE_LOCKS_GUARD = threading.Lock()


class SqlMentionStore:
    """Stores batches on SQLite or PostgreSQL through the driver, inside one transaction per batch."""

    def __init__(self, engine: Engine, *, index: bool = True) -> None:
        self.engine = engine
        self.index = index  # keep the search index (migration 0026); off only to measure what it costs
        self._is_sqlite = engine.dialect.name == "sqlite"
        self._mark = "?" if self._is_sqlite else "%s"
        self._lock = _sqlite_lock(engine) if self._is_sqlite else None
        self._last_time: tuple[datetime | None, str] = (None, "")

    def write_batch(
        self, mentions: Sequence[Mention], rejections: Sequence[Rejection] = (), counts: Rollup | None = None
    ) -> Stored:
        """Store new mentions (known keys are skipped) and rejections; return what was new.

        ``counts`` (from ``domain.rollups.batch_counts``) saves counting here: it is corrected for the
        mentions found known or near-copies, and counted from what was stored when not given."""
        by_key = {m.key: m for m in mentions}
        try:
            if self._lock is not None:
                with self._lock:
                    return self._write_sqlite(by_key, rejections, counts)
            return self._write_postgres(by_key, rejections, counts)
        except Exception as exc:
            if full := _storage_full(exc):
                raise full from exc
            raise

    def _write_sqlite(
        self, by_key: dict[tuple[str, str], Mention], rejections: Sequence[Rejection], counts: Rollup | None
    ) -> Stored:
        keys = self._keys(by_key)  # before the write lock: tokenising takes a while
        pooled = self.engine.raw_connection()
        dbapi = pooled.driver_connection
        assert dbapi is not None
        previous_level = dbapi.isolation_level
        dbapi.isolation_level = None  # we issue BEGIN IMMEDIATE ourselves
        cursor = dbapi.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                before = cursor.execute("SELECT coalesce(max(id), 0) FROM mention").fetchone()[0]
                erased = self._erased(cursor, by_key)
                cursor.executemany(
                    self._insert_or_ignore(), [self._row(m) for k, m in by_key.items() if k not in erased]
                )
                cursor.execute(_MARK_DUPLICATES_SQLITE, (before,))
                new_rows = cursor.execute(
                    "SELECT id, channel, external_id, duplicate_of FROM mention WHERE id > ?", (before,)
                ).fetchall()
                stored = self._stored(new_rows, by_key)
                cursor.executemany(self._insert_topics(), _topic_rows(stored))
                if keys is not None:
                    search_index.add_with_cursor(cursor, sqlite=True, entries=_entries(stored, keys))
                rollups.write_with(
                    cursor, _counts(counts, by_key, stored), sqlite=True, time_value=sqlite_time
                )
                quarantined = 0
                if rejections:
                    rows = [self._rejection_row(r) for r in rejections]
                    cursor.executemany(self._insert_rejections(), rows)
                    quarantined = max(0, cursor.rowcount)
                cursor.execute("COMMIT")
            except BaseException:
                if dbapi.in_transaction:  # SQLite rolls back by itself on a full disk: no second error
                    cursor.execute("ROLLBACK")
                raise
        finally:
            cursor.close()
            dbapi.isolation_level = previous_level
            pooled.close()
        return Stored(stored, quarantined=quarantined)

    def _write_postgres(
        self, by_key: dict[tuple[str, str], Mention], rejections: Sequence[Rejection], counts: Rollup | None
    ) -> Stored:
        """COPY the batch into a session temp table, then move the new rows over in one statement."""
        columns = ", ".join(MENTION_COLUMNS)
        keys = self._keys(by_key)
        with self.engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS mention_incoming ON COMMIT DELETE ROWS "
                f"AS SELECT {columns} FROM mention WITH NO DATA"
            )
            erased = self._erased(cursor, by_key)
            with cursor.copy(f"COPY mention_incoming ({columns}) FROM STDIN") as copy:
                for key, m in by_key.items():
                    if key not in erased:
                        copy.write_row(self._row(m))
            cursor.execute(
                f"INSERT INTO mention ({columns}) SELECT {columns} FROM mention_incoming "
                "ON CONFLICT (channel, external_id) DO NOTHING RETURNING id"
            )
            ids = [row[0] for row in cursor.fetchall()]
            new_rows: list[Any] = []
            if ids:
                cursor.execute(_MARK_DUPLICATES_POSTGRES, (ids,))
                cursor.execute(
                    "SELECT id, channel, external_id, duplicate_of FROM mention WHERE id = ANY(%s)", (ids,)
                )
                new_rows = cursor.fetchall()
            stored = self._stored(new_rows, by_key)
            if topic_rows := _topic_rows(stored):
                cursor.executemany(self._insert_topics(), topic_rows)
            if keys is not None:
                search_index.add_with_cursor(cursor, sqlite=False, entries=_entries(stored, keys))
            rollups.write_with(cursor, _counts(counts, by_key, stored), sqlite=False, time_value=lambda h: h)
            quarantined = 0
            if rejections:
                cursor.executemany(self._insert_rejections(), [self._rejection_row(r) for r in rejections])
                quarantined = max(0, cursor.rowcount)
        return Stored(stored, quarantined=quarantined)

    def _erased(self, cursor: Any, by_key: dict[tuple[str, str], Mention]) -> set[tuple[str, str]]:
        """The keys of this batch erased at a person's request (``luister.privacy``): never stored again.
        One probe of an empty table when nobody asked."""
        if not by_key or cursor.execute("SELECT 1 FROM erased_mention LIMIT 1").fetchone() is None:
            return set()
        found: set[tuple[str, str]] = set()
        ids = sorted({external_id for _, external_id in by_key})
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                "SELECT channel, external_id FROM erased_mention WHERE external_id IN " + self._values(chunk),
                chunk,
            )
            found.update((channel, external_id) for channel, external_id in cursor.fetchall())
        return found & by_key.keys()

    def _keys(self, by_key: dict[tuple[str, str], Mention]) -> dict[tuple[str, str], list[str]] | None:
        """The search index tokens of every mention of the batch (None: the index is not kept)."""
        if not self.index:
            return None
        return {key: search_index.keys_of_mention(m) for key, m in by_key.items()}

    @staticmethod
    def _stored(rows: Iterable[Any], by_key: dict[tuple[str, str], Mention]) -> list[StoredMention]:
        return [
            StoredMention(row_id, by_key[(channel, external_id)], duplicate_of)
            for row_id, channel, external_id, duplicate_of in rows
        ]

    def _values(self, columns: Sequence[str]) -> str:
        return "(" + ", ".join([self._mark] * len(columns)) + ")"

    def _insert_or_ignore(self) -> str:
        columns = ", ".join(MENTION_COLUMNS)
        return f"INSERT OR IGNORE INTO mention ({columns}) VALUES {self._values(MENTION_COLUMNS)}"

    def _insert_topics(self) -> str:
        values = self._values(("mention_id", "topic_id"))
        return f"INSERT INTO mention_topic (mention_id, topic_id) VALUES {values} ON CONFLICT DO NOTHING"

    def _insert_rejections(self) -> str:
        values = self._values(REJECTION_COLUMNS)
        return f"INSERT INTO rejected ({', '.join(REJECTION_COLUMNS)}) VALUES {values} ON CONFLICT DO NOTHING"

    def _sqlite_time_cached(self, moment: datetime) -> str:
        """Fetch times repeat across a batch: format each once."""
        if moment != self._last_time[0]:
            self._last_time = (moment, sqlite_time(moment))
        return self._last_time[1]

    def _rejection_row(self, rejection: Rejection) -> tuple[Any, ...]:
        raw_hash = hashlib.blake2b(rejection.raw.encode(errors="replace"), digest_size=16).hexdigest()
        now: Any = datetime.now(UTC)
        return (
            without_nul(rejection.origin),
            without_nul(rejection.position)[:120],
            without_nul(rejection.reason),
            without_nul(rejection.raw),
            raw_hash,
            rejection.source_id,
            sqlite_time(now) if self._is_sqlite else now,
        )

    @staticmethod
    def _json(value: dict[str, float] | None) -> str | None:
        """JSON text: SQLite stores it as is, PostgreSQL's COPY parses it into the JSONB column."""
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def _row(self, m: Mention) -> tuple[Any, ...]:
        published: Any = m.published_at
        fetched: Any = m.fetched_at
        if self._is_sqlite:
            published, fetched = sqlite_time(published), self._sqlite_time_cached(fetched)
        return (
            m.channel, m.external_id, m.source_id, m.url, m.author_handle, m.author_name, m.author_followers,
            m.title, m.text, m.language, m.country, published, fetched, m.parent_id, m.thread_id,
            m.like_count, m.share_count, m.reply_count, m.view_count, m.fingerprint, without_nul(m.raw),
            m.sentiment, m.sentiment_score, m.sentiment_confidence, format_intents(m.intents) or None,
            self._json(m.intent_scores), m.analysis_model, m.date_known, m.primary_intent,
        )  # fmt: skip


def _entries(
    stored: Iterable[StoredMention], keys: dict[tuple[str, str], list[str]]
) -> list[tuple[int, list[str]]]:
    return [(s.id, keys[s.mention.key]) for s in stored]


class StorageFullError(RuntimeError):
    """The disk (or the database's size limit) is full. The batch was rolled back whole."""

    def __init__(self) -> None:
        super().__init__(
            "disk full — free space and run again; nothing will be stored twice "
            "(the batch being written was rolled back, every batch before it is stored)"
        )


def _storage_full(exc: BaseException) -> StorageFullError | None:
    """The one clear error for a full disk, whichever layer noticed it first."""
    if isinstance(exc, StorageFullError):
        return None
    exc = getattr(exc, "orig", None) or exc  # SQLAlchemy's wrapper around the driver's error
    code = getattr(exc, "sqlite_errorcode", None)  # SQLITE_FULL; also a ``max_page_count`` reached
    state = getattr(exc, "sqlstate", None)  # PostgreSQL's disk_full, out_of_memory-like 53xxx
    errno = getattr(exc, "errno", None)
    if code == 13 or state == "53100" or errno == 28:  # 28: ENOSPC
        return StorageFullError()
    if "database or disk is full" in str(exc) or "No space left on device" in str(exc):
        return StorageFullError()
    return None


def without_nul(text: str) -> str:
    """PostgreSQL's text holds no NUL character: written as ``\\x00`` (on both backends, so they agree)."""
    return text.replace("\x00", "\\x00") if "\x00" in text else text


def _sqlite_lock(engine: Engine) -> threading.Lock:
    with _SQLITE_LOCKS_GUARD:
        return _SQLITE_LOCKS.setdefault(str(engine.url), threading.Lock())


def _topic_rows(stored: Sequence[StoredMention]) -> list[tuple[int, int]]:
    return [(s.id, topic_id) for s in stored for topic_id in s.mention.topic_ids]


def _counts(
    counts: Rollup | None, by_key: dict[tuple[str, str], Mention], stored: Sequence[StoredMention]
) -> Rollup:
    """What the stored mentions add to the rollups: ``counts`` corrected, or counted here."""
    if counts is None or not stored:
        return rollup(rollups.inputs_of(stored))
    known: list[Mention] = []
    if len(stored) < len(by_key):
        new = {s.mention.key for s in stored}
        known = [m for key, m in by_key.items() if key not in new]
    correct(counts, known=known, duplicates=[s.mention for s in stored if s.duplicate_of is not None])
    return counts
