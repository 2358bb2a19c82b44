"""Mentions without a known date in the API and the CLI (issue #24): ``date_known`` on mentions and in the
CSV page, the source's health warning in its read model and in ``luister sources list``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import orjson
from api_helpers import Api
from typer.testing import CliRunner

from luister.cli import app
from luister.connectors.records import FieldMapping
from luister.plugins import load_plugins
from luister.services.ingest import Pipeline, prepare_batch
from luister.services.sources import add_source
from luister.storage.secrets import Cipher
from luister.storage.tables import source_run
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record


def seed(api: Api) -> datetime:
    fetched = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    feed = add_source(
        engine=api.engine,
        connectors=load_plugins().connectors(),
        cipher=Cipher.of(api.settings),
        name="archief",
        connector="rss",
        options={"url": "https://archief.example/feed"},
    )
    with api.engine.begin() as conn:
        conn.execute(source_run.insert().values(source_id=feed.id, started_at=fetched, finished_at=fetched,
                                                fetched=4, stored=4, rejected=0))  # fmt: skip
    records = [record(n) for n in range(3)]
    for found in records:
        del found["created_at"]
    records.append(record(9, created_at="2026-10-01T09:00:00Z"))
    pipeline = Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(api.engine), origin="t",
                        source_id=feed.id)  # fmt: skip
    items = [raw_item(r, f"line {n}") for n, r in enumerate(records)]
    pipeline.store_prepared(prepare_batch(items, mapper=pipeline.mapper, origin="t", source_id=feed.id,
                                          fetched_at=fetched))  # fmt: skip
    return fetched


def test_mentions_and_sources_say_when_a_date_is_unknown(api: Api) -> None:
    fetched = seed(api)
    items = api.get("/api/v1/mentions", role="viewer").json()["items"]
    assert sorted((m["date_known"], m["published_at"][:10]) for m in items) == [
        (False, fetched.date().isoformat())] * 3 + [(True, "2026-10-01")]  # fmt: skip
    undated = next(m for m in items if not m["date_known"])
    assert api.get(f"/api/v1/mentions/{undated['id']}").json()["date_known"] is False
    rows = list(csv.DictReader(io.StringIO(api.get("/api/v1/mentions", params={"format": "csv"}).text)))
    assert sorted(row["date_known"] for row in rows) == ["false", "false", "false", "true"]

    (found,) = api.get("/api/v1/sources", role="viewer").json()
    assert found["health"]["status"] == "ok" and found["health"]["undated"] == 3
    assert found["health"]["warnings"] == [
        "3 mentions without a date in the last 24 hours: dated when fetched"
    ]

    env = {"LUISTER_DATABASE_URL": api.settings.database_url, "COLUMNS": "200"}
    if api.settings.database_schema:
        env["LUISTER_DATABASE_SCHEMA"] = api.settings.database_schema
    table = CliRunner().invoke(app, ["sources", "list"], env=env)
    assert table.exit_code == 0, table.output
    assert "3 mentions without a date in the last 24 hours" in " ".join(table.output.split())
    listed = CliRunner().invoke(app, ["sources", "list", "--format", "json"], env=env)
    assert orjson.loads(listed.output)[0]["health"]["undated"] == 3


def test_a_conversation_says_when_its_mentions_date_is_unknown(api: Api) -> None:
    import sqlalchemy as sa

    from luister.inbox.tables import conversation, conversation_message
    from luister.storage.tables import mention

    fetched = seed(api)
    with api.engine.begin() as conn:
        undated = conn.execute(sa.select(mention.c.id, mention.c.published_at)
                               .where(mention.c.date_known.is_(False)).limit(1)).one()  # fmt: skip
        cid = conn.execute(
            conversation.insert().values(
                channel="rss", author_handle="iemand", subject="Geen datum", status="new", priority="normal",
                route={}, cycle=1, cycle_started_at=fetched, last_customer_at=fetched, message_count=1,
            ).returning(conversation.c.id)
        ).scalar_one()  # fmt: skip
        values = {"conversation_id": cid, "mention_id": undated.id, "kind": "customer", "body": "geen datum"}
        conn.execute(conversation_message.insert().values(at=fetched, **values))
    (message,) = api.get(f"/api/v1/conversations/{cid}", role="viewer").json()["messages"]
    assert message["date_known"] is False
    from luister.testing import signed_in_client

    page = signed_in_client(api.settings).get(f"/inbox/{cid}").text
    assert "date unknown — fetched" in page
