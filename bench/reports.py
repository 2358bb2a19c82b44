"""Reports: the time to gather, render as HTML and render as PDF a weekly webcare / KPI report.

    python bench/reports.py                  # 200,000 mentions
    python bench/reports.py --rows 1000000
    python bench/reports.py --db /tmp/r.db   # keep the database: a second run (other code) reuses it

A fresh SQLite database gets ``--rows`` mentions over 60 days for a brand, two competitors and a campaign
topic (with their rollups, as the writer keeps them), ``--trees`` goal trees (a region each) of 3 goals and
12 KPIs (share of voice three ways, net sentiment three ways, positive share and gap, leads, first response
median and p90, SLA attainment; the inbox is empty here) with targets, and five overlapping projects that
name the KPIs they should move: 72 KPIs make a 13-page PDF. The report is then made three times, as the
scheduler and the download make it, and the fastest of each step is printed, one figure per line; the
PDF's page count beside it.
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pypdf
import sqlalchemy as sa

from luister.domain.rollups import RollupInput, rollup
from luister.kpis import actions, projects, report_render
from luister.kpis.tables import goal
from luister.settings import Settings
from luister.storage import rollups
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.tables import mention, mention_topic, topic

START = datetime(2026, 10, 5, tzinfo=UTC)
DAYS = 60
NOW = START + timedelta(days=DAYS)
BATCH = 20_000
TOPICS = (("Voltaro", "brand", 0.45), ("Stroomwijs", "competitor", 0.30), ("Enerlux", "competitor", 0.20),
          ("Voltaro Zonnedeal", "campaign", 0.05))  # fmt: skip
MOODS = ("positive", "neutral", "negative")
PROJECTS = (
    ("#Zonnedeal", 35, 52),
    ("Prijsactie", 45, 56),
    ("Webcare pilot", 20, 59),
    ("Winteractie", 50, 59),
    ("Klantdag", 10, 30),
)  # fmt: skip  (the report shows five projects at most)


def load(engine, rows: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    with engine.begin() as conn:
        ids = [conn.execute(topic.insert().values(name=n, kind=k, query=n.lower())).inserted_primary_key[0]
               for n, k, _ in TOPICS]  # fmt: skip
    weights = [w for _, _, w in TOPICS]
    for first in range(0, rows, BATCH):
        batch, links, counted = [], [], []
        for n in range(first, min(first + BATCH, rows)):
            when = START + timedelta(seconds=rng.randrange(DAYS * 86_400))
            mood = rng.choice(MOODS)
            followers = rng.randrange(5000)
            batch.append({"id": n + 1, "channel": "mastodon", "external_id": str(n),
                          "author_handle": f"u{n % 9000}", "author_followers": followers,
                          "text": f"Voltaro bericht {n}",
                          "published_at": when, "fetched_at": when, "raw": "{}", "sentiment": mood,
                          "like_count": n % 7, "share_count": n % 3})  # fmt: skip
            tid = rng.choices(ids, weights)[0]
            links.append({"mention_id": n + 1, "topic_id": tid})
            counted.append(RollupInput(published_at=when, channel="mastodon", country=None, language=None,
                                       sentiment=mood, sentiment_score=None, intents=(),
                                       engagement=n % 7 + n % 3, followers=followers, duplicate=False,
                                       topic_ids=(tid,)))  # fmt: skip
        with engine.begin() as conn:  # as the writer stores a batch: the mentions and their counts
            conn.execute(mention.insert(), batch)
            conn.execute(mention_topic.insert(), links)
            rollups.apply(conn, rollup(counted))


def goals(engine, tree: int) -> list[int]:  # type: ignore[no-untyped-def]
    """Goal tree number ``tree`` (each a region or brand line of the company: the same KPIs, own names)."""
    region = f" ({tree + 1})" if tree else ""
    reputation = actions.create_goal(engine=engine, name=f"A better reputation than Stroomwijs{region}",
                                     actor="b")  # fmt: skip
    customers = actions.create_goal(engine=engine, name=f"More new customers{region}", actor="b",
                                    parent_id=reputation)  # fmt: skip
    service = actions.create_goal(engine=engine, name=f"Lower service cost{region}", actor="b")
    comp = {"topics": ["Voltaro"], "competitors": ["Stroomwijs", "Enerlux"]}
    own = {"topics": ["Voltaro"]}
    specs = [
        (reputation, "sov", "share_of_voice", comp | {"variant": "mentions"}, "45 %"),
        (reputation, "sov-reach", "share_of_voice", comp | {"variant": "reach"}, "45 %"),
        (reputation, "sov-eng", "share_of_voice", comp | {"variant": "engagement"}, None),
        (reputation, "net", "net_sentiment", own | {"variant": "share"}, 0.1),
        (reputation, "net-pts", "net_sentiment", own | {"variant": "points"}, None),
        (reputation, "net-polar", "net_sentiment", own | {"variant": "polar"}, None),
        (reputation, "pos", "positive_share", own | {"variant": "own"}, "40 %"),
        (reputation, "gap", "positive_share", comp | {"variant": "gap"}, None),
        (customers, "leads", "leads", {}, 30),
        (service, "frt", "first_response", {"variant": "median"}, 2),
        (service, "sla", "sla_attainment", {}, "90 %"),
        (service, "frt90", "first_response", {"variant": "p90"}, None),
    ]
    ids = []
    for goal_id, key, formula, params, target in specs:
        kpi_id = actions.create_kpi(engine=engine, goal_id=goal_id, key=f"{key}-{tree}", name=key.upper(),
                                    actor="b", formula=formula, params=params)  # fmt: skip
        if target is not None:
            actions.set_target(engine=engine, kpi_id=kpi_id, period_kind="month", value=target, actor="b",
                               period_start=date(2026, 11, 1))  # fmt: skip
        ids.append(kpi_id)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--trees", type=int, default=6, help="goal trees of 3 goals and 12 KPIs each (6: 13 pages)"
    )
    parser.add_argument("--db", type=Path, help="a database file to keep; loaded only when it does not exist")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "bench.db"
        fresh = not path.exists()
        engine = create_engine(Settings(database_url=f"sqlite:///{path}"))
        if fresh:
            upgrade(engine)
            began = time.perf_counter()
            load(engine, args.rows)
            print(f"load: {args.rows} mentions in {time.perf_counter() - began:.1f} s")
        else:
            print(f"load: reused {path}")
        with engine.connect() as conn:
            made = int(conn.execute(sa.select(sa.func.count()).select_from(goal)).scalar_one()) // 3
        for tree in range(made, args.trees):
            kpis = goals(engine, tree)
            for name, first, last in PROJECTS[tree * 3 : tree * 3 + 3]:
                projects.create(engine=engine, actor="b", name=name, kind="campaign", now=NOW,
                                starts_on=(START + timedelta(days=first)).date(),
                                ends_on=(START + timedelta(days=last)).date(), budget_cents=2_500_000,
                                kpi_ids=kpis[:2])  # fmt: skip
        start, end = date(2026, 11, 23), date(2026, 11, 30)
        took: dict[str, list[float]] = {"gather": [], "html": [], "pdf": []}
        pages = size = 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            report = report_render.gather(engine=engine, template="weekly_webcare", start=start, end=end,
                                          now=NOW)  # fmt: skip
            t1 = time.perf_counter()
            report_render.html(report, "nl")
            t2 = time.perf_counter()
            document = report_render.pdf(report, "nl")
            t3 = time.perf_counter()
            took["gather"].append(t1 - t0)
            took["html"].append(t2 - t1)
            took["pdf"].append(t3 - t2)
            pages, size = len(pypdf.PdfReader(io.BytesIO(document)).pages), len(document)
        facts = report_render.describe(report)
        print(f"report: {facts['kpis']} KPIs, {facts['projects']} projects, {facts['mentions']} mentions")
        print(f"gather (read every figure): {min(took['gather']):.2f} s")
        print(f"render HTML: {min(took['html']) * 1000:.0f} ms")
        print(f"render PDF (WeasyPrint): {min(took['pdf']):.2f} s, {pages} pages, {size // 1024} KiB")
        best = min(g + h for g, h in zip(took["gather"], took["html"], strict=True))
        print(f"scheduled e-mail (gather + HTML): {best:.2f} s")
        download = min(g + p for g, p in zip(took["gather"], took["pdf"], strict=True))
        print(f"download (gather + PDF): {download:.2f} s")
        engine.dispose()


if __name__ == "__main__":
    main()
