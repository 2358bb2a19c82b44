"""A conversation ready to be answered, on SQLite and PostgreSQL: people (two agents, an analyst who
approves, an admin), a replying voice on Mastodon, and a customer's post in a conversation of customer
service. Shared by the replies' integration, API and page tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import Role
from luister.inbox import setup
from luister.inbox.intake import intake
from luister.inbox.tables import conversation, conversation_message, voice
from luister.services.accounts import create_user
from luister.storage.tables import mention

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
PASSWORD = "lang-genoeg-wachtwoord-42"
PEOPLE = {
    "anna@voltaro.example": (Role.agent, "customer-service"),
    "carla@voltaro.example": (Role.agent, "customer-service"),
    "maud@voltaro.example": (Role.analyst, "customer-service"),
    "root@voltaro.example": (Role.admin, None),
}
ANNA, CARLA, MAUD, ROOT = PEOPLE


@dataclass
class Scene:
    engine: Engine
    conversation_id: int
    voice_id: int
    mention_id: int
    thread: str


def people(engine: Engine) -> None:
    for email, (role, dept) in PEOPLE.items():
        create_user(
            engine=engine, email=email, name=email.split("@")[0].title(), password=PASSWORD, role=role,
            department=dept,
        )  # fmt: skip
        if dept:
            setup.set_member(engine=engine, actor="test", department_key=dept, email=email, now=NOW)


def add_mention(
    engine: Engine, external_id: str, *, author: str, text: str, thread: str | None, at: datetime = NOW
) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                mention.insert().values(
                    channel="mastodon", external_id=external_id, author_handle=author, text=text,
                    published_at=at, fetched_at=at, thread_id=thread, parent_id=thread,
                    url=f"https://social.example/@{author}/{external_id}",
                    raw=json.dumps({"id": external_id, "content": text}),
                ).returning(mention.c.id)
            ).scalar_one()
        )  # fmt: skip


def scene(engine: Engine, *, n: int = 1, with_people: bool = True) -> Scene:
    """A conversation #n of customer service on Mastodon, with the customer's post, and our voice."""
    if with_people:
        people(engine)
    thread = f"t{n}"
    mid = add_mention(
        engine, thread, author="klant_anna", text="<b>Mijn laadpaal</b> doet het niet", thread=None
    )
    with engine.begin() as conn:
        dept = conn.execute(sa.text("SELECT id FROM department WHERE key = 'customer-service'")).scalar()
        cid = int(
            conn.execute(
                conversation.insert().values(
                    channel="mastodon", author_handle="klant_anna", thread_key=thread, subject="Laadpaal",
                    intent="complaint", department_id=dept, status="open", priority="normal", route={},
                    cycle=1, cycle_started_at=NOW, last_customer_at=NOW, message_count=1,
                ).returning(conversation.c.id)
            ).scalar_one()
        )  # fmt: skip
        conn.execute(
            conversation_message.insert().values(
                conversation_id=cid, mention_id=mid, kind="customer", author="klant_anna",
                body="<b>Mijn laadpaal</b> doet het niet", at=NOW,
            )
        )  # fmt: skip
        vid = conn.execute(sa.select(voice.c.id).where(voice.c.handle == "voltaro")).scalar()
        if vid is None:
            vid = conn.execute(
                voice.insert()
                .values(channel="mastodon", handle="voltaro", name="Voltaro", connector="fake", active=True)
                .returning(voice.c.id)
            ).scalar_one()
    return Scene(engine, cid, int(vid), mid, thread)


def native_reply(s: Scene, external_id: str, *, at: datetime = NOW + timedelta(minutes=1)) -> None:
    """Our voice answers at the source (outside luister); the listener fetches it and intake takes it."""
    mid = add_mention(
        s.engine, external_id, author="voltaro", text="Wij kijken ernaar", thread=s.thread, at=at
    )
    intake(engine=s.engine, mention_ids=[mid], now=at)


def reply_seq(s: Scene) -> int:
    with s.engine.connect() as conn:
        return int(
            conn.execute(sa.select(conversation.c.reply_seq).where(conversation.c.id == s.conversation_id))
            .scalar_one()
        )  # fmt: skip
