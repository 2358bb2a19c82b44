"""The inbox end to end below the edges: stored mentions become routed, assigned conversations that are
worked, resolved and reopened; bad input changes nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.accounts import Role, Scope
from luister.domain.query_tree import QuerySyntaxError
from luister.domain.topics import TopicKind
from luister.inbox import actions, setup
from luister.inbox.model import Conflict, NotAMember, UnknownConversation, UnknownDepartment
from luister.inbox.read import View, conversation_detail, list_conversations, notifications
from luister.inbox.status import Move, Status
from luister.inbox.tables import conversation
from luister.inbox.timers import tick
from luister.services.accounts import create_user, get_user
from luister.services.ingest import Pipeline
from luister.services.topics import create_topic
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, runtime_for

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday, within customer service's hours
PASSWORD = "lang-genoeg-wachtwoord-42"


def _store(settings: Settings, engine: Engine, *records: dict[str, Any], now: datetime = NOW) -> None:
    runtime = runtime_for(settings, engine)
    runtime.clock = lambda: now
    Pipeline(
        mapper=FieldMapping().map,
        store=SqlMentionStore(engine),
        origin="test",
        enrichers=runtime.enrichers(),
        events=runtime.event_bus(),
    ).run_batch([raw_item(r) for r in records])


def _post(
    n: int, text: str, *, author: str = "klant_anna", at: datetime = NOW, **extra: Any
) -> dict[str, Any]:
    return {
        "id": f"p{n}",
        "channel": "mastodon",
        "text": text,
        "author": author,
        "lang": "nl",
        "created_at": at.isoformat(),
        "url": f"https://social.example/@{author}/{n}",
        **extra,
    }


@pytest.fixture
def voltaro(engine: Engine) -> Engine:
    create_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro", actor="test")
    create_topic(
        engine=engine, name="Stroomkracht", kind=TopicKind.competitor, query="stroomkracht", actor="test"
    )
    for email, department in (
        ("anna@voltaro.example", "customer-service"),
        ("bob@voltaro.example", "sales"),
        ("carla@voltaro.example", "customer-service"),
    ):
        create_user(
            engine=engine,
            email=email,
            name=email.split("@")[0].title(),
            password=PASSWORD,
            role=Role.agent,
            department=department,
        )
        setup.set_member(engine=engine, actor="test", department_key=department, email=email, now=NOW)
    return engine


def _only(engine: Engine) -> Any:
    with engine.connect() as conn:
        return conn.execute(sa.select(conversation)).one()


def test_a_complaint_becomes_a_routed_assigned_conversation_that_is_worked_and_reopened(
    settings: Settings, voltaro: Engine
) -> None:
    engine = voltaro
    _store(
        settings,
        engine,
        _post(
            1,
            "@Voltaro mijn laadpaal doet het al drie dagen niet, slechte service! "
            "Wanneer komt er eindelijk een monteur?",
        ),
    )
    row = _only(engine)
    assert row.status == Status.new and row.intent in ("complaint", "question")
    detail = conversation_detail(engine=engine, conversation_id=row.id)
    assert detail.conversation.department == "customer-service"
    assert detail.conversation.route.by == "model" and detail.conversation.route.because
    assert detail.conversation.assignee in ("anna@voltaro.example", "carla@voltaro.example")
    assert row.sla_state == "ok" and row.sla_due_at is not None and row.sla_due_at > NOW
    assert [m.kind for m in detail.messages] == ["customer"]
    assert {e.kind for e in detail.events} >= {"created", "routed", "assigned"}

    later = NOW + timedelta(minutes=5)
    told = actions.add_note(
        engine=engine,
        conversation_id=row.id,
        body="@bob is dit een verkoopkans?",
        actor="anna@voltaro.example",
        now=later,
    )
    assert told == ["bob@voltaro.example"]
    bob = get_user(engine=engine, email="bob@voltaro.example")
    assert [n.kind for n in notifications(engine=engine, user_id=bob.id)] == ["mentioned"]

    actions.answered_elsewhere(
        engine=engine,
        conversation_id=row.id,
        how="phone",
        note="Gebeld, monteur komt",
        actor="anna@voltaro.example",
        now=later,
    )
    assert _only(engine).status == Status.resolved and _only(engine).sla_state == "met"
    with pytest.raises(Conflict, match="resolved"):
        actions.move(engine=engine, conversation_id=row.id, to=Move.resolve, actor="x", now=later)

    _store(
        settings,
        engine,
        _post(
            2, "Voltaro, de monteur is niet gekomen. Nu wil ik mijn geld terug.", at=NOW + timedelta(hours=2)
        ),
        now=NOW + timedelta(hours=2),
    )
    again = _only(engine)
    assert (
        again.status == Status.reopened and again.cycle == 2 and again.message_count == 4
    )  # two posts, a note, the call
    assert again.first_response_at is None and again.sla_state == "ok"

    page = list_conversations(engine=engine, view=View.all, now=NOW + timedelta(hours=2))
    assert [r.id for r in page.rows] == [row.id] and page.counts["all"] == 1


def test_competitor_mentions_are_not_ours_except_leads(settings: Settings, voltaro: Engine) -> None:
    _store(
        settings, voltaro, _post(1, "Stroomkracht heeft weer eens een storing, wat een prutsers", author="a")
    )
    with voltaro.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(conversation)).scalar() == 0


def test_routing_rules_come_first_and_say_which(settings: Settings, voltaro: Engine) -> None:
    setup.save_rule(
        engine=voltaro,
        actor="test",
        name="Laadpassen naar product",
        conditions={"query": "laadpas*", "topics": ["Voltaro"]},
        department_key="product",
        priority="high",
        tags="laadpas",
    )
    _store(settings, voltaro, _post(1, "Voltaro, mijn laadpas werkt niet meer bij de paal, heel vervelend"))
    detail = conversation_detail(engine=voltaro, conversation_id=_only(voltaro).id)
    assert detail.conversation.department == "product" and detail.conversation.priority == "high"
    assert (
        detail.conversation.route.by == "rule"
        and detail.conversation.route.rule_name == "Laadpassen naar product"
    )
    assert detail.tags == ["laadpas"]
    simulation = setup.simulate_rule(
        engine=voltaro,
        conditions={"query": "laadpas*"},
        department_key="sales",
        now=NOW + timedelta(minutes=1),
    )
    assert simulation.matched == 1 and simulation.taken_from == {"product": 1}


def test_bad_input_is_refused_and_changes_nothing(settings: Settings, voltaro: Engine) -> None:
    with pytest.raises(QuerySyntaxError) as bad:
        setup.save_rule(
            engine=voltaro,
            actor="t",
            name="r",
            conditions={"query": "laadpaal AND (storing"},
            department_key="product",
        )
    assert bad.value.position > 0
    with pytest.raises(UnknownDepartment):
        setup.save_rule(
            engine=voltaro, actor="t", name="r", conditions={"intents": ["lead"]}, department_key="finance"
        )
    _store(settings, voltaro, _post(1, "@Voltaro al weken geen stroom uit mijn laadpaal, dit is schandalig"))
    row = _only(voltaro)
    with pytest.raises(NotAMember, match="not a member"):
        actions.assign(
            engine=voltaro, conversation_id=row.id, assignee="bob@voltaro.example", actor="t", now=NOW
        )
    with pytest.raises(UnknownConversation):
        actions.move(
            engine=voltaro,
            conversation_id=row.id,
            to=Move.open,
            actor="bob@voltaro.example",
            now=NOW,
            scope=Scope("sales"),
        )
    with pytest.raises(Conflict):
        actions.move(engine=voltaro, conversation_id=row.id, to=Move.reopen, actor="t", now=NOW)
    assert _only(voltaro).status == Status.new and _only(voltaro).assignee_id == row.assignee_id


def test_time_passing_warns_breaches_and_reclaims(settings: Settings, voltaro: Engine) -> None:
    _store(
        settings, voltaro, _post(1, "@Voltaro mijn laadpaal is kapot en niemand reageert, slechte service")
    )
    row = _only(voltaro)
    first = tick(engine=voltaro, now=NOW + timedelta(minutes=61))  # reclaim after 60 min without a reply
    assert first.reclaimed == [row.id]
    moved = _only(voltaro)
    assert moved.assignee_id not in (None, row.assignee_id)
    due = moved.sla_due_at
    warned = tick(engine=voltaro, now=due - timedelta(minutes=10))
    assert warned.warned == [row.id]
    holder = _only(voltaro).assignee_id  # (reclaimed again meanwhile: nobody answered)
    breached = tick(engine=voltaro, now=due + timedelta(minutes=1))
    assert breached.breached == [row.id] and _only(voltaro).sla_state == "breached"
    assert "sla_breached" in {n.kind for n in notifications(engine=voltaro, user_id=holder)}


def test_a_persons_conversations_are_exported_and_erased_with_them(
    settings: Settings, voltaro: Engine
) -> None:
    from luister.privacy import actions as privacy_actions
    from luister.privacy import read as privacy_read
    from luister.privacy.subjects import Subject

    _store(settings, voltaro, _post(1, "@Voltaro mijn laadpaal is stuk, wie helpt me?", author="piet"))
    _store(
        settings,
        voltaro,
        _post(2, "@Voltaro al twee dagen geen stroom uit mijn laadpaal, slechte service!", author="klaas"),
    )
    subject = Subject.of(channel="mastodon", handle="piet")
    found = privacy_read.find(engine=voltaro, subject=subject)
    assert [c["author_handle"] for c in found.conversations] == ["piet"]
    assert found.conversations[0]["messages"][0]["body"].startswith("@Voltaro mijn laadpaal")
    bundle = zipfile.ZipFile(io.BytesIO(privacy_read.archive(found, now=NOW)))
    assert "@Voltaro mijn laadpaal" in bundle.read("conversations.csv").decode()
    done = privacy_actions.erase(engine=voltaro, subject=subject, actor="test", now=NOW)
    assert done.conversations == 1
    with voltaro.connect() as conn:
        left = conn.execute(sa.select(conversation.c.author_handle)).scalars().all()
    assert left == ["klaas"]
    assert privacy_read.find(engine=voltaro, subject=subject).empty


def test_a_breach_reaches_the_alert_channels_of_an_sla_rule(settings: Settings, voltaro: Engine) -> None:
    from luister.alerts.actions import save_rule
    from luister.alerts.model import RuleKind
    from luister.alerts.read import list_alerts

    save_rule(engine=voltaro, actor="test", name="SLA", kind=RuleKind.sla_breach)
    _store(
        settings, voltaro, _post(1, "@Voltaro mijn laadpaal is kapot en niemand reageert, slechte service")
    )
    due = _only(voltaro).sla_due_at
    runtime = runtime_for(settings, voltaro)
    runtime.clock = lambda: due + timedelta(minutes=1)
    runtime.inbox_tick(runtime.event_bus())
    alerts = list_alerts(engine=voltaro)
    assert [a.kind for a in alerts] == ["sla_breach"]
    assert f"#{_only(voltaro).id}" in alerts[0].title


def test_history_imported_late_stays_out_of_the_inbox(settings: Settings, voltaro: Engine) -> None:
    old = NOW - timedelta(days=30)
    _store(settings, voltaro, _post(1, "@Voltaro mijn laadpaal is kapot, slechte service!", at=old))
    with voltaro.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(conversation)).scalar() == 0
