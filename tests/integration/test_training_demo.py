"""The demo's team in training: Voltaro's people hold belts from none to black, two certificates expire
within the month, the report per department shows it, and loading the demo again adds nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from luister.demo import organisation_training as demo_training
from luister.organisation.belts import Belt
from luister.organisation.training_read import department_report, gates_on, standing
from luister.organisation.training_tables import training_attempt
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import runtime_for

END = datetime(2026, 12, 7, 14, tzinfo=UTC)


def test_voltaros_team_with_belts(sqlite_settings: Settings) -> None:
    engine = open_database(settings=sqlite_settings)
    runtime_for(sqlite_settings, engine, analysis=False).load_demo(count=200, end=END, batch_size=200)
    belts = {e: standing(engine=engine, email=e, now=END).belt for e, _b, _d in demo_training.TEAM}
    assert belts == {e: b for e, b, _d in demo_training.TEAM}
    rows = {r.department: r for r in department_report(engine=engine, now=END)}
    assert rows["customer-service"].counts[Belt.blue] == 1 and rows["customer-service"].expiring == 1
    assert sum(r.expiring for r in rows.values()) == 2  # Sem's green and Fatima's white
    assert rows["legal"].counts == {Belt.black: 1}
    assert sum(r.people for r in rows.values()) >= len(demo_training.TEAM)
    with engine.connect() as conn:
        assert not gates_on(conn)  # the demo's replies and the permission walk work as before
        made = conn.execute(sa.select(sa.func.count()).select_from(training_attempt)).scalar_one()
    assert demo_training.play(engine=engine, end=END) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(training_attempt)).scalar_one() == made
    engine.dispose()
