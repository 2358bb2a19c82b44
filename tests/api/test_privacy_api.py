"""``/api/v1/privacy``: administrators find, export and erase one person's data; nobody else may."""

from __future__ import annotations

import io
import zipfile

import orjson
from api_helpers import Api

from luister.connectors.records import FieldMapping
from luister.services.ingest import Pipeline
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record


def seed(api: Api) -> None:
    items = [raw_item(record(n, author="anna" if n % 2 else "bram"), f"line {n}") for n in range(6)]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(api.engine), origin="test").run_batch(items)


def test_only_administrators_may_ask(api: Api) -> None:
    seed(api)
    for role in ("analyst", "agent", "viewer"):
        assert api.get("/api/v1/privacy/find?channel=mastodon&handle=anna", role=role).status_code == 403
        assert api.post("/api/v1/privacy/erase", role=role, json={"name": "anna"}).status_code == 403


def test_find_export_and_erase(api: Api) -> None:
    seed(api)
    found = api.get("/api/v1/privacy/find", params={"channel": "mastodon", "handle": "@anna"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["counts"]["mentions"] == 3 and len(body["mention_ids"]) == 3
    assert body["subject"] == "handle 'anna' on mastodon"

    export = api.get("/api/v1/privacy/export", params={"channel": "mastodon", "handle": "anna"})
    assert export.status_code == 200 and export.headers["content-type"] == "application/zip"
    mentions = orjson.loads(zipfile.ZipFile(io.BytesIO(export.content)).read("mentions.json"))
    assert sorted(m["id"] for m in mentions) == sorted(body["mention_ids"])

    erased = api.post(
        "/api/v1/privacy/erase", json={"channel": "mastodon", "handle": "anna", "reference": "R1"}
    )
    assert erased.status_code == 200 and erased.json()["mentions"] == 3
    again = api.post("/api/v1/privacy/erase", json={"channel": "mastodon", "handle": "anna"})
    assert again.json()["mentions"] == 0


def test_a_request_that_names_nobody_is_refused(api: Api) -> None:
    answer = api.get("/api/v1/privacy/find", params={"handle": "anna"})
    assert answer.status_code == 422 and "--channel" in answer.json()["detail"]
    assert api.post("/api/v1/privacy/erase", json={}).status_code == 422
