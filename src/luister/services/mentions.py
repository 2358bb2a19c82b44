"""Reading mentions back for people: the newest first."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine

from luister.domain.mention_filter import NO_FILTER, MentionFilter
from luister.domain.query_index import IndexPlan, compile_index_query
from luister.domain.rollups import engagement
from luister.storage import search_index
from luister.storage.tables import (
    ENGAGEMENT,
    REACH,
    UtcDateTime,
    mention,
    mention_tag,
    mention_topic,
    topic,
)

if TYPE_CHECKING:
    from luister.domain.queries import Query

_NAMED_SQLITE = sqlite_dialect.dialect(paramstyle="named")


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


SORTS = ("newest", "reach", "engagement")  # the orders of the mention list (reach: the author's followers)


def _sort_column(sort: str) -> sa.ColumnElement[Any]:
    return {"newest": mention.c.published_at, "reach": REACH, "engagement": ENGAGEMENT}[sort]


def _key_of(sort: str, row: Any) -> tuple[Any, int]:
    """Where ``row`` (a mention row or MentionRead) stands in ``sort``: its sort value and id."""
    if sort == "reach":
        return row.author_followers or 0, row.id
    if sort == "engagement":
        return engagement(row.like_count, row.share_count, row.reply_count), row.id
    return row.published_at, row.id


def _older_than(sort: str, key: Any, mention_id: int) -> sa.ColumnElement[bool]:
    """Rows after ``(key, id)`` in ``sort``'s descending order (a row-value comparison: SQLite and
    PostgreSQL both walk an index from there where there is one)."""
    value = sa.literal(key, UtcDateTime() if sort == "newest" else sa.BigInteger())
    return sa.tuple_(_sort_column(sort), mention.c.id) < sa.tuple_(value, sa.literal(mention_id))


def page_cursor(key: Any, mention_id: int, sort: str = "newest") -> str:
    """Where a page ended: ``<published, µs since 1970>.<id>``, or for the other sorts ``r<followers>.<id>``
    and ``e<engagement>.<id>`` (safe in any address)."""
    if sort == "newest":
        return f"{(key - _EPOCH) // timedelta(microseconds=1)}.{mention_id}"
    return f"{sort[0]}{key}.{mention_id}"


def read_cursor(value: str, sort: str = "newest") -> tuple[Any, int]:
    """The position of ``page_cursor``; ``ValueError`` when ``value`` is not one of ``sort``'s."""
    prefix = "" if sort == "newest" else sort[0]
    if not value.startswith(prefix) or len(value) > 40:
        raise ValueError(f"{value!r} is not a page cursor")
    number, _, mention_id = value[len(prefix) :].partition(".")
    if not ((number.lstrip("-") if sort == "newest" else number).isdigit() and mention_id.isdigit()):
        raise ValueError(f"{value!r} is not a page cursor")
    if sort == "newest":
        return _EPOCH + timedelta(microseconds=int(number)), int(mention_id)
    return int(number), int(mention_id)


SCAN_LIMIT = 20_000  # rows a query the search index cannot serve looks through per page before it stops


@dataclass(slots=True, frozen=True)
class MentionPage:
    mentions: list[MentionRead]
    next_before: str | None  # pass as ``before`` for the next (older) page (see ``page_cursor``)
    scanned_out: bool  # the query filter looked through SCAN_LIMIT rows without filling the page
    # why the query was not answered from the search index (it was scanned instead); None: it was
    index_reason: str | None = None


def search_mentions(
    *,
    engine: Engine,
    query: str | None = None,
    filters: MentionFilter = NO_FILTER,
    before: str | None = None,
    limit: int = 50,
    topics: Mapping[str, str] | None = None,
    sort: str = "newest",
) -> MentionPage:
    """Newest published first, keyset-paged on (published, id) along the published index: fast at any
    depth and for any period (``sort`` "reach" or "engagement": most first, ties newest first, keyset-paged
    on (value, id)). ``query`` is the topic query language (raises ``QuerySyntaxError``): the
    search index (:mod:`luister.storage.search_index`) names the candidates, over all of history, and the
    query is checked exactly on them; a query the index cannot serve (only NOT, only fields) is checked on
    the rows the SQL filters leave, at most SCAN_LIMIT per page, and ``index_reason`` says why.
    ``filters`` narrow the list (see ``MentionFilter``). ``topics`` (name → query) are those a
    ``topic:`` in ``query`` may name: the reader's; a reference to any other raises
    ``QueryReferenceError`` (none given: no references)."""
    from luister.services.matching import MATCH_COLUMNS

    parsed, known = _parse(query, topics)
    extra = [c for c in MATCH_COLUMNS if c.name not in MentionRead.__dataclass_fields__]  # what queries see
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")
    base = sa.select(*COLUMNS, *extra).order_by(_sort_column(sort).desc(), mention.c.id.desc())
    base = base.where(*filter_conditions(filters))
    found: list[MentionRead] = []
    scanned = 0
    cursor = read_cursor(before, sort) if before else None
    with engine.connect() as conn:
        plan, reason = _index_plan(conn, parsed, known)
        scan_limit = SCAN_LIMIT if parsed is not None and plan is None else None
        hint = _hint(conn, plan)
        if hint == DENSE:  # most mentions are answers: walking newest first finds a page at once
            hint, plan = MANY, None
        if hint == MANY and sort != "newest":  # walk the sort's own index (0031) instead of the published one
            hint = f"INDEXED BY ix_mention_{sort}"
        if plan is not None:
            base = base.where(_candidates(conn, plan))
        checked = parsed is not None and not (plan is not None and plan.exact)
        batch = limit + 1 if not checked else (1000 if plan is None else max(limit + 1, 200))
        if hint == FEW:
            batch = FEW_CANDIDATES  # all of them at once: they are sorted whole anyway
        matches = _checker(parsed, known) if checked else None
        while len(found) < limit + 1 and (scan_limit is None or scanned < scan_limit):
            page = base if cursor is None else base.where(_older_than(sort, *cursor))
            got = 0
            for row in conn.execute(_hinted(page.limit(batch), hint)):  # read as far as needed
                got += 1
                cursor = _key_of(sort, row)
                if matches is None or matches(row):
                    found.append(_read(row))
                    if len(found) > limit:
                        break
            scanned += got
            if got < batch:
                break
            batch = min(batch * 4, 5000)
    more = len(found) > limit
    found = found[:limit]
    out = scan_limit is not None and scanned >= scan_limit
    last = _key_of(sort, found[-1]) if found else cursor
    next_before = page_cursor(*last, sort=sort) if last and (more or out) else None
    return MentionPage(found, next_before, scanned_out=out and len(found) < limit, index_reason=reason)


def _checker(parsed: Query | None, known: Mapping[str, Query]) -> Callable[[Any], bool]:
    """Whether a mention row matches ``parsed``: the compiled matcher, with the topics it may name."""
    from luister.domain.matcher import TopicMatcher
    from luister.services.matching import doc_from_row

    named = {n: (name, query) for n, (name, query) in enumerate(known.items(), start=1)}
    assert parsed is not None
    matcher = TopicMatcher.compile({**named, 0: ("\x00searched", parsed)})  # a name no topic has
    return lambda row: 0 in matcher.match(doc_from_row(row))


def _parse(query: str | None, topics: Mapping[str, str] | None) -> tuple[Query | None, dict[str, Query]]:
    from luister.domain.queries import check_query_references, parse_query, referenced_topics

    parsed = parse_query(query) if query and query.strip() else None
    known: dict[str, Query] = {}
    if parsed is not None and referenced_topics(parsed):
        known = {name: parse_query(text) for name, text in (topics or {}).items()}
        check_query_references(parsed, known)
    return parsed, known


def _index_plan(
    conn: Connection, parsed: Query | None, known: Mapping[str, Query]
) -> tuple[IndexPlan | None, str | None]:
    """The index query for ``parsed``, or None and why the index cannot serve it (None: no query)."""
    if parsed is None:
        return None, None
    plan = compile_index_query(parsed, topics=known)
    if not plan.usable:
        return None, plan.reason
    if not search_index.ready(conn):
        return None, "the search index is still being built (luister search build): this query scans"
    return plan, None


FEW_CANDIDATES = 20_000  # SQLite: up to this many index answers are looked up one by one
DENSE_SHARE = 5  # SQLite: when over 1 in this many mentions are answers, search walks without the index
FEW, MANY, DENSE = "NOT INDEXED", "INDEXED BY ix_mention_published_at", "dense"


def _candidates(conn: Connection, plan: IndexPlan) -> sa.ColumnElement[bool]:
    """The condition naming the index's answers. PostgreSQL's planner cannot tell a rare word from a
    common one it has no statistics for: few answers are passed as their ids (looked up by key)."""
    if conn.dialect.name != "sqlite":
        ids = search_index.candidate_ids(conn, plan, FEW_CANDIDATES)
        if ids is not None:
            return mention.c.id == sa.any_(sa.bindparam("candidate_ids", ids, type_=ARRAY(sa.BigInteger)))
    return search_index.candidates(plan, conn.dialect.name)


def _hint(conn: Connection, plan: IndexPlan | None) -> str | None:
    """On SQLite, the plan its planner cannot choose alone (it knows nothing of the index's answers):
    few answers are looked up by id and sorted; many are met walking the published index newest first,
    which stops as soon as the page is full. PostgreSQL estimates a tsquery's rows itself: None."""
    if plan is None or conn.dialect.name != "sqlite":
        return None
    answers = search_index.count_candidates(conn, plan)
    if answers <= FEW_CANDIDATES:
        return FEW
    newest = conn.execute(sa.select(sa.func.max(mention.c.id))).scalar() or 0
    return DENSE if answers * DENSE_SHARE > newest else MANY


def _counting_hint(conn: Connection, plan: IndexPlan | None) -> str | None:
    """A count reads every answer: dense ones too through the index."""
    hint = _hint(conn, plan)
    return MANY if hint == DENSE else hint


def _hinted(select: sa.Select[Any], hint: str | None) -> sa.Executable:
    """``select`` with the SQLite table hint on ``mention``. SQLAlchemy renders no SQLite table hints: the
    statement is compiled, the hint written in, and it runs as text with the same typed parameters and
    result columns."""
    if hint is None:
        return select
    compiled = select.compile(dialect=_NAMED_SQLITE)
    head, found, tail = str(compiled).partition("\nFROM mention ")
    if not found:
        head, found, tail = str(compiled).partition("\nFROM mention\n")
        tail = "\n" + tail
    assert found, "the statement reads mention"
    binds = [
        sa.bindparam(name, compiled.params[name], type_=bind.type)
        for bind, name in compiled.bind_names.items()
    ]
    sql = f"{head}\nFROM mention {hint} {tail}"
    return sa.text(sql).bindparams(*binds).columns(*select.selected_columns)


def filter_conditions(filters: MentionFilter) -> list[sa.ColumnElement[bool]]:
    """The SQL conditions of the mention list's filters (the list, its count and the match counts)."""
    where: list[sa.ColumnElement[bool]] = []
    if (
        filters.topic_id is not None
    ):  # a probe of the (mention, topic) key per row: stops when the page is full
        where.append(sa.exists().where(mention_topic.c.mention_id == mention.c.id,
                                       mention_topic.c.topic_id == filters.topic_id))  # fmt: skip
    if filters.sentiment:
        where.append(mention.c.sentiment == filters.sentiment)
    if filters.intent:
        where.append(mention.c.intents.contains(filters.intent))
    if filters.primary_intent:
        where.append(mention.c.primary_intent == filters.primary_intent)
    for column, value in ((mention.c.channel, filters.channel), (mention.c.country, filters.country),
                          (mention.c.language, filters.language)):  # fmt: skip
        if value is not None:
            where.append(column == value if value else sa.or_(column.is_(None), column == ""))
    if filters.since is not None:
        where.append(mention.c.published_at >= filters.since)
    if filters.until is not None:
        where.append(mention.c.published_at < filters.until)
    if filters.tag:
        tagged = sa.exists().where(mention_tag.c.mention_id == mention.c.id, mention_tag.c.tag == filters.tag)
        where.append(tagged)
    return where


def index_reason(*, engine: Engine, query: str, topics: Mapping[str, str] | None = None) -> str | None:
    """Why the search index cannot serve ``query`` (None: it can)."""
    parsed, known = _parse(query, topics)
    with engine.connect() as conn:
        return _index_plan(conn, parsed, known)[1]


@dataclass(slots=True, frozen=True)
class MatchCount:
    """How many mentions match a query in a period (``exact`` False: at least ``count``, the scan
    stopped at its limit), and why the index could not serve it (None: it did)."""

    count: int
    exact: bool
    index_reason: str | None = None


COUNT_SCAN_LIMIT = 200_000  # rows a count the index cannot serve looks through before it stops


def count_matches(
    *,
    engine: Engine,
    query: str,
    since: datetime | None = None,
    until: datetime | None = None,
    topics: Mapping[str, str] | None = None,
) -> MatchCount:
    """How many mentions published in [since, until) match ``query``. Served by the search index:
    counted there when the index decides the query alone, else checked exactly on its candidates."""
    from luister.domain.matcher import TopicMatcher
    from luister.services.matching import MATCH_COLUMNS, doc_from_row

    parsed, known = _parse(query, topics)
    if parsed is None:
        raise ValueError("an empty query matches nothing to count")
    where = filter_conditions(MentionFilter(since=since, until=until))
    with engine.connect() as conn:
        plan, reason = _index_plan(conn, parsed, known)
        if plan is not None:
            where.append(search_index.candidates(plan, conn.dialect.name))
        if plan is not None and plan.exact:
            counting = sa.select(sa.func.count()).select_from(mention).where(*where)
            return MatchCount(
                int(conn.execute(_hinted(counting, _counting_hint(conn, plan))).scalar_one()), exact=True
            )
        named = {n: (name, q) for n, (name, q) in enumerate(known.items(), start=1)}
        matcher = TopicMatcher.compile({**named, 0: ("\x00counted", parsed)})  # a name no topic has
        listed = sa.select(*MATCH_COLUMNS).where(*where).order_by(mention.c.published_at.desc())
        rows = conn.execute(
            _hinted(listed.limit(None if plan else COUNT_SCAN_LIMIT), _counting_hint(conn, plan))
        )
        count = seen = 0
        for row in rows:
            seen += 1
            count += 0 in matcher.match(doc_from_row(row))
    complete = plan is not None or seen < COUNT_SCAN_LIMIT
    return MatchCount(count, exact=complete, index_reason=reason)


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
