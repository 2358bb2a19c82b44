"""``/api/v1/analytics/overview``: the dashboard figures with the dashboard's filters."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from api_helpers import Api

from luister.storage.tables import mention
from luister.testing import runtime_for


def test_overview_figures_match_the_mentions_and_filters_narrow_them(api: Api) -> None:
    demo = runtime_for(api.settings, api.engine).load_demo(
        seed=5,
        count=1200,
        batch_size=1200,
        days=20,
    )
    answer = api.get("/api/v1/analytics/overview", role="viewer", params={"days": 30})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["bucket"] == "day" and len(body["series"]) == 30 and body["topic"] is None
    since, until = (datetime.fromisoformat(body[k].replace("Z", "+00:00")) for k in ("since", "until"))
    with api.engine.connect() as conn:
        period = (mention.c.published_at >= since, mention.c.published_at < until)
        counted = conn.execute(sa.select(sa.func.count()).select_from(mention).where(*period)).scalar_one()
    assert body["totals"]["mentions"] == counted == sum(p["mentions"] for p in body["series"])
    assert {v["kind"] for v in body["share_of_voice"]} == {"brand", "competitor"}
    assert abs(sum(v["share"] for v in body["share_of_voice"]) - 1) < 1e-9
    assert sum(c["mentions"] for c in body["channels"]) == counted and body["languages"] and body["intents"]

    brand = next(v["topic"] for v in body["share_of_voice"] if v["kind"] == "brand")
    channel = body["channels"][0]["key"]
    narrowed = api.get(
        "/api/v1/analytics/overview",
        params={"topic": brand, "channel": channel, "sentiment": "negative", "days": 30},
    ).json()
    assert 0 < narrowed["totals"]["mentions"] < counted and narrowed["topic"] == brand
    assert set(narrowed["totals"]["sentiment"]) == {"negative"}
    listed = api.get(
        "/api/v1/mentions",
        params={
            "topic": brand,
            "channel": channel,
            "sentiment": "negative",
            "since": body["since"],
            "until": body["until"],
            "limit": 200,
        },
    )
    total = len(listed.json()["items"])
    cursor = listed.json()["next"]
    while cursor:
        page = api.get(
            "/api/v1/mentions",
            params={
                "topic": brand,
                "channel": channel,
                "sentiment": "negative",
                "since": body["since"],
                "until": body["until"],
                "limit": 200,
                "cursor": cursor,
            },
        ).json()
        total += len(page["items"])
        cursor = page["next"]
    assert total == narrowed["totals"]["mentions"]  # the figure is the list behind it

    hours = api.get(
        "/api/v1/analytics/overview",
        params={"since": (demo.end - timedelta(days=1)).isoformat(), "until": demo.end.isoformat()},
    ).json()
    assert hours["bucket"] == "hour" and len(hours["series"]) == 24
    for params in (
        {"since": demo.end.isoformat()},
        {"topic": "Nobody"},
        {"days": 0},
        {"sentiment": "meh"},
        {"since": demo.end.isoformat(), "until": (demo.end - timedelta(hours=1)).isoformat()},
        {"since": "0001-01-01T00:00:00Z", "until": "0001-01-02T00:00:00Z"},
        {"since": "2000-01-01T00:00:00Z", "until": "2015-01-01T00:00:00Z"},  # over ten years
    ):
        refused = api.get("/api/v1/analytics/overview", params=params)
        assert refused.status_code == 422, (params, refused.text)


def test_a_running_period_marks_its_last_bucket_partial_and_compares_like_with_like(api: Api) -> None:
    from datetime import UTC, datetime

    from luister.connectors.records import FieldMapping
    from luister.services.ingest import Pipeline
    from luister.storage.writer import SqlMentionStore
    from luister.testing import raw_item, record

    now = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)  # the newest mention: early in the day
    moments = [now - timedelta(days=30, hours=h) for h in (0, 2, 4)]  # the same hours, 30 days before
    moments += [now - timedelta(days=30) + timedelta(hours=h) for h in (3, 6, 9, 12)]  # later that day
    moments += [now - timedelta(hours=h) for h in (0, 1, 3)]
    items = [
        raw_item(record(n, created_at=m.isoformat(), text=f"voltaro {n}")) for n, m in enumerate(moments)
    ]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(api.engine), origin="t").run_batch(items)

    body = api.get("/api/v1/analytics/overview", params={"days": 30}).json()
    assert body["until"].startswith("2026-11-21T00:00") and body["counted_until"].startswith(
        "2026-11-20T10:00"
    )
    assert [p["partial"] for p in body["series"]][-2:] == [False, True]
    assert body["totals"]["mentions"] == 3
    assert body["previous_mentions"] == 3  # the 30-day-old mentions before 10:00, not the later four
    past = {"since": "2026-10-01T00:00:00Z", "until": "2026-10-10T00:00:00Z"}
    assert not any(p["partial"] for p in api.get("/api/v1/analytics/overview", params=past).json()["series"])
