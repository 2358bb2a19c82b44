"""``luister demo``: fill the database with the Voltaro story, through the real ingest pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from luister.alerts.actions import acknowledge, complete_step, open_past_alerts, resolve, save_rule
from luister.alerts.detection import replay, replayed_findings
from luister.alerts.model import RuleKind, Severity
from luister.alerts.read import alert_detail, list_alerts
from luister.connectors.records import FieldMapping
from luister.demo import inbox as demo_inbox
from luister.demo import kpis as demo_kpis
from luister.demo import organisation_knowledge as demo_knowledge
from luister.demo import organisation_maturity as demo_maturity
from luister.demo import organisation_policy as demo_policy
from luister.demo import organisation_training as demo_training
from luister.demo import replies as demo_replies
from luister.demo.data import DEMO_TOPICS, generate_demo_mentions
from luister.demo.sources import add_demo_sources
from luister.domain.ingest import RawItem
from luister.domain.topics import TopicKind
from luister.services.ingest import BatchResult, Enricher, IngestSummary, Pipeline
from luister.services.topics import TopicRead, save_topic
from luister.storage.secrets import Cipher
from luister.storage.writer import SqlMentionStore

DEMO_ORIGIN = "demo"


@dataclass(slots=True)
class DemoResult:
    topics: list[TopicRead]
    summary: IngestSummary
    start: datetime
    end: datetime
    alerts: int = 0
    inbox: demo_inbox.DemoInbox | None = None
    replies: demo_replies.DemoReplies | None = None
    kpis: demo_kpis.DemoKpis | None = None


OUTAGE_PLAYBOOK = {
    "name": "Storing",
    "steps": [
        {"title": "Bevestig de storing op de statuspagina en in de app", "owner": "webcare",
         "due_minutes": 15,
         "statements": {"nl": "We weten dat de app en de slimme meter nu niet goed werken en zoeken uit "
                              "hoe dat komt. We houden je hier op de hoogte.",
                        "en": "We know the app and smart meters are not working properly and are looking "
                              "into it. We will keep you posted here."}},
        {"title": "Informeer de woordvoerder en de klantenservice", "owner": "communications",
         "due_minutes": 30},
        {"title": "Check of er gegevens gelekt zijn", "owner": "legal", "due_minutes": 60},
    ],
}  # fmt: skip
DEMO_RULES: list[dict[str, Any]] = [
    {"name": "Voltaro piek", "kind": RuleKind.volume_spike, "topic_name": "Voltaro",
     "severity": Severity.critical, "playbook": OUTAGE_PLAYBOOK, "cooldown_minutes": 360},
    {"name": "Voltaro negatief", "kind": RuleKind.negative_spike, "topic_name": "Voltaro",
     "cooldown_minutes": 360},
    {"name": "Crisis", "kind": RuleKind.intent, "intent": "crisis", "topic_name": "Voltaro",
     "severity": Severity.critical},
    {"name": "Stroomwijs piek", "kind": RuleKind.volume_spike, "topic_name": "Stroomwijs",
     "severity": Severity.info},
]  # fmt: skip


def load_demo(
    *,
    engine: Engine,
    seed: int = 42,
    count: int = 24_000,
    days: int = 60,
    end: datetime | None = None,
    batch_size: int = 2000,
    enrichers: Callable[[], Sequence[Enricher]],
    connectors: Mapping[str, type[Any]],
    cipher: Cipher,
    on_batch: Callable[[BatchResult, int], None] | None = None,
) -> DemoResult:
    """Save the demo topics and ingest ``count`` demo mentions ending at ``end`` (default: this hour).

    ``enrichers`` makes the runtime's enricher chain once the demo topics are saved (so they match);
    ``connectors`` are the installed ones, for the demo's sources.
    """
    end = end or _next_hour(datetime.now(UTC))
    topics = [
        save_topic(
            engine=engine,
            name=t["name"],
            kind=TopicKind(t["kind"]),
            query=t["query"],
            description=t["description"],
        )
        for t in DEMO_TOPICS
    ]
    pipeline = Pipeline(
        mapper=FieldMapping(channel=DEMO_ORIGIN).map,
        store=SqlMentionStore(engine),
        origin=DEMO_ORIGIN,
        enrichers=enrichers(),
    )
    records = generate_demo_mentions(seed=seed, end=end, days=days, count=count)
    summary = pipeline.run(_raw_items(records), batch_size=batch_size, on_batch=on_batch)
    start = end - timedelta(days=days)
    alerts = _demo_alerts(engine=engine, start=start, end=end)
    inbox = demo_inbox.play(engine=engine, start=start, end=end, seed=seed)
    replies = demo_replies.play(engine=engine, end=end, cipher=cipher, connectors=connectors)
    demo_training.play(engine=engine, end=end)  # belts, some expiring soon (gates stay off)
    add_demo_sources(engine=engine, connectors=connectors, cipher=cipher, start=start, end=end, seed=seed)
    kpis = demo_kpis.play(engine=engine, start=start, end=end, topics={t.name: t.id for t in topics})
    demo_knowledge.play(engine=engine, end=end)
    demo_policy.play(engine=engine, start=start, end=end)
    demo_maturity.play(engine=engine, start=start, end=end)  # last: its evidence reads the others' parts
    return DemoResult(topics=topics, summary=summary, start=start, end=end, alerts=alerts, inbox=inbox,
                      replies=replies, kpis=kpis)  # fmt: skip


def _demo_alerts(*, engine: Engine, start: datetime, end: datetime) -> int:
    """The demo's alert rules, and the alerts they would have raised, worked as a team would have.
    Loading the demo again keeps the alerts it recorded the first time."""
    if list_alerts(engine=engine, limit=1):
        return 0
    rules = [save_rule(engine=engine, actor="demo", **rule) for rule in DEMO_RULES]
    replay_from = start + timedelta(days=29)  # the rules judge with four weeks of history behind them
    if replay_from >= end:  # a demo shorter than that has its rules, and no past alerts
        return 0
    hits = replay(engine=engine, start=replay_from, end=end, rules=rules)
    found = replayed_findings(engine=engine, hits=hits, rules=rules)
    opened = open_past_alerts(
        engine=engine,
        actor="demo",
        found=[(rule, finding, hit.start, hit.end) for rule, finding, hit in found],
    )
    for alert_id in opened:
        detail = alert_detail(engine=engine, alert_id=alert_id)
        at = detail.alert.opened_at
        acknowledge(engine=engine, alert_id=alert_id, actor="anouk (webcare)", now=at + timedelta(minutes=7))
        for step in detail.steps:
            done = at + timedelta(minutes=(step.position * 12) + (25 if step.owner == "legal" else 0))
            complete_step(engine=engine, alert_id=alert_id, position=step.position,
                          actor=step.owner or "team", now=done)  # fmt: skip
        if detail.alert.last_seen_at < end - timedelta(days=1):
            resolve(engine=engine, alert_id=alert_id, actor="anouk (webcare)", note="incident over",
                    now=detail.alert.last_seen_at + timedelta(hours=2))  # fmt: skip
    return len(opened)


def _raw_items(records: Iterator[dict[str, Any]]) -> Iterator[RawItem]:
    for number, record in enumerate(records, start=1):
        yield RawItem(raw=orjson.dumps(record).decode(), position=f"record {number}", data=record)


def _next_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
