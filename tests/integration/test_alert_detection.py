"""Alert rules against stored mentions: spikes, events, grouping, playbooks and replay, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.alerts.actions import save_rule
from luister.alerts.detection import check_rules, hourly_counts, replay
from luister.alerts.model import AlertRuleError, RuleKind, Severity
from luister.alerts.read import get_rule, list_rules
from luister.connectors.records import FieldMapping
from luister.domain.topics import TopicKind
from luister.services.analysis import ingest_enrichers
from luister.services.ingest import Pipeline, prepare_batch
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.settings import Settings
from luister.storage.tables import alert, alert_event, alert_step
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item

NOW = datetime(2026, 11, 18, 12, 30, tzinfo=UTC)  # a Wednesday
RHYTHM = [0, 0, 0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 2, 2, 3, 3, 3, 3, 4, 4, 4, 3, 1, 1]
PLAYBOOK = {
    "name": "Storing",
    "steps": [
        {"title": "Bevestig de storing op de statuspagina", "owner": "webcare", "due_minutes": 15,
         "statements": {"nl": "We weten van de storing en werken aan een oplossing.",
                        "en": "We know about the outage and are working on a fix."}},
        {"title": "Informeer de woordvoerder", "owner": "communications", "due_minutes": 30},
    ],
}  # fmt: skip


class Feed:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.n = engine, 0
        self.pipeline = Pipeline(
            mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="t",
            enrichers=[*ingest_enrichers(settings=settings), TopicMatchEnricher(load_matcher(engine=engine))],
        )  # fmt: skip

    def add(self, at: datetime, text: str, **extra: object) -> None:
        self.add_many([(at, text, extra)])

    def add_many(self, rows: list[tuple[datetime, str, dict[str, object]]]) -> None:
        items = []
        for at, text, extra in rows:
            self.n += 1
            record = {"id": f"m{self.n}", "channel": "mastodon", "text": f"{text} ({self.n})",
                      "created_at": at.isoformat(), "author": f"user{self.n % 50}", "lang": "nl",
                      **extra}  # fmt: skip
            items.append(raw_item(record, f"line {self.n}"))
        self.pipeline.run(items, batch_size=1000)


def history(feed: Feed, *, days: int = 30) -> None:
    """A month of ordinary Voltaro talk with a daily rhythm, ending at the hour before NOW."""
    start = NOW.replace(minute=0) - timedelta(days=days)
    rows = []
    hour = start
    while hour < NOW - timedelta(hours=1):
        for k in range(RHYTHM[hour.hour]):
            rows.append((hour + timedelta(minutes=5 + 10 * k), "Voltaro factuur vraag", {}))
        hour += timedelta(hours=1)
    feed.add_many(rows)


@pytest.fixture
def feed(engine: Engine, settings: Settings) -> Feed:
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    return Feed(engine, settings)


def alerts(engine: Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(alert).order_by(alert.c.id)))


def test_hourly_counts_are_aligned_to_the_moment_of_checking(engine: Engine, feed: Feed) -> None:
    feed.add(NOW - timedelta(minutes=10), "voltaro a")
    feed.add(NOW - timedelta(minutes=70), "voltaro b")
    feed.add(NOW - timedelta(minutes=75), "voltaro c")
    feed.add(NOW, "voltaro not yet")  # the window is [now − 1 h, now)
    with engine.connect() as conn:
        assert hourly_counts(conn, topic_id=None, end=NOW, hours=3) == [0, 2, 1]


def test_a_mention_on_the_stroke_of_an_hour_counts_in_that_hour(engine: Engine, feed: Feed) -> None:
    """Exactly on the hour belongs to the hour it starts, on every backend (SQLite's day fractions once
    put a third of them an hour late)."""
    end = NOW.replace(minute=0)
    feed.add_many([(end - timedelta(hours=h), f"voltaro {h}", {}) for h in range(1, 41)])
    with engine.connect() as conn:
        assert str(hourly_counts(conn, topic_id=None, end=end, hours=40)) == str([1] * 40)


def test_a_volume_spike_opens_one_alert_with_a_playbook_and_updates_it(engine: Engine, feed: Feed) -> None:
    history(feed)
    rule = save_rule(engine=engine, actor="test", name="Voltaro piek", kind=RuleKind.volume_spike,
                     topic_name="Voltaro", severity=Severity.critical, playbook=PLAYBOOK)  # fmt: skip
    assert check_rules(engine=engine, now=NOW) == []  # an ordinary hour
    burst = [(NOW + timedelta(minutes=m % 50), "Voltaro storing, app ligt eruit", {"followers": m * 10})
             for m in range(40)]  # fmt: skip
    feed.add_many(burst)
    opened = check_rules(engine=engine, now=NOW + timedelta(minutes=55))
    assert [(c.opened, c.mentions) for c in opened] == [(True, 40)]
    (found,) = alerts(engine)
    assert (found.kind, found.severity, found.status, found.rule_id) == (
        "volume_spike",
        "critical",
        "open",
        rule.id,
    )
    assert "40 mentions in the last hour" in found.title and found.expected < 10
    assert len(found.sample_ids) == 5
    with engine.connect() as conn:
        steps = conn.execute(sa.select(alert_step).order_by(alert_step.c.position)).all()
    assert [(s.title, s.owner) for s in steps] == [
        ("Bevestig de storing op de statuspagina", "webcare"), ("Informeer de woordvoerder", "communications")
    ]  # fmt: skip
    assert steps[0].due_at == NOW + timedelta(minutes=55 + 15)
    assert steps[0].template["nl"].startswith("We weten van de storing")
    # ten minutes later, more of the same: the same alert is updated, no new one
    feed.add_many([(NOW + timedelta(minutes=58), "Voltaro storing nog steeds", {}) for _ in range(5)])
    again = check_rules(engine=engine, now=NOW + timedelta(minutes=65))
    assert [(c.alert_id, c.opened, c.notified) for c in again] == [(found.id, False, False)]
    assert len(alerts(engine)) == 1 and alerts(engine)[0].mentions == 40  # the peak hour so far
    with engine.connect() as conn:
        kinds = conn.execute(sa.select(alert_event.c.kind).order_by(alert_event.c.id)).scalars().all()
    assert kinds == ["opened", "updated"]


def test_an_import_of_undated_mentions_raises_no_volume_spike(engine: Engine, feed: Feed) -> None:
    """500 old items without a date are kept, dated when fetched (issue #24): they have no hour, so
    they are no spike in the hour they were fetched, nor examples of one."""
    history(feed)
    save_rule(engine=engine, actor="test", name="Voltaro piek", kind=RuleKind.volume_spike,
              topic_name="Voltaro", severity=Severity.critical)  # fmt: skip
    save_rule(engine=engine, actor="test", name="Alles piek", kind=RuleKind.volume_spike)
    items = [raw_item({"id": f"old{n}", "channel": "mastodon", "text": f"Voltaro storing, archief {n}",
                       "author": f"user{n % 50}", "lang": "nl"}, f"row {n}") for n in range(500)]  # fmt: skip
    pipeline = feed.pipeline
    result = pipeline.store_prepared(prepare_batch(items, mapper=pipeline.mapper, origin="import",
                                                   enrichers=pipeline.enrichers,
                                                   fetched_at=NOW + timedelta(minutes=50)))  # fmt: skip
    assert len(result.stored) == 500
    later = NOW + timedelta(minutes=55)
    with engine.connect() as conn:
        assert hourly_counts(conn, topic_id=None, end=later, hours=1) == [0]
    assert check_rules(engine=engine, now=later) == [] and alerts(engine) == []
    # the same burst with its dates would have fired: the rule is not simply asleep
    feed.add_many(
        [(NOW + timedelta(minutes=m % 50), "Voltaro storing, app ligt eruit", {}) for m in range(40)]
    )
    assert [c.mentions for c in check_rules(engine=engine, now=later)] == [40, 40]


def test_event_rules_fire_on_new_mentions_only(engine: Engine, feed: Feed) -> None:
    feed.add(NOW - timedelta(hours=2), "Voltaro gaslek in de meterkast!")  # before the rule existed
    save_rule(
        engine=engine, actor="test", name="Storing", kind=RuleKind.query, query="storing OR gaslek OR boycot"
    )
    save_rule(
        engine=engine,
        actor="test",
        name="Crisis",
        kind=RuleKind.intent,
        intent="crisis",
        topic_name="Voltaro",
    )
    save_rule(engine=engine, actor="test", name="Invloed", kind=RuleKind.influencer, min_followers=50_000)
    assert check_rules(engine=engine, now=NOW) == []
    feed.add(
        NOW - timedelta(minutes=5), "Mijn advocaat stapt naar de rechter, Voltaro heeft mijn gegevens gelekt"
    )
    feed.add(NOW - timedelta(minutes=4), "Boycot Voltaro!", followers=120_000)
    feed.add(NOW - timedelta(days=3), "oude storing, laat binnengekomen")  # a late backfill is not news
    changes = {c.rule: c for c in check_rules(engine=engine, now=NOW)}
    assert set(changes) == {"Storing", "Crisis", "Invloed"}
    assert changes["Storing"].mentions == 1 and changes["Invloed"].mentions == 1
    assert check_rules(engine=engine, now=NOW + timedelta(minutes=1)) == []  # nothing new
    assert get_rule(engine=engine, name="Storing").last_mention_id == feed.n


def test_negative_share(engine: Engine, feed: Feed) -> None:
    save_rule(engine=engine, actor="test", name="Negatief", kind=RuleKind.negative_share,
              topic_name="Voltaro", threshold=0.6, min_count=5)  # fmt: skip
    feed.add_many([(NOW - timedelta(minutes=m), "Voltaro is waardeloos, slechte service, nooit meer", {})
                   for m in range(1, 8)])  # fmt: skip
    feed.add(NOW - timedelta(minutes=9), "Voltaro opent een kantoor in Gent")
    (change,) = check_rules(engine=engine, now=NOW)
    assert change.opened and "negative in the last hour" in alerts(engine)[0].title


def test_after_the_cooldown_a_new_incident_is_a_new_alert(engine: Engine, feed: Feed) -> None:
    save_rule(
        engine=engine, actor="test", name="Storing", kind=RuleKind.query, query="storing", cooldown_minutes=60
    )
    feed.add(NOW - timedelta(minutes=1), "voltaro storing")
    check_rules(engine=engine, now=NOW)
    feed.add(NOW + timedelta(minutes=30), "voltaro storing weer")
    check_rules(engine=engine, now=NOW + timedelta(minutes=31))
    feed.add(NOW + timedelta(hours=3), "voltaro storing opnieuw")
    check_rules(engine=engine, now=NOW + timedelta(hours=3, minutes=1))
    assert [a.mentions for a in alerts(engine)] == [2, 1]


def test_replay_lists_what_would_have_fired_and_stores_nothing(engine: Engine, feed: Feed) -> None:
    history(feed)
    feed.add_many([(NOW - timedelta(days=2, minutes=m), "Voltaro storing", {}) for m in range(30)])
    rules = [save_rule(engine=engine, actor="test", name="Piek", kind=RuleKind.volume_spike,
                       topic_name="Voltaro"),
             save_rule(engine=engine, actor="test", name="Storing", kind=RuleKind.query,
                       query="storing")]  # fmt: skip
    hits = replay(engine=engine, start=NOW - timedelta(days=7), end=NOW, rules=rules)
    assert [(h.rule, h.firings) for h in hits] == [("Piek", 1), ("Storing", 30)]
    spike = hits[0]
    assert spike.start < NOW - timedelta(days=2) <= spike.end and spike.peak >= 29
    assert alerts(engine) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": RuleKind.query}, "needs --query"),
        ({"kind": RuleKind.query, "query": "storing AND ("}, "invalid query"),
        ({"kind": RuleKind.intent, "intent": "boos"}, "needs --intent"),
        ({"kind": RuleKind.influencer}, "needs --min-followers"),
        ({"kind": RuleKind.negative_share, "threshold": 2.0}, "between 0 and 1"),
        ({"kind": RuleKind.volume_spike, "topic_name": "Nope"}, "no topic named"),
        ({"kind": RuleKind.volume_spike, "channels": ["pager"]}, "no alert channel named 'pager'"),
        ({"kind": RuleKind.volume_spike, "playbook": {"name": "x", "steps": []}}, "invalid playbook"),
    ],
)
def test_bad_rules_are_refused_with_the_reason(
    engine: Engine, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(AlertRuleError, match=message):
        save_rule(engine=engine, actor="test", name="r", **kwargs)  # type: ignore[arg-type]
    assert list_rules(engine=engine) == []
