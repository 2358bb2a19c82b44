"""The Voltaro demo's goals, KPIs, projects and weekly report: the #Zonnedeal story in the goal tree.

Voltaro wants a better reputation than Stroomwijs (share of voice against Stroomwijs and Enerlux, net
sentiment), more new customers (leads routed to sales) and a webcare that keeps its promises (first
response, SLA attainment — the outage on day 40 shows in them). The #Zonnedeal campaign (days 15–25, with a
budget, spend and objectives) names the KPIs it should move; a price campaign ("Vast tarief", days 21–34)
overlaps it, so the project pages show how the attribution splits between them. A weekly report goes to the
webcare team on Mondays at 08:00. Loading the demo again keeps what it made the first time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from luister.kpis import actions, projects, reports
from luister.kpis.read import list_kpis
from luister.kpis.status import local_day

ACTOR = "demo"
COMPETITION = {"topics": ["Voltaro"], "competitors": ["Stroomwijs", "Enerlux"]}
# key, goal, name, formula, params, direction, owner, monthly target
KpiSpec = tuple[str, str, str, str, dict[str, Any], str, str | None, float | str | None]
KPIS: tuple[KpiSpec, ...] = (
    ("sov", "reputation", "Share of voice tegen Stroomwijs en Enerlux", "share_of_voice",
     COMPETITION | {"variant": "mentions"}, "up", "eva@voltaro.example", "47 %"),
    ("sov-reach", "reputation", "Share of voice naar bereik", "share_of_voice",
     COMPETITION | {"variant": "reach"}, "up", "eva@voltaro.example", None),
    ("net-sentiment", "reputation", "Netto sentiment Voltaro", "net_sentiment",
     {"topics": ["Voltaro"], "variant": "share"}, "up", "eva@voltaro.example", 0.05),
    ("positive-gap", "reputation", "Positief aandeel tegen de concurrenten", "positive_share",
     COMPETITION | {"variant": "gap"}, "up", None, None),
    ("leads", "customers", "Leads naar verkoop", "leads", {}, "up", "fatima@voltaro.example", 40),
    ("first-response", "service", "Eerste reactie webcare (mediaan)", "first_response",
     {"variant": "median", "department": "customer-service"}, "down", "anouk@voltaro.example", 1),
    ("sla", "service", "SLA gehaald", "sla_attainment", {"department": "customer-service"}, "up",
     "anouk@voltaro.example", "90 %"),
)  # fmt: skip
GOALS = (
    ("reputation", "Een betere reputatie dan Stroomwijs", None, "eva@voltaro.example"),
    ("customers", "Meer nieuwe klanten", "reputation", "fatima@voltaro.example"),
    ("service", "Webcare die haar beloftes houdt", None, "anouk@voltaro.example"),
)


@dataclass(slots=True)
class DemoKpis:
    goals: int = 0
    kpis: int = 0
    projects: list[int] = field(default_factory=list)
    schedule: int | None = None


def _day(start: datetime, days: int, story_day: int) -> date:
    """A story day (of the default 60) as a local date, scaled to a demo of ``days`` days."""
    return local_day(start + timedelta(days=story_day * days / 60))


def _months(first: date, last: date) -> list[date]:
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return found


def play(*, engine: Engine, start: datetime, end: datetime, topics: dict[str, int]) -> DemoKpis:
    """The goal tree, the KPIs with their monthly targets, the two overlapping campaigns (with spend and,
    for the finished one, its evaluation) and the weekly report's schedule."""
    done = DemoKpis()
    if list_kpis(engine=engine):
        return done  # loaded before
    days = max(1, round((end - start).total_seconds() / 86_400))
    goal_ids: dict[str, int] = {}
    for key, goal_name, parent, goal_owner in GOALS:
        goal_ids[key] = actions.create_goal(engine=engine, name=goal_name, actor=ACTOR, owner=goal_owner,
                                            parent_id=goal_ids.get(parent or ""), now=start)  # fmt: skip
    done.goals = len(goal_ids)
    kpi_ids: dict[str, int] = {}
    months = _months(local_day(start), local_day(end))
    for key, goal, name, formula, params, direction, owner, target in KPIS:
        kpi_ids[key] = actions.create_kpi(engine=engine, goal_id=goal_ids[goal], key=key, name=name,
                                          actor=ACTOR, formula=formula, params=dict(params),
                                          direction=direction, owner=owner, now=start)  # fmt: skip
        if target is not None:
            for month in months:
                actions.set_target(engine=engine, kpi_id=kpi_ids[key], period_kind="month",
                                   period_start=month, value=target, actor=ACTOR, now=start)  # fmt: skip
    done.kpis = len(kpi_ids)
    camp_first, camp_last = _day(start, days, 15), _day(start, days, 25)
    zonnedeal = projects.create(
        engine=engine, actor=ACTOR, name="#Zonnedeal", kind="campaign", now=start,
        starts_on=camp_first, ends_on=camp_last, owner="Eva Smit (marketing)", department=None,
        budget_cents=2_500_000,
        topics=[t for n, t in topics.items() if n in ("Voltaro Zonnedeal", "Voltaro")],
        hashtags=["Zonnedeal"], links=["https://voltaro.nl/zonnedeal"],
        channels=["mastodon", "bluesky", "reddit"],
        countries=["NL", "BE", "GB"], kpi_ids=[kpi_ids["sov"], kpi_ids["leads"], kpi_ids["net-sentiment"]],
        objectives="Share of voice tegen Stroomwijs en Enerlux van 45 % naar 47 %; 40 leads per maand naar "
        "verkoop; netto sentiment positief houden.",
    )  # fmt: skip
    price = projects.create(
        engine=engine, actor=ACTOR, name="Vast tarief 2027", kind="campaign", now=start,
        starts_on=_day(start, days, 21), ends_on=_day(start, days, 34), owner="Eva Smit (marketing)",
        budget_cents=1_200_000, topics=[topics["Voltaro"]] if "Voltaro" in topics else [],
        channels=["mastodon", "reddit"], countries=["NL", "BE"], kpi_ids=[kpi_ids["sov"], kpi_ids["leads"]],
        objectives="Prijscampagne: een vast tarief als antwoord op de prijsverhoging van Stroomwijs.",
    )  # fmt: skip
    for project_id, story_day, cents, note in (
        (zonnedeal, 14, 800_000, "advertenties"), (zonnedeal, 17, 450_000, "influencers"),
        (zonnedeal, 20, 620_000, "advertenties, tweede golf"),
        (zonnedeal, 25, 180_000, "FAQ en webcare-uren"),
        (price, 21, 500_000, "advertenties"), (price, 28, 250_000, "vergelijkingssites"),
    ):  # fmt: skip
        projects.record_spend(engine=engine, actor=ACTOR, project_id=project_id, amount_cents=cents,
                              spent_on=_day(start, days, story_day), note=note, now=start)  # fmt: skip
    if camp_last < local_day(end):
        projects.evaluate(
            engine=engine, actor=ACTOR, project_id=zonnedeal, objectives_met=True, now=end,
            evaluation="Share of voice en leads stegen tijdens de campagne; de prijscampagne liep vijf dagen "
            "mee, dus de toeschrijving deelt die dagen. Volgende keer de FAQ vóór de lancering klaar.",
        )  # fmt: skip
    done.projects = [zonnedeal, price]
    done.schedule = reports.add_schedule(
        engine=engine, name="Webcare- en KPI-rapport", recipients=["webcare@voltaro.example"], weekday=0,
        at="08:00", now=end, actor=ACTOR, language="nl",
    )  # fmt: skip
    return done
