"""``GET /api/v1/alerts/{id}``: a spike's window and the mentions that made it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api_helpers import Api

from luister.alerts.actions import save_rule
from luister.alerts.detection import check_rules
from luister.alerts.model import RuleKind
from luister.connectors.records import FieldMapping
from luister.domain.topics import TopicKind
from luister.services.analysis import ingest_enrichers
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record

NOW = datetime(2026, 11, 18, 12, 30, tzinfo=UTC)
ANGRY = "Voltaro is waardeloos, slechte service, nooit meer"


def test_a_negative_spike_answers_with_its_window_and_only_its_mentions(api: Api) -> None:
    save_topic(engine=api.engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    save_rule(engine=api.engine, actor="test", name="Negatief", kind=RuleKind.negative_share,
              topic_name="Voltaro", threshold=0.6, min_count=5)  # fmt: skip
    rows = [(NOW - timedelta(minutes=m), f"{ANGRY} {m}", 100) for m in range(1, 8)]
    rows.append((NOW - timedelta(minutes=9), "Voltaro is geweldig, top service, heel blij", 10**6))
    items = [raw_item(record(n, text=text, created_at=at.isoformat(), followers=f))
             for n, (at, text, f) in enumerate(rows)]  # fmt: skip
    enrichers = [
        *ingest_enrichers(settings=api.settings),
        TopicMatchEnricher(load_matcher(engine=api.engine)),
    ]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(api.engine), origin="t",
             enrichers=enrichers).run_batch(items)  # fmt: skip
    (change,) = check_rules(engine=api.engine, now=NOW)
    body = api.get(f"/api/v1/alerts/{change.alert_id}", role="viewer").json()
    assert body["window"]["mentions"] == 7 and body["window"]["negative"] is True
    assert body["window"]["since"].startswith("2026-11-18T11:30") and body["window"]["until"].startswith(
        "2026-11-18T12:30"
    )
    assert len(body["samples"]) == 5 and all(s["text"].startswith(ANGRY) for s in body["samples"])
