"""Social projects on both databases: create, change, spend, evaluate (each audited), department scoping,
the overlap map, and a KPI's attribution across overlapping projects from real rollup rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import Scope
from luister.domain.topics import TopicKind
from luister.kpis import actions as kpi_actions
from luister.kpis import projects
from luister.services.topics import create_topic
from luister.storage.tables import ROLLUP_TABLES, audit_log

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FIRST = date(2026, 1, 1)


def topic_id(engine: Engine, name: str, kind: str = "brand") -> int:
    return create_topic(engine=engine, name=name, kind=TopicKind(kind), query=f'"{name}"', actor="t").id


def test_a_project_from_creation_to_evaluation(engine: Engine) -> None:
    zon = topic_id(engine, "zonnedeal")
    goal = kpi_actions.create_goal(engine=engine, name="Reputation", actor="t")
    for key in ("a", "b"):  # the KPI the project names is the third
        kpi_actions.create_kpi(
            engine=engine, goal_id=goal, key=key, name=key, actor="t", series=key, unit="count"
        )
    net = {"topics": ["zonnedeal"], "variant": "share"}
    kpi_actions.create_kpi(engine=engine, goal_id=goal, key="net", name="Net sentiment", actor="t",
                           formula="net_sentiment", params=net)  # fmt: skip
    pid = projects.create(
        engine=engine, actor="ann@voltaro.nl", name="#Zonnedeal", kind="campaign", now=NOW,
        starts_on=date(2026, 5, 1), ends_on=date(2026, 6, 15), budget_cents=2_500_000, owner="Ann",
        topics=[zon], hashtags=["#Zonnedeal", "zonnedeal"], channels=["mastodon", "reddit"], countries=["nl"],
        links=["https://voltaro.nl/zon"], objectives="SoV +5 points against Stroomwijs", kpi_ids=[3],
    )  # fmt: skip
    other = projects.create(
        engine=engine, actor="bob@voltaro.nl", name="Prijsactie", kind="campaign", now=NOW,
        starts_on=date(2026, 6, 1), ends_on=date(2026, 7, 31), topics=[zon], channels=["reddit"],
        countries=["NL", "BE"], department="marketing",
    )  # fmt: skip
    projects.create(engine=engine, actor="c", name="Later", kind="community", now=NOW,
                    starts_on=date(2026, 9, 1), ends_on=date(2026, 9, 30))  # fmt: skip
    projects.record_spend(engine=engine, actor="ann@voltaro.nl", project_id=pid, amount_cents=1_000_000,
                          spent_on=date(2026, 5, 2), note="ads", now=NOW)  # fmt: skip
    projects.record_spend(engine=engine, actor="ann@voltaro.nl", project_id=pid, amount_cents=-50_000,
                          spent_on=date(2026, 5, 9), note="refund", now=NOW)  # fmt: skip
    projects.update(engine=engine, actor="ann@voltaro.nl", project_id=pid, now=NOW,
                    changes={"ends_on": date(2026, 6, 20), "owner": "Ann de Vries"})  # fmt: skip
    projects.evaluate(engine=engine, actor="ann@voltaro.nl", project_id=pid, objectives_met=True,
                      evaluation="Met, thanks to the overlap with the price campaign", now=NOW)  # fmt: skip

    shown = projects.detail(engine=engine, project_id=pid)
    p = shown.project
    assert (p.spend_cents, p.budget_cents, p.hashtags, p.countries) == (
        950_000,
        2_500_000,
        ["Zonnedeal", "zonnedeal"],
        ["NL"],
    )
    assert (p.ends_on, p.owner, p.objectives_met, p.evaluated_by) == (
        date(2026, 6, 20),
        "Ann de Vries",
        True,
        "ann@voltaro.nl",
    )
    assert [s.amount_cents for s in shown.spend] == [1_000_000, -50_000]
    (ov,) = shown.overlaps
    assert (ov.other, ov.days, ov.topics, ov.channels, ov.countries) == (other, 20, [zon], ["reddit"], ["NL"])
    assert [x.name for x in projects.list_projects(engine=engine)] == ["Later", "Prijsactie", "#Zonnedeal"]
    assert [x.id for x in projects.list_projects(engine=engine, running_on=date(2026, 6, 10))] == [other, pid]
    with engine.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(audit_log).order_by(audit_log.c.id))
                   if r.action.startswith("project.")]  # fmt: skip
    assert actions == ["project.create"] * 3 + ["project.spend"] * 2 + ["project.update", "project.evaluate"]


def test_departments_see_the_company_and_their_own(engine: Engine) -> None:
    mine = projects.create(engine=engine, actor="a", name="Ours", kind="webcare_pilot", now=NOW,
                           starts_on=FIRST, ends_on=FIRST, scope=Scope("service"))  # fmt: skip
    theirs = projects.create(engine=engine, actor="a", name="Theirs", kind="campaign", now=NOW,
                             starts_on=FIRST, ends_on=FIRST, department="marketing")  # fmt: skip
    company = projects.create(engine=engine, actor="a", name="All", kind="campaign", now=NOW,
                              starts_on=FIRST, ends_on=FIRST)  # fmt: skip
    service = Scope("service")
    assert {p.id for p in projects.list_projects(engine=engine, scope=service)} == {mine, company}
    assert projects.detail(engine=engine, project_id=mine).project.department == "service"
    with pytest.raises(projects.UnknownProject):
        projects.detail(engine=engine, scope=service, project_id=theirs)
    with pytest.raises(projects.ProjectError, match="department"):
        projects.record_spend(engine=engine, actor="a", scope=service, project_id=company, amount_cents=1,
                              spent_on=FIRST, now=NOW)  # fmt: skip
    with pytest.raises(projects.ProjectError, match="department"):
        projects.create(engine=engine, actor="a", name="X", kind="campaign", now=NOW, starts_on=FIRST,
                        ends_on=FIRST, scope=service, department="marketing")  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"kind": "party"}, "kind"), ({"ends_on": date(2025, 1, 1)}, "ends_on"),
     ({"countries": ["NLD"]}, "countries"), ({"links": ["javascript:alert(1)"]}, "links"),
     ({"topics": [999]}, "topics"), ({"budget_cents": -1}, "budget"), ({"id": 4}, "id")],
)  # fmt: skip
def test_bad_input_is_refused_with_its_field(engine: Engine, changes: dict[str, object], field: str) -> None:
    pid = projects.create(engine=engine, actor="a", name="P", kind="campaign", now=NOW, starts_on=FIRST,
                          ends_on=FIRST + timedelta(days=3))  # fmt: skip
    with pytest.raises(projects.ProjectError) as caught:
        projects.update(engine=engine, actor="a", project_id=pid, now=NOW, changes=changes)
    assert caught.value.field == field
    assert projects.detail(engine=engine, project_id=pid).project.kind == "campaign"


def seed_world(engine: Engine) -> tuple[int, int, int, dict[int, float]]:
    """A brand topic with two overlapping campaigns of known lift, and two competitor topics as controls."""
    rng = np.random.default_rng(5)
    brand, comp1, comp2 = topic_id(engine, "voltaro"), topic_id(engine, "stroomwijs", "competitor"), \
        topic_id(engine, "enerlux", "competitor")  # fmt: skip
    n = 240
    days = [FIRST + timedelta(days=i) for i in range(n)]
    market = np.cumsum(rng.normal(0, 1, n)) * 0.5
    weekly = np.array([d.weekday() for d in days])
    c1 = 200 + 10 * market + 5 * (weekly >= 5) + rng.normal(0, 2, n)
    c2 = 150 + 8 * market + rng.normal(0, 2, n)
    a = projects.create(engine=engine, actor="a", name="Zonnedeal", kind="campaign", now=NOW,
                        starts_on=days[160], ends_on=days[199], topics=[brand])  # fmt: skip
    b = projects.create(engine=engine, actor="a", name="Prijs", kind="campaign", now=NOW,
                        starts_on=days[180], ends_on=days[219])  # fmt: skip
    on_a = np.array([160 <= i <= 199 for i in range(n)], dtype=float)
    on_b = np.array([180 <= i <= 219 for i in range(n)], dtype=float)
    y = 300 + 12 * market - 8 * (weekly >= 5) + 30 * on_a + 20 * on_b + rng.normal(0, 2, n)
    table = ROLLUP_TABLES["rollup_day"]
    rows = []
    for tid, series in ((brand, y), (comp1, c1), (comp2, c2)):
        for d, v in zip(days, series, strict=True):
            rows.append({"topic_id": tid, "bucket": datetime.combine(d, time(), UTC), "channel": "reddit",
                         "country": "NL", "language": "nl", "sentiment": "neutral", "mentions": int(round(v)),
                         "duplicates": 0, "sentiment_sum": 0.0, "engagement": 0, "reach": 0})  # fmt: skip
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    return brand, a, b, {a: 30.0 * 40, b: 20.0 * 40}


def test_a_kpi_is_attributed_across_overlapping_projects(engine: Engine) -> None:
    brand, a, b, truth = seed_world(engine)
    today = FIRST + timedelta(days=240)
    kpi = f"mentions:{brand}"
    linear = projects.attribute(engine=engine, project_id=a, kpi=kpi, method="linear", today=today)
    assert [s.project for s in linear.shares] == [a, b] and linear.unattributed == pytest.approx(
        0.0, abs=1e-6
    )
    assert sum(s.value for s in linear.shares) == pytest.approx(linear.total)
    position = projects.attribute(engine=engine, project_id=b, kpi=kpi, method="position", today=today)
    assert sum(s.value for s in position.shares) == pytest.approx(position.total)
    decay = projects.attribute(engine=engine, project_id=a, kpi=kpi, method="time_decay", today=today)
    assert decay.shares[1].value > linear.shares[1].value  # B's touches are the more recent ones
    for method in ("causal", "shapley"):
        got = projects.attribute(engine=engine, project_id=a, kpi=kpi, method=method, today=today)
        assert got.controls == ["stroomwijs", "enerlux"] and got.level == 0.90
        for share in got.shares:
            assert share.value == pytest.approx(truth[share.project], rel=0.15)
            assert share.low is not None and share.high is not None and share.low < share.value < share.high
            assert share.placebo_ok is True
    with pytest.raises(projects.ProjectError, match="unknown KPI"):
        projects.attribute(engine=engine, project_id=a, kpi="nps:1", method="linear", today=today)
    with pytest.raises(projects.ProjectError, match="method"):
        projects.attribute(engine=engine, project_id=a, kpi=kpi, method="last_click", today=today)


def test_a_project_names_the_kpis_it_should_move_and_is_attributed_against_them(engine: Engine) -> None:
    brand, a, b, _ = seed_world(engine)
    goal = kpi_actions.create_goal(engine=engine, name="A better reputation than Stroomwijs", actor="t")
    sov = kpi_actions.create_kpi(
        engine=engine,
        goal_id=goal,
        key="sov",
        name="Share of voice",
        actor="t",
        formula="share_of_voice",
        params={"topics": ["voltaro"], "competitors": ["stroomwijs", "enerlux"], "variant": "mentions"},
    )
    leads = kpi_actions.create_kpi(engine=engine, goal_id=goal, key="leads", name="Leads", actor="t",
                                   formula="leads")  # fmt: skip
    with pytest.raises(projects.ProjectError, match="no KPI 999") as caught:
        projects.update(engine=engine, actor="a", project_id=a, now=NOW, changes={"kpi_ids": [sov, 999]})
    assert caught.value.field == "kpi_ids"
    projects.update(engine=engine, actor="a", project_id=a, now=NOW, changes={"kpi_ids": [sov, leads]})
    assert projects.detail(engine=engine, project_id=a).project.kpi_ids == [sov, leads]
    assert [p.id for p in projects.projects_for_kpi(engine=engine, kpi_id=sov)] == [a]

    today = FIRST + timedelta(days=240)
    got = projects.attribute(engine=engine, project_id=a, kpi=f"kpi:{sov}", method="linear", today=today)
    table = ROLLUP_TABLES["rollup_day"]
    with engine.connect() as conn:
        counts: dict[tuple[int, date], int] = {
            (int(r.topic_id), r.bucket.astimezone(UTC).date()): int(r.mentions)
            for r in conn.execute(sa.select(table))
        }
    expected = 0.0
    day = got.since
    while day <= got.until:  # the day's share of voice by mentions, as the KPI's formula gives it
        ours = counts[(brand, day)]
        expected += 100 * ours / sum(counts[(t, day)] for t in {key[0] for key in counts})
        day += timedelta(days=1)
    assert got.total == pytest.approx(expected)
    assert sum(s.value for s in got.shares) == pytest.approx(got.total)
    causal = projects.attribute(engine=engine, project_id=a, kpi=f"kpi:{sov}", method="causal", today=today)
    assert causal.controls == []  # the KPI's own competitor topics are no control of it
    assert [s.project for s in causal.shares] == [a, b]
    with pytest.raises(projects.ProjectError, match="no daily values"):
        projects.attribute(engine=engine, project_id=a, kpi=f"kpi:{leads}", method="linear", today=today)
    with pytest.raises(projects.ProjectError, match="no KPI 999"):
        projects.attribute(engine=engine, project_id=a, kpi="kpi:999", method="linear", today=today)
