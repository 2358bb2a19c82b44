"""Goals and KPIs on both databases: the goal tree's values from a seeded world match hand counts; targets,
forecasts and status; external series imported from a Dutch Excel CSV; refusals."""

from __future__ import annotations

import codecs
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi_world import NOW, goals, world
from luister.domain.accounts import Scope
from luister.kpis import actions, read
from luister.kpis.read import UnknownSeries
from luister.kpis.series import UnitMismatch
from luister.kpis.status import PeriodKind, Status
from luister.storage.tables import audit_log


def _cards(tree: list[read.GoalNode]) -> dict[str, read.KpiCard]:
    found: dict[str, read.KpiCard] = {}
    for node in tree:
        found |= {c.kpi.key: c for c in node.kpis} | _cards(node.children)
    return found


def test_the_goal_tree_matches_hand_counts(engine: Engine) -> None:
    world(engine)
    ids = goals(engine)
    tree = read.goal_tree(engine=engine, now=NOW)
    assert [n.name for n in tree] == ["A better reputation than Stroomwijs"]
    assert [n.name for n in tree[0].children] == ["More new customers"]
    cards = _cards(tree)
    # December's mentions: Voltaro 3 (November's and the undated one left out), Stroomwijs 1, Enerlux 2
    assert cards["sov"].value.value == 50.0  # 3 / (3 + 1 + 2)
    assert round(cards["sov-reach"].value.value or 0, 6) == round(100 * 400 / 600, 6)  # (100+300)/(400+200+0)
    assert cards["sov-eng"].value.value == 60.0  # (5 + 1)/(6 + 4 + 0)
    assert round(cards["net"].value.value or 0, 6) == round(1 / 3, 6)  # (2 − 1)/3
    assert [name for name, _ in cards["sov"].value.parts] == ["Stroomwijs", "Enerlux"]
    # 50 ≥ 45: on track; the target was given as "45 %", the KPI is in percent
    assert (cards["sov"].target, cards["sov"].status) == (45.0, Status.on_track)
    # two leads in December in sales (November's not); forecast 2 / (85/744) = 17.506: 1.49 short of 19,
    # within 10 % of 19 → at risk
    leads = cards["leads"]
    assert leads.value.value == 2.0
    assert round(leads.forecast or 0, 3) == round(2 / (85 / 744), 3)
    assert leads.status is Status.at_risk
    assert cards["volume-sales"].value.value == 3.0  # the sales department's topic (Voltaro), December
    assert cards["new-customers"].value.value is None and cards["new-customers"].status is Status.no_target
    assert cards["sov"].drill.startswith("/mentions?topic=Voltaro&since=2026-11-30T23%3A00")
    assert cards["leads"].drill.startswith("/inbox/reports?since=2026-11-30T23")
    assert ids["customers"] > 0


def test_a_series_imported_from_dutch_excel_keeps_good_rows(engine: Engine) -> None:
    world(engine)
    ids = goals(engine)
    data = (
        codecs.BOM_UTF8
        + b"periode;waarde\r\n2026-11;1.234,5\r\n2026-12;40\r\nmorgen;3\r\n2026-12-02;12 %\r\n"
    )
    done = actions.import_points(engine=engine, key="new-customers", data=data, actor="test", now=NOW,
                                 source="klanten.csv")  # fmt: skip
    assert done.stored == 2 and done.series == "new_customers"
    assert [str(p) for p in done.problems] == [
        "line 4: 'morgen' is not a period (2026-11-03, 3-11-2026, 2026-11, 2026-Q4 or 2026-W45)",
        "line 5: value '12 %' is in percent, but this is measured in count",
    ]
    series = read.kpi_series(engine=engine, kpi_id=ids["customers"], now=NOW, count=2)
    assert [(s.period.label(), s.value.value) for s in series] == [("2026-11", 1234.5), ("2026-12", 40.0)]
    with engine.connect() as conn:
        logged = conn.execute(
            sa.select(audit_log.c.action).where(audit_log.c.action == "series.import")
        ).all()
    assert len(logged) == 1


def test_refusals(engine: Engine) -> None:
    world(engine)
    ids = goals(engine)
    with pytest.raises(UnknownSeries, match="no external series or KPI 'nps'"):
        actions.import_points(engine=engine, key="nps", data=b"2026-12,40\n", actor="test", now=NOW)
    with pytest.raises(UnknownSeries, match="computed by luister"):
        actions.import_points(engine=engine, key="sov", data=b"2026-12,40\n", actor="test", now=NOW)
    with pytest.raises(UnitMismatch, match="in percent, but this is measured in count"):
        actions.set_target(engine=engine, kpi_id=ids["leads"], period_kind="month",
                           period_start=date(2026, 12, 1), value="20 %", actor="test")  # fmt: skip
    with pytest.raises(UnitMismatch, match="in days"):
        actions.set_target(engine=engine, kpi_id=ids["sov"], period_kind="month",
                           period_start=date(2026, 12, 1), value=3, unit="days", actor="test")  # fmt: skip
    with pytest.raises(actions.KpiProblem, match="not the first day of a month"):
        actions.set_target(engine=engine, kpi_id=ids["sov"], period_kind="month",
                           period_start=date(2026, 12, 2), value=50, actor="test")  # fmt: skip
    with pytest.raises(actions.KpiProblem, match="needs competitor topics"):
        actions.create_kpi(engine=engine, goal_id=ids["goal"], key="x", name="x", actor="test",
                           formula="share_of_voice", params={"topics": ["Voltaro"]})  # fmt: skip
    with pytest.raises(actions.KpiProblem, match="sub-goals"):
        actions.delete_goal(engine=engine, goal_id=ids["goal"], actor="test")
    with pytest.raises(actions.KpiProblem, match="below itself"):
        actions.update_goal(engine=engine, goal_id=ids["goal"], parent_id=ids["sub"], actor="test")


def test_department_scope(engine: Engine) -> None:
    world(engine)
    goals(engine)
    product = Scope("product")
    mine = actions.create_goal(engine=engine, name="Product feedback", actor="pia", scope=product)
    actions.create_kpi(engine=engine, goal_id=mine, key="own-volume", name="Volume", actor="pia",
                       formula="volume", scope=product)  # fmt: skip
    assert {n.name for n in read.goal_tree(engine=engine, now=NOW, scope=Scope("sales"))} == {
        "A better reputation than Stroomwijs"}  # fmt: skip
    cards = _cards(read.goal_tree(engine=engine, now=NOW, scope=product))
    assert cards["own-volume"].value.value == 1.0  # the product department's topic: one December mention
    with pytest.raises(actions.KpiProblem, match="the company's"):
        actions.delete_goal(engine=engine, goal_id=read.goal_tree(engine=engine, now=NOW)[0].id, actor="pia",
                            scope=product)  # fmt: skip
    assert PeriodKind.month
