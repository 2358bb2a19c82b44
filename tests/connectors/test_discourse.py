from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import ValidationError
from pytest_httpserver import HTTPServer

from luister.connectors.base import Connector, Page
from luister.connectors.discourse import DiscourseConnector, DiscourseOptions
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.net.http import FetchError, FetchPolicy, SafeHttp

DATA = Path(__file__).parent.parent / "data" / "discourse"
FETCHED = datetime(2024, 7, 1, tzinfo=UTC)
JSON = "application/json"
A = "2024-06-05T10:00:00.000Z"  # newest last_posted_at of latest.json
B = "2024-06-04T09:00:00.000Z"
C = "2024-06-07T12:00:00.000Z"  # newest of latest_later.json
KEY = "sekrit-api-key-123"


def serve(server: HTTPServer, path: str, name: str, query: dict[str, str] | None = None) -> None:
    server.expect_ordered_request(path, query_string=query).respond_with_data(
        (DATA / name).read_bytes(), content_type=JSON
    )


def serve_first_run(server: HTTPServer) -> None:
    serve(server, "/latest.json", "latest.json")
    serve(server, "/t/102.json", "t_102.json")
    serve(server, "/t/102/posts.json", "t_102_posts.json", {"post_ids[]": "2003"})
    serve(server, "/t/101.json", "t_101.json")


class Sleeps(list[float]):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def collect(
    server: HTTPServer,
    cursor: dict[str, Any] | None = None,
    *,
    sleeps: Sleeps | None = None,
    stop_after: int | None = None,
    query: str | None = None,
    **options: Any,
) -> list[Page]:
    async def run() -> list[Page]:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=2)
        async with SafeHttp(policy, sleep=sleeps if sleeps is not None else Sleeps()) as http:
            opts = DiscourseOptions(url=server.url_for("/"), **options)
            pages: list[Page] = []
            async for page in DiscourseConnector(opts, http=http).fetch(query, cursor):
                pages.append(page)
                if stop_after is not None and len(pages) == stop_after:
                    break  # as if the process died after storing this page
            return pages

    return asyncio.run(run())


def connector() -> DiscourseConnector:
    return DiscourseConnector(DiscourseOptions(url="https://forum.example.org/"))


def mentions(pages: list[Page]) -> list[Mention]:
    return [
        connector().map_item(item, fetched_at=FETCHED) for p in pages for item in p.items if not item.error
    ]


def ids(pages: list[Page]) -> list[str]:
    return [m.external_id for m in mentions(pages)]


def test_is_a_connector_with_described_options() -> None:
    assert isinstance(connector(), Connector)
    assert "luister sources add" in DiscourseConnector.example
    for field in DiscourseOptions.model_fields.values():
        assert field.description
    with pytest.raises(ValidationError):
        DiscourseOptions(url="ftp://forum.example.org")
    with pytest.raises(ValidationError, match="together"):
        DiscourseOptions(url="https://forum.example.org", api_key="k")


def test_first_run_reads_both_topics_one_page_each(httpserver: HTTPServer) -> None:
    serve_first_run(httpserver)
    first, second = collect(httpserver, max_topics=2)  # the newest two; not the old pinned topic 7
    httpserver.check_assertions()
    assert first.cursor == {"pending": [101], "next_since": A}
    assert second.cursor == {"since": A}
    assert second.errors == []
    assert [m.external_id for m in mentions([first])] == ["102/1", "102/3"]
    assert ids([second]) == ["101/1", "101/2", "101/3"]
    op, reply, nested = mentions([second])
    assert op.title == "Acme widgets keep crashing" and reply.title is None
    assert op.text == "My Acme widget crashes & burns.\n\nAny ideas?"
    assert op.url == "https://forum.example.org/t/acme-widgets-keep-crashing/101/1"
    assert (op.author_handle, op.author_name) == ("alice", "Alice A")
    assert op.published_at == datetime(2024, 6, 5, 8, tzinfo=UTC)
    assert (op.like_count, op.reply_count, op.view_count) == (4, 1, 50)
    assert (op.parent_id, op.thread_id) == (None, "101/1")
    assert (reply.parent_id, reply.thread_id) == ("101/1", "101/1")
    assert (nested.parent_id, nested.thread_id) == ("101/2", "101/1")
    assert nested.author_name is None and nested.like_count == 1
    assert orjson.loads(op.raw)["topic"] == {
        "id": 101,
        "title": "Acme widgets keep crashing",
        "slug": "acme-widgets-keep-crashing",
    }
    late = mentions([first])[1]  # read through posts.json (beyond the first posts of the stream)
    assert late.text == "About 10 euro." and late.like_count == 2 and late.parent_id == "102/1"


def test_a_post_missing_fields_is_quarantined_while_others_map(httpserver: HTTPServer) -> None:
    serve_first_run(httpserver)
    first, _ = collect(httpserver, max_topics=2)
    assert first.errors == ["topic 102 item 2: post lacks created_at"]
    good, bad, late = first.items
    assert bad.error and "ghost post" in bad.raw
    with pytest.raises(MappingError):
        connector().map_item(bad, fetched_at=FETCHED)
    assert connector().map_item(good, fetched_at=FETCHED).text == "How much is Acme Pro?"
    assert late.error is None


def test_restart_after_a_crash_continues_with_the_pending_topic(httpserver: HTTPServer) -> None:
    serve_first_run(httpserver)
    before = collect(httpserver, stop_after=1, max_topics=2)
    httpserver.check_assertions()
    assert before[0].cursor == {"pending": [101], "next_since": A}
    httpserver.clear()
    serve(httpserver, "/t/101.json", "t_101.json")  # no list request: only the topic left
    after = collect(httpserver, before[0].cursor)
    httpserver.check_assertions()
    assert [p.cursor for p in after] == [{"since": A}]
    stored = ids(before) + ids(after)
    assert stored == ["102/1", "102/3", "101/1", "101/2", "101/3"]
    assert len(set(stored)) == len(stored)


def test_later_run_reads_only_topics_with_newer_posts(httpserver: HTTPServer) -> None:
    serve(httpserver, "/latest.json", "latest_later.json")  # stops at 102: no ?page=1 although offered
    serve(httpserver, "/t/101.json", "t_101.json")  # oldest activity first
    serve(httpserver, "/t/103.json", "t_103.json")
    first, second = collect(httpserver, {"since": A})
    httpserver.check_assertions()
    assert first.cursor == {"since": A, "pending": [103], "next_since": C}
    assert second.cursor == {"since": C}
    assert ids([second]) == ["103/1"]


def test_max_topics_leaves_the_newest_for_the_next_run(httpserver: HTTPServer) -> None:
    serve(httpserver, "/latest.json", "latest_later.json")
    serve(httpserver, "/t/101.json", "t_101.json")
    [page] = collect(httpserver, {"since": A}, max_topics=1)
    httpserver.check_assertions()
    assert page.cursor == {"since": "2024-06-06T11:00:00.000Z"}  # 103 is newer: the next run takes it


def test_nothing_new_keeps_the_cursor(httpserver: HTTPServer) -> None:
    serve(httpserver, "/latest.json", "latest.json")
    [page] = collect(httpserver, {"since": A})
    assert page.items == [] and page.cursor == {"since": A} and page.errors == []


def test_category_and_search_modes(httpserver: HTTPServer) -> None:
    serve(httpserver, "/c/support/l/latest.json", "latest_later.json")
    serve(httpserver, "/t/101.json", "t_101.json")
    serve(httpserver, "/t/103.json", "t_103.json")
    assert len(collect(httpserver, {"since": A}, category="support")) == 2
    httpserver.check_assertions()
    httpserver.clear()
    serve(httpserver, "/search.json", "search.json", {"q": "acme order:latest", "page": "1"})
    serve(httpserver, "/t/101.json", "t_101.json")
    [page] = collect(httpserver, query="acme")
    httpserver.check_assertions()
    assert page.cursor == {"since": A}
    assert [m.text for m in mentions([page])][2] == "Update the firmware."  # full post, not the blurb


def test_retry_after_429_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/latest.json").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "3"}
    )
    serve(httpserver, "/latest.json", "latest.json")
    serve(httpserver, "/t/101.json", "t_101.json")
    sleeps = Sleeps()
    [page] = collect(httpserver, {"since": B}, sleeps=sleeps)
    assert sleeps == [3.0] and page.cursor == {"since": A} and len(page.items) == 3


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ((DATA / "error.html").read_bytes(), "text/html", "HTML page"),
        (b'{"topic_list": {"topics": [', JSON, "malformed JSON"),
        (b'{"errors": ["nope"]}', JSON, "no topic_list.topics"),
        (b"[]", JSON, "not an object"),
        (b"", JSON, "empty"),
    ],
)
def test_bad_list_gives_an_error_page_and_keeps_the_cursor(
    httpserver: HTTPServer, body: bytes, content_type: str, reason: str
) -> None:
    httpserver.expect_request("/latest.json").respond_with_data(body, content_type=content_type)
    [page] = collect(httpserver, {"since": A})
    assert page.items == [] and len(page.errors) == 1 and reason in page.errors[0]
    assert page.cursor == {"since": A}


def test_html_topic_page_keeps_earlier_topics_and_the_topic_pending(httpserver: HTTPServer) -> None:
    serve(httpserver, "/latest.json", "latest.json")
    serve(httpserver, "/t/102.json", "t_102.json")
    serve(httpserver, "/t/102/posts.json", "t_102_posts.json")
    httpserver.expect_ordered_request("/t/101.json").respond_with_data(
        (DATA / "error.html").read_bytes(), content_type="text/html"
    )
    first, second = collect(httpserver, max_topics=2)
    assert ids([first]) == ["102/1", "102/3"]
    assert second.items == [] and "topic 101: not JSON: got an HTML page" in second.errors[0]
    assert second.cursor == {"pending": [101], "next_since": A}


def test_deleted_topic_is_skipped_and_server_errors_raise(httpserver: HTTPServer) -> None:
    cursor = {"since": B, "pending": [999, 101], "next_since": A}
    httpserver.expect_ordered_request("/t/999.json").respond_with_data("gone", status=404)
    serve(httpserver, "/t/101.json", "t_101.json")
    gone, done = collect(httpserver, cursor)
    assert gone.items == [] and "HTTP 404" in gone.errors[0]
    assert gone.cursor == {"since": B, "pending": [101], "next_since": A} and done.cursor == {"since": A}
    httpserver.clear()
    httpserver.expect_request("/t/101.json").respond_with_data("down", status=503)
    with pytest.raises(FetchError, match="503"):
        collect(httpserver, cursor | {"pending": [101]})


def test_api_key_goes_in_headers_only(httpserver: HTTPServer) -> None:
    auth = {"Api-Key": KEY, "Api-Username": "system"}
    httpserver.expect_ordered_request("/latest.json", headers=auth).respond_with_data(
        (DATA / "latest.json").read_bytes(), content_type=JSON
    )
    httpserver.expect_ordered_request("/t/101.json", headers=auth).respond_with_data(
        (DATA / "t_101.json").read_bytes(), content_type=JSON
    )
    [page] = collect(httpserver, {"since": B}, api_key=KEY, api_username="system")
    httpserver.check_assertions()
    assert all(KEY not in item.raw for item in page.items)
    assert all("api_key" not in request.url.lower() for request, _ in httpserver.log)
    httpserver.clear()
    httpserver.expect_request("/latest.json").respond_with_data("forbidden", status=403)
    with pytest.raises(FetchError) as failure:
        collect(httpserver, api_key=KEY, api_username="system")
    assert KEY not in str(failure.value)

    async def check() -> str:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}))) as http:
            opts = DiscourseOptions(url=httpserver.url_for("/"), api_key=KEY, api_username="system")
            found = DiscourseConnector(opts, http=http)
            health = await found.check_credentials()
            assert not health.ok
            return health.detail

    assert KEY not in asyncio.run(check())


def test_map_item_is_pure_and_rejects_broken_items() -> None:
    body = orjson.loads((DATA / "t_101.json").read_bytes())
    data = {
        "topic": {"id": 101, "title": body["title"], "slug": body["slug"]},
        "post": body["post_stream"]["posts"][2],
    }
    item = RawItem(raw=orjson.dumps(data).decode(), position="topic 101 item 3", data=data)
    before = orjson.dumps(data)
    assert connector().map_item(item, fetched_at=FETCHED) == connector().map_item(item, fetched_at=FETCHED)
    assert orjson.dumps(data) == before
    with pytest.raises(MappingError):
        connector().map_item(RawItem(raw="[]", position="x", data=[]), fetched_at=FETCHED)
    with pytest.raises(MappingError):
        connector().map_item(RawItem(raw="{}", position="x", data={"post": {}}), fetched_at=FETCHED)


def test_check_credentials(httpserver: HTTPServer) -> None:
    serve(httpserver, "/latest.json", "latest.json")

    async def run() -> bool:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}))) as http:
            opts = DiscourseOptions(url=httpserver.url_for("/"))
            return (await DiscourseConnector(opts, http=http).check_credentials()).ok

    assert asyncio.run(run())


def test_quotes_previews_and_image_metadata_are_not_the_authors_words() -> None:
    """Issue #24 defects 2 and 6: a post's text is what its author wrote; a post that is only a link or
    a picture is its link or the picture's description, not "no text"."""
    body = orjson.loads((DATA / "t_104_quotes.json").read_bytes())
    topic = {"id": 104, "title": body["title"], "slug": body["slug"]}
    texts = []
    for post in body["post_stream"]["posts"]:
        data = {"topic": topic, "post": post}
        item = RawItem(raw=orjson.dumps(data).decode(), position="topic 104", data=data)
        texts.append(connector().map_item(item, fetched_at=FETCHED).text)
    assert texts == [
        "Bij mij werkt Acme Pro prima :slight_smile:",
        "https://nieuws.example/acme-pro-prijs",
        "Foutmelding in Acme Pro",
    ]
