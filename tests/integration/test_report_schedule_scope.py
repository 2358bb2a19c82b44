"""Scheduled reports and departments (issue #31), on SQLite and PostgreSQL: a marketing schedule's report
carries marketing's and the company's figures and names, never customer service's (and the other way
round), the company's carries both; someone of a department sees, changes, pauses, sends and removes only
their department's schedules (another's is as unknown as a missing one, the company's is read-only); the
recipients are those who may see the report's figures, checked when saved and again when sent; schedules
made before departments are the company's after the migration."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Role, Scope
from luister.effects.tables import effect
from luister.kpis import actions as kpi_actions
from luister.kpis import projects
from luister.kpis import report_actions as actions
from luister.kpis import report_read as read
from luister.kpis.report_render import renderer
from luister.kpis.report_tables import report_run, report_schedule
from luister.kpis.reports import add_schedule, tick
from luister.services.accounts import create_user
from luister.settings import Settings
from luister.storage import rollups
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.tables import audit_log, mention, mention_topic, topic, user_account

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # a Friday; the reports below run on Thursday 3 Dec
MARKS = {"marketing": "Zonnebloemactie", "customer-service": "Klachtenbalie"}  # words only one dept's own
MENTIONS = {"marketing": 2, "customer-service": 5, None: 1}  # in the week before the run; None: company's
MARKETING = Scope("marketing")
SERVICE = Scope("customer-service")
PASSWORD = "a long and secret passphrase for schedules"


def _world(engine: Engine) -> None:
    """Per department a topic, mentions, a goal with a KPI and a project, all named with its mark; one
    company topic; people of each department and across them."""
    with engine.begin() as conn:
        n = 0
        for department, count in MENTIONS.items():
            mark = MARKS.get(department or "", "Voltaro")
            topic_id = conn.execute(topic.insert().values(
                name=f"{mark} onderwerp", kind="other", query=mark.lower(), department=department,
            )).inserted_primary_key[0]  # fmt: skip
            for _ in range(count):
                n += 1
                when = datetime(2026, 11, 30, 9, tzinfo=UTC) + timedelta(hours=n)
                mention_id = conn.execute(mention.insert().values(
                    channel="mastodon", external_id=f"s{n}", author_handle=f"a{n}", author_followers=0,
                    text=f"{mark} vermelding {n}", published_at=when, fetched_at=when, date_known=True,
                    raw="{}", sentiment="negative" if department == "customer-service" else "positive",
                )).inserted_primary_key[0]  # fmt: skip
                conn.execute(mention_topic.insert().values(mention_id=mention_id, topic_id=topic_id))
    rollups.rebuild(engine)  # the counts the writer keeps with every stored batch
    for department, mark in MARKS.items():
        goal = kpi_actions.create_goal(engine=engine, name=f"{mark} doel", actor="t", department=department)
        kpi_actions.create_kpi(engine=engine, goal_id=goal, key=f"{department}-net", name=f"{mark} KPI",
                               actor="t", formula="net_sentiment", department=department,
                               params={"topics": [f"{mark} onderwerp"], "variant": "share"})  # fmt: skip
        projects.create(engine=engine, actor="t", name=f"{mark} project", kind="campaign", now=NOW,
                        starts_on=date(2026, 11, 20), ends_on=date(2026, 12, 20),
                        department=department)  # fmt: skip
    for email, role, department in (
        ("eva@voltaro.example", Role.analyst, "marketing"),
        ("kim@voltaro.example", Role.agent, "customer-service"),
        ("bas@voltaro.example", Role.analyst, None),
        ("ada@voltaro.example", Role.admin, "marketing"),  # an admin works across departments
    ):
        create_user(engine=engine, email=email, name=email.split("@")[0], password=PASSWORD, role=role,
                    department=department)  # fmt: skip


def _schedule(engine: Engine, name: str, to: list[str], department: str | None, scope: Scope) -> int:
    return add_schedule(engine=engine, name=name, recipients=to, weekday=3, at="08:00", language="en",
                        now=NOW - timedelta(days=7), actor="t", department=department,
                        scope=scope)  # fmt: skip


def _mails(engine: Engine) -> dict[int, tuple[list[str], str]]:
    """Each schedule's planned e-mail: its recipients and body."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(report_run.c.schedule_id, effect.c.target, effect.c.body)
                            .join(effect, effect.c.id == report_run.c.effect_id)).all()  # fmt: skip
    return {r.schedule_id: (list(r.target["to"]), r.body) for r in rows}


def _volume(body: str) -> int:
    found = re.search(r"Mentions published</td><td[^>]*>(\d+)</td>", body)
    assert found, body
    return int(found[1])


def test_each_report_carries_only_what_its_department_sees(engine: Engine) -> None:
    _world(engine)
    marketing = _schedule(engine, "Marketing weekly", ["eva@voltaro.example", "bureau@extern.example"],
                          None, MARKETING)  # fmt: skip
    service = _schedule(engine, "Service weekly", ["kim@voltaro.example"], "customer-service", EVERYTHING)
    company = _schedule(engine, "Company weekly", ["bas@voltaro.example", "ada@voltaro.example"], None,
                        EVERYTHING)  # fmt: skip
    planned = tick(engine=engine, now=NOW, render=renderer(engine=engine))
    assert len(planned) == 3
    mails = _mails(engine)
    to, body = mails[marketing]
    assert to == ["eva@voltaro.example", "bureau@extern.example"]
    for name in ("Zonnebloemactie doel", "Zonnebloemactie KPI", "Zonnebloemactie project"):
        assert name in body
    assert "Klachtenbalie" not in body  # neither customer service's goal, KPI, project nor mention text
    assert _volume(body) == MENTIONS["marketing"] + MENTIONS[None]
    to, body = mails[service]
    assert to == ["kim@voltaro.example"]
    assert "Klachtenbalie doel" in body and "Klachtenbalie project" in body and "Zonnebloemactie" not in body
    assert _volume(body) == MENTIONS["customer-service"] + MENTIONS[None]
    to, body = mails[company]
    assert "Klachtenbalie doel" in body and "Zonnebloemactie doel" in body
    assert _volume(body) == sum(MENTIONS.values())
    assert "vermelding" not in "".join(b for _, b in mails.values())  # mention text is never in a report
    send_now = actions.send_now(engine=engine, schedule_id=marketing, actor="eva@voltaro.example", now=NOW,
                                render=renderer(engine=engine), scope=MARKETING)  # fmt: skip
    with engine.connect() as conn:
        again = conn.execute(sa.select(effect.c.body).where(effect.c.id == send_now[1])).scalar_one()
    assert "Zonnebloemactie doel" in again and "Klachtenbalie" not in again


def test_a_department_handles_only_its_own_schedules(engine: Engine) -> None:
    _world(engine)
    mine = _schedule(engine, "Zonnebloemactie weekly", ["eva@voltaro.example"], "marketing", MARKETING)
    theirs = _schedule(engine, "Klachtenbalie weekly", ["kim@voltaro.example"], None, SERVICE)
    company = _schedule(engine, "Company weekly", ["bas@voltaro.example"], None, EVERYTHING)
    with engine.connect() as conn:
        made = dict(conn.execute(sa.select(report_schedule.c.id, report_schedule.c.department)).all())
    assert made == {mine: "marketing", theirs: "customer-service", company: None}
    assert [v.id for v in read.list_schedules(engine=engine, now=NOW, scope=MARKETING)] == [company, mine]
    assert {v.id for v in read.list_schedules(engine=engine, now=NOW)} == {mine, theirs, company}
    with pytest.raises(actions.UnknownSchedule):
        read.schedule_of(engine=engine, schedule_id=theirs, now=NOW, scope=MARKETING)
    given = actions.ScheduleInput("Overgenomen", ["eva@voltaro.example"], 1, "09:00")
    with engine.connect() as conn:
        before = conn.execute(sa.select(report_schedule).order_by(report_schedule.c.id)).all()
    for attempt in (
        lambda sid: actions.update_schedule(
            engine=engine, schedule_id=sid, given=given, actor="eva", now=NOW, scope=MARKETING
        ),  # fmt: skip
        lambda sid: actions.set_active(
            engine=engine, schedule_id=sid, active=False, actor="eva", now=NOW, scope=MARKETING
        ),  # fmt: skip
        lambda sid: actions.send_now(engine=engine, schedule_id=sid, actor="eva", now=NOW, scope=MARKETING),
        lambda sid: actions.remove_schedule(
            engine=engine, schedule_id=sid, actor="eva", now=NOW, scope=MARKETING
        ),  # fmt: skip
    ):
        with pytest.raises(actions.UnknownSchedule, match=f"no report schedule {theirs}"):
            attempt(theirs)  # another department's: as unknown as a missing one
        with pytest.raises(actions.UnknownSchedule, match="no report schedule 999999"):
            attempt(999_999)
        with pytest.raises(actions.ScheduleProblem) as refused:
            attempt(company)  # the company's: read-only for a department
        assert refused.value.field == "department"
    with engine.connect() as conn:
        assert conn.execute(sa.select(report_schedule).order_by(report_schedule.c.id)).all() == before
        assert conn.execute(sa.select(sa.func.count()).select_from(report_run)).scalar_one() == 0
    with pytest.raises(actions.ScheduleProblem, match="you work for department 'marketing' only"):
        _schedule(engine, "Niet van ons", ["eva@voltaro.example"], "customer-service", MARKETING)
    # its own: every change, each with its audit row; a change keeps it the department's
    actions.update_schedule(
        engine=engine, schedule_id=mine, given=given, actor="eva", now=NOW, scope=MARKETING
    )
    kept = read.schedule_of(engine=engine, schedule_id=mine, now=NOW, scope=MARKETING)
    assert (kept.name, kept.department) == ("Overgenomen", "marketing")
    assert actions.set_active(engine=engine, schedule_id=mine, active=False, actor="eva", now=NOW,
                              scope=MARKETING)  # fmt: skip
    actions.send_now(engine=engine, schedule_id=mine, actor="eva", now=NOW, scope=MARKETING)
    actions.remove_schedule(engine=engine, schedule_id=mine, actor="eva", now=NOW, scope=MARKETING)
    with engine.connect() as conn:
        ours = audit_log.c.action.like("report_schedule.%")
        done = conn.execute(sa.select(audit_log.c.action).where(audit_log.c.target == str(mine), ours)
                            .order_by(audit_log.c.id)).scalars().all()  # fmt: skip
        create = conn.execute(sa.select(audit_log.c.detail).where(
            audit_log.c.target == str(theirs), audit_log.c.action == "report_schedule.create"
        )).scalar_one()  # fmt: skip
    assert done == ["report_schedule.create", "report_schedule.update", "report_schedule.pause",
                    "report_schedule.send_now", "report_schedule.remove"]  # fmt: skip
    assert create["department"] == "customer-service"


def test_recipients_are_those_who_may_see_the_figures(engine: Engine) -> None:
    _world(engine)
    for to, department, scope in (
        (["kim@voltaro.example"], "marketing", EVERYTHING),  # customer service sees no marketing figures
        (["Eva <EVA@voltaro.example>"], None, EVERYTHING),  # marketing does not see the whole company's
        (["kim@voltaro.example"], None, SERVICE),  # (the schedule is customer service's: kim may)
    ):
        if scope is SERVICE:
            assert _schedule(engine, "Service", to, department, scope) > 0
            continue
        with pytest.raises(actions.RecipientRefused) as refused:
            _schedule(engine, "Refused", to, department, scope)
        assert refused.value.address == to[0] and refused.value.field == "recipients"
    with engine.begin() as conn:
        conn.execute(user_account.update().where(user_account.c.email == "bas@voltaro.example")
                     .values(active=False))  # fmt: skip
    with pytest.raises(actions.RecipientRefused):  # a closed account is not an outside address
        _schedule(engine, "Closed", ["bas@voltaro.example"], "marketing", EVERYTHING)
    # allowed when saved; eva moves to customer service afterwards: the next run goes to the others only
    sid = _schedule(engine, "Marketing", ["eva@voltaro.example", "ada@voltaro.example", "pr@extern.example"],
                    "marketing", EVERYTHING)  # fmt: skip
    with engine.begin() as conn:
        conn.execute(user_account.update().where(user_account.c.email == "eva@voltaro.example")
                     .values(department="customer-service"))  # fmt: skip
    tick(engine=engine, now=NOW)
    assert _mails(engine)[sid][0] == ["ada@voltaro.example", "pr@extern.example"]
    only_ada = _schedule(engine, "Only ada", ["ada@voltaro.example"], "marketing", EVERYTHING)
    with engine.begin() as conn:  # ada is no longer an admin, and works for legal now
        conn.execute(user_account.update().where(user_account.c.email == "ada@voltaro.example")
                     .values(role="viewer", department="legal"))  # fmt: skip
    with pytest.raises(actions.ScheduleProblem, match="none of the recipients"):
        actions.send_now(engine=engine, schedule_id=only_ada, actor="t", now=NOW)
    tick(engine=engine, now=NOW)
    with engine.connect() as conn:
        runs = conn.execute(sa.select(report_run.c.schedule_id)).scalars().all()
    assert sid in runs and only_ada not in runs  # nobody may receive "Only ada" any more: no run, no e-mail


@pytest.mark.blank_database
def test_schedules_made_before_departments_are_the_companys(settings: Settings) -> None:
    engine = create_engine(settings)
    upgrade(engine, "0030")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO report_schedule (name, template, language, recipients, weekday, at_time, zone,"
            " active, created_by, created_at) VALUES ('Oud', 'weekly_webcare', 'nl', '[\"a@b.nl\"]', 0,"
            " '08:00', 'Europe/Amsterdam', :yes, 'cli', '2026-11-01 10:00:00')"
        ), {"yes": True})  # fmt: skip
    upgrade(engine)
    [view] = read.list_schedules(engine=engine, now=NOW, scope=MARKETING)
    engine.dispose()
    assert (view.name, view.department, view.recipients) == ("Oud", None, ["a@b.nl"])
