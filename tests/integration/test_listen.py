"""Sources and the listener: resume without loss or duplicates, backoff, health, masked secrets."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.sources import SourceStatus
from luister.services.listen import Listener
from luister.services.sources import SourceError, add_source, get_source, list_sources, remove_source
from luister.storage.tables import mention, source
from luister.storage.writer import SqlMentionStore
from luister.testing import FakeConnector, record

CONNECTORS = {"fake": FakeConnector}
PAGES = [[record(n) for n in range(p * 3, p * 3 + 3)] for p in range(4)]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def listener(engine: Engine, clock: Clock) -> Listener:
    return Listener(
        engine=engine, store=SqlMentionStore(engine), connectors=CONNECTORS, clock=clock, rng=random.Random(1)
    )


def set_options(engine: Engine, name: str, **options: object) -> None:
    with engine.begin() as conn:
        current = conn.execute(sa.select(source.c.options).where(source.c.name == name)).scalar_one()
        conn.execute(source.update().where(source.c.name == name).values(options={**current, **options}))


def stored_ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(mention.c.external_id)).scalars())


def test_a_failure_mid_way_resumes_without_loss_or_duplicates(engine: Engine) -> None:
    clock = Clock()
    add_source(
        engine=engine,
        connectors=CONNECTORS,
        name="forum",
        connector="fake",
        options={"pages": PAGES, "fail_at_page": 2},
    )
    [first] = asyncio.run(listener(engine, clock).run_due())
    assert (first.fetched, first.stored) == (6, 6) and "503" in (first.error or "")
    assert get_source(engine=engine, name="forum", now=clock.now).health.status is SourceStatus.failing

    set_options(engine, "forum", fail_at_page=None)
    clock.now += timedelta(hours=7)  # past any backoff
    [second] = asyncio.run(listener(engine, clock).run_due())
    assert (second.fetched, second.stored, second.error) == (6, 6, None)
    assert stored_ids(engine) == sorted(f"m{n}" for n in range(12))
    with engine.connect() as conn:
        assert conn.execute(sa.select(source.c.cursor)).scalar_one() == {"page": 4}
        assert set(conn.execute(sa.select(mention.c.source_id)).scalars()) == {
            get_source(engine=engine, name="forum").id
        }


def test_failing_sources_back_off_and_recover(engine: Engine) -> None:
    clock = Clock()
    add_source(
        engine=engine,
        connectors=CONNECTORS,
        name="flaky",
        connector="fake",
        options={"pages": PAGES, "fail_at_page": 0},
    )
    delays = []
    for _ in range(3):
        asyncio.run(listener(engine, clock).run_due())
        next_at = get_source(engine=engine, name="flaky").next_run_at
        assert next_at is not None
        delays.append(next_at - clock.now)
        assert asyncio.run(listener(engine, clock).run_due()) == []  # not due again yet
        clock.now = next_at
    assert all(d >= timedelta(seconds=60) for d in delays)
    set_options(engine, "flaky", fail_at_page=None)
    [ok] = asyncio.run(listener(engine, clock).run_due())
    assert ok.error is None
    found = get_source(engine=engine, name="flaky", now=clock.now)
    assert found.next_run_at == clock.now + timedelta(seconds=60)
    assert found.health.status is SourceStatus.ok


def test_malformed_payloads_show_as_format_drift(engine: Engine) -> None:
    clock = Clock()
    good = [[record(n) for n in range(10)]]
    add_source(engine=engine, connectors=CONNECTORS, name="drift", connector="fake", options={"pages": good})
    asyncio.run(listener(engine, clock).run_due())
    clock.now += timedelta(days=2)
    broken = [[{"id": f"x{n}", "text": ""} for n in range(8)] + [record(100), record(101)]]
    set_options(engine, "drift", pages=broken)
    with engine.begin() as conn:
        conn.execute(source.update().values(cursor=None))
    [run] = asyncio.run(listener(engine, clock).run_due(names=["drift"]))
    assert (run.fetched, run.stored, run.rejected) == (10, 2, 8)
    health = get_source(engine=engine, name="drift", now=clock.now).health
    assert health.status is SourceStatus.drifting and "format" in health.detail


def test_page_problems_without_items_fail_the_run(engine: Engine) -> None:
    add_source(
        engine=engine,
        connectors=CONNECTORS,
        name="html",
        connector="fake",
        options={"pages": [[]], "problems": ["got an HTML page instead of a feed"]},
    )
    [run] = asyncio.run(listener(engine, Clock()).run_due())
    assert run.error == "got an HTML page instead of a feed"
    assert get_source(engine=engine, name="html").last_error == run.error


def test_sources_validate_options_and_mask_secrets(engine: Engine) -> None:
    with pytest.raises(SourceError, match="unknown connector"):
        add_source(engine=engine, connectors=CONNECTORS, name="x", connector="twitter", options={})
    with pytest.raises(SourceError, match="invalid options for fake: pages"):
        add_source(
            engine=engine, connectors=CONNECTORS, name="x", connector="fake", options={"pages": "nope"}
        )
    add_source(
        engine=engine,
        connectors=CONNECTORS,
        name="secret",
        connector="fake",
        options={"api_token": "abcdefghijkl"},
    )
    [found] = list_sources(engine=engine)
    assert found.options["api_token"] == "***kl"
    assert found.health.status is SourceStatus.new
    with pytest.raises(SourceError, match="exists"):
        add_source(engine=engine, connectors=CONNECTORS, name="secret", connector="fake", options={})
    remove_source(engine=engine, name="secret")
    assert list_sources(engine=engine) == []
