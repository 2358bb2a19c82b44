"""Mentions that need action become conversations, as they are stored (``InboxWatcher``), and what time
passing does to the inbox (``tick``): snoozes run out, SLA warnings and breaches, unanswered assignments
return to the queue, and the queue drains to whoever is available.

A stored mention joins the conversation of its thread, or its author's recent one on the same channel
(``threading``); otherwise the routing rules are asked in order, and when none holds the default triage
decides for mentions on the company's own topics whose intent needs action (``triage``). Each decision
is kept on the conversation with why (``Route``)."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.queries import MatchDoc, Query
from luister.domain.query_syntax import parse_query
from luister.inbox import bookkeeping as book
from luister.inbox import raci
from luister.inbox.model import ACTION_INTENTS, ConversationChanged, Route
from luister.inbox.replies_settle import recognise_fetched_back
from luister.inbox.rules import Candidate, Conditions, RoutingRule, first_rule
from luister.inbox.status import Move, Priority, Status, next_status
from luister.inbox.tables import conversation, conversation_message, department, routing_rule, voice
from luister.inbox.threading import JOIN_WINDOW, Open, conversation_to_join, thread_key
from luister.inbox.triage import TriageInput, suggest
from luister.services.events import EventBus, MentionsStored
from luister.storage.tables import mention, mention_topic, topic

log = logging.getLogger(__name__)
SUBJECT_LENGTH = 200
# Mentions published longer ago than this (an import of last year's export, a late backfill) are history,
# not work: they stay out of the inbox, as event alert rules ignore late mentions.
INTAKE_LOOKBACK = timedelta(days=7)


@dataclass(slots=True)
class Intake:
    """What one batch did: conversations opened, joined (and reopened) and mentions left alone."""

    opened: list[int] = field(default_factory=list)
    joined: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    replied: list[int] = field(default_factory=list)  # our own posts, answering in a conversation
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class Routing:
    """The rules and topics routing needs, read once per batch."""

    rules: tuple[RoutingRule, ...]
    topic_queries: dict[str, Query]
    departments: dict[str, int]
    voices: frozenset[tuple[str, str]] = frozenset()  # (channel, lower-case handle) we speak from

    def ours(self, row: Any) -> bool:
        return bool(row.author_handle) and (row.channel, row.author_handle.lower()) in self.voices

    @classmethod
    def load(cls, conn: Connection) -> Routing:
        departments = {key: id_ for id_, key in conn.execute(sa.select(department.c.id, department.c.key))}
        keys = {id_: key for key, id_ in departments.items()}
        rules = tuple(
            rule_of(row, keys[row.department_id])
            for row in conn.execute(sa.select(routing_rule).where(routing_rule.c.enabled))
        )
        queries = {
            name: parse_query(text) for name, text in conn.execute(sa.select(topic.c.name, topic.c.query))
        }
        voices = frozenset(
            (c, h.lower()) for c, h in conn.execute(sa.select(voice.c.channel, voice.c.handle))
        )
        return cls(rules=rules, topic_queries=queries, departments=departments, voices=voices)


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Query:
    """Queries parsed once per process (parsing is pure; a batch re-reads the topics, not the grammar)."""
    return parse_query(text)


def rule_of(row: Any, department_key: str) -> RoutingRule:
    conditions = Conditions.from_json(row.conditions or {})
    return RoutingRule(
        id=row.id,
        name=row.name,
        position=row.position,
        conditions=conditions,
        department=department_key,
        priority=Priority(row.priority) if row.priority else None,
        tags=tuple(t for t in (row.tags or "").split(",") if t),
        enabled=row.enabled,
        query=_parsed(conditions.query) if conditions.query else None,
    )


def match_doc(row: Any) -> MatchDoc:
    return MatchDoc(
        text=row.text,
        title=row.title,
        author_handle=row.author_handle,
        author_name=row.author_name,
        language=row.language,
        channel=row.channel,
        country=row.country,
        url=row.url,
        followers=row.author_followers,
        sentiment=row.sentiment,
        intents=tuple(i for i in (row.intents or "").split(",") if i),
        primary_intent=row.primary_intent,
    )


def decide(
    row: Any, topics: Sequence[tuple[str, str]], routing: Routing
) -> tuple[Route, Priority, tuple[str, ...]] | None:
    """Where a mention that joins no conversation goes, with why, its priority and tags; None when it
    needs no action from the company. ``topics``: (name, kind) of the topics it matched."""
    doc = match_doc(row)
    own = any(kind != "competitor" for _name, kind in topics)
    about = "own" if own or not topics else "competitor"
    suggestion = suggest(
        TriageInput(
            text=row.text,
            title=row.title,
            language=row.language,
            intents=doc.intents,
            primary_intent=row.primary_intent,
            sentiment=row.sentiment,
            followers=row.author_followers,
            about=about,  # type: ignore[arg-type]
            intent_scores=_scores(row.intent_scores),
        )
    )
    candidate = Candidate(doc=doc, topics=tuple(name for name, _kind in topics))
    rule = first_rule(routing.rules, candidate, topic_queries=routing.topic_queries)
    if rule is not None:
        route = Route(by="rule", department=rule.department, rule_id=rule.id, rule_name=rule.name)
        return route, rule.priority or suggestion.priority, rule.tags
    needs_action = topics and (
        row.primary_intent in ACTION_INTENTS or suggestion.because.startswith("words:")
    )
    if not needs_action or suggestion.department is None:
        return None
    route = Route(
        by="model",
        department=suggestion.department,
        because=suggestion.because,
        evidence=suggestion.evidence,
        score=round(suggestion.score, 3),
    )
    return route, suggestion.priority, ()


def _scores(stored: Any) -> tuple[tuple[str, float], ...]:
    if not isinstance(stored, dict):
        return ()
    return tuple((str(k), float(v)) for k, v in stored.items() if isinstance(v, (int, float)))


def intake(
    *, engine: Engine, mention_ids: Sequence[int], now: datetime, bus: EventBus | None = None
) -> Intake:
    """Turn stored mentions into conversations (or messages of existing ones), in one transaction."""
    done = Intake()
    changed: list[ConversationChanged] = []
    if not mention_ids:
        return done
    with engine.begin() as conn:
        routing = Routing.load(conn)
        taken = set(
            conn.scalars(
                sa.select(conversation_message.c.mention_id).where(
                    conversation_message.c.mention_id.in_(mention_ids)
                )
            )
        )
        rows = conn.execute(
            sa.select(mention)
            .where(mention.c.id.in_([i for i in mention_ids if i not in taken]))
            .order_by(mention.c.published_at, mention.c.id)
        ).all()
        topics_of: dict[int, list[tuple[str, str]]] = {}
        for mid, name, kind in conn.execute(
            sa.select(mention_topic.c.mention_id, topic.c.name, topic.c.kind)
            .join(topic, topic.c.id == mention_topic.c.topic_id)
            .where(mention_topic.c.mention_id.in_([r.id for r in rows]))
        ):
            topics_of.setdefault(mid, []).append((name, kind))
        for row in rows:
            if row.duplicate_of is not None:
                done.skipped += 1
                continue
            result = _take(conn, row, topics_of.get(row.id, []), routing, now=now)
            if result is None:
                done.skipped += 1
                continue
            action, conversation_id = result
            {
                "opened": done.opened,
                "joined": done.joined,
                "reopened": done.reopened,
                "replied": done.replied,
            }[action].append(conversation_id)
            changed.append(ConversationChanged(conversation_id, action, "router"))
    if bus is not None:
        for event in changed:
            bus.emit(event)
    return done


def _take(
    conn: Connection, row: Any, topics: list[tuple[str, str]], routing: Routing, *, now: datetime
) -> tuple[str, int] | None:
    keys = [k for k in (row.thread_id, row.parent_id, row.external_id) if k]
    if routing.ours(row):
        return _our_reply(conn, row, keys, now=now)
    nearby = conn.execute(
        sa.select(
            conversation.c.id,
            conversation.c.thread_key,
            conversation.c.author_handle,
            conversation.c.last_customer_at,
            conversation.c.merged_into_id,
        ).where(
            conversation.c.channel == row.channel,
            sa.or_(
                conversation.c.thread_key.in_(keys),
                sa.and_(
                    conversation.c.author_handle == row.author_handle,
                    conversation.c.last_customer_at >= row.published_at - JOIN_WINDOW,
                )
                if row.author_handle
                else sa.false(),
            ),
        )
    ).all()
    candidates = [
        Open(c.id, c.thread_key, c.author_handle, c.last_customer_at, c.merged_into_id) for c in nearby
    ]
    joined = conversation_to_join(
        candidates, keys=keys, author_handle=row.author_handle, posted_at=row.published_at
    )
    if joined is not None:
        return join(conn, joined, row, now=now), joined
    decision = decide(row, topics, routing)
    if decision is None:
        return None
    route, priority, tags = decision
    return "opened", open_conversation(conn, row, route, priority, tags, routing=routing, now=now)


def _message(row: Any) -> dict[str, Any]:
    text = f"{row.title}\n\n{row.text}" if row.title and row.title not in row.text else row.text
    return {
        "mention_id": row.id,
        "kind": "customer",
        "author": row.author_handle,
        "body": text,
        "at": row.published_at,
    }


def open_conversation(
    conn: Connection,
    row: Any,
    route: Route,
    priority: Priority,
    tags: Sequence[str],
    *,
    routing: Routing,
    now: datetime,
) -> int:
    from luister.inbox.tables import conversation_tag

    department_id = routing.departments.get(route.department or "")
    subject = " ".join((row.title or row.text).split())[:SUBJECT_LENGTH]
    conversation_id: int = conn.execute(
        conversation.insert()
        .values(
            channel=row.channel,
            author_handle=row.author_handle,
            author_name=row.author_name,
            author_followers=row.author_followers,
            thread_key=thread_key(
                thread_id=row.thread_id, parent_id=row.parent_id, external_id=row.external_id
            ),
            subject=subject,
            language=row.language,
            intent=row.primary_intent,
            sentiment=row.sentiment,
            department_id=department_id,
            status=Status.new.value,
            priority=priority.value,
            route=route.to_json(),
            cycle=1,
            cycle_started_at=row.published_at,
            last_customer_at=row.published_at,
            message_count=1,
            created_at=now,
            updated_at=now,
        )
        .returning(conversation.c.id)
    ).scalar_one()
    conn.execute(conversation_message.insert().values(conversation_id=conversation_id, **_message(row)))
    book.add_event(conn, conversation_id, at=now, actor="router", kind="created", mention_id=row.id)
    book.add_event(conn, conversation_id, at=now, actor="router", kind="routed", **route.to_json())
    if tags:
        conn.execute(
            conversation_tag.insert(), [{"conversation_id": conversation_id, "tag": t} for t in tags]
        )
        raci.consult(conn, conversation_id, now=now, why="opened", tags=tags)  # the process's C hear of it
    if department_id is not None:
        book.auto_assign(conn, conversation_id, now=now)
    book.refresh_sla(conn, conversation_id, now=now)
    return conversation_id


def join(conn: Connection, conversation_id: int, row: Any, *, now: datetime) -> str:
    """Add the mention as the customer's message; a resolved conversation reopens (a new cycle with a new
    first-response clock), one waiting on the customer or snoozed opens again."""
    current = conn.execute(
        sa.select(conversation.c.status, conversation.c.cycle, conversation.c.last_customer_at).where(
            conversation.c.id == conversation_id
        )
    ).one()
    status = Status(current.status)
    after = next_status(status, Move.customer_wrote)
    conn.execute(conversation_message.insert().values(conversation_id=conversation_id, **_message(row)))
    values: dict[str, Any] = {
        "message_count": conversation.c.message_count + 1,
        "last_customer_at": max(current.last_customer_at, row.published_at),
        "updated_at": now,
        "status": after.value,
    }
    action = "joined"
    if after is Status.reopened:
        action = "reopened"
        values |= {
            "cycle": current.cycle + 1,
            "cycle_started_at": row.published_at,
            "first_response_at": None,
            "resolved_at": None,
            "answered_elsewhere": None,
        }
    if after is not status:
        values["snoozed_until"] = None
        # the status change happened when the customer wrote: the SLA clock reads it at that moment
        book.add_event(
            conn,
            conversation_id,
            at=row.published_at,
            actor="customer",
            kind="status",
            **{"from": status.value, "to": after.value, "by": "customer"},
        )
    conn.execute(conversation.update().where(conversation.c.id == conversation_id).values(**values))
    book.add_event(conn, conversation_id, at=now, actor="router", kind="message", mention_id=row.id)
    book.refresh_sla(conn, conversation_id, now=now)
    return action


def _our_reply(conn: Connection, row: Any, keys: list[str], *, now: datetime) -> tuple[str, int] | None:
    """A post from one of our voices: an agent's reply in the conversation of the thread it answers
    (made at the source, outside luister, it still counts as a response, and the send-time guard hears of
    it: ``reply_seq`` goes up); otherwise not the inbox's. A reply luister sent itself, fetched back, is
    attached to the message it already is (:func:`recognise_fetched_back`), never counted twice."""
    ours = recognise_fetched_back(conn, row)
    if ours is not None:
        return "replied", ours
    found = conn.execute(
        sa.select(
            conversation.c.id,
            conversation.c.status,
            conversation.c.first_response_at,
            conversation.c.cycle_started_at,
        )
        .where(
            conversation.c.channel == row.channel,
            conversation.c.thread_key.in_(keys[:2] or ["-"]),
            conversation.c.merged_into_id.is_(None),
        )
        .order_by(conversation.c.last_customer_at.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    conn.execute(
        conversation_message.insert().values(
            conversation_id=found.id,
            mention_id=row.id,
            kind="agent",
            author=row.author_handle,
            body=row.text,
            at=row.published_at,
        )
    )
    values: dict[str, Any] = {
        "message_count": conversation.c.message_count + 1,
        "updated_at": now,
        "last_agent_at": row.published_at,
        "reply_seq": conversation.c.reply_seq + 1,
    }
    if found.first_response_at is None and row.published_at >= found.cycle_started_at:
        values["first_response_at"] = row.published_at
    status = Status(found.status)
    if status is not Status.resolved:
        after = next_status(status, Move.agent_replied)
        if after is not status:
            values["status"] = after.value
            book.add_event(
                conn,
                found.id,
                at=row.published_at,
                actor=row.author_handle,
                kind="status",
                **{"from": status.value, "to": after.value},
            )
    conn.execute(conversation.update().where(conversation.c.id == found.id).values(**values))
    book.add_event(conn, found.id, at=now, actor=row.author_handle, kind="replied", mention_id=row.id)
    book.refresh_sla(conn, found.id, now=now)
    return "replied", found.id


class InboxWatcher:
    """An ``EventBus`` subscriber: stored mentions go through intake at once."""

    def __init__(
        self,
        *,
        engine: Engine,
        bus: EventBus | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine, self.bus, self.clock = engine, bus, clock
        self._lock = threading.Lock()  # batches may be stored from worker threads

    def subscribe(self, events: EventBus) -> EventBus:
        events.subscribe(MentionsStored, self)
        self.bus = self.bus or events
        return events

    def __call__(self, event: MentionsStored) -> None:
        now = self.clock()
        recent = [s.id for s in event.mentions if s.mention.published_at >= now - INTAKE_LOOKBACK]
        with self._lock:
            intake(engine=self.engine, mention_ids=recent, now=now, bus=self.bus)
