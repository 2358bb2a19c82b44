"""The Voltaro demo's inbox: the webcare team and the other departments, routing rules, canned responses
and the brand's accounts (voices); then the story's mentions go through intake hour by hour, as they would
have arrived, while the team works them: the brand's own replies in the threads count as responses, the
team resolves what was answered, calls some customers back, hands the data-leak rumours to legal and the
press to communications. During the outage the team falls behind: that is where the SLA breaches are.
The newest day stays open, for the inbox to show."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.demo import texts as tx
from luister.domain.accounts import Role
from luister.inbox import actions, setup
from luister.inbox.digest_actions import build_digest, decide_item
from luister.inbox.digest_read import digest_detail
from luister.inbox.digests import last_period
from luister.inbox.intake import intake
from luister.inbox.read import list_departments
from luister.inbox.status import Move, Status
from luister.inbox.tables import conversation, voice
from luister.inbox.timers import tick
from luister.services.accounts import create_user
from luister.storage.tables import mention

# e-mail, name, department, languages, role
PEOPLE = [
    ("anouk@voltaro.example", "Anouk de Vries", "customer-service", "nl,en", Role.agent),
    ("sem@voltaro.example", "Sem Jansen", "customer-service", "nl", Role.agent),
    ("grace@voltaro.example", "Grace Miller", "customer-service", "en,nl", Role.agent),
    ("daan@voltaro.example", "Daan Peeters", "customer-service", "nl,en", Role.agent),
    ("fatima@voltaro.example", "Fatima El Amrani", "sales", "nl,en", Role.agent),
    ("joris@voltaro.example", "Joris Mertens", "product", "nl,en", Role.analyst),
    ("eva@voltaro.example", "Eva Smit", "marketing", "nl,en", Role.agent),
    ("lotte@voltaro.example", "Lotte Bakker", "communications", "nl,en", Role.agent),
    ("mark@voltaro.example", "Mark Visser", "legal", "nl,en", Role.agent),
]
RULES = [
    {
        "name": "Zonnedeal-leads naar verkoop",
        "department_key": "sales",
        "tags": "zonnedeal",
        "conditions": {"topics": ["Voltaro Zonnedeal"], "intents": ["lead", "question"]},
    },
    {
        "name": "Datalek naar juridisch",
        "department_key": "legal",
        "priority": "high",
        "tags": "datalek",
        "conditions": {"query": 'datalek OR "data leak" OR "gegevens gelekt" OR AVG OR GDPR'},
    },
]
CANNED = [
    (
        "Storing bevestigd",
        "nl",
        "Hoi {first_name}, vervelend! We weten van de storing in de app en de slimme "
        "meter en werken aan een oplossing. Het laatste nieuws staat op onze statuspagina. "
        "Groet, {agent_name}",
    ),
    (
        "Storing bevestigd",
        "en",
        "Hi {first_name}, sorry about this! We know about the outage in the app and "
        "the smart meter and are working on a fix. The latest is on our status page. Best, {agent_name}",
    ),
    (
        "Stuur een DM",
        "nl",
        "Hoi {first_name}, stuur je ons een DM met je klantnummer? Dan zoeken we het "
        "meteen uit (zaak {case_number}).",
    ),
    (
        "Send a DM",
        "en",
        "Hi {first_name}, could you DM us your customer number? We'll look into it right "
        "away (case {case_number}).",
    ),
]
TEAM_ZONE = ZoneInfo("Europe/Amsterdam")
OPEN_HOURS = 20  # the newest hours stay as the team left them: the inbox has work to show
INBOX_DAYS = 21  # the inbox was switched on three weeks ago: just before the outage (day 40 of 60)


@dataclass(slots=True)
class DemoInbox:
    conversations: int = 0
    resolved: int = 0
    replies: int = 0
    digests: int = 0
    decided: int = 0


def voices() -> list[tuple[str, str, str]]:
    """The brand's accounts in the story (``texts.ACCOUNTS``), as mentions name their authors."""
    found = []
    for key, (user, place, name, _followers) in tx.ACCOUNTS.items():
        channel = key.split(".")[0]
        found.append((channel, f"{user}@{place}" if channel == "mastodon" else place, name))
    return found


def set_up(*, engine: Engine, now: datetime) -> None:
    """People, members, voices, rules and canned responses (once: loading the demo again keeps them)."""
    with engine.connect() as conn:
        if conn.execute(sa.select(voice.c.id).limit(1)).first():
            return
    for email, name, department, languages, role in PEOPLE:
        create_user(
            engine=engine,
            email=email,
            name=name,
            password=secrets.token_urlsafe(16),
            role=role,
            department=department,
            language="nl",
            actor="demo",
            now=now,
        )
        setup.set_member(
            engine=engine,
            actor="demo",
            department_key=department,
            email=email,
            languages=languages,
            capacity=25,
            now=now,
        )
    with engine.begin() as conn:
        conn.execute(voice.insert(), [{"channel": c, "handle": h, "name": n} for c, h, n in voices()])
    for rule in RULES:
        setup.save_rule(engine=engine, actor="demo", **rule)  # type: ignore[arg-type]
    for name, language, body in CANNED:
        setup.save_canned(engine=engine, actor="demo", name=name, language=language, body=body)


def play(*, engine: Engine, start: datetime, end: datetime, seed: int = 42) -> DemoInbox:
    """The story's mentions through intake, hour by hour, with the team working between the hours."""
    rng = random.Random(seed)
    done = DemoInbox()
    start = max(start, end - timedelta(days=INBOX_DAYS))
    set_up(engine=engine, now=start)
    with engine.connect() as conn:
        if conn.execute(sa.select(conversation.c.id).limit(1)).first():
            return done  # played before
        rows = conn.execute(
            sa.select(mention.c.id, mention.c.published_at)
            .where(mention.c.published_at >= start)
            .order_by(mention.c.published_at, mention.c.id)
        ).all()
    hour, batch = start.replace(minute=0, second=0, microsecond=0), list[int]()
    for mention_id, published in rows:
        while published >= hour + timedelta(hours=1):
            _hour(engine, batch, hour + timedelta(hours=1), end, rng, done)
            hour, batch = hour + timedelta(hours=1), []
        batch.append(mention_id)
    _hour(engine, batch, hour + timedelta(hours=1), end, rng, done)
    tick(engine=engine, now=end)
    done.digests, done.decided = _digests(engine, end)
    with engine.connect() as conn:
        done.conversations = conn.execute(sa.select(sa.func.count()).select_from(conversation)).scalar_one()
    return done


def _hour(
    engine: Engine, batch: list[int], now: datetime, end: datetime, rng: random.Random, done: DemoInbox
) -> None:
    if batch:
        found = intake(engine=engine, mention_ids=batch, now=now)
        done.replies += len(found.replied)
        for conversation_id in found.opened:
            _route_extra(engine, conversation_id, now, rng)
    if now <= end - timedelta(hours=OPEN_HOURS) and 8 <= now.astimezone(TEAM_ZONE).hour < 22:
        _work(engine, now, rng, done)  # the team works from 08:00 to 22:00


def _route_extra(engine: Engine, conversation_id: int, now: datetime, rng: random.Random) -> None:
    """What a person adds when a conversation arrives: a note and a tag on crisis ones."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(conversation.c.intent, conversation.c.priority).where(
                conversation.c.id == conversation_id
            )
        ).one()
    if row.intent == "crisis":
        actions.tag(
            engine=engine,
            conversation_id=conversation_id,
            add=["crisis"],
            actor="anouk@voltaro.example",
            now=now,
        )
        actions.add_note(
            engine=engine,
            conversation_id=conversation_id,
            now=now,
            actor="anouk@voltaro.example",
            body="@mark kun je meekijken? Klant meldt rook of een lek; eerst veiligheid, dan de rest.",
        )


def _work(engine: Engine, now: datetime, rng: random.Random, done: DemoInbox) -> None:
    """The team, once an hour: resolve what was answered a while ago; call back some who waited long."""
    with engine.connect() as conn:
        answered = conn.execute(
            sa.select(conversation.c.id, conversation.c.last_agent_at).where(
                conversation.c.status.not_in([Status.resolved.value, Status.snoozed.value]),
                conversation.c.last_agent_at.is_not(None),
                conversation.c.last_agent_at <= now - timedelta(minutes=45),
            )
        ).all()
        waiting = conn.execute(
            sa.select(conversation.c.id).where(
                conversation.c.status.in_([Status.new.value, Status.open.value, Status.reopened.value]),
                conversation.c.last_agent_at.is_(None),
                conversation.c.last_customer_at <= now - timedelta(hours=9),
            )
        ).all()
    for row in answered:
        if rng.random() < 0.85:
            actions.move(engine=engine, conversation_id=row.id, to=Move.resolve, actor=_someone(rng), now=now)
            done.resolved += 1
    for row in waiting:
        if rng.random() < 0.6:
            actions.answered_elsewhere(
                engine=engine,
                conversation_id=row.id,
                how=rng.choice(("phone", "email")),
                note="Teruggebeld; opgelost.",
                actor=_someone(rng),
                now=now,
            )
            done.resolved += 1


# What the departments did with the first themes of their digests: (department, kind) → decision, outcome
OUTCOMES = {
    ("customer-service", "complaint"): (
        "taken_up",
        "Storingspagina en sms-melding bij storingen komen er in januari; de app toont dan ook de status.",
    ),
    ("product", "idea"): ("taken_up", "Op de roadmap voor Q1: export van het verbruik per uur in de app."),
    ("sales", "question"): (
        "declined",
        "Geen aparte actie: de Zonnedeal-FAQ beantwoordt dit al; webcare verwijst ernaar.",
    ),
}


def _digests(engine: Engine, end: datetime) -> tuple[int, int]:
    """The departments' weekly digests of the last three weeks, and what they decided on the newest."""
    built = 0
    newest: dict[str, int] = {}
    for weeks_back in (2, 1, 0):
        for key in ("customer-service", "sales", "product", "marketing", "communications", "legal"):
            start, stop = last_period("weekly", end - timedelta(weeks=weeks_back))
            result = build_digest(
                engine=engine, department=key, period_start=start, period_end=stop, now=stop
            )
            built += result.created
            newest[key] = result.digest_id
    decided = 0
    for (key, kind), (decision, outcome) in OUTCOMES.items():
        item = next(
            (i for i in digest_detail(engine=engine, digest_id=newest[key]).items if i.kind == kind), None
        )
        if item is not None:
            decide_item(
                engine=engine,
                item_id=item.id,
                decision=decision,
                outcome=outcome,
                actor=next(e for e, _n, d, _l, _r in PEOPLE if d == key),
                now=end,
            )
            decided += 1
    return built, decided


def _someone(rng: random.Random) -> str:
    return rng.choice([email for email, _n, department, _l, _r in PEOPLE if department == "customer-service"])


def departments_with_people(engine: Engine) -> int:
    return sum(1 for d in list_departments(engine=engine) if d.members)
