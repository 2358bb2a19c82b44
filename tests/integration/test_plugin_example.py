"""The example plugin of docs/plugins.md loads, and each of its parts works through luister's own paths."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.alerts.model import AlertMessage, AlertStatus, RuleKind, Severity
from luister.connectors.base import Capability, CapabilityMissing, can, require
from luister.connectors.mastodon import MastodonConnector
from luister.domain.ingest import RawItem
from luister.examples import plugin as example
from luister.plugins import load_plugins
from luister.runtime import Runtime
from luister.services.sources import add_source
from luister.settings import AnalysisSetting, Settings
from luister.storage.tables import mention

ENTRIES = [
    {"id": "1", "name": "Anouk", "text": "Fijne service van Voltaro!", "at": "2026-11-02T10:00:00Z"},
    {"id": "2", "name": "Bram", "text": "WAAROM WERKT DE APP WEER NIET", "at": "2026-11-02T11:00:00Z"},
    {"id": "3", "name": "Cas", "text": "", "at": "2026-11-02T12:00:00Z"},
]


def test_the_example_plugin_registers_a_connector_an_enricher_and_a_channel() -> None:
    plugins = load_plugins(example)
    assert plugins.connectors()["guestbook"] is example.GuestbookConnector
    assert plugins.alert_channels()["console"] is example.ConsoleChannel
    assert [e.name for e in plugins.enrichers()].count("shouting") == 1
    assert not plugins.failures


def test_its_connector_listens_and_its_enricher_runs_in_the_real_pipeline(
    settings: Settings, engine: Engine
) -> None:
    plugins = load_plugins(example)
    runtime = Runtime(settings.model_copy(update={"analysis": AnalysisSetting.off}), engine=engine,
                      plugins=plugins)  # fmt: skip
    add_source(engine=engine, connectors=plugins.connectors(), cipher=runtime.cipher, name="gastenboek",
               connector="guestbook",
               options={"entries": ENTRIES})  # fmt: skip
    results: list[object] = []
    asyncio.run(runtime.listen(once=True, on_result=results.append))
    with engine.connect() as conn:
        stored = conn.execute(sa.select(mention.c.external_id, mention.c.text).order_by(mention.c.id)).all()
    assert [row.external_id for row in stored] == ["1", "2"]  # the entry without text is quarantined
    assert results and results[0].rejected == 1

    connector = example.GuestbookConnector(example.GuestbookOptions(entries=ENTRIES))
    batch = [connector.map_item(item, fetched_at=datetime.now(UTC)) for item in _items(ENTRIES[:2])]
    example.ShoutingEnricher().enrich(batch)
    assert [m.extra.get("shouting", False) for m in batch] == [False, True]


def test_its_channel_sends_and_refuses_what_it_cannot() -> None:
    channel = example.ConsoleChannel(example.ConsoleOptions(prefix="LET OP"))
    now = datetime(2026, 11, 2, tzinfo=UTC)
    message = AlertMessage(alert_id=1, rule="piek", kind=RuleKind.volume_spike, severity=Severity.warning,
                           status=AlertStatus.open, title="Voltaro: 3× more mentions", summary="",
                           topic="Voltaro", opened_at=now, updated_at=now, mentions=30)  # fmt: skip
    asyncio.run(channel.send(message))
    assert example.ConsoleChannel.sent[-1] == "LET OP: Voltaro: 3× more mentions"


def test_require_gives_the_typed_capability_or_says_what_is_missing() -> None:
    assert require(MastodonConnector, Capability.search) is MastodonConnector
    assert can(MastodonConnector, Capability.search) and not can(None, Capability.search)
    with pytest.raises(CapabilityMissing, match="the guestbook connector cannot reply .it can: read."):
        require(example.GuestbookConnector, Capability.reply)

    class Boasting(example.GuestbookConnector):
        capabilities = frozenset({Capability.read, Capability.reply})

    with pytest.raises(CapabilityMissing, match="declares reply but lacks voice_model, replier"):
        require(Boasting, Capability.reply)
    assert not can(Boasting, Capability.reply)


def _items(entries: list[dict[str, str]]) -> list[object]:

    return [
        RawItem(raw=orjson.dumps(e).decode(), position=f"entry {n}", data=e) for n, e in enumerate(entries)
    ]
