"""Known inbox history for the report and digest tests: conversations written straight into the tables
with exact times, so every figure can be worked out by hand (see the comments per conversation).

Sales works 09:00–17:00 Europe/Amsterdam on weekdays (UTC+1 in winter); its normal-priority SLA is a
first response within 8 business hours, a next response within 16 and resolution within 80."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import Role
from luister.inbox import setup
from luister.inbox.tables import conversation, conversation_event, conversation_message, department
from luister.services.accounts import create_user
from luister.storage.tables import user_account

PASSWORD = "lang-genoeg-wachtwoord-42"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # Friday 13:00 in Amsterdam
SINCE = datetime(2026, 11, 27, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in UTC in November/December 2026 (days above 30 are December's day - 30)."""
    month, day = (12, day - 30) if day > 30 else (11, day)
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    ids: dict[str, int]  # name → conversation id


def people(engine: Engine) -> None:
    for email, dept in (
        ("alice@voltaro.example", "sales"),
        ("bob@voltaro.example", "sales"),
        ("pia@voltaro.example", "product"),
    ):
        create_user(
            engine=engine,
            email=email,
            name=email.split("@")[0].title(),
            password=PASSWORD,
            role=Role.agent,
            department=dept,
            language="nl" if dept == "product" else "en",
        )
        setup.set_member(engine=engine, actor="test", department_key=dept, email=email, now=SINCE)


def _id(conn: Connection, table: sa.Table, column: sa.Column[str], value: str) -> int:
    return int(conn.execute(sa.select(table.c.id).where(column == value)).scalar_one())


def add_conversation(
    conn: Connection,
    *,
    dept: str,
    agent: str | None,
    intent: str,
    channel: str,
    messages: list[tuple[str, datetime]],
    moves: list[tuple[datetime, str, str]] = (),  # type: ignore[assignment]
    subject: str = "",
    mention_ids: list[int] | None = None,
) -> int:
    """One conversation with its messages ``(kind, at)`` and status changes ``(at, from, to)``."""
    customer = [m_at for kind, m_at in messages if kind == "customer"]
    status = moves[-1][2] if moves else "open"
    resolved = [m_at for m_at, _, to in moves if to == "resolved"]
    new_id = conn.execute(
        conversation.insert().values(
            channel=channel,
            author_handle=f"klant_{len(messages)}",
            subject=subject or f"{intent} via {channel}",
            language="nl",
            intent=intent,
            sentiment="negative",
            department_id=_id(conn, department, department.c.key, dept),
            assignee_id=_id(conn, user_account, user_account.c.email, agent) if agent else None,
            status=status,
            priority="normal",
            route={"by": "rule", "department": dept},
            cycle_started_at=customer[0],
            last_customer_at=customer[-1],
            resolved_at=resolved[-1] if resolved and status == "resolved" else None,
            message_count=len(messages),
        )
    ).inserted_primary_key[0]
    for number, (kind, m_at) in enumerate(messages):
        mention_id = mention_ids[number] if mention_ids and number < len(mention_ids) else None
        conn.execute(
            conversation_message.insert().values(
                conversation_id=new_id,
                kind=kind,
                body=f"{kind} message",
                at=m_at,
                author="agent@voltaro.example" if kind == "agent" else "klant",
                mention_id=mention_id if kind == "customer" else None,
            )
        )
    for m_at, before, after in moves:
        conn.execute(
            conversation_event.insert().values(
                conversation_id=new_id,
                at=m_at,
                actor="test",
                kind="status",
                detail={"from": before, "to": after},
            )
        )
    return int(new_id)


def seed(engine: Engine) -> Seeded:
    """Five conversations; the figures they give are spelled out in test_inbox_reports.py."""
    people(engine)
    with engine.begin() as conn:
        ids = {
            # Friday 16:00 local → Monday 10:00 local: 2 business hours, 66 on the wall clock; resolved Monday
            "weekend": add_conversation(
                conn,
                dept="sales",
                agent="alice@voltaro.example",
                intent="complaint",
                channel="mastodon",
                messages=[("customer", at(27, 15)), ("agent", at(30, 9))],
                moves=[(at(30, 10), "open", "resolved")],
            ),
            # Tuesday: answered in 30 minutes, resolved after an hour
            "quick": add_conversation(
                conn,
                dept="sales",
                agent="alice@voltaro.example",
                intent="question",
                channel="x",
                messages=[("customer", at(31, 9)), ("agent", at(31, 9, 30))],
                moves=[(at(31, 10), "open", "resolved")],
            ),
            # Tuesday 09:00 local → Wednesday 11:00 local: 10 business hours (8 + 2), 26 on the wall; late
            "late": add_conversation(
                conn,
                dept="sales",
                agent="bob@voltaro.example",
                intent="complaint",
                channel="mastodon",
                messages=[("customer", at(31, 8)), ("agent", at(32, 10))],
            ),
            # Wednesday, product, nobody answered: breached, and in the backlog
            "unanswered": add_conversation(
                conn,
                dept="product",
                agent=None,
                intent="feedback",
                channel="mastodon",
                messages=[("customer", at(32, 8))],
            ),
            # Monday: first response after 1 hour, the customer writes again at 12:00 and is answered at
            # 14:00 (a next response of 2 hours); then waiting on the customer
            "twice": add_conversation(
                conn,
                dept="sales",
                agent="alice@voltaro.example",
                intent="question",
                channel="x",
                messages=[
                    ("customer", at(30, 10)),
                    ("agent", at(30, 11)),
                    ("customer", at(30, 12)),
                    ("agent", at(30, 14)),
                ],
                moves=[(at(30, 14), "open", "waiting_customer")],
            ),
            # before the period: counts only in the backlog (it is still open)
            "old": add_conversation(
                conn,
                dept="sales",
                agent="bob@voltaro.example",
                intent="question",
                channel="x",
                messages=[("customer", at(20, 10)), ("agent", at(20, 11))],
            ),
        }
    return Seeded(ids)


def add_mention(
    conn: Connection, number: int, text: str, *, intent: str, when: datetime, followers: int = 10
) -> int:
    """A stored mention with its labels set (as the analysis would have set them)."""
    from luister.storage.tables import mention

    return int(
        conn.execute(
            mention.insert().values(
                channel="mastodon",
                external_id=f"m{number}",
                url=f"https://social.example/@klant/{number}",
                author_handle=f"klant{number}",
                author_followers=followers,
                text=text,
                language="nl",
                published_at=when,
                fetched_at=when,
                raw="{}",
                primary_intent=intent,
                intents=intent,
                sentiment="negative",
            )
        ).inserted_primary_key[0]
    )


def said(conn: Connection, dept: str, number: int, text: str, *, intent: str, when: datetime) -> int:
    """A customer's mention in a conversation of its own, routed to ``dept``; returns the conversation."""
    mention_id = add_mention(conn, number, text, intent=intent, when=when, followers=number)
    return add_conversation(
        conn,
        dept=dept,
        agent=None,
        intent=intent,
        channel="mastodon",
        messages=[("customer", when)],
        mention_ids=[mention_id],
        subject=text,
    )
