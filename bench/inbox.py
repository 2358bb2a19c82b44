"""Inbox benchmark: the conversation list with its tab counts, and one long conversation, at 100,000 open
conversations (issue "inbox at scale": list p95 ≤ 150 ms, a 500-message conversation p95 ≤ 200 ms).

    python bench/inbox.py                          # SQLite, 100,000 open conversations
    python bench/inbox.py --postgres URL           # the same in a fresh PostgreSQL schema (dropped after)
    python bench/inbox.py --open 20000 --repeat 30 # a smaller database

The fixture is written straight into the tables in chunks (it is a benchmark, not a test of intake): the
six departments of the migration, 30 agents who are members of one or two of them, ``--open`` unresolved
conversations spread over the statuses, priorities, departments, assignees and SLA states an inbox has
(with tags, a customer message each and its mention), ``--resolved`` resolved ones, and one conversation
of 500 messages with its timeline. Then ``luister.inbox.read`` is timed as an agent's inbox calls it: each
view (mine, unassigned, departments, all, breaching) on page 1 and a later page (by offset, and after the
previous page's cursor), with filters, and the detail of the long conversation. Prints one figure per
line: p50 and p95 in milliseconds over --repeat runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox.read import Filters, View, conversation_detail, list_conversations
from luister.inbox.tables import (
    conversation,
    conversation_event,
    conversation_message,
    conversation_tag,
    department,
    department_member,
    digest,
    digest_item,
    digest_item_mention,
)
from luister.settings import get_settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.tables import mention, user_account

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday morning
CHUNK = 5000
LIVE_STATUSES = (("new", 15), ("open", 35), ("waiting_customer", 20), ("waiting_department", 8),
                 ("reopened", 7), ("snoozed", 15))  # fmt: skip
PRIORITIES = (("urgent", 2), ("high", 13), ("normal", 65), ("low", 20))
SLA_STATES = (("ok", 55), ("warning", 8), ("breached", 12), ("none", 15), ("paused", 10))
DEPARTMENT_SHARE = (("customer-service", 55), ("sales", 15), ("product", 10), ("marketing", 8),
                    ("communications", 6), ("legal", 2), (None, 4))  # fmt: skip
CHANNELS = (("mastodon", 4), ("reddit", 2), ("bluesky", 3), ("review", 2), ("rss", 1), ("discourse", 1))
INTENTS = (("complaint", 40), ("question", 35), ("lead", 8), ("churn", 7), ("feedback", 8), ("crisis", 2))
LANGUAGES = (("nl", 7), ("en", 3))
SENTIMENTS = (("negative", 5), ("neutral", 4), ("positive", 1))
TAGS = ("laadpaal", "factuur", "storing", "monteur", "app", "contract", "opzegging", "terugbetaling",
        "levering", "prijs", "vip", "pers", "juridisch", "duurzaam", "klacht-herhaald")  # fmt: skip
WORDS = ("laadpaal", "factuur", "storing", "monteur", "stroom", "contract", "klantenservice", "wachttijd",
         "app", "meter", "levering", "prijs", "zonnepanelen", "aansluiting", "terugbetaling")  # fmt: skip
AGENTS = 30
BIG_MESSAGES = 500


def weighted(rng: random.Random, options: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


@dataclass(frozen=True)
class Fixture:
    """What the timings need to know about the database that was built."""

    agent_id: int  # a customer-service agent with a full queue
    agent_email: str
    agent_department: str
    long_conversation: int  # the one with BIG_MESSAGES messages
    open_conversations: int
    resolved_conversations: int


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(engine: Engine, table: sa.Table, rows: Iterator[dict[str, Any]]) -> int:
    """Executemany in chunks, one transaction per chunk (psycopg batches these into multi-row INSERTs)."""
    count = 0
    for batch in _chunks(rows):
        with engine.begin() as conn:
            conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def build(engine: Engine, *, open_count: int, resolved_count: int, seed: int = 7) -> Fixture:
    """Fill a migrated, empty database; ids are given here so that rows can refer to each other."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        departments = dict(conn.execute(sa.select(department.c.key, department.c.id)).all())
    keys = sorted(departments)
    users: list[dict[str, Any]] = []
    for n in range(1, AGENTS + 1):
        home = "customer-service" if n <= 15 else keys[n % len(keys)]
        users.append({"id": n, "email": f"agent{n}@voltaro.example", "name": f"Agent {n}",
                      "password_hash": "$argon2id$bench", "role": "agent", "department": home,
                      "language": "nl", "active": True, "created_at": NOW})  # fmt: skip
    _insert(engine, user_account, iter(users))
    members: dict[int, list[int]] = {}  # department id → its agents
    rows = []
    for user in users:
        homes = {user["department"]}
        if user["id"] % 4 == 0:  # some work for a second department too
            homes.add(keys[(user["id"] // 4) % len(keys)])
        for key in sorted(homes):
            members.setdefault(departments[key], []).append(user["id"])
            rows.append({"department_id": departments[key], "user_id": user["id"], "languages": "nl,en",
                         "availability": "available", "capacity": 400})  # fmt: skip
    _insert(engine, department_member, iter(rows))

    total = open_count + resolved_count
    long_id = 1  # the first conversation: open, assigned to agent 1, customer service

    def conversations() -> Iterator[dict[str, Any]]:
        for n in range(1, total + 1):
            resolved = n > open_count
            key = "customer-service" if n == long_id else weighted(rng, DEPARTMENT_SHARE)
            department_id = departments[key] if key else None
            team = members.get(department_id, []) if department_id else []
            assignee = None
            if team and (resolved or rng.random() < 0.6):
                assignee = rng.choice(team)
            if n == long_id:
                assignee = 1
            status = "resolved" if resolved else weighted(rng, LIVE_STATUSES)
            if n == long_id:
                status = "open"
            sla_state = "met" if resolved else weighted(rng, SLA_STATES)
            if status == "snoozed":
                sla_state = "paused"
            age = timedelta(minutes=rng.randint(5, 60 * 24 * (90 if resolved else 14)))
            last_customer = NOW - age
            due = None
            if sla_state in ("ok", "warning", "breached"):
                spread = {"ok": (30, 60 * 48), "warning": (1, 15), "breached": (-60 * 72, -1)}[sla_state]
                due = NOW + timedelta(minutes=rng.randint(*spread))
            handle = f"klant{rng.randint(1, 60_000)}"
            if n == long_id or open_count < n <= open_count + 5:  # the long one's author wrote before
                handle = "klant_lang"
            channel = weighted(rng, CHANNELS)
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10)))
            yield {
                "id": n, "channel": channel, "author_handle": handle, "author_name": handle.title(),
                "author_followers": rng.choice((12, 150, 1200, 25_000)), "thread_key": f"t{n}",
                "subject": f"@Voltaro {words}", "language": weighted(rng, LANGUAGES),
                "intent": weighted(rng, INTENTS), "sentiment": weighted(rng, SENTIMENTS),
                "department_id": department_id, "assignee_id": assignee,
                "assigned_at": last_customer if assignee else None, "status": status,
                "snoozed_until": NOW + timedelta(hours=rng.randint(1, 72)) if status == "snoozed" else None,
                "priority": weighted(rng, PRIORITIES),
                "route": {"by": "model", "department": key, "because": "bench", "score": 0.8},
                "cycle": 1, "cycle_started_at": last_customer, "last_customer_at": last_customer,
                "first_response_at": last_customer + timedelta(minutes=20) if resolved else None,
                "last_agent_at": None, "sla_due_at": due, "sla_state": sla_state, "answered_elsewhere": None,
                "resolved_at": last_customer + timedelta(hours=2) if resolved else None,
                "merged_into_id": None,
                "message_count": BIG_MESSAGES if n == long_id else rng.randint(1, 6),
                "created_at": last_customer, "updated_at": last_customer,
            }  # fmt: skip

    _insert(engine, conversation, conversations())
    with engine.connect() as conn:
        heads = conn.execute(
            sa.select(
                conversation.c.id, conversation.c.channel, conversation.c.author_handle,
                conversation.c.subject, conversation.c.last_customer_at, conversation.c.language,
            ).order_by(conversation.c.id)
        ).all()  # fmt: skip

    def mentions() -> Iterator[dict[str, Any]]:  # the mention that opened each conversation
        for c in heads:
            yield {"id": c.id, "channel": c.channel, "external_id": f"c{c.id}",
                   "author_handle": c.author_handle, "author_name": c.author_handle,
                   "url": f"https://social.example/@{c.author_handle}/{c.id}",
                   "text": c.subject, "language": c.language, "published_at": c.last_customer_at,
                   "fetched_at": c.last_customer_at, "date_known": True, "thread_id": f"t{c.id}", "raw": "{}",
                   "primary_intent": "complaint"}  # fmt: skip

    def messages() -> Iterator[dict[str, Any]]:
        for c in heads:
            yield {"id": c.id, "conversation_id": c.id, "mention_id": c.id, "kind": "customer",
                   "author": c.author_handle, "user_id": None, "body": c.subject, "at": c.last_customer_at,
                   "created_at": c.last_customer_at}  # fmt: skip

    _insert(engine, mention, mentions())
    _insert(engine, conversation_message, messages())
    tags = [
        {"conversation_id": c.id, "tag": tag}
        for c in heads
        if rng.random() < 0.35
        for tag in rng.sample(TAGS, rng.randint(1, 2))
    ]
    _insert(engine, conversation_tag, iter(tags))

    # The long conversation: customer posts (each a mention of its own) and replies over three weeks,
    # notes, and a timeline of assignments, status changes and SLA events.
    head = heads[0]
    start = NOW - timedelta(days=21)
    next_id = len(heads) + 1
    thread_mentions, thread_messages, events = [], [], []
    for k in range(1, BIG_MESSAGES):
        at = start + timedelta(minutes=60 * k)
        kind = ("customer", "agent", "customer", "note")[k % 4]
        if kind == "customer":
            thread_mentions.append({
                "id": next_id + k, "channel": head.channel, "external_id": f"long{k}",
                "url": f"https://social.example/@{head.author_handle}/long{k}",
                "author_handle": head.author_handle, "author_name": head.author_handle,
                "text": f"nog steeds geen monteur ({k})", "language": "nl", "published_at": at,
                "fetched_at": at, "date_known": True, "thread_id": f"t{head.id}", "raw": "{}",
                "primary_intent": "complaint",
            })  # fmt: skip
        thread_messages.append({
            "id": next_id + k, "conversation_id": head.id,
            "mention_id": next_id + k if kind == "customer" else None, "kind": kind,
            "author": head.author_handle if kind == "customer" else "agent1@voltaro.example",
            "user_id": None if kind == "customer" else 1, "body": f"bericht {k} " + "tekst " * 30,
            "at": at, "created_at": at,
        })  # fmt: skip
        if k % 3 == 0:
            events.append({"conversation_id": head.id, "at": at, "actor": "agent1@voltaro.example",
                           "kind": ("status", "assigned", "sla_warning")[k % 9 // 3],
                           "detail": {"from": "open", "to": "waiting_customer", "k": k}})  # fmt: skip
    _insert(engine, mention, iter(thread_mentions))
    _insert(engine, conversation_message, iter(thread_messages))
    _insert(engine, conversation_event, iter(events))
    _insert(engine, conversation_tag, iter([{"conversation_id": head.id, "tag": "vip"}]))
    with engine.begin() as conn:  # one digest decision on a theme the long conversation's posts were part of
        conn.execute(digest.insert(), [{"id": 1, "department_id": departments["product"],
                     "period_start": NOW - timedelta(days=7), "period_end": NOW, "every": "weekly",
                     "created_at": NOW}])  # fmt: skip
        conn.execute(digest_item.insert(), [{"id": 1, "digest_id": 1, "kind": "complaint",
                     "theme": "laadpaal storing", "count": 40, "previous_count": 12, "decision": "taken_up",
                     "outcome": "monteurs ingepland", "decided_by": "agent20@voltaro.example",
                     "decided_at": NOW}])  # fmt: skip
        conn.execute(
            digest_item_mention.insert(),
            [{"item_id": 1, "mention_id": m["id"], "example": False} for m in thread_mentions[:5]],
        )
    _settle(engine)
    return Fixture(1, "agent1@voltaro.example", users[0]["department"], long_id, open_count, resolved_count)


def _settle(engine: Engine) -> None:
    """Sequences past the ids given above, and planner statistics (and, on PostgreSQL, the visibility map
    that index-only scans need) as autovacuum keeps them on a live database."""
    tables = (user_account, department_member, conversation, mention, conversation_message,
              conversation_event, conversation_tag, digest, digest_item, digest_item_mention)  # fmt: skip
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with engine.begin() as conn:
        for table in (user_account, conversation, mention, conversation_message, digest, digest_item):
            name = table.name
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(t.name for t in tables)}")


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    call()  # warm the caches once
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def requests(engine: Engine, fixture: Fixture) -> dict[str, Callable[[], object]]:
    """What an agent's inbox asks, by name: each list call also counts every tab."""
    agent = Scope(fixture.agent_department)

    def listing(view: View, scope: Scope, page: int = 1, **filters: str) -> Callable[[], object]:
        return lambda: list_conversations(
            engine=engine, view=view, scope=scope, user_id=fixture.agent_id, filters=Filters(**filters),
            page=page, now=NOW,
        )  # fmt: skip

    def cursor_to(view: View, scope: Scope, page: int) -> str | None:
        """The cursor a person paging forward holds on reaching ``page`` (found before the timing)."""
        after = None
        for _ in range(page - 1):
            after = list_conversations(
                engine=engine, view=view, scope=scope, user_id=fixture.agent_id, page=1, now=NOW, after=after
            ).next_after
        return after

    def keyset(view: View, scope: Scope, page: int) -> Callable[[], object]:
        after = cursor_to(view, scope, page)
        return lambda: list_conversations(
            engine=engine, view=view, scope=scope, user_id=fixture.agent_id, page=page, now=NOW, after=after
        )

    return {
        "list mine": listing(View.mine, agent),
        "list mine page 3": listing(View.mine, agent, 3),
        "list unassigned": listing(View.unassigned, agent),
        "list unassigned page 20": listing(View.unassigned, agent, 20),
        "list unassigned page 20 after cursor": keyset(View.unassigned, agent, 20),
        "list departments": listing(View.departments, agent),
        "list departments page 20": listing(View.departments, agent, 20),
        "list departments page 20 after cursor": keyset(View.departments, agent, 20),
        "list departments high priority": listing(View.departments, agent, priority="high"),
        "list departments tag": listing(View.departments, agent, tag="storing"),
        "list departments text": listing(View.departments, agent, text="monteur"),
        "list all (admin)": listing(View.all, EVERYTHING),
        "list all page 50 (admin)": listing(View.all, EVERYTHING, 50),
        "list all page 50 after cursor (admin)": keyset(View.all, EVERYTHING, 50),
        "list all sales waiting (admin)": listing(
            View.all, EVERYTHING, department="sales", status="waiting_customer"
        ),
        "list breaching": listing(View.breaching, agent),
        "list breaching (admin)": listing(View.breaching, EVERYTHING),
        "list breaching complaint": listing(View.breaching, agent, intent="complaint"),
        "detail 500 messages": lambda: conversation_detail(
            engine=engine, conversation_id=fixture.long_conversation, scope=agent
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, default=100_000, help="unresolved conversations")
    parser.add_argument("--resolved", type=int, default=50_000, help="resolved conversations")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--postgres", metavar="URL", help="benchmark PostgreSQL instead of SQLite")
    parser.add_argument("--only", help="time only the requests whose name contains this")
    args = parser.parse_args()
    backend = "postgresql" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory() as tmp:
        schema = f"bench_{uuid.uuid4().hex[:10]}" if args.postgres else None
        url = args.postgres or f"sqlite:///{Path(tmp) / 'inbox.db'}"
        engine = create_engine(get_settings(database_url=url, database_schema=schema))
        try:
            upgrade(engine)
            started = time.perf_counter()
            fixture = build(engine, open_count=args.open, resolved_count=args.resolved)
            print(f"inbox {backend} build s: {time.perf_counter() - started:.1f}")
            print(f"inbox {backend} open conversations: {fixture.open_conversations}")
            for name, call in requests(engine, fixture).items():
                if args.only and args.only not in name:
                    continue
                p50, p95 = timed(call, args.repeat)
                print(f"inbox {backend} {name} p50 ms: {p50:.1f}")
                print(f"inbox {backend} {name} p95 ms: {p95:.1f}", flush=True)
        finally:
            if schema:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()


if __name__ == "__main__":
    main()
