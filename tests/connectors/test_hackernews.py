from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer

from luister.connectors.base import Connector, Page
from luister.connectors.hackernews import HackerNewsConnector, HackerNewsOptions
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.net.http import FetchError, FetchPolicy, SafeHttp
from luister.testing import RecordedSleeps

DATA = Path(__file__).parent.parent / "data" / "hackernews"
FETCHED = datetime(2024, 7, 1, tzinfo=UTC)
PATH = "/api/v1/search_by_date"
JSON = "application/json"


def params(page: int, filters: str | None = None, per_page: int = 2) -> dict[str, str]:
    query = {"query": "acme", "tags": "(story,comment)", "hitsPerPage": str(per_page), "page": str(page)}
    if filters:
        query["numericFilters"] = filters
    return query


def serve(server: HTTPServer, name: str, query: dict[str, str]) -> None:
    server.expect_ordered_request(PATH, query_string=query).respond_with_data(
        (DATA / name).read_bytes(), content_type=JSON
    )


def collect(
    server: HTTPServer,
    cursor: dict[str, Any] | None = None,
    sleeps: RecordedSleeps | None = None,
    **options: Any,
) -> list[Page]:
    async def run() -> list[Page]:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=2)
        async with SafeHttp(policy, sleep=sleeps if sleeps is not None else RecordedSleeps()) as http:
            opts = HackerNewsOptions(query="acme", api=server.url_for(""), hits_per_page=2, **options)
            connector = HackerNewsConnector(opts, http=http)
            return [page async for page in connector.fetch(None, cursor)]

    return asyncio.run(run())


def mentions(page: Page) -> list[Mention]:
    connector = HackerNewsConnector(HackerNewsOptions(query="acme"))
    return [connector.map_item(item, fetched_at=FETCHED) for item in page.items]


def test_is_a_connector() -> None:
    assert isinstance(HackerNewsConnector(HackerNewsOptions(query="x")), Connector)
    assert "luister sources add" in HackerNewsConnector.example
    for field in HackerNewsOptions.model_fields.values():
        assert field.description


def test_pages_with_page_param_and_maps_stories_and_comments(httpserver: HTTPServer) -> None:
    serve(httpserver, "page0.json", params(0))
    serve(httpserver, "page1.json", params(1, "created_at_i<=1717581603"))
    first, second = collect(httpserver)
    httpserver.check_assertions()
    assert first.errors == second.errors == []
    assert first.cursor == {
        "pending": {"top": 1717581603, "top_ids": ["40000010"], "bound": 1717581603, "page": 1}
    }
    assert second.cursor == {"since": 1717581603, "ids": ["40000010"]}
    assert [item.position for item in first.items] == ["page 1 item 1", "page 1 item 2"]
    comment, story = mentions(first)
    assert (
        comment.external_id == "40000010" and comment.url == "https://news.ycombinator.com/item?id=40000010"
    )
    assert comment.text == "Acme widgets are great.\n\nTried them & liked it."
    assert (comment.parent_id, comment.thread_id) == ("40000005", "40000001")
    assert comment.author_handle == "pg" and comment.title == "Show HN: Acme widgets"
    assert comment.published_at == datetime(2024, 6, 5, 10, 0, 3, tzinfo=UTC)
    assert story.title == "Show HN: Acme widgets"
    assert story.text == "https://acme.example/widgets"  # issue #24 defect 11: the submitted article
    assert story.url == "https://news.ycombinator.com/item?id=40000001"
    assert (story.like_count, story.reply_count) == (87, 12)
    assert story.parent_id is None and story.thread_id is None
    [ask] = mentions(second)
    assert ask.text == "Anyone using Acme?"
    assert orjson.loads(ask.raw)["_tags"][-1] == "ask_hn"


def test_resume_from_saved_cursor_fetches_only_newer_and_skips_boundary_ids(httpserver: HTTPServer) -> None:
    serve(httpserver, "newer.json", params(0, "created_at_i>=1717581603"))
    [page] = collect(httpserver, {"since": 1717581603, "ids": ["40000010"]})
    httpserver.check_assertions()
    assert [item.data["objectID"] for item in page.items] == ["40000020", "40000011"]
    assert page.cursor == {"since": 1717588800, "ids": ["40000020"]}


def test_restart_mid_window_resumes_the_pending_page(httpserver: HTTPServer) -> None:
    serve(httpserver, "page1.json", params(1, "created_at_i>=1717000000,created_at_i<=1717581603"))
    cursor = {
        "since": 1717000000,
        "ids": [],
        "pending": {"top": 1717581603, "top_ids": ["40000010"], "bound": 1717581603, "page": 1},
    }
    [page] = collect(httpserver, cursor)
    httpserver.check_assertions()
    assert [item.data["objectID"] for item in page.items] == ["39999990"]
    assert page.cursor == {"since": 1717581603, "ids": ["40000010"]}


def test_max_pages_keeps_the_window_pending_for_the_next_run(httpserver: HTTPServer) -> None:
    serve(httpserver, "page0.json", params(0, "created_at_i>=1717000000"))
    [page] = collect(httpserver, {"since": 1717000000, "ids": []}, max_pages=1)
    assert page.cursor is not None and page.cursor["since"] == 1717000000
    assert page.cursor["pending"]["page"] == 1


def test_retry_after_429_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    serve(httpserver, "newer.json", params(0))
    sleeps = RecordedSleeps()
    [page] = collect(httpserver, sleeps=sleeps)
    assert sleeps == [7.0] and len(page.items) == 3 and page.errors == []


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ((DATA / "error.html").read_bytes(), "text/html", "HTML page"),
        (b'{"hits": [', JSON, "malformed JSON"),
        (b'{"message": "nope"}', JSON, "no 'hits' list"),
        (b"", JSON, "empty"),
    ],
)
def test_bad_bodies_give_an_empty_page_with_the_reason(
    httpserver: HTTPServer, body: bytes, content_type: str, reason: str
) -> None:
    httpserver.expect_request(PATH).respond_with_data(body, content_type=content_type)
    cursor = {"since": 5, "ids": ["1"]}
    [page] = collect(httpserver, cursor)
    assert page.items == [] and len(page.errors) == 1 and reason in page.errors[0]
    assert page.cursor == cursor  # nothing was stored: the next run tries the same again


def test_an_item_missing_fields_is_quarantined_while_others_map(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        (DATA / "bad_item.json").read_bytes(), content_type=JSON
    )
    [page] = collect(httpserver)
    assert page.errors == ["page 1 item 1: hit has no objectID"]
    bad, good, empty = page.items
    assert bad.error and bad.data is None and "ghost" in bad.raw
    connector = HackerNewsConnector(HackerNewsOptions(query="acme"))
    assert connector.map_item(good, fetched_at=FETCHED).text == "Acme is fine."
    with pytest.raises(MappingError):
        connector.map_item(bad, fetched_at=FETCHED)
    with pytest.raises(MappingError, match="no text and no title"):
        connector.map_item(empty, fetched_at=FETCHED)
    assert page.cursor == {"since": 1717578000, "ids": ["40000002"]}


def test_http_failure_raises(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data("gone", status=404)
    with pytest.raises(FetchError, match="HTTP 404"):
        collect(httpserver)


def test_map_item_is_pure() -> None:
    hit = orjson.loads((DATA / "page0.json").read_bytes())["hits"][0]
    item = RawItem(raw=orjson.dumps(hit).decode(), position="page 1 item 1", data=hit)
    connector = HackerNewsConnector(HackerNewsOptions(query="acme"))
    assert connector.map_item(item, fetched_at=FETCHED) == connector.map_item(item, fetched_at=FETCHED)
    assert item.data == hit


def test_check_credentials(httpserver: HTTPServer) -> None:
    httpserver.expect_request(PATH).respond_with_data(b'{"hits": [], "nbHits": 42}', content_type=JSON)

    async def run() -> bool:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}))) as http:
            opts = HackerNewsOptions(query="acme", api=httpserver.url_for(""))
            return (await HackerNewsConnector(opts, http=http).check_credentials()).ok

    assert asyncio.run(run())
