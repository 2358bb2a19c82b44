"""``POST /api/v1/ingest/{source}``: signed pushes through the real pipeline; everything else refused."""

from __future__ import annotations

import hashlib
import hmac
import time

import orjson
import sqlalchemy as sa
from api_helpers import Api

from luister.domain.topics import TopicKind
from luister.plugins import load_plugins
from luister.services.quarantine import list_rejected
from luister.services.sources import add_source, get_source
from luister.services.topics import save_topic
from luister.storage.secrets import Cipher
from luister.storage.tables import mention, mention_topic, source_run
from luister.testing import record

SECRET = "push-secret-of-the-crm-0123"
URL = "/api/v1/ingest/crm"


def signed(body: bytes, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    """What a sender computes: HMAC-SHA256 of ``<timestamp>.<body>``, written out without luister's code."""
    timestamp = str(int(time.time()) if at is None else at)
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "X-Luister-Timestamp": timestamp,
        "X-Luister-Signature": f"sha256={digest}",
        "Content-Type": "application/json",
    }


def push(api: Api, payload: object, **kwargs: object) -> tuple[bytes, object]:
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return body, api.client.post(URL, content=body, headers=signed(body, **kwargs))  # type: ignore[arg-type]


def webhook_source(api: Api, name: str = "crm") -> None:
    add_source(
        engine=api.engine,
        cipher=Cipher.of(api.settings),
        connectors=load_plugins().connectors(),
        name=name,
        connector="webhook",
        options={"secret": SECRET, "channel": "review"},
    )


def count(api: Api) -> int:
    with api.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(mention)).scalar_one())


def test_a_signed_push_is_stored_analysed_matched_and_shows_in_health(api: Api) -> None:
    webhook_source(api)
    save_topic(engine=api.engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    items = [record(n, channel=None) for n in range(3)]
    _, answer = push(api, items)
    assert answer.status_code == 202, answer.text  # type: ignore[attr-defined]
    assert answer.json() == {"received": 3, "stored": 3, "known": 0, "rejected": []}  # type: ignore[attr-defined]
    _, single = push(api, record(3, text="Voltaro doet het weer, dank jullie"))
    _, wrapped = push(api, {"mentions": [record(4), record(5)]})
    assert single.json()["stored"] == 1 and wrapped.json()["stored"] == 2  # type: ignore[attr-defined]
    with api.engine.connect() as conn:
        rows = conn.execute(sa.select(mention).order_by(mention.c.id)).all()
        matched = conn.execute(sa.select(sa.func.count()).select_from(mention_topic)).scalar_one()
        runs = conn.execute(sa.select(source_run)).all()
    assert [r.channel for r in rows] == ["review", "review", "review", "mastodon", "mastodon", "mastodon"]
    assert orjson.loads(rows[0].raw) == items[0] and all(r.source_id is not None for r in rows)
    assert all(r.sentiment is not None and r.language for r in rows) and matched == 6
    assert [(r.fetched, r.stored, r.rejected) for r in runs] == [(3, 3, 0), (1, 1, 0), (2, 2, 0)]
    health = get_source(engine=api.engine, name="crm").health
    assert health.status.value == "ok" and health.items_per_hour > 0
    shown = api.get("/api/v1/sources").json()[0]
    assert shown["health"]["status"] == "ok" and shown["options"]["secret"] != SECRET


def test_bad_signatures_and_stale_timestamps_are_refused(api: Api) -> None:
    webhook_source(api)
    body = orjson.dumps([record(1)])
    refusals = [
        signed(body, secret="another-secret-0123456"),
        signed(body, at=int(time.time()) - 301),
        signed(body, at=int(time.time()) + 400),
        signed(body + b" "),
        {"X-Luister-Timestamp": str(int(time.time()))},
        {},
        signed(body) | {"X-Luister-Timestamp": "soon"},
        signed(body) | {"X-Luister-Signature": "sha256=00"},
    ]
    for headers in refusals:
        answer = api.client.post(URL, content=body, headers=headers)
        assert answer.status_code == 401, (headers, answer.text)
        assert answer.headers["content-type"] == "application/problem+json" and answer.json()["detail"]
        assert "HMAC-SHA256" in answer.headers["www-authenticate"]
    assert count(api) == 0
    assert (
        api.client.post(URL, content=body, headers=signed(body, at=int(time.time()) - 250)).status_code == 202
    )


def test_malformed_json_says_where(api: Api) -> None:
    webhook_source(api)
    _, answer = push(api, b'[{"text": "ok"},\n {"text": "kapot"')
    assert answer.status_code == 400  # type: ignore[attr-defined]
    problem = answer.json()  # type: ignore[attr-defined]
    assert problem["line"] == 2 and problem["column"] >= 17 and "line 2" in problem["detail"]
    for bad in (b"", b"42", b'"text"', b'{"mentions": {"text": "x"}}'):
        _, refused = push(api, bad)
        assert refused.status_code == 400, bad  # type: ignore[attr-defined]
    assert count(api) == 0


def test_a_bad_item_is_quarantined_and_the_rest_stored_and_redelivery_stores_nothing_new(api: Api) -> None:
    webhook_source(api)
    items = [record(1), {"author": "no text here"}, "just a string", record(2), record(2)]
    _, first = push(api, items)
    body = first.json()  # type: ignore[attr-defined]
    assert first.status_code == 202 and body["stored"] == 2 and body["known"] == 1  # type: ignore[attr-defined]
    assert [r["position"] for r in body["rejected"]] == [1, 2]
    assert "text" in body["rejected"][0]["reason"] and "object" in body["rejected"][1]["reason"]
    quarantined = list_rejected(engine=api.engine, origin="source:crm")
    assert sorted(r.position for r in quarantined) == ["item 1", "item 2"]
    _, again = push(api, items)
    assert again.json()["stored"] == 0 and again.json()["known"] == 3  # type: ignore[attr-defined]
    assert count(api) == 2 and len(list_rejected(engine=api.engine, origin="source:crm")) == 2


def test_unknown_sources_limits_and_switched_off(api: Api) -> None:
    webhook_source(api)
    add_source(
        engine=api.engine,
        cipher=Cipher.of(api.settings),
        connectors=load_plugins().connectors(),
        name="news",
        connector="rss",
        options={"url": "https://example.nl/feed.xml"},
    )
    body = orjson.dumps(record(1))
    for name in ("nobody", "news"):
        answer = api.client.post(f"/api/v1/ingest/{name}", content=body, headers=signed(body))
        assert answer.status_code == 404 and answer.json()["title"] == "Not Found"
    _, many = push(api, [record(n) for n in range(1001)])
    assert many.status_code == 413 and "1000" in many.json()["detail"]  # type: ignore[attr-defined]
    huge = b"[" + b",".join([orjson.dumps(record(1, text="x" * 6000))] * 900) + b"]"
    _, too_big = push(api, huge)
    assert too_big.status_code == 413 and "5 MB" in too_big.json()["detail"]  # type: ignore[attr-defined]
    with api.engine.begin() as conn:
        conn.execute(sa.text("UPDATE source SET enabled = false WHERE name = 'crm'"))
    _, off = push(api, record(1))
    assert off.status_code == 409  # type: ignore[attr-defined]
    assert count(api) == 0
