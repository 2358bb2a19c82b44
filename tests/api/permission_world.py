"""The world of the permission walk: the Voltaro demo, then two departments' own things (customer service and
legal), each marked with a word that only that department's things carry, and twelve people (every role in
customer service, in legal and without a department) signed in on the web and holding an API token."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from luister.alerts.read import list_alerts
from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.inbox import actions, replies, setup
from luister.inbox.approval_rules import add_rule
from luister.inbox.digest_actions import build_digest
from luister.inbox.status import Move
from luister.inbox.tables import (
    conversation,
    digest,
    digest_item,
    notification,
    reply_draft,
    routing_rule,
    voice,
)
from luister.inbox.voices import add_voice
from luister.kpis.report_actions import set_active
from luister.kpis.reports import add_schedule
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.services.sources import add_source
from luister.services.topics import create_topic
from luister.settings import Settings
from luister.storage.tables import mention, mention_tag, mention_topic, user_account
from luister.testing import raise_alert, runtime_for

PASSWORD = "a long and secret passphrase for the walk"
DEPARTMENTS = ("customer-service", "legal")
# Words only a department's own things carry: seeing the other's in a body is reading what it owns.
MARKS = {"customer-service": "Kwispelstaart", "legal": "Zwavelzuurtje"}
DEMO_END = datetime(2026, 12, 7, 14, tzinfo=UTC)
OTHER = {"customer-service": "legal", "legal": "customer-service"}


@dataclass
class Targets:
    """One department's things, by what fills a route's path parameters."""

    department: str
    topic_id: int = 0
    topic: str = ""
    source: str = ""
    alert: int = 0
    conversation: int = 0
    merge_into: int = 0
    draft: int = 0
    own_draft: int = 0  # a reply waiting for approval, by the department's walking agent: theirs to withdraw
    reply_seq: int = 0  # what the conversation's reply counter stands at: a reply that has seen it all
    effect: int = 0
    voice: int = 0
    idle_voice: int = 0  # a voice that never replied: one that may be removed
    digest: int = 0
    item: int = 0
    member: str = ""
    notification: int = 0
    user: int = 0
    token: int = 0
    mention: int = 0
    canned: str = ""
    routing_rule: str = ""
    approval_rule: int = 0
    alert_rule: str = ""
    schedule: int = 0
    paused_schedule: int = 0  # what a resume changes


@dataclass
class Person:
    role: Role
    department: str | None
    email: str
    web: TestClient
    csrf: str
    token: str

    @property
    def label(self) -> str:
        return f"{self.role.value}/{self.department or 'none'}"


@dataclass
class World:
    engine: Engine
    settings: Settings
    app: Any
    targets: dict[str, Targets]
    people: list[Person] = field(default_factory=list)


def _one(engine: Engine, query: sa.Select[Any]) -> Any:
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def _department_id(engine: Engine, key: str) -> int:
    return int(_one(engine, sa.text("SELECT id FROM department WHERE key = :k").bindparams(k=key)))  # type: ignore[arg-type]


def build(settings: Settings, engine: Engine) -> World:
    runtime = runtime_for(settings, engine)
    runtime.load_demo(seed=5, count=200, batch_size=200, end=DEMO_END)  # the same story on every run
    now = datetime.now(UTC).replace(microsecond=0)
    cipher = runtime.cipher
    connectors = runtime.connectors()
    targets: dict[str, Targets] = {}
    for key in DEPARTMENTS:
        mark = MARKS[key]
        t = Targets(department=key)
        # Topics match company-wide mentions ("voltaro"): what a department follows is its own.
        topic = create_topic(
            engine=engine,
            name=f"{mark} onderwerp",
            kind=TopicKind.other,
            query="voltaro",
            description=f"{mark} beschrijving",
            department=key,
            actor="test",
        )
        t.topic_id, t.topic = topic.id, topic.name
        t.source = f"{mark.lower()}-bron"
        add_source(
            engine=engine,
            cipher=cipher,
            connectors=connectors,
            name=t.source,
            connector="webhook",
            options={"secret": f"push-secret-{key}-0123456789"},
            department=key,
        )
        t.alert_rule = f"{mark} crisis"
        t.alert = raise_alert(
            engine,
            settings,
            rule=t.alert_rule,
            topic=topic.name,
            text=f"Voltaro datalek {key}: mijn gegevens liggen op straat",
            playbook={"name": f"{mark} draaiboek", "steps": [{"title": f"{mark} stap", "due_minutes": 30}]},
        )
        assert any(a.id == t.alert for a in list_alerts(engine=engine))
        with (
            engine.begin() as conn
        ):  # the mention is the company's: its id names the rule, not the department
            conn.execute(
                mention.update()
                .where(mention.c.external_id == f"{mark} crisis-1")
                .values(external_id=f"crisis-{key}", raw=sa.func.replace(mention.c.raw, mark, "crisis"))
            )
        t.conversation, t.merge_into = _two_conversations(engine, key, now)
        with engine.connect() as conn:
            channel = conn.execute(
                sa.select(conversation.c.channel).where(conversation.c.id == t.conversation)
            ).scalar_one()
        t.voice = add_voice(
            engine=engine,
            actor="test",
            channel=channel,
            handle=f"{mark.lower()}@voltaro",
            name=f"{mark} stem",
            department_key=key,
            connectors=connectors,
            cipher=cipher,
        )
        with (
            engine.begin() as conn
        ):  # a replying voice without a platform behind it (as replies_helpers does)
            conn.execute(voice.update().where(voice.c.id == t.voice).values(connector="fake"))
        t.idle_voice = add_voice(
            engine=engine,
            actor="test",
            channel="bluesky",
            handle=f"{mark.lower()}.voltaro.example",
            name=f"{mark} stille stem",
            department_key=key,
            connectors=connectors,
            cipher=cipher,
        )
        t.member = f"lid.{key}@walk.example"
        create_user(
            engine=engine,
            email=t.member,
            name=f"Lid {key}",
            password=PASSWORD,
            role=Role.agent,
            department=key,
        )
        setup.set_member(engine=engine, actor="test", department_key=key, email=t.member, now=now)
        actions.add_note(
            engine=engine,
            conversation_id=t.conversation,
            actor=t.member,
            body=f"{mark} notitie @lid",
            now=now,
        )
        t.token = create_token(engine=engine, email=t.member, name=f"{mark} token").token.id
        t.user = int(_one(engine, sa.select(user_account.c.id).where(user_account.c.email == t.member)))
        setup.save_canned(
            engine=engine,
            actor="test",
            name=f"{mark} antwoord",
            language="nl",
            body=f"{mark} tekst",
            department_key=key,
        )
        t.canned = f"{mark} antwoord"
        t.schedule = add_schedule(engine=engine, name=f"{mark} rapport", recipients=[t.member], weekday=0,
                                  at="08:00", now=now, actor="test", department=key)  # fmt: skip
        t.paused_schedule = add_schedule(
            engine=engine, name=f"{mark} gepauzeerd", recipients=[t.member], weekday=0, at="08:00", now=now,
            actor="test", department=key,
        )  # fmt: skip
        set_active(engine=engine, schedule_id=t.paused_schedule, active=False, actor="test", now=now)
        targets[key] = t
    # Replies: one planned at once (an effect in the ledger), then, under a rule, one waiting for approval.
    for key, t in targets.items():
        seq = _reply_seq(engine, t.conversation)
        done = replies.propose(
            engine,
            conversation_id=t.conversation,
            voice_id=t.voice,
            actor=t.member,
            body=f"{MARKS[key]} antwoord één",
            seen_reply_seq=seq,
            now=datetime.now(UTC),
        )
        t.effect = int(
            _one(engine, sa.select(reply_draft.c.effect_id).where(reply_draft.c.id == done.draft_id))
        )
    rule = add_rule(
        engine, name="Alles langs een tweede paar ogen", kind="all", value=None, actor="test", now=now
    )
    for key, t in targets.items():
        waiting = replies.propose(
            engine,
            conversation_id=t.merge_into,
            voice_id=t.voice,
            actor=t.member,
            body=f"{MARKS[key]} antwoord twee",
            seen_reply_seq=_reply_seq(engine, t.merge_into),
            now=datetime.now(UTC),
        )
        t.draft = waiting.draft_id
        t.approval_rule = rule.id
        built = build_digest(
            engine=engine, department=key, period_start=now - timedelta(days=7), period_end=now, now=now
        )
        t.digest = built.digest_id
        with engine.connect() as conn:
            t.item = conn.execute(
                sa.select(digest_item.c.id)
                .where(
                    digest_item.c.digest_id.in_(
                        sa.select(digest.c.id).where(digest.c.department_id == _department_id(engine, key))
                    )
                )
                .order_by(digest_item.c.id)
                .limit(1)
            ).scalar_one()
            t.notification = conn.execute(
                sa.select(notification.c.id)
                .where(notification.c.user_id == t.user)
                .order_by(notification.c.id)
                .limit(1)
            ).scalar_one()
            t.mention = conn.execute(
                sa.select(mention_topic.c.mention_id).where(mention_topic.c.topic_id == t.topic_id).limit(1)
            ).scalar_one()
            t.routing_rule = (
                conn.execute(
                    sa.select(routing_rule.c.name)
                    .where(routing_rule.c.department_id == _department_id(engine, key))
                    .limit(1)
                ).scalar_one_or_none()
                or ""
            )
    with engine.begin() as conn:  # two tags on mentions (the company's, as mentions are): the tag routes
        tagged = datetime(2026, 1, 1, tzinfo=UTC)  # have something to change
        conn.execute(mention_tag.insert(), [
            {"mention_id": mention_id, "tag": tag, "tagged_by": "walk", "tagged_at": tagged}
            for mention_id in {t.mention for t in targets.values()} for tag in ("walk", "walk two")
        ])  # fmt: skip
    world = World(engine, settings, None, targets)
    return world


# Conversations no demo approval rule holds for (crisis, urgent), so a reply goes out at once; which ones the
# demo makes crisis or urgent differs between SQLite and PostgreSQL.
CALM = "priority <> 'urgent' AND (intent IS NULL OR intent <> 'crisis')"
MASTODON = f"SELECT id FROM conversation WHERE department_id = :d AND channel = 'mastodon' AND {CALM}"


def _two_conversations(engine: Engine, key: str, now: datetime) -> tuple[int, int]:
    """Two of the demo's calm conversations of customer service on Mastodon, open, handed to ``key`` when that
    is another department."""
    with engine.connect() as conn:
        taken = conn.execute(
            sa.text(MASTODON + " ORDER BY id DESC LIMIT 2"),
            {"d": _department_id(engine, "customer-service") if key == "customer-service" else 0},
        )
        ids = [int(i) for i in taken.scalars().all()]
        if key != "customer-service":
            ids = [
                int(i)
                for i in conn.execute(
                    sa.text(MASTODON + " ORDER BY id LIMIT 2"),
                    {"d": _department_id(engine, "customer-service")},
                )
                .scalars()
                .all()
            ]
    for conversation_id in ids:  # open, so that working them is possible where it is allowed
        with engine.connect() as conn:
            status = conn.execute(
                sa.select(conversation.c.status).where(conversation.c.id == conversation_id)
            ).scalar()
        if status == "resolved":
            actions.move(
                engine=engine, conversation_id=conversation_id, to=Move.reopen, actor="test", now=now
            )
    if key != "customer-service":
        for conversation_id in ids:
            actions.transfer(
                engine=engine,
                conversation_id=conversation_id,
                to_department=key,
                actor="test",
                reason="voor de juristen",
                now=now,
            )
    return ids[0], ids[1]


def _reply_seq(engine: Engine, conversation_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(conversation.c.reply_seq).where(conversation.c.id == conversation_id)
            ).scalar_one()
        )


def sign_in_everyone(world: World, app: Any) -> None:
    world.app = app
    for department in (*DEPARTMENTS, None):
        for role in Role:
            email = f"{role.value}.{department or 'none'}@walk.example"
            create_user(
                engine=world.engine,
                email=email,
                name=f"{role.value} {department}",
                password=PASSWORD,
                role=role,
                department=department,
            )
            if department:
                setup.set_member(
                    engine=world.engine,
                    actor="test",
                    department_key=department,
                    email=email,
                    now=datetime.now(UTC),
                )
            client = TestClient(app)
            form = client.get("/login").text
            token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
            signed = client.post(
                "/login",
                data={"email": email, "password": PASSWORD, "csrf": token, "next": "/"},
                follow_redirects=False,
            )
            assert signed.status_code == 303, signed.text
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/account").text).group(1)  # type: ignore[union-attr]
            secret = create_token(engine=world.engine, email=email, name="walk").secret
            world.people.append(Person(role, department, email, client, csrf, secret))
    for key, t in world.targets.items():
        t.own_draft = replies.propose(
            world.engine,
            conversation_id=t.merge_into,
            voice_id=t.voice,
            actor=f"agent.{key}@walk.example",
            body=f"{MARKS[key]} antwoord drie",
            seen_reply_seq=_reply_seq(world.engine, t.merge_into),
            now=datetime.now(UTC),
        ).draft_id
        t.reply_seq = _reply_seq(world.engine, t.conversation)
