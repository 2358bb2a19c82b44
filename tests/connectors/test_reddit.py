from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer

from luister.connectors.base import Connector, Page
from luister.connectors.reddit import RedditConnector, RedditOptions
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.net.http import FetchError, FetchPolicy, SafeHttp
from luister.testing import RecordedSleeps

DATA = Path(__file__).parent.parent / "data" / "reddit"
FETCHED = datetime(2024, 7, 1, tzinfo=UTC)
JSON = "application/json"
NEW = "/r/acme/new.json"


def listing_params(after: str | None = None) -> dict[str, str]:
    query = {"limit": "2", "raw_json": "1"}
    if after:
        query["after"] = after
    return query


def serve(server: HTTPServer, path: str, name: str, query: dict[str, str]) -> None:
    server.expect_ordered_request(path, query_string=query).respond_with_data(
        (DATA / name).read_bytes(), content_type=JSON
    )


def collect(
    server: HTTPServer,
    cursor: dict[str, Any] | None = None,
    sleeps: RecordedSleeps | None = None,
    **options: Any,
) -> list[Page]:
    options.setdefault("subreddit", "acme")

    async def run() -> list[Page]:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=2)
        async with SafeHttp(policy, sleep=sleeps if sleeps is not None else RecordedSleeps()) as http:
            opts = RedditOptions(api=server.url_for(""), limit=2, **options)
            return [page async for page in RedditConnector(opts, http=http).fetch(None, cursor)]

    return asyncio.run(run())


def mentions(page: Page) -> list[Mention]:
    connector = RedditConnector(RedditOptions(subreddit="acme"))
    return [connector.map_item(item, fetched_at=FETCHED) for item in page.items if not item.error]


def test_is_a_connector_and_needs_something_to_list() -> None:
    assert isinstance(RedditConnector(RedditOptions(query="x")), Connector)
    assert "luister sources add" in RedditConnector.example
    assert RedditOptions(subreddit="r/acme/").subreddit == "acme"
    with pytest.raises(ValueError, match="query, a subreddit"):
        RedditOptions()
    for field in RedditOptions.model_fields.values():
        assert field.description


def test_pages_with_after_and_maps_posts(httpserver: HTTPServer) -> None:
    serve(httpserver, NEW, "page1.json", listing_params())
    serve(httpserver, NEW, "page2.json", listing_params("t3_abc2"))
    first, second = collect(httpserver)
    httpserver.check_assertions()
    assert first.cursor == {"pending": {"after": "t3_abc2", "newest": "t3_abc3", "newest_utc": 1717581700.0}}
    assert second.cursor == {"newest": "t3_abc3", "newest_utc": 1717581700.0}
    self_post, link_post = mentions(first)
    assert self_post.external_id == "t3_abc3" and self_post.title == "Acme post abc3"
    assert self_post.text == "Acme support is **fast** & friendly"
    assert self_post.url == "https://www.reddit.com/r/acme/comments/abc3/acme_post/"
    assert (self_post.like_count, self_post.reply_count, self_post.author_handle) == (10, 2, "jane")
    assert self_post.published_at == datetime.fromtimestamp(1717581700, UTC)
    assert link_post.text == "https://acme.example/abc2"
    assert orjson.loads(link_post.raw)["data"]["subreddit"] == "acme"
    assert [m.external_id for m in mentions(second)] == ["t3_abc1", "t3_abc0"]


def test_search_uses_query_params(httpserver: HTTPServer) -> None:
    query = {"limit": "2", "raw_json": "1", "q": "acme", "sort": "new", "restrict_sr": "1"}
    serve(httpserver, "/r/acme/search.json", "page2.json", query)
    [page] = collect(httpserver, query="acme")
    httpserver.check_assertions()
    assert len(page.items) == 2
    serve(
        httpserver, "/search.json", "page2.json", {"limit": "2", "raw_json": "1", "q": "acme", "sort": "new"}
    )
    [page] = collect(httpserver, query="acme", subreddit=None)
    httpserver.check_assertions()


def test_resume_stops_at_the_saved_newest(httpserver: HTTPServer) -> None:
    serve(httpserver, NEW, "newer.json", listing_params())
    [page] = collect(httpserver, {"newest": "t3_abc3", "newest_utc": 1717581700.0})
    httpserver.check_assertions()
    assert [item.data["data"]["name"] for item in page.items] == ["t3_abc5", "t3_abc4"]
    assert page.cursor == {"newest": "t3_abc5", "newest_utc": 1717590000.0}
    assert len(httpserver.log) == 1  # reached the boundary: no second page


def test_restart_from_a_pending_cursor_continues_after(httpserver: HTTPServer) -> None:
    serve(httpserver, NEW, "page2.json", listing_params("t3_abc2"))
    cursor = {
        "newest": "t3_old",
        "newest_utc": 1717000000.0,
        "pending": {"after": "t3_abc2", "newest": "t3_abc3", "newest_utc": 1717581700.0},
    }
    [page] = collect(httpserver, cursor)
    httpserver.check_assertions()
    assert len(page.items) == 2 and page.cursor == {"newest": "t3_abc3", "newest_utc": 1717581700.0}


def test_max_pages_keeps_the_pending_after_for_the_next_run(httpserver: HTTPServer) -> None:
    serve(httpserver, NEW, "page1.json", listing_params())
    cursor = {"newest": "t3_old", "newest_utc": 1717000000.0}
    [page] = collect(httpserver, cursor, max_pages=1)
    assert page.cursor == {
        **cursor,
        "pending": {"after": "t3_abc2", "newest": "t3_abc3", "newest_utc": 1717581700.0},
    }


def test_retry_after_429_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(NEW).respond_with_data("", status=429, headers={"Retry-After": "3"})
    serve(httpserver, NEW, "page2.json", listing_params())
    sleeps = RecordedSleeps()
    [page] = collect(httpserver, sleeps=sleeps)
    assert sleeps == [3.0] and len(page.items) == 2


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<!DOCTYPE html><html><body>Our CDN was unable to reach our servers</body></html>", "HTML page"),
        (b'{"kind": "Listing", "data": {"children": [', "malformed JSON"),
        (b'{"error": 403, "message": "Forbidden"}', "not a Listing"),
    ],
)
def test_bad_bodies_give_an_empty_page_with_the_reason(
    httpserver: HTTPServer, body: bytes, reason: str
) -> None:
    httpserver.expect_request(NEW).respond_with_data(body, content_type=JSON)
    cursor = {"newest": "t3_old", "newest_utc": 1.0}
    [page] = collect(httpserver, cursor)
    assert page.items == [] and len(page.errors) == 1 and reason in page.errors[0]
    assert page.cursor == cursor


def test_comments_map_parent_and_thread_and_bad_items_are_quarantined(httpserver: HTTPServer) -> None:
    serve(httpserver, "/r/acme/comments.json", "comments.json", listing_params())
    [page] = collect(httpserver, comments=True)
    assert page.errors == ["page 1 item 2: item has no name or id", "page 1 item 3: unsupported kind 'more'"]
    reply, first = mentions(page)
    assert (reply.external_id, reply.parent_id, reply.thread_id) == ("t1_c2", "t1_c1", "t3_abc3")
    assert reply.text == "Agreed, Acme rocks." and reply.title == "Acme post abc3"
    assert (first.parent_id, first.thread_id) == ("t3_abc3", "t3_abc3")
    assert page.cursor == {"newest": "t1_c2", "newest_utc": 1717582000.0}
    with pytest.raises(MappingError):
        RedditConnector(RedditOptions(subreddit="acme")).map_item(page.items[1], fetched_at=FETCHED)


def test_http_failure_raises(httpserver: HTTPServer) -> None:
    httpserver.expect_request(NEW).respond_with_data("private", status=403)
    with pytest.raises(FetchError, match="HTTP 403"):
        collect(httpserver)


def test_map_item_is_pure() -> None:
    child = orjson.loads((DATA / "page1.json").read_bytes())["data"]["children"][0]
    item = RawItem(raw=orjson.dumps(child).decode(), position="page 1 item 1", data=child)
    connector = RedditConnector(RedditOptions(subreddit="acme"))
    assert connector.map_item(item, fetched_at=FETCHED) == connector.map_item(item, fetched_at=FETCHED)
