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
