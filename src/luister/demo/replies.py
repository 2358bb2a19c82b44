"""Replies in the Voltaro demo: the webcare team answers from the inbox, at the source, through the
effects ledger — as a running luister would, with one difference: the demo's voices point at addresses
that do not exist (``*.voltaro.example``), so the story's replies are delivered by an in-process stand-in
for the platforms. Replies in crisis and urgent conversations wait for a second person (approval rules):
one by Noor, new in the team, was approved by the head of webcare with an edit (both versions kept), one
waits now in the approvals queue; one reply could not go out because the customer had deleted their post.
A reply written live in the demo waits with the reason shown: the platforms' addresses do not resolve."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.base import Posted, ReplyRefused, ReplyTarget
from luister.domain.accounts import Role
from luister.effects.runner import EffectRunner
from luister.inbox import actions, replies, setup
from luister.inbox.approval_rules import add_rule
from luister.inbox.replies_read import drafts_of
from luister.inbox.replies_settle import settle
from luister.inbox.status import Priority
from luister.inbox.tables import conversation, conversation_message, voice
from luister.inbox.voices import update_voice
from luister.services.accounts import create_user
from luister.storage.secrets import Cipher

APPROVER = "ingrid@voltaro.example"  # the head of webcare: an analyst across departments, approves replies
NEWCOMER = "noor@voltaro.example"  # started this week
# channel → connector and the voice's settings; the addresses are reserved names that never resolve
SETTINGS: Mapping[str, tuple[str, dict[str, str]]] = {
    "mastodon": ("mastodon", {"instance": "https://mastodon.voltaro.example",
                              "token": "demo-token-not-real"}),
    "bluesky": ("bluesky", {"service": "https://pds.voltaro.example", "handle": "voltaro.nl",
                            "app_password": "demo-demo-demo-demo"}),
}  # fmt: skip
ANSWERS = [  # by agent, answered in the demo's last hours
    ("anouk@voltaro.example", "Vervelend om te horen! Stuur je ons een DM met je klantnummer? Dan kijken we "
     "meteen mee."),
    ("sem@voltaro.example", "Dank voor je melding. We zoeken het uit en laten het je vandaag nog weten."),
    ("grace@voltaro.example", "Sorry to hear that! Could you DM us your customer number? We'll look into it "
     "right away."),
    ("daan@voltaro.example", "Goed dat je het meldt. Stuur je ons een DM met je adres? Dan plannen we "
     "een afspraak."),
]  # fmt: skip
EDITED = ("Sorry voor het wachten! We bellen je vandaag.",
          "Sorry voor het lange wachten! Een collega belt je vandaag nog, voor 17:00; je hoeft niets te "
          "doen.")  # fmt: skip
WAITING = "We begrijpen je zorg. Bel ons direct op 0800-1234, dan zoeken we het samen uit."


@dataclass
class DemoReplies:
    sent: int = 0
    failed: int = 0
    waiting: int = 0


class StandIn:
    """The platforms, for the story's replies: takes every reply but the one to a deleted post."""

    def __init__(self, deleted: set[str]) -> None:
        self.deleted = deleted

    async def limit(self) -> int:
        return 500

    def length(self, text: str) -> int:
        return len(text)

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        if target.external_id in self.deleted:
            raise ReplyRefused("parent_gone", "404: Record not found")
        return Posted(external_id=f"demo-{key}", url=f"{target.url or 'https://voltaro.example'}#reply-{key}")

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        return None


def play(
    *, engine: Engine, end: datetime, cipher: Cipher, connectors: Mapping[str, type[Any]]
) -> DemoReplies:
    done = DemoReplies()
    now = end - timedelta(minutes=40)  # the last hour's answers
    with engine.connect() as conn:
        if conn.execute(sa.select(voice.c.id).where(voice.c.connector.is_not(None)).limit(1)).first():
            return done  # played before
        voices = conn.execute(sa.select(voice.c.id, voice.c.channel, voice.c.handle)).all()
    for account in voices:
        if account.channel in SETTINGS:
            name, credentials = SETTINGS[account.channel]
            if account.channel == "bluesky":  # each account signs in with its own handle
                credentials = credentials | {"handle": account.handle}
            update_voice(engine=engine, actor="demo", voice_id=account.id, now=now, connector=name,
                         credentials=credentials, connectors=connectors, cipher=cipher)  # fmt: skip
    _people(engine, now)
    add_rule(engine, name="Crisisantwoorden: vier ogen", kind="intent", value="crisis", actor="demo", now=now)
    add_rule(engine, name="Urgente gesprekken: vier ogen", kind="priority", value="urgent", actor="demo",
             now=now)  # fmt: skip
    voice_of = {account.channel: account.id for account in voices if account.channel in SETTINGS}
    todo: Iterator[Any] = iter(_unanswered(engine, end))
    deleted: set[str] = set()
    for (agent, text), first in zip(ANSWERS, todo, strict=False):
        _propose(engine, first, voice_of[first.channel], agent, text, now)
    row = next(todo, None)
    if row is not None:  # the customer deleted this post before the answer went out
        deleted.add(_replied_to(engine, row.id))
        _propose(engine, row, voice_of[row.channel], "sem@voltaro.example", ANSWERS[1][1], now)
    row = next(todo, None)
    if row is not None:  # an urgent one: the new colleague's reply, approved by the head of webcare, edited
        _urgent(engine, row.id, now)
        draft_id = _propose(engine, row, voice_of[row.channel], NEWCOMER, EDITED[0], now)
        replies.approve(
            engine, draft_id=draft_id, actor=APPROVER, now=now + timedelta(minutes=6), body=EDITED[1]
        )
    row = next(todo, None)
    if row is not None:  # and one that waits for approval now
        _urgent(engine, row.id, end)
        _propose(engine, row, voice_of[row.channel], NEWCOMER, WAITING, end)
        done.waiting = 1
    stand_in = StandIn(deleted)

    async def resolve(_lane: str) -> StandIn:
        return stand_in

    sent_at = now + timedelta(minutes=8)
    runner = EffectRunner(engine, resolve=resolve, on_settled=settle, clock=lambda: sent_at, name="demo")
    report = asyncio.run(runner.run_due())
    done.sent, done.failed = report.sent, report.failed
    return done


def _urgent(engine: Engine, conversation_id: int, now: datetime) -> None:
    actions.set_priority(engine=engine, conversation_id=conversation_id, priority=Priority.urgent,
                         actor=NEWCOMER, now=now)  # fmt: skip


def _people(engine: Engine, now: datetime) -> None:
    """The webcare lead (company-wide, approves replies) and a colleague who started this week."""
    create_user(engine=engine, email=APPROVER, name="Ingrid Vos", password=secrets.token_urlsafe(16),
                role=Role.analyst, department=None, language="nl", actor="demo", now=now)  # fmt: skip
    create_user(engine=engine, email=NEWCOMER, name="Noor Bakker", password=secrets.token_urlsafe(16),
                role=Role.agent, department="customer-service", language="nl", actor="demo",
                now=now)  # fmt: skip
    setup.set_member(engine=engine, actor="demo", department_key="customer-service", email=NEWCOMER,
                     languages="nl,en", capacity=10, now=now)  # fmt: skip


def _unanswered(engine: Engine, end: datetime) -> list[Any]:
    """Conversations on Mastodon and Bluesky from the last week that no one answered, open ones first."""
    answered = sa.select(conversation_message.c.conversation_id).where(conversation_message.c.kind == "agent")
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(conversation.c.id, conversation.c.channel, conversation.c.reply_seq)
                .where(conversation.c.channel.in_(list(SETTINGS)), conversation.c.id.not_in(answered),
                       conversation.c.last_customer_at >= end - timedelta(days=7),
                       conversation.c.merged_into_id.is_(None))
                .order_by(conversation.c.resolved_at.is_not(None), conversation.c.last_customer_at.desc())
            )
        )  # fmt: skip


def _propose(engine: Engine, row: Any, voice_id: int, agent: str, text: str, now: datetime) -> int:
    replies.propose(engine, conversation_id=row.id, voice_id=voice_id, body=text, actor=agent,
                    seen_reply_seq=row.reply_seq, now=now)  # fmt: skip
    return max(d.id for d in drafts_of(engine=engine, conversation_id=row.id))


def _replied_to(engine: Engine, conversation_id: int) -> str:
    from luister.storage.tables import mention

    with engine.connect() as conn:
        return str(
            conn.execute(
                sa.select(mention.c.external_id)
                .join(conversation_message, conversation_message.c.mention_id == mention.c.id)
                .where(conversation_message.c.conversation_id == conversation_id,
                       conversation_message.c.kind == "customer")
                .order_by(conversation_message.c.at.desc())
                .limit(1)
            ).scalar_one()
        )  # fmt: skip
