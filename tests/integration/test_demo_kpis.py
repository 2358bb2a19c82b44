"""The demo tells the #Zonnedeal story through the goal tree: goals and KPIs with targets, the campaign
with its budget, spend, objectives and the KPIs it should move, an overlapping price campaign, the
attribution against those KPIs, and a weekly report whose e-mail shows it all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.effects.tables import effect
from luister.kpis import projects, read, report_render
from luister.kpis.report_tables import report_schedule
from luister.kpis.reports import tick
from luister.settings import Settings
from luister.testing import runtime_for

END = datetime(2026, 11, 1, tzinfo=UTC)


def test_the_demo_tells_the_zonnedeal_story(settings: Settings, engine: Engine) -> None:
    result = runtime_for(settings, engine, analysis=False).load_demo(count=8000, end=END, batch_size=2000)
    assert result.kpis is not None and (result.kpis.goals, result.kpis.kpis) == (3, 7)
    tree = read.goal_tree(engine=engine, now=END - timedelta(days=35))  # during the campaign (September)
    assert sorted(g.name for g in tree) == [
        "Een betere reputatie dan Stroomwijs",
        "Webcare die haar beloftes houdt",
    ]
    cards = {c.kpi.key: c for g in tree for c in g.kpis}
    assert cards["sov"].target == 47.0 and 30 < (cards["sov"].value.value or 0) < 70

    zonnedeal, price = result.kpis.projects
    shown = projects.detail(engine=engine, project_id=zonnedeal)
    p = shown.project
    assert (p.name, p.budget_cents, p.spend_cents, p.objectives_met) == (
        "#Zonnedeal",
        2_500_000,
        2_050_000,
        True,
    )
    assert p.ends_on - p.starts_on == timedelta(days=10) and "47 %" in p.objectives
    assert [o.other for o in shown.overlaps] == [price] and shown.overlaps[0].days == 5
    sov = cards["sov"].kpi.id
    assert sov in p.kpi_ids and [x.id for x in projects.projects_for_kpi(engine=engine, kpi_id=sov)] == [
        price, zonnedeal]  # fmt: skip
    today = END.date()
    linear = projects.attribute(engine=engine, project_id=zonnedeal, kpi=f"kpi:{sov}", method="linear",
                                today=today)  # fmt: skip
    assert [s.name for s in linear.shares] == ["#Zonnedeal", "Vast tarief 2027"]
    assert sum(s.value for s in linear.shares) > 0
    shapley = projects.attribute(engine=engine, project_id=zonnedeal, kpi=f"kpi:{sov}", method="shapley",
                                 today=today)  # fmt: skip
    assert shapley.level == 0.90 and {s.project for s in shapley.shares} == {zonnedeal, price}

    with engine.connect() as conn:
        (schedule,) = conn.execute(sa.select(report_schedule)).all()
    assert (schedule.weekday, schedule.at_time, schedule.language) == (0, "08:00", "nl")
    monday = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # the first Monday 08:00 after the demo's end
    (planned,) = tick(engine=engine, now=monday, render=report_render.renderer(engine=engine))
    with engine.connect() as conn:
        mail = conn.execute(sa.select(effect).where(effect.c.id == planned)).one()
    assert mail.target["to"] == ["webcare@voltaro.example"]
    assert "Share of voice tegen Stroomwijs en Enerlux" in mail.body
    assert "Vast tarief 2027" in mail.body  # ended four weeks before: still in the report, with attribution
    assert "26 okt 2026 – 1 nov 2026" in mail.target["subject"]

    again = runtime_for(settings, engine, analysis=False).load_demo(count=8000, end=END, batch_size=2000)
    assert again.kpis is not None and again.kpis.projects == [] and len(read.list_kpis(engine=engine)) == 7
