"""Spike rules on young databases and across source outages, checked as the watcher checks them: hour by
hour with ``check_rules``, against mentions and source runs stored in the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.alerts import evaluation
from luister.alerts.actions import save_rule
from luister.alerts.detection import check_rules, coverage, replay_rules
from luister.alerts.model import RuleKind
from luister.alerts.read import get_rule, list_alerts, list_rules
from luister.alerts.scenarios import HOUR, ZONE, Plan, Scenario, Shape, build, scenarios
from luister.services.audit import entries
from luister.storage.tables import source_run

WEDNESDAY = date(2026, 11, 18)


def rules(engine: Engine) -> None:
    for kind, name in evaluation.RULES.items():
        save_rule(engine=engine, actor="test", name=name, kind=RuleKind(kind), topic_name=evaluation.TOPIC)


def check_every_hour(engine: Engine, scenario: Scenario) -> None:
    at = scenario.test_start + HOUR
    while at <= scenario.test_end:
        check_rules(engine=engine, now=at, zone=ZONE)
        at += HOUR


@pytest.mark.parametrize("days", [1, 2, 3])
def test_a_fresh_database_never_alerts_on_a_normal_day(engine: Engine, days: int) -> None:
    scenario = build(Plan("normal", WEDNESDAY, history_days=days, level=25.0, seed=7 + days, quiet="normal"))
    evaluation.store(engine, scenario)
    rules(engine)
    check_every_hour(engine, scenario)
    assert list_alerts(engine=engine) == []


def test_with_too_little_history_a_rule_stays_quiet_and_says_so(engine: Engine) -> None:
    scenario = build(Plan("young", WEDNESDAY, history_days=1, level=25.0, seed=3, quiet="young"))
    evaluation.store(engine, scenario)
    rules(engine)
    check_rules(engine=engine, now=scenario.start + 14 * HOUR, zone=ZONE)  # 14 hours after the first data
    assert list_alerts(engine=engine) == []
    note = get_rule(engine=engine, name="Piek").note
    assert note is not None and note.startswith("learning the rhythm: 13 of 24 hours with data")
    trail = [(e.actor, e.action, e.target) for e in entries(engine=engine)]
    assert ("detector", "alert_rule.note", "Piek") in trail
    check_rules(engine=engine, now=scenario.test_start + 2 * HOUR, zone=ZONE)
    assert get_rule(engine=engine, name="Piek").note is None  # a day of data: it judges again


def test_a_failed_source_is_not_silence(engine: Engine) -> None:
    """Yesterday the source failed for twelve hours: nothing was stored then. Those hours are unknown, so
    today's ordinary hours are not measured against them; taken for silence, they would have fired."""
    plan = Plan("gap", WEDNESDAY, history_days=3, level=20.0, seed=11, quiet="gap", failing=(24, 12))
    scenario = build(plan)
    evaluation.store(engine, scenario)
    rules(engine)
    hours = int((scenario.test_end - scenario.start) / HOUR)
    with engine.connect() as conn:
        known = coverage(conn, end=scenario.test_end, hours=hours)
    gap_hours = range(hours - 48, hours - 36)
    assert not any(known[h] for h in gap_hours) and all(known[h] for h in range(hours - 24, hours))
    assert sum(scenario.counts[h] for h in gap_hours) == 0
    check_every_hour(engine, scenario)
    assert list_alerts(engine=engine) == []

    with engine.begin() as conn:  # the same data, had the failures not been recorded
        conn.execute(source_run.update().values(error=None))
    with engine.connect() as conn:
        assert all(coverage(conn, end=scenario.test_end, hours=hours)[h] for h in gap_hours)


def test_an_outage_is_found_within_the_hour_with_how_much_history_it_stood_on(engine: Engine) -> None:
    plan = Plan("outage", WEDNESDAY, history_days=3, level=25.0, seed=5, incident=Shape.outage, onset_hour=11)
    scenario = build(plan)
    evaluation.store(engine, scenario)
    rules(engine)
    (incident,) = scenario.incidents
    changes = check_rules(engine=engine, now=incident.onset + HOUR, zone=ZONE)
    assert {c.rule for c in changes if c.opened} == {"Piek", "Negatief"}
    spike = next(a for a in list_alerts(engine=engine) if a.rule == "Piek")
    assert spike.kind == "volume_spike" and "mentions in the last hour" in spike.title
    assert "the expectation stood on 3 days of history" in spike.summary


def test_a_source_failing_now_leaves_the_hour_unjudged(engine: Engine) -> None:
    plan = Plan("down", WEDNESDAY, history_days=3, level=25.0, seed=9, quiet="down", test_failing=(8, 12))
    scenario = replace(build(plan))
    evaluation.store(engine, scenario)
    rules(engine)
    check_rules(engine=engine, now=scenario.test_start + 10 * HOUR, zone=ZONE)
    note = get_rule(engine=engine, name="Piek").note
    assert note is not None and note.startswith("no data for the last hour")
    with engine.connect() as conn:
        failed = conn.scalar(
            sa.select(sa.func.count()).select_from(source_run).where(source_run.c.error.is_not(None))
        )
    assert failed == 16  # four hours of runs every 15 minutes
    assert scenario.test_start + 8 * HOUR == min(a for a, _ in scenario.failing)
    assert timedelta(hours=4) == scenario.failing[0][1] - scenario.failing[0][0]


@pytest.mark.parametrize(
    "name",
    [
        "slow crisis, young: 2 d history, 15/h",
        "source failing this morning, 5 d history, 25/h",
        "small brand's burst at 02:00, 3 d history, 6/h",
    ],
)
def test_the_in_memory_replay_is_the_stored_replay(engine: Engine, name: str) -> None:
    """``scripts/spike_seeds.py`` scores many seeds in memory; it must fire what the stored replay fires."""
    scenario = next(s for s in scenarios(100) if s.name == name)
    evaluation.store(engine, scenario)
    rules(engine)
    stored = replay_rules(
        engine=engine, start=scenario.test_start, end=scenario.test_end, rules=list_rules(engine=engine),
        zone=ZONE,
    )  # fmt: skip
    kinds = {name: kind for kind, name in evaluation.RULES.items()}
    fired = tuple(evaluation.Fired(kinds[hit.rule], hit.start, hit.end) for hit in stored.hits)
    in_memory = evaluation.replay_in_memory(scenario)
    assert in_memory.fired == fired
    assert in_memory.not_judged == sum(sum(why.values()) for why in stored.not_judged.values())
    assert fired or in_memory.not_judged  # each case fires, or leaves hours unjudged: nothing vacuous
