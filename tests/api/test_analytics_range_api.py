"""``/api/v1/analytics/overview`` with a range of dates (``from``/``to``) and the previous period."""

from __future__ import annotations

from datetime import UTC, datetime

from api_helpers import Api

from luister.connectors.records import FieldMapping
from luister.services.ingest import Pipeline
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record

# Europe/Amsterdam (the default time zone): 1–7 December 2026 is [30 Nov 23:00, 7 Dec 23:00) UTC
MOMENTS = [
    datetime(2026, 11, 30, 23, 30, tzinfo=UTC),  # 1 December, 00:30 local: in
    datetime(2026, 11, 30, 22, 30, tzinfo=UTC),  # 30 November, 23:30 local: the week before
    datetime(2026, 12, 3, 12, tzinfo=UTC),  # in
    datetime(2026, 12, 7, 22, 59, tzinfo=UTC),  # 7 December, 23:59 local: in
    datetime(2026, 12, 7, 23, 1, tzinfo=UTC),  # 8 December local: after
    datetime(2026, 11, 24, 12, tzinfo=UTC),  # the week before
    datetime(2026, 11, 20, 12, tzinfo=UTC),  # before that
]


def seed(api: Api) -> None:
    items = [
        raw_item(record(n, created_at=m.isoformat(), text=f"voltaro {n}", followers=10 * (n + 1)))
        for n, m in enumerate(MOMENTS)
    ]
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(api.engine), origin="t").run_batch(items)


def test_a_range_of_local_days_and_the_same_number_of_days_before(api: Api) -> None:
    seed(api)
    answer = api.get(
        "/api/v1/analytics/overview", role="viewer", params={"from": "2026-12-01", "to": "2026-12-07"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["since"].startswith("2026-11-30T23:00") and body["until"].startswith("2026-12-07T23:00")
    assert body["zone"] == "Europe/Amsterdam" and body["days"] == 7 and body["bucket"] == "day"
    assert body["totals"]["mentions"] == 3
    assert [p["start"][:16] for p in body["series"]][:2] == ["2026-11-30T23:00", "2026-12-01T23:00"]
    assert len(body["series"]) == 7 and sum(p["mentions"] for p in body["series"]) == 3
    previous = body["previous"]
    assert previous["since"].startswith("2026-11-23T23:00") and previous["until"].startswith(
        "2026-11-30T23:00"
    )
    assert previous["totals"]["mentions"] == body["previous_mentions"] == 2
    assert previous["totals"]["reach"] == 20 + 60  # mentions 1 and 5
    # the old parameters answer as before
    old = api.get("/api/v1/analytics/overview", params={"since": "2026-12-01T00:00:00Z",
                                                       "until": "2026-12-08T00:00:00Z"}).json()  # fmt: skip
    assert old["zone"] is None and old["totals"]["mentions"] == 3 and old["days"] == 7  # other ones


def test_only_one_end_of_the_range_counts_from_it(api: Api) -> None:
    seed(api)
    body = api.get("/api/v1/analytics/overview", params={"to": "2026-12-07", "days": 7}).json()
    assert body["since"].startswith("2026-11-30T23:00") and body["totals"]["mentions"] == 3


def test_ranges_that_cannot_be_shown_are_400_with_the_reason(api: Api) -> None:
    cases = {
        (("from", "2026-12-07"), ("to", "2026-12-01")): "the end date lies before the start date",
        (("from", "2024-01-01"), ("to", "2026-12-01")): "at most 731 days",
        (("from", "gisteren"), ("to", "2026-12-01")): "is not a date",
        (
            ("from", "2026-12-01"),
            ("since", "2026-12-01T00:00:00Z"),
            ("until", "2026-12-02T00:00:00Z"),
        ): "not both",
        (("from", "0001-01-01"), ("to", "0001-01-02")): "choose dates between",
        (("to", "0001-01-01"),): "choose dates between",  # 30 days before it: no date at all
    }
    for params, reason in cases.items():
        answer = api.get("/api/v1/analytics/overview", params=dict(params))
        assert answer.status_code == 400, (params, answer.text)
        assert reason in answer.json()["detail"], answer.json()
