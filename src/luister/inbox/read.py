"""Reading the inbox: the views with their counts, a conversation with its messages, timeline and author,
departments with their people, routing rules and SLA policies. No writes.

Department scoping is applied here (:func:`in_scope`): someone of a department sees their department's
conversations and those nobody owns yet; admins and people without a department see all."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox.model import Route, UnknownConversation
from luister.inbox.status import PRIORITY_ORDER, Status
from luister.inbox.tables import (
    CALM_DUE,
    SEARCH_DOCUMENT,
    SEARCH_TABLE,
    canned_response,
    conversation,
    conversation_event,
    conversation_message,
    conversation_tag,
    conversation_tally,
    department,
    department_member,
    digest,
    digest_item,
    digest_item_mention,
    notification,
    routing_rule,
    sla_policy,
)
from luister.storage.scoping import seen
from luister.storage.tables import mention, user_account

PAGE = 50
ABOUT_TO_BREACH = timedelta(hours=1)


class View(StrEnum):
    mine = "mine"
    unassigned = "unassigned"
    departments = "departments"  # my departments' (all of them for someone across departments)
    all = "all"
    breaching = "breaching"  # about to breach or breached
    snoozed = "snoozed"
    resolved = "resolved"


def in_scope(scope: Scope) -> sa.ColumnElement[bool]:
    """Conversations ``scope`` sees: its department's and those without a department."""
    if scope.department is None:
        return sa.true()
    owned = sa.select(department.c.id).where(seen(department.c.key, scope)).scalar_subquery()
    return sa.or_(conversation.c.department_id.is_(None), conversation.c.department_id.in_(owned))


@dataclass(frozen=True, slots=True)
class Filters:
    department: str | None = None
    status: str | None = None
    priority: str | None = None
    intent: str | None = None
    channel: str | None = None
    tag: str | None = None
    assignee: str | None = None
    text: str | None = None  # words in the subject or the author


@dataclass(frozen=True, slots=True)
class ConversationRow:
    id: int
    subject: str
    channel: str
    author_handle: str | None
    author_name: str | None
    language: str | None
    intent: str | None
    sentiment: str | None
    department: str | None
    assignee: str | None
    status: str
    priority: str
    sla_state: str
    sla_due_at: datetime | None
    last_customer_at: datetime
    message_count: int
    snoozed_until: datetime | None
    route: Route


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[ConversationRow]
    counts: dict[str, int]  # per view, for the tabs
    total: int  # in this view with these filters
    page: int
    next_after: str | None = None  # the cursor of the next page (``after=``), None on the last one


def _select() -> sa.Select[Any]:
    return sa.select(
        conversation,
        department.c.key.label("department_key"),
        user_account.c.email.label("assignee_email"),
    ).select_from(
        conversation.outerjoin(department, department.c.id == conversation.c.department_id).outerjoin(
            user_account, user_account.c.id == conversation.c.assignee_id
        )
    )


def _row(r: Any) -> ConversationRow:
    return ConversationRow(
        r.id,
        r.subject,
        r.channel,
        r.author_handle,
        r.author_name,
        r.language,
        r.intent,
        r.sentiment,
        r.department_key,
        r.assignee_email,
        r.status,
        r.priority,
        r.sla_state,
        r.sla_due_at,
        r.last_customer_at,
        r.message_count,
        r.snoozed_until,
        Route.from_json(r.route),
    )


_LIVE = conversation.c.status.in_([s.value for s in Status if s not in (Status.resolved, Status.snoozed)])
_UNRESOLVED = conversation.c.status.in_([s.value for s in Status if s is not Status.resolved])


def _department_id(key: str) -> sa.ScalarSelect[Any]:
    # a subquery rather than a join on department: the queries below then read the conversation table
    # (or its covering indexes) alone
    return sa.select(department.c.id).where(department.c.key == key).scalar_subquery()


def view_condition(view: View, *, user_id: int | None, scope: Scope, now: datetime) -> sa.ColumnElement[bool]:
    if view is View.mine:
        return sa.and_(conversation.c.assignee_id == (user_id or -1), _LIVE)
    if view is View.unassigned:
        return sa.and_(conversation.c.assignee_id.is_(None), _LIVE)
    if view is View.departments:
        if scope.department is None:
            return _LIVE
        return sa.and_(conversation.c.department_id == _department_id(scope.department), _LIVE)
    if view is View.breaching:
        return sa.and_(
            _LIVE,
            sa.or_(
                conversation.c.sla_state.in_(("warning", "breached")),
                conversation.c.sla_due_at <= now + ABOUT_TO_BREACH,
            ),
        )
    if view is View.snoozed:
        return conversation.c.status == Status.snoozed.value
    if view is View.resolved:
        return conversation.c.status == Status.resolved.value
    return _LIVE


_WORD = re.compile(r"[^\W_]+")


def search_words(text: str) -> list[str]:
    """The words of a search as both databases index them: runs of letters and digits, lower case."""
    return _WORD.findall(text.lower())


def text_search(text: str, dialect: str) -> sa.ColumnElement[bool]:
    """Conversations whose subject or author handle has every word of ``text`` (each as a word or the
    start of one: "monteur" finds "monteurs"), through the database's full-text index (migration 0017):
    PostgreSQL's 'simple' tsvector with its GIN index, SQLite's FTS5 table. Both split the text into runs
    of letters and digits, lower their case and keep diacritics, so they find the same conversations
    (tests/integration/test_inbox_search.py). Words are letters and digits only, so nothing of ``text``
    reaches either query language as syntax. No words at all: nothing matches."""
    words = search_words(text)
    if not words:
        return sa.false()
    if dialect == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        matches = sa.text(f"{SEARCH_DOCUMENT} @@ to_tsquery('simple', :search_words)")
        return sa.and_(matches.bindparams(search_words=query))
    query = " ".join(f'"{w}"*' for w in words)
    found = sa.text(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :search_words")
    return conversation.c.id.in_(found.bindparams(search_words=query))


def _filter_conditions(filters: Filters, dialect: str) -> list[sa.ColumnElement[bool]]:
    """The filters as conditions on the conversation table alone (departments and assignees by subquery)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.department:
        conditions.append(conversation.c.department_id == _department_id(filters.department))
    for column, value in (
        (conversation.c.status, filters.status),
        (conversation.c.priority, filters.priority),
        (conversation.c.intent, filters.intent),
        (conversation.c.channel, filters.channel),
    ):
        if value:
            conditions.append(column == value)
    if filters.assignee:
        assignee = sa.select(user_account.c.id).where(user_account.c.email == filters.assignee.lower())
        conditions.append(conversation.c.assignee_id == assignee.scalar_subquery())
    if filters.tag:
        tagged = sa.select(conversation_tag.c.conversation_id).where(
            conversation_tag.c.tag == filters.tag.lower()
        )
        conditions.append(conversation.c.id.in_(tagged))
    if filters.text:
        conditions.append(text_search(filters.text, dialect))
    return conditions


_PRIORITY_RANK = sa.case({p.value: n for n, p in enumerate(PRIORITY_ORDER)}, value=conversation.c.priority)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PARTS = 2 * len(PRIORITY_ORDER)  # each priority's conversations with a deadline, then those without


def _micros(moment: datetime | None) -> str:
    return "n" if moment is None else str((moment - _EPOCH) // timedelta(microseconds=1))


def _moment(text: str) -> datetime | None:
    return None if text == "n" else _EPOCH + timedelta(microseconds=int(text))


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended in its view's order; the next page starts after it (keyset paging: a later page
    costs what the first does, and conversations that move in between are neither skipped nor repeated
    by the shift of an offset). ``part``: the priority's rank × 2, + 1 without a deadline (the order's
    parts, :func:`_ids_in_order`); -1 in the resolved view, whose ``due`` is then the resolution time."""

    part: int
    due: datetime | None
    last_customer_at: datetime | None
    id: int

    def encode(self) -> str:
        return f"{self.part}.{_micros(self.due)}.{_micros(self.last_customer_at)}.{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """``ValueError`` for anything that is not a cursor this module made."""
        try:
            part, due, last, id_ = text.split(".")
            cursor = cls(int(part), _moment(due), _moment(last), int(id_))
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"not a page cursor: {text[:40]!r}") from exc
        if cursor.part == -1:
            shaped = cursor.due is not None and cursor.last_customer_at is None
        else:  # a part without deadlines is odd
            shaped = cursor.last_customer_at is not None and (cursor.due is None) is (cursor.part % 2 == 1)
        if not (shaped and -1 <= cursor.part < _PARTS and 0 < cursor.id < 2**63):
            raise ValueError(f"not a page cursor: {text[:40]!r}")
        return cursor


def _cursor_of(r: Any, view: View) -> Cursor:
    if view is View.resolved:
        return Cursor(-1, r.resolved_at, None, r.id)
    rank = next(n for n, p in enumerate(PRIORITY_ORDER) if p.value == r.priority)
    return Cursor(2 * rank + (r.sla_due_at is None), r.sla_due_at, r.last_customer_at, r.id)


def _past(cursor: Cursor) -> sa.ColumnElement[bool]:
    """Rows after ``cursor`` within its part of the order."""
    due, last, id_ = conversation.c.sla_due_at, conversation.c.last_customer_at, conversation.c.id
    mark = [sa.literal(cursor.last_customer_at, last.type), sa.literal(cursor.id, id_.type)]
    if cursor.due is None:
        return sa.tuple_(last, id_) > sa.tuple_(*mark)
    return sa.tuple_(due, last, id_) > sa.tuple_(sa.literal(cursor.due, due.type), *mark)


def _after(cursor: Cursor, view: View) -> sa.ColumnElement[bool]:
    if view is View.resolved:
        if cursor.part != -1 or cursor.due is None:
            raise ValueError("a cursor of another view")
        done = sa.literal(cursor.due, conversation.c.resolved_at.type)
        mark = sa.tuple_(done, sa.literal(cursor.id, conversation.c.id.type))
        return sa.tuple_(conversation.c.resolved_at, conversation.c.id) < mark
    if cursor.part < 0:
        raise ValueError("a cursor of another view")
    part = 2 * _PRIORITY_RANK + sa.case((conversation.c.sla_due_at.is_(None), 1), else_=0)
    return sa.or_(part > cursor.part, sa.and_(part == cursor.part, _past(cursor)))


def list_conversations(
    *,
    engine: Engine,
    view: View = View.all,
    scope: Scope = EVERYTHING,
    user_id: int | None = None,
    filters: Filters = Filters(),
    page: int = 1,
    now: datetime,
    per_page: int = PAGE,
    after: str | None = None,
) -> Page:
    """One page of a view, most urgent first (priority, then the nearest SLA deadline, then the oldest
    customer message), with the count of every view for the tabs. ``after``: the previous page's
    ``next_after`` (then ``page`` is only the number to show); otherwise page ``page`` by offset.
    ``ValueError`` for a cursor that is not one, or is another view's."""
    cursor = Cursor.decode(after) if after else None
    where = sa.and_(
        in_scope(scope),
        view_condition(view, user_id=user_id, scope=scope, now=now),
        *_filter_conditions(filters, engine.dialect.name),
    )
    if view is View.resolved:
        order: list[Any] = [conversation.c.resolved_at.desc(), conversation.c.id.desc()]
    else:
        order = [
            _PRIORITY_RANK,
            conversation.c.sla_due_at.is_(None),
            conversation.c.sla_due_at,
            conversation.c.last_customer_at,
            conversation.c.id,
        ]
    offset = 0 if cursor else (page - 1) * per_page
    count = sa.select(sa.func.count()).where(where)
    with engine.connect() as conn:
        counts = view_counts(conn, scope=scope, user_id=user_id, now=now)
        total: int | None = None
        if view is not View.resolved and filters == Filters():
            total = counts[view.value]  # the same condition, counted in the same pass
        elif not filters.text or cursor:
            total = conn.execute(count).scalar_one()
        # A search is never walked in the order's index: each row passed would be matched against the
        # text on its own; the full-text index finds the matches at once, and the sort's pass counts them
        if (
            total is not None
            and view is not View.resolved
            and not filters.text
            and _walk_in_order(total, counts["all"] + counts["snoozed"], offset + per_page)
        ):
            ids = _ids_in_order(where, offset=offset, per_page=per_page, cursor=cursor)
        else:
            paged = sa.and_(where, _after(cursor, view)) if cursor else where
            counted = [] if total is not None else [sa.func.count().over().label("total")]
            ids = sa.select(conversation.c.id, *counted).where(paged).order_by(*order)
            ids = ids.limit(per_page).offset(offset)
        # The page's ids first, found on the narrow indexed columns; only those rows are then read whole
        # and joined (sorting whole rows of a large view is what is slow)
        found = ids.subquery("page_ids")
        query = _select().add_columns(*found.c[1:]).join(found, found.c.id == conversation.c.id)
        raw = conn.execute(query.order_by(*order)).all()
        if total is None:
            total = raw[0].total if raw else conn.execute(count).scalar_one()
    following = None
    if len(raw) == per_page and (view is not View.resolved or raw[-1].resolved_at is not None):
        following = _cursor_of(raw[-1], view).encode()
    return Page(rows=[_row(r) for r in raw], counts=counts, total=total, page=page, next_after=following)


# What ix_conversation_order holds; written out (not a bound parameter) so that SQLite sees the query's
# condition is the partial index's
_IN_ORDER_INDEX = conversation.c.status != sa.literal_column("'resolved'")


def _walk_in_order(size: int, unresolved: int, depth: int) -> bool:
    """Whether walking the order's index beats sorting the view (with its filters, ``size`` rows): the
    walk reads about ``depth`` rows of the view in each of the order's 8 parts, passing over the scope's
    other unresolved conversations in between (``depth * unresolved / size`` entries a part); sorting
    reads and sorts all ``size``. Big views (all, a big department's, the unassigned) walk, small ones
    (mine, a small department, a narrow filter) sort. With a cursor the depth is one page."""
    return 16 * depth * unresolved < size * size


def _ids_in_order(
    where: sa.ColumnElement[bool], *, offset: int, per_page: int, cursor: Cursor | None = None
) -> sa.Select[Any]:
    """A page's ids in the inbox's order without sorting the view: each priority's conversations with a
    deadline, then those without, are read in ix_conversation_order's order up to the page's end, and
    only those parts (8 × the page's end at most) are put in order. After a cursor, the parts before its
    part are left out and its own part starts after it: each part is read for one page at most."""
    due = conversation.c.sla_due_at
    parts = []
    for rank, priority in enumerate(PRIORITY_ORDER):
        # Both parts are ordered by the index's own columns, the deadline too where it is NULL throughout:
        # PostgreSQL reads the index in order only for an ORDER BY that names its columns
        for part, has_due in ((2 * rank, due.is_not(None)), (2 * rank + 1, due.is_(None))):
            if cursor and part < cursor.part:
                continue
            conditions = [where, _IN_ORDER_INDEX, conversation.c.priority == priority.value, has_due]
            if cursor and part == cursor.part:
                conditions.append(_past(cursor))
            ordered = (
                sa.select(
                    conversation.c.id,
                    sa.literal(part).label("part"),
                    due.label("due"),
                    conversation.c.last_customer_at.label("last_customer_at"),
                )
                .where(*conditions)
                .order_by(due, conversation.c.last_customer_at, conversation.c.id)
                .limit(offset + per_page)
                .subquery()
            )
            parts.append(sa.select(ordered))  # a subquery each: SQLite takes no LIMIT inside UNION ALL
    merged = sa.union_all(*parts).subquery("parts")
    return (
        sa.select(merged.c.id)
        .order_by(merged.c.part, merged.c.due, merged.c.last_customer_at, merged.c.id)
        .limit(per_page)
        .offset(offset)
    )


def view_counts(conn: Connection, *, scope: Scope, user_id: int | None, now: datetime) -> dict[str, int]:
    """How many conversations each view holds, from conversation_tally (kept by triggers: a few hundred
    rows, however many conversations are open) and, for the breaching tab, the live conversations not yet
    warned whose deadline is within the hour (ix_conversation_calm_due: those few alone are read). The
    views (:func:`view_condition`, :func:`in_scope`) are added up here from the groups — a change to a
    view's condition is made here too (tests/integration/test_inbox_bench_smoke.py checks every tab's
    count against its list). Resolved conversations are not counted: their tab shows no count."""
    tally = conn.execute(
        sa.select(
            conversation_tally.c.status,
            conversation_tally.c.department_id,
            conversation_tally.c.assignee_id,
            conversation_tally.c.sla_hot,
            conversation_tally.c.conversations,
        ).where(conversation_tally.c.status != Status.resolved.value, conversation_tally.c.conversations != 0)
    ).all()
    near = conn.execute(  # the partial index's own condition, written out so that SQLite uses it too
        sa.select(conversation.c.department_id, conversation.c.assignee_id, sa.func.count())
        .where(sa.text(CALM_DUE), conversation.c.sla_due_at <= now + ABOUT_TO_BREACH)
        .group_by(conversation.c.department_id, conversation.c.assignee_id)
    ).all()
    keys: dict[int, str] = {d.id: d.key for d in conn.execute(sa.select(department.c.id, department.c.key))}
    mine = user_id or -1
    counts = {v.value: 0 for v in View if v is not View.resolved}

    def seen_here(department_id: int | None) -> bool:  # in_scope: its departments' and nobody's
        return department_id is None or scope.sees(keys.get(department_id))

    for status, department_id, assignee_id, hot, count in tally:
        department_id, assignee_id = department_id or None, assignee_id or None  # 0: none
        if not seen_here(department_id):
            continue
        if status == Status.snoozed.value:
            counts[View.snoozed] += count
            continue
        counts[View.all] += count  # live: neither resolved nor snoozed
        counts[View.breaching] += count if hot else 0
        if assignee_id is None:
            counts[View.unassigned] += count
        elif assignee_id == mine:
            counts[View.mine] += count
        if scope.department is None or (
            department_id is not None and keys.get(department_id) == scope.department
        ):
            counts[View.departments] += count
    counts[View.breaching] += sum(count for department_id, _, count in near if seen_here(department_id))
    return counts


@dataclass(frozen=True, slots=True)
class MessageRead:
    id: int
    kind: str
    author: str | None
    body: str
    at: datetime
    mention_id: int | None
    url: str | None
    date_known: bool = True  # False: the source gave no date; ``at`` is when the mention was fetched


@dataclass(frozen=True, slots=True)
class EventRead:
    at: datetime
    actor: str
    kind: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuthorHistory:
    """The person's other conversations and mentions, across channels (by handle)."""

    conversations: list[ConversationRow]
    mentions: list[tuple[int, str, str, datetime, str | None]]  # id, channel, text, published_at, url


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a department decided on a digest item this conversation's mentions were part of."""

    department: str
    kind: str
    theme: str
    decision: str | None
    outcome: str | None
    decided_by: str | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class ConversationDetail:
    conversation: ConversationRow
    messages: list[MessageRead]
    events: list[EventRead]
    tags: list[str]
    cycle: int
    first_response_at: datetime | None
    resolved_at: datetime | None
    answered_elsewhere: str | None
    merged_into: int | None
    author: AuthorHistory
    outcomes: list[Outcome] = field(default_factory=list)
    reply_seq: int = 0  # the send-time guard's number: a reply composed now is sent against it


def conversation_detail(
    *, engine: Engine, conversation_id: int, scope: Scope = EVERYTHING, messages: int = 500
) -> ConversationDetail:
    """One conversation with its (newest ``messages``) messages, timeline, tags and author history.
    One outside ``scope`` is as unknown as one that does not exist."""
    with engine.connect() as conn:
        r = conn.execute(_select().where(conversation.c.id == conversation_id, in_scope(scope))).first()
        if r is None:
            raise UnknownConversation(f"no conversation #{conversation_id}")
        found = conn.execute(
            sa.select(conversation_message, mention.c.url, mention.c.date_known)
            .outerjoin(mention, mention.c.id == conversation_message.c.mention_id)
            .where(conversation_message.c.conversation_id == conversation_id)
            .order_by(conversation_message.c.at.desc(), conversation_message.c.id.desc())
            .limit(messages)
        ).all()
        items = [
            MessageRead(m.id, m.kind, m.author, m.body, m.at, m.mention_id, m.url, m.date_known is not False)
            for m in reversed(found)
        ]
        events = [
            EventRead(e.at, e.actor, e.kind, dict(e.detail or {}))
            for e in conn.execute(
                sa.select(conversation_event)
                .where(conversation_event.c.conversation_id == conversation_id)
                .order_by(conversation_event.c.id)
            )
        ]
        tags = sorted(
            conn.scalars(
                sa.select(conversation_tag.c.tag).where(conversation_tag.c.conversation_id == conversation_id)
            )
        )
        author = _author_history(conn, r, scope)
        outcomes = _outcomes(conn, conversation_id)
    return ConversationDetail(
        _row(r),
        items,
        events,
        tags,
        r.cycle,
        r.first_response_at,
        r.resolved_at,
        r.answered_elsewhere,
        r.merged_into_id,
        author,
        outcomes,
        r.reply_seq,
    )


def _author_history(conn: Connection, r: Any, scope: Scope) -> AuthorHistory:
    if not r.author_handle:
        return AuthorHistory([], [])
    others = conn.execute(
        _select()
        .where(conversation.c.author_handle == r.author_handle, conversation.c.id != r.id, in_scope(scope))
        .order_by(conversation.c.last_customer_at.desc())
        .limit(20)
    )
    mentions = conn.execute(
        sa.select(mention.c.id, mention.c.channel, mention.c.text, mention.c.published_at, mention.c.url)
        .where(mention.c.author_handle == r.author_handle)
        .order_by(mention.c.published_at.desc())
        .limit(20)
    )
    return AuthorHistory(
        [_row(o) for o in others], [(m.id, m.channel, m.text, m.published_at, m.url) for m in mentions]
    )


def _outcomes(conn: Connection, conversation_id: int) -> list[Outcome]:
    mentions = sa.select(conversation_message.c.mention_id).where(
        conversation_message.c.conversation_id == conversation_id,
        conversation_message.c.mention_id.is_not(None),
    )
    rows = conn.execute(
        sa.select(department.c.key, digest_item)
        .distinct()
        .join(digest_item_mention, digest_item_mention.c.item_id == digest_item.c.id)
        .join(digest, digest.c.id == digest_item.c.digest_id)
        .join(department, department.c.id == digest.c.department_id)
        .where(digest_item_mention.c.mention_id.in_(mentions))
        .order_by(digest_item.c.id)
    )
    return [Outcome(o.key, o.kind, o.theme, o.decision, o.outcome, o.decided_by, o.decided_at) for o in rows]


# --- departments, rules, policies, canned responses, notifications ----------------------------------------


@dataclass(frozen=True, slots=True)
class MemberRead:
    user_id: int
    email: str
    name: str
    languages: str
    availability: str
    capacity: int
    open_count: int


@dataclass(frozen=True, slots=True)
class DepartmentRead:
    id: int
    key: str
    name_en: str
    name_nl: str
    calendar: dict[str, Any]
    digest_every: str
    assignment: str
    reclaim_minutes: int | None
    members: list[MemberRead]
    open_count: int

    def name(self, language: str) -> str:
        return self.name_nl if language == "nl" else self.name_en


def list_departments(*, engine: Engine) -> list[DepartmentRead]:
    with engine.connect() as conn:
        load: dict[int | None, int] = dict(
            conn.execute(
                sa.select(conversation.c.assignee_id, sa.func.count())
                .where(
                    conversation.c.status.in_(
                        [s.value for s in Status if s not in (Status.resolved, Status.snoozed)]
                    )
                )
                .group_by(conversation.c.assignee_id)
            ).all()
        )
        open_per_department: dict[int | None, int] = dict(
            conn.execute(
                sa.select(conversation.c.department_id, sa.func.count())
                .where(conversation.c.status != Status.resolved.value)
                .group_by(conversation.c.department_id)
            ).all()
        )
        members: dict[int, list[MemberRead]] = {}
        for m in conn.execute(
            sa.select(department_member, user_account.c.email, user_account.c.name)
            .join(user_account, user_account.c.id == department_member.c.user_id)
            .order_by(user_account.c.name)
        ):
            members.setdefault(m.department_id, []).append(
                MemberRead(
                    m.user_id,
                    m.email,
                    m.name,
                    m.languages,
                    m.availability,
                    m.capacity,
                    int(load.get(m.user_id, 0)),
                )
            )
        return [
            DepartmentRead(
                d.id,
                d.key,
                d.name_en,
                d.name_nl,
                dict(d.calendar or {}),
                d.digest_every,
                d.assignment,
                d.reclaim_minutes,
                members.get(d.id, []),
                int(open_per_department.get(d.id, 0)),
            )
            for d in conn.execute(sa.select(department).order_by(department.c.id))
        ]


def department_keys(*, engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(sa.select(department.c.key).order_by(department.c.id)))


@dataclass(frozen=True, slots=True)
class RuleRead:
    id: int
    name: str
    position: int
    conditions: dict[str, Any]
    department: str
    priority: str | None
    tags: list[str]
    enabled: bool
    created_by: str


def list_rules(*, engine: Engine) -> list[RuleRead]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(routing_rule, department.c.key)
            .join(department, department.c.id == routing_rule.c.department_id)
            .order_by(routing_rule.c.position, routing_rule.c.id)
        )
        return [
            RuleRead(
                r.id,
                r.name,
                r.position,
                dict(r.conditions or {}),
                r.key,
                r.priority,
                [t for t in r.tags.split(",") if t],
                r.enabled,
                r.created_by,
            )
            for r in rows
        ]


@dataclass(frozen=True, slots=True)
class PolicyRead:
    department: str
    priority: str
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    warn_minutes: int
    business_hours: bool


def list_policies(*, engine: Engine) -> list[PolicyRead]:
    rank = sa.case({p.value: n for n, p in enumerate(PRIORITY_ORDER)}, value=sla_policy.c.priority)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(sla_policy, department.c.key)
            .join(department, department.c.id == sla_policy.c.department_id)
            .order_by(department.c.id, rank)
        )
        return [
            PolicyRead(
                r.key,
                r.priority,
                r.first_response_minutes,
                r.next_response_minutes,
                r.resolution_minutes,
                r.warn_minutes,
                r.business_hours,
            )
            for r in rows
        ]


@dataclass(frozen=True, slots=True)
class CannedRead:
    id: int
    name: str
    language: str
    body: str
    department: str | None


def list_canned(
    *, engine: Engine, language: str | None = None, scope: Scope = EVERYTHING
) -> list[CannedRead]:
    """Canned responses: the company's and those of the departments ``scope`` sees."""
    query = (
        sa.select(canned_response, department.c.key)
        .outerjoin(department, department.c.id == canned_response.c.department_id)
        .where(seen(department.c.key, scope))
        .order_by(canned_response.c.name, canned_response.c.language)
    )
    if language:
        query = query.where(canned_response.c.language == language)
    with engine.connect() as conn:
        return [CannedRead(r.id, r.name, r.language, r.body, r.key) for r in conn.execute(query)]


@dataclass(frozen=True, slots=True)
class NotificationRead:
    id: int
    at: datetime
    kind: str
    conversation_id: int | None
    text: str
    read: bool


def notifications(*, engine: Engine, user_id: int, limit: int = 30) -> list[NotificationRead]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(notification)
            .where(notification.c.user_id == user_id)
            .order_by(notification.c.id.desc())
            .limit(limit)
        )
        return [
            NotificationRead(n.id, n.at, n.kind, n.conversation_id, n.text, n.read_at is not None)
            for n in rows
        ]


def unread_count(*, engine: Engine, user_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count()).where(
                    notification.c.user_id == user_id, notification.c.read_at.is_(None)
                )
            ).scalar_one()
        )


def conversation_ids(rows: Sequence[ConversationRow]) -> list[int]:
    return [r.id for r in rows]
