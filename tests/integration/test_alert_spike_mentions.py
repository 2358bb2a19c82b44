"""An alert's examples are the mentions that made its spike: its topic, its hours, negative ones for a
negative rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from luister.alerts import texts
from luister.alerts.actions import open_past_alerts, save_rule
from luister.alerts.detection import check_rules
from luister.alerts.model import Finding, RuleKind
from luister.alerts.read import alert_detail, list_alerts
from luister.connectors.records import FieldMapping
from luister.domain.topics import TopicKind
from luister.services.analysis import ingest_enrichers
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item

NOW = datetime(2026, 11, 18, 12, 30, tzinfo=UTC)
ANGRY = "Voltaro is waardeloos, slechte service, nooit meer"


def store(engine: Engine, settings: Settings, rows: list[tuple[datetime, str, int]]) -> None:
    pipeline = Pipeline(
        mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="t",
        enrichers=[*ingest_enrichers(settings=settings), TopicMatchEnricher(load_matcher(engine=engine))],
    )  # fmt: skip
    items = [raw_item({"id": f"m{n}", "channel": "mastodon", "text": f"{text} ({n})", "lang": "nl",
                       "created_at": at.isoformat(), "author": f"u{n}", "followers": followers}, f"l{n}")
             for n, (at, text, followers) in enumerate(rows)]  # fmt: skip
    pipeline.run(items, batch_size=100)


def test_a_negative_spike_shows_only_its_own_negative_mentions(engine: Engine, settings: Settings) -> None:
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    save_topic(engine=engine, name="Zonnig", kind=TopicKind.competitor, query="zonnig")
    save_rule(engine=engine, actor="test", name="Negatief", kind=RuleKind.negative_share,
              topic_name="Voltaro", threshold=0.6, min_count=5)  # fmt: skip
    rows = [(NOW - timedelta(minutes=m), ANGRY, 100 + m) for m in range(1, 8)]  # the spike
    rows.append(
        (NOW - timedelta(minutes=9), "Voltaro is geweldig, top service, heel blij", 10**6)
    )  # positive
    rows.append((NOW - timedelta(minutes=5), "Zonnig is waardeloos, slechte service, nooit meer", 10**6))
    rows.append((NOW - timedelta(hours=3), ANGRY, 10**6))  # the same, hours before
    store(engine, settings, rows)
    (change,) = check_rules(engine=engine, now=NOW)
    detail = alert_detail(engine=engine, alert_id=change.alert_id)
    assert detail.window is not None
    assert (detail.window.since, detail.window.until) == (NOW - timedelta(hours=1), NOW)
    assert detail.window.negative and detail.window.mentions == 7
    assert len(detail.samples) == 5
    assert all(s.sentiment == "negative" and s.text.startswith(ANGRY) for s in detail.samples)
    assert all(NOW - timedelta(hours=1) <= s.published_at.replace(tzinfo=UTC) < NOW for s in detail.samples)


def test_a_replayed_spike_counts_the_hours_it_was_found_in(engine: Engine, settings: Settings) -> None:
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    rule = save_rule(
        engine=engine, actor="test", name="Piek", kind=RuleKind.volume_spike, topic_name="Voltaro"
    )
    start = NOW.replace(minute=0)
    store(engine, settings, [(start - timedelta(minutes=1), "Voltaro daarvoor", 10**6),
                             (start + timedelta(minutes=10), "Voltaro storing", 5),
                             (start + timedelta(minutes=70), "Voltaro blij met de oplossing", 7),
                             (start + timedelta(hours=2), "Voltaro daarna", 10**6)])  # fmt: skip
    message = texts.message("spike_peak", subject="Voltaro", count=2, expected=0)
    finding = Finding(count=2, message=message, summary="peak", sample_ids=())
    open_past_alerts(engine=engine, actor="t", found=[(rule, finding, start, start + timedelta(hours=2))])
    (found,) = list_alerts(engine=engine)
    detail = alert_detail(engine=engine, alert_id=found.id)
    assert detail.window is not None and not detail.window.negative and detail.window.mentions == 2
    assert sorted(s.text.split(" (")[0] for s in detail.samples) == ["Voltaro blij met de oplossing",
                                                                      "Voltaro storing"]  # fmt: skip
