"""Reading mentions back for people: the newest first."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.rollups import engagement
from luister.storage.tables import UtcDateTime, mention, mention_topic, topic

if TYPE_CHECKING:
    from luister.domain.queries import Query


@dataclass(slots=True, frozen=True)
class MentionRead:
    id: int
    channel: str
    url: str | None
    author_handle: str | None
    title: str | None
    text: str
    language: str | None
    country: str | None
    published_at: datetime
    duplicate_of: int | None
    sentiment: str | None
    intents: str | None
    primary_intent: str | None = None  # the most urgent of ``intents``, what routing goes by
    author_followers: int | None = None
    like_count: int | None = None
    share_count: int | None = None
    reply_count: int | None = None
    date_known: bool = True  # False: the source gave no date and ``published_at`` is when it was fetched

    @property
    def engagement(self) -> int:
        return engagement(self.like_count, self.share_count, self.reply_count)


COLUMNS = tuple(mention.c[name] for name in MentionRead.__dataclass_fields__)
# likes + shares + replies of a mention row, unknown counts as 0 (as luister.domain.rollups.engagement)
ENGAGEMENT = (sa.func.coalesce(mention.c.like_count, 0) + sa.func.coalesce(mention.c.share_count, 0)
              + sa.func.coalesce(mention.c.reply_count, 0))  # fmt: skip


def latest_mentions(*, engine: Engine, limit: int = 25) -> list[MentionRead]:
    query = sa.select(*COLUMNS).order_by(mention.c.published_at.desc(), mention.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [MentionRead(**row) for row in conn.execute(query).mappings()]


def mentions_by_id(*, engine: Engine, ids: list[int]) -> list[MentionRead]:
    """The given mentions, in the order of ``ids`` (missing ones left out)."""
    if not ids:
        return []
    with engine.connect() as conn:
        found = {
            row["id"]: MentionRead(**row)
            for row in conn.execute(sa.select(*COLUMNS).where(mention.c.id.in_(ids))).mappings()
        }
    return [found[i] for i in ids if i in found]


def top_engaging(
    *, engine: Engine, since: datetime, until: datetime, topic_id: int | None = None, limit: int = 10
) -> list[MentionRead]:
    """The mentions with the most likes + shares + replies published in [since, until)."""
    engagement = ENGAGEMENT
    query = (
        sa.select(*COLUMNS)
        .where(mention.c.published_at >= since, mention.c.published_at < until, engagement > 0)
        .order_by(engagement.desc(), mention.c.id.desc())
        .limit(limit)
    )
    if topic_id is not None:
        query = query.where(sa.exists().where(mention_topic.c.mention_id == mention.c.id,
                                              mention_topic.c.topic_id == topic_id))  # fmt: skip
    with engine.connect() as conn:
        return [MentionRead(**row) for row in conn.execute(query).mappings()]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _older_than(published_at: datetime, mention_id: int) -> sa.ColumnElement[bool]:
    """Rows after ``(published_at, id)`` in newest-first order (a row-value comparison: SQLite and
    PostgreSQL both walk the published index from there)."""
    position = sa.tuple_(sa.literal(published_at, UtcDateTime()), sa.literal(mention_id))
    return sa.tuple_(mention.c.published_at, mention.c.id) < position


def page_cursor(published_at: datetime, mention_id: int) -> str:
    """Where a page ended: ``<published, µs since 1970>.<id>`` (digits, safe in any address)."""
    return f"{(published_at - _EPOCH) // timedelta(microseconds=1)}.{mention_id}"


def read_cursor(value: str) -> tuple[datetime, int]:
    """The position of ``page_cursor``; ``ValueError`` when ``value`` is not one."""
    micros, _, mention_id = value.partition(".")
    if not (micros.lstrip("-").isdigit() and mention_id.isdigit()) or len(value) > 40:
        raise ValueError(f"{value!r} is not a page cursor")
    return _EPOCH + timedelta(microseconds=int(micros)), int(mention_id)


SCAN_LIMIT = 20_000  # rows a query filter looks through per page before it stops and says so


@dataclass(slots=True, frozen=True)
class MentionPage:
    mentions: list[MentionRead]
    next_before: str | None  # pass as ``before`` for the next (older) page (see ``page_cursor``)
    scanned_out: bool  # the query filter looked through SCAN_LIMIT rows without filling the page


def search_mentions(
    *,
    engine: Engine,
    query: str | None = None,
    topic_id: int | None = None,
    sentiment: str | None = None,
    intent: str | None = None,
    primary_intent: str | None = None,
    channel: str | None = None,
    country: str | None = None,
    language: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: str | None = None,
    limit: int = 50,
    topics: Mapping[str, str] | None = None,
) -> MentionPage:
    """Newest published first, keyset-paged on (published, id) along the published index: fast at any
    depth and for any period. ``query`` is the topic query language,
    checked exactly on the rows the SQL filters leave (raises ``QuerySyntaxError``). ``country`` and
    ``language`` accept ``""`` for "unknown" (as the dashboards count it); the period is [since, until).
    ``topics`` (name → query) are those a ``topic:`` in ``query`` may name: the reader's; a reference to
    any other raises ``QueryReferenceError`` (none given: no references)."""
    from luister.domain.queries import check_query_references, evaluate, parse_query, referenced_topics
    from luister.services.matching import MATCH_COLUMNS, doc_from_row

    parsed = parse_query(query) if query and query.strip() else None
    known: dict[str, Query] = {}
    if parsed is not None and referenced_topics(parsed):
        known = {name: parse_query(text) for name, text in (topics or {}).items()}
        check_query_references(parsed, known)
    extra = [c for c in MATCH_COLUMNS if c.name not in MentionRead.__dataclass_fields__]  # what queries see
    base = sa.select(*COLUMNS, *extra).order_by(mention.c.published_at.desc(), mention.c.id.desc())
    if topic_id is not None:  # a probe of the (mention, topic) key per row: stops as soon as the page is full
        base = base.where(sa.exists().where(mention_topic.c.mention_id == mention.c.id,
                                            mention_topic.c.topic_id == topic_id))  # fmt: skip
    if sentiment:
        base = base.where(mention.c.sentiment == sentiment)
    if intent:
        base = base.where(mention.c.intents.contains(intent))
    if primary_intent:
        base = base.where(mention.c.primary_intent == primary_intent)
    for column, value in ((mention.c.channel, channel), (mention.c.country, country),
                          (mention.c.language, language)):  # fmt: skip
        if value is not None:
            base = base.where(column == value if value else sa.or_(column.is_(None), column == ""))
    if since is not None:
        base = base.where(mention.c.published_at >= since)
    if until is not None:
        base = base.where(mention.c.published_at < until)
    found: list[MentionRead] = []
    scanned = 0
    cursor = read_cursor(before) if before else None
    with engine.connect() as conn:
        while len(found) < limit + 1 and scanned < SCAN_LIMIT:
            page = base if cursor is None else base.where(_older_than(*cursor))
            rows = conn.execute(page.limit(limit + 1 if parsed is None else 1000)).all()
            if not rows:
                break
            scanned += len(rows)
            cursor = (rows[-1].published_at, rows[-1].id)
            for row in rows:
                if parsed is None or evaluate(parsed, doc_from_row(row), topics=known):
                    found.append(_read(row))
    more = len(found) > limit
    found = found[:limit]
    last = (found[-1].published_at, found[-1].id) if found else cursor
    next_before = page_cursor(*last) if last and (more or scanned >= SCAN_LIMIT) else None
    return MentionPage(found, next_before, scanned_out=scanned >= SCAN_LIMIT and len(found) < limit)


@dataclass(slots=True, frozen=True)
class MentionDetail:
    mention: MentionRead
    author_name: str | None
    author_followers: int | None
    sentiment_score: float | None
    sentiment_confidence: float | None
    intent_scores: dict[str, float] | None
    analysis_model: str | None
    raw: str
    thread: list[MentionRead]  # others in the same thread, oldest first
    topics: list[str]  # names of the topics it matched, alphabetically


def mention_detail(
    *, engine: Engine, mention_id: int, topics_seen: Collection[str] | None = None
) -> MentionDetail | None:
    """One mention with what people need to read it. ``topics_seen``: the names of the topics the reader
    works with (departments scope topics); the mention's other topics are not named. None: all."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(mention).where(mention.c.id == mention_id)).first()
        if row is None:
            return None
        thread: list[MentionRead] = []
        if row.thread_id:
            thread = [
                MentionRead(**r)
                for r in conn.execute(
                    sa.select(*COLUMNS)
                    .where(
                        mention.c.channel == row.channel,
                        mention.c.thread_id == row.thread_id,
                        mention.c.id != row.id,
                    )  # fmt: skip
                    .order_by(mention.c.published_at)
                    .limit(50)
                ).mappings()
            ]
        topics = list(
            conn.execute(
                sa.select(topic.c.name)
                .join(mention_topic, mention_topic.c.topic_id == topic.c.id)
                .where(mention_topic.c.mention_id == row.id)
                .order_by(topic.c.name)
            ).scalars()
        )
    if topics_seen is not None:
        topics = [name for name in topics if name in topics_seen]
    return MentionDetail(_read(row), row.author_name, row.author_followers, row.sentiment_score,
                         row.sentiment_confidence, row.intent_scores, row.analysis_model, row.raw,
                         thread, topics)  # fmt: skip


CSV_COLUMNS = (
    "id", "published_at", "date_known", "channel", "author_handle", "url", "language", "country", "sentiment",
    "primary_intent", "intents", "title", "text",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


def mentions_csv(mentions: list[MentionRead]) -> str:
    """The mentions as CSV with a header row, for spreadsheets. Mention text is hostile: a cell that a
    spreadsheet would take for a formula gets a leading ``'`` (the OWASP advice on CSV injection)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for m in mentions:
        cells = [getattr(m, name) for name in CSV_COLUMNS]
        cells[1] = m.published_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        cells[2] = "true" if m.date_known else "false"  # false: published_at is when it was fetched
        writer.writerow(
            [
                "" if cell is None else f"'{cell}" if str(cell).startswith(_FORMULA_START) else cell
                for cell in cells
            ]
        )
    return out.getvalue()


def _read(row: Any) -> MentionRead:
    return MentionRead(**{name: getattr(row, name) for name in MentionRead.__dataclass_fields__})
