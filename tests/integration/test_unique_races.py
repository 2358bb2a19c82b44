"""A row inserted by another request between the look-up and the insert (found by two schemathesis clients
at once, issue #26: PUT of the same canned response and POST of the same topic answered 500 with a unique
violation). On PostgreSQL, deterministically: one connection inserts the row and holds its transaction
open; the action looks, finds nothing, and its insert waits on the unique index; then the holder commits.

A put (``PUT``) then changes the row the other request made (after checking it may), a create (``POST``)
is refused as taken (409), never an error."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.accounts import Role, Scope
from luister.domain.topics import TopicKind
from luister.inbox import setup
from luister.inbox.model import NotYours
from luister.inbox.tables import canned_response, department, department_member, sla_policy
from luister.services.accounts import create_user
from luister.services.topics import TopicNameTaken, create_topic
from luister.storage.tables import topic, user_account

pytestmark = pytest.mark.parametrize("settings", ["postgres"], indirect=True)
PASSPHRASE = "a long and secret passphrase"


def while_another_inserts(engine: Engine, statement: sa.Insert, action: Callable[[], object]) -> None:
    """Run ``action`` while another transaction holds ``statement``'s row uncommitted; commit it once the
    action waits on that row; return when the action is done (raising what it raised)."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as exc:  # noqa: BLE001 — raised again below, in the test's thread
            raised.append(exc)

    with engine.connect() as holder:
        holding = holder.begin()
        holder.execute(statement)
        pid = holder.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 20
        while not _waits_on(engine, pid):
            assert thread.is_alive(), "the action finished without meeting the held row"
            assert time.monotonic() < deadline, "the action never waited on the held row"
            time.sleep(0.02)
        holding.commit()
        thread.join(timeout=20)
    assert not thread.is_alive()
    if raised:
        raise raised[0]


def _waits_on(engine: Engine, pid: int) -> bool:
    """Whether a session waits for ``pid`` (a new transaction each time: PostgreSQL keeps one snapshot of
    its activity statistics per transaction)."""
    with engine.connect() as probe:
        return bool(
            probe.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
                {"pid": pid},
            ).scalar_one()
        )


def _department_id(engine: Engine, key: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(department.c.id).where(department.c.key == key)).scalar_one())


def _departments(engine: Engine) -> None:
    for key in ("customer-service", "legal"):
        setup.save_department(engine=engine, actor="test", key=key, name_en=key)


def test_a_put_changes_the_row_another_request_inserted_meanwhile(engine: Engine) -> None:
    _departments(engine)
    theirs = canned_response.insert().values(
        name="Welkom", language="nl", body="van de ander", department_id=None
    )
    while_another_inserts(
        engine,
        theirs,
        lambda: setup.save_canned(engine=engine, actor="test", name="Welkom", language="nl", body="van mij"),
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.select(canned_response.c.body).where(canned_response.c.name == "Welkom")).all()
    assert [r.body for r in rows] == ["van mij"]  # one row; the later put stands
    legal = _department_id(engine, "legal")
    with engine.begin() as conn:  # departments start with policies of their own
        conn.execute(sla_policy.delete().where(sla_policy.c.department_id == legal))
    while_another_inserts(
        engine,
        sla_policy.insert().values(
            department_id=legal, priority="high", first_response_minutes=30, warn_minutes=5
        ),
        lambda: setup.save_policy(
            engine=engine,
            actor="test",
            department_key="legal",
            priority="high",
            first_response_minutes=60,
            next_response_minutes=None,
            resolution_minutes=None,
        ),
    )
    with engine.connect() as conn:
        minutes = conn.execute(
            sa.select(sla_policy.c.first_response_minutes).where(sla_policy.c.department_id == legal)
        ).scalars()
        assert list(minutes) == [60]


def test_a_put_still_refuses_another_departments_row_inserted_meanwhile(engine: Engine) -> None:
    _departments(engine)
    legal = _department_id(engine, "legal")
    theirs = canned_response.insert().values(
        name="Excuses", language="en", body="legal's", department_id=legal
    )
    with pytest.raises(NotYours):
        while_another_inserts(
            engine,
            theirs,
            lambda: setup.save_canned(
                engine=engine,
                actor="test",
                name="Excuses",
                language="en",
                body="customer service's",
                department_key="customer-service",
                scope=Scope("customer-service"),
            ),
        )
    with engine.connect() as conn:
        assert conn.execute(sa.select(canned_response.c.body)).scalars().all() == ["legal's"]


def test_a_topic_created_meanwhile_makes_the_name_taken(engine: Engine) -> None:
    theirs = topic.insert().values(name="Voltaro", kind=TopicKind.brand.value, query="voltaro")
    with pytest.raises(TopicNameTaken):
        while_another_inserts(
            engine,
            theirs,
            lambda: create_topic(
                engine=engine, name="Voltaro", kind=TopicKind.brand, query="stroom", actor="t"
            ),
        )
    with engine.connect() as conn:
        assert conn.execute(sa.select(topic.c.query)).scalars().all() == ["voltaro"]


def test_a_member_set_twice_at_once_is_one_membership(engine: Engine) -> None:
    _departments(engine)
    create_user(engine=engine, email="an@voltaro.example", name="An", password=PASSPHRASE, role=Role.agent)
    with engine.connect() as conn:
        user_id = conn.execute(sa.select(user_account.c.id)).scalar_one()
    legal = _department_id(engine, "legal")
    while_another_inserts(
        engine,
        department_member.insert().values(
            department_id=legal, user_id=user_id, languages="nl", capacity=5, availability="away"
        ),
        lambda: setup.set_member(
            engine=engine,
            actor="test",
            department_key="legal",
            email="an@voltaro.example",
            capacity=7,
            now=datetime.now(UTC),
        ),
    )
    with engine.connect() as conn:
        assert conn.execute(sa.select(department_member.c.capacity)).scalars().all() == [7]


def test_a_goal_and_a_series_named_at_the_same_time_are_taken_not_errors(engine: Engine) -> None:
    from luister.kpis import actions as kpi_actions
    from luister.kpis.tables import external_series, goal

    with pytest.raises(kpi_actions.Taken):
        while_another_inserts(
            engine, goal.insert().values(name="Meer klanten", description=""),
            lambda: kpi_actions.create_goal(engine=engine, name="Meer klanten", actor="test"),
        )  # fmt: skip
    with pytest.raises(kpi_actions.Taken):
        while_another_inserts(
            engine, external_series.insert().values(key="nps", name="NPS", unit="count"),
            lambda: kpi_actions.create_series(engine=engine, key="nps", name="NPS", unit="count", actor="t"),
        )  # fmt: skip
