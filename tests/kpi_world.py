"""A small world for the goals and KPIs' tests: topics and mentions with hand-countable figures, inbox
conversations, and a goal tree over them (shared by the integration, API, CLI and page tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from inbox_report_data import add_conversation, people
from luister.kpis import actions
from luister.storage import rollups
from luister.storage.tables import mention, mention_topic, topic

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # December so far: 85 of its 744 hours (elapsed .114247)


def _mention(
    conn: sa.Connection,
    n: int,
    topic_id: int,
    *,
    sentiment: str,
    followers: int,
    likes: int = 0,
    shares: int = 0,
    when: datetime = datetime(2026, 12, 2, 10, tzinfo=UTC),
    dated: bool = True,
) -> None:
    mention_id = conn.execute(mention.insert().values(
        channel="mastodon", external_id=f"k{n}", author_handle=f"a{n}",
        author_followers=followers, text=f"t{n}",
        published_at=when, fetched_at=when, date_known=dated, raw="{}", sentiment=sentiment, like_count=likes,
        share_count=shares)).inserted_primary_key[0]  # fmt: skip
    conn.execute(mention_topic.insert().values(mention_id=mention_id, topic_id=topic_id))


def world(engine: Engine) -> None:
    people(engine)  # the sales department and its agents
    with engine.begin() as conn:
        ids = {}
        for name, kind, dept in (
            ("Voltaro", "brand", "sales"),
            ("Stroomwijs", "competitor", None),
            ("Enerlux", "competitor", None),
            ("Intern", "other", "product"),
        ):
            ids[name] = conn.execute(
                topic.insert().values(name=name, kind=kind, query=name.lower(), department=dept)
            ).inserted_primary_key[0]
        v, s, e = ids["Voltaro"], ids["Stroomwijs"], ids["Enerlux"]
        _mention(conn, 1, v, sentiment="positive", followers=100, likes=5)
        _mention(conn, 2, v, sentiment="positive", followers=300)
        _mention(conn, 3, v, sentiment="negative", followers=0, likes=1)
        _mention(
            conn, 4, v, sentiment="positive", followers=999, when=datetime(2026, 11, 20, tzinfo=UTC)
        )  # November
        _mention(conn, 5, v, sentiment="positive", followers=999, dated=False)  # no date: in no period
        _mention(conn, 6, s, sentiment="neutral", followers=200, likes=2, shares=2)
        _mention(conn, 7, e, sentiment="negative", followers=0)
        _mention(conn, 8, e, sentiment="positive", followers=0)
        _mention(conn, 9, ids["Intern"], sentiment="neutral", followers=0)
        for day, intent in ((1, "lead"), (2, "lead"), (3, "question")):
            add_conversation(conn, dept="sales", agent=None, intent=intent, channel="mastodon",
                             messages=[("customer", datetime(2026, 12, day, 10, tzinfo=UTC))])  # fmt: skip
        add_conversation(
            conn,
            dept="sales",
            agent=None,
            intent="lead",
            channel="mastodon",
            messages=[("customer", datetime(2026, 11, 25, 10, tzinfo=UTC))],
        )  # November
    rollups.rebuild(engine)  # the counts the writer keeps with every stored batch


def goals(engine: Engine) -> dict[str, int]:
    g = actions.create_goal(engine=engine, name="A better reputation than Stroomwijs", actor="test",
                            owner="alice@voltaro.example")  # fmt: skip
    sub = actions.create_goal(engine=engine, name="More new customers", actor="test", parent_id=g)
    comp = {"topics": ["Voltaro"], "competitors": ["Stroomwijs", "Enerlux"]}
    k = {
        "sov": actions.create_kpi(engine=engine, goal_id=g, key="sov", name="Share of voice", actor="test",
                                  formula="share_of_voice", params=comp | {"variant": "mentions"}),
        "reach": actions.create_kpi(engine=engine, goal_id=g, key="sov-reach", name="SoV by reach",
                                    actor="test",
                                    formula="share_of_voice", params=comp | {"variant": "reach"}),
        "eng": actions.create_kpi(engine=engine, goal_id=g, key="sov-eng", name="SoV by engagement",
                                  actor="test", formula="share_of_voice",
                                  params=comp | {"variant": "engagement"}),
        "net": actions.create_kpi(engine=engine, goal_id=g, key="net", name="Net sentiment", actor="test",
                                  formula="net_sentiment",
                                  params={"topics": ["Voltaro"], "variant": "share"}),
        "leads": actions.create_kpi(engine=engine, goal_id=sub, key="leads", name="Leads", actor="test",
                                    formula="leads"),
        "volume": actions.create_kpi(engine=engine, goal_id=sub, key="volume-sales", name="Sales volume",
                                     actor="test", formula="volume", params={"department": "sales"}),
        "customers": actions.create_kpi(engine=engine, goal_id=sub, key="new-customers", name="New customers",
                                        actor="test", series="new_customers", unit="count"),
    }  # fmt: skip
    actions.set_target(engine=engine, kpi_id=k["sov"], period_kind="month", period_start=date(2026, 12, 1),
                       value="45 %", actor="test")  # fmt: skip
    actions.set_target(engine=engine, kpi_id=k["leads"], period_kind="month", period_start=date(2026, 12, 1),
                       value=19, actor="test")  # fmt: skip
    return k | {"goal": g, "sub": sub}
