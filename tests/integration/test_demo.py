"""The demo story goes through the real pipeline and is idempotent."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.alerts.model import AlertStatus
from luister.alerts.read import alert_detail, list_alerts
from luister.inbox.tables import conversation_message, reply_draft
from luister.services.sources import list_sources
from luister.services.stats import collect_stats
from luister.services.topics import list_topics
from luister.settings import Settings
from luister.testing import runtime_for

END = datetime(2026, 11, 1, tzinfo=UTC)


def test_demo_loads_topics_and_mentions_once(settings: Settings, engine: Engine) -> None:
    first = runtime_for(settings, engine, analysis=False).load_demo(count=1500, end=END, batch_size=500)
    assert first.summary.stored == 1500 and not first.summary.rejected
    assert {t.kind.value for t in list_topics(engine=engine)} == {"brand", "competitor", "campaign"}

    again = runtime_for(settings, engine, analysis=False).load_demo(count=1500, end=END, batch_size=500)
    assert (again.summary.stored, again.summary.known) == (0, 1500)

    stats = collect_stats(engine=engine, days=60)
    assert stats.mentions == 1500
    assert {lang for lang, _ in stats.by_language} == {"nl", "en"}
    assert {country for country, _ in stats.by_country} == {"NL", "BE", "GB", "US"}
    assert stats.last is not None and stats.last <= END.date()

    health = {s.name: s.health.status.value for s in list_sources(engine=engine, now=END)}
    assert len(health) == 7 and health.pop("Energieforum") == "failing"  # the forum answers 503
    assert set(health.values()) <= {"ok", "silent"}  # 1,500 mentions leave Hacker News quiet for days


def test_the_demo_outage_was_alerted_and_worked_through_its_playbook(
    settings: Settings, engine: Engine
) -> None:
    result = runtime_for(settings, engine, analysis=False).load_demo(count=8000, end=END, batch_size=2000)
    alerts = list_alerts(engine=engine)
    assert result.alerts == len(alerts) > 0
    outage = [a for a in alerts if a.rule == "Voltaro piek"]
    assert outage and outage[-1].opened_at.date() == (END - timedelta(days=20)).date()  # day 40 of 60
    detail = alert_detail(engine=engine, alert_id=outage[-1].id)
    assert [step.done_by for step in detail.steps] == ["webcare", "communications", "legal"]
    assert detail.alert.status is AlertStatus.resolved and detail.samples
    # the team answered at the source: sent replies, one refused (a deleted post), one awaiting approval,
    # one approved with an edit (both versions kept)
    replies = result.replies
    assert replies is not None and replies.sent >= 3 and replies.failed == 1 and replies.waiting == 1
    with engine.connect() as conn:
        drafts = conn.execute(sa.select(reply_draft.c.state, reply_draft.c.original_body)).all()
        sent_messages = conn.execute(
            sa.select(sa.func.count()).where(conversation_message.c.remote_id.is_not(None))
        ).scalar_one()
    states = Counter(d.state for d in drafts)
    assert states["sent"] == replies.sent == sent_messages and states["failed"] == 1
    assert states["approval"] == 1 and sum(1 for d in drafts if d.original_body) == 1
    assert (
        runtime_for(settings, engine, analysis=False).load_demo(count=8000, end=END, batch_size=2000).alerts
        == 0
    )
    assert len(list_alerts(engine=engine)) == len(alerts)
