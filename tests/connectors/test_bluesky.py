from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer

from luister.connectors.base import Connector, Page
from luister.connectors.bluesky import BlueskyConnector, BlueskyOptions
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.net.http import FetchError, FetchPolicy, SafeHttp

DATA = Path(__file__).parent.parent / "data" / "bluesky"
FETCHED = datetime(2024, 7, 1, tzinfo=UTC)
PATH = "/xrpc/app.bsky.feed.searchPosts"
BASE = {"q": "acme", "sort": "latest", "limit": "2"}
DID1 = "did:plc:z72i7hdynmk6r22z27h6tvur"
NEWEST = "2024-06-04T10:06:00.000Z"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def collect(
    server: HTTPServer, cursor: dict[str, Any] | None = None, **options: Any
) -> tuple[list[Page], list[float], BlueskyConnector]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def run() -> tuple[list[Page], BlueskyConnector]:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=1), sleep=sleep) as http:
            opts = {"query": "acme", "service": server.url_for("/"), "limit": 2} | options
            connector = BlueskyConnector(BlueskyOptions(**opts), http=http)
            return [page async for page in connector.fetch(None, cursor)], connector

    pages, connector = asyncio.run(run())
    return pages, slept, connector


def mapper(**options: Any) -> BlueskyConnector:
    return BlueskyConnector(BlueskyOptions(**({"query": "acme"} | options)))


def mentions(page: Page) -> list[Mention]:
    return [mapper().map_item(item, fetched_at=FETCHED) for item in page.items if item.error is None]


def serve_pages(server: HTTPServer, **extra: str) -> None:
    for name, query in (("page1", {}), ("page2", {"cursor": "2"}), ("page3", {"cursor": "4"})):
        server.expect_request(PATH, query_string=BASE | extra | query).respond_with_data(
            data(f"{name}.json"), content_type="application/json"
        )


def test_is_a_connector_and_validates_options() -> None:
    assert isinstance(mapper(), Connector)
    assert "luister sources add" in BlueskyConnector.example
    assert mapper().options.service == "https://public.api.bsky.app"
    assert all(field.description for field in BlueskyOptions.model_fields.values())
    for bad in ({"query": " "}, {"query": "a", "limit": 101}, {"query": "a", "service": "nope"}):
        with pytest.raises(ValueError):
            BlueskyOptions(**bad)


def test_first_run_follows_the_cursor_to_the_end(httpserver: HTTPServer) -> None:
    serve_pages(httpserver)
    pages, slept, connector = collect(httpserver)
    assert [dict(request.args) for request, _ in httpserver.log] == [
        BASE,
        BASE | {"cursor": "2"},
        BASE | {"cursor": "4"},
    ]
    done = {"since": NEWEST, "seen": [f"at://{DID1}/app.bsky.feed.post/3ksix00000006"]}
    assert pages[0].cursor == {"page": "2", "next": done}
    assert pages[1].cursor == {"page": "4", "next": done}
    assert pages[2].cursor == done
    assert pages[1].errors == ["page 2 item 2: post lacks record.createdAt"]
    assert [m.text for page in pages for m in mentions(page)] == [
        "#acme levert weer te laat",
        "#acme bij mij ook",
        "#acme derde bericht",
        "#acme eerste",
    ]
    assert slept == [] and connector.health().ok


def test_first_run_stops_at_max_pages_and_finishes_the_walk(httpserver: HTTPServer) -> None:
    serve_pages(httpserver)
    pages, _, _ = collect(httpserver, max_pages=2)
    assert len(httpserver.log) == 2
    assert pages[-1].cursor == {"since": NEWEST, "seen": [f"at://{DID1}/app.bsky.feed.post/3ksix00000006"]}


def test_resume_passes_since_and_skips_what_was_stored(httpserver: HTTPServer) -> None:
    saved = {"since": NEWEST, "seen": [f"at://{DID1}/app.bsky.feed.post/3ksix00000006"]}
    httpserver.expect_request(PATH, query_string=BASE | {"since": NEWEST, "lang": "nl"}).respond_with_data(
        data("newer.json"), content_type="application/json"
    )
    [page], _, _ = collect(httpserver, saved, lang="nl")
    assert [m.text for m in mentions(page)] == ["#acme nieuw"]  # the post at `since` itself is skipped
    assert page.cursor == {
        "since": "2024-06-04T11:00:00.000Z",
        "seen": ["at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3knew00000008"],
    }


def test_a_later_run_cut_short_resumes_its_walk_without_loss(httpserver: HTTPServer) -> None:
    old = {"since": "2024-06-04T09:00:00.000Z", "seen": []}
    serve_pages(httpserver, since=old["since"])  # type: ignore[arg-type]
    pages, _, _ = collect(httpserver, old, max_pages=1)
    done = {"since": NEWEST, "seen": [f"at://{DID1}/app.bsky.feed.post/3ksix00000006"]}
    assert pages[-1].cursor == {"since": old["since"], "seen": [], "page": "2", "next": done}

    pages, _, _ = collect(httpserver, pages[-1].cursor)
    assert [dict(request.args)["cursor"] for request, _ in httpserver.log[1:]] == ["2", "4"]
    assert all(dict(request.args)["since"] == old["since"] for request, _ in httpserver.log)
    assert pages[-1].cursor == done
    assert [m.text for page in pages for m in mentions(page)] == ["#acme derde bericht", "#acme eerste"]


def test_429_with_retry_after_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data(
        "slow", status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_request(PATH).respond_with_data(data("page3.json"), content_type="application/json")
    [page], slept, _ = collect(httpserver)
    assert slept == [3.0] and len(page.items) == 1


def test_500_then_success_and_persistent_500_raises(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(PATH).respond_with_data("oops", status=500)
    httpserver.expect_request(PATH).respond_with_data(data("page3.json"), content_type="application/json")
    [page], slept, _ = collect(httpserver)
    assert len(slept) == 1 and len(page.items) == 1

    httpserver.clear()
    httpserver.expect_request(PATH).respond_with_data("oops", status=502)
    with pytest.raises(FetchError, match="HTTP 502"):
        collect(httpserver)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", "HTML page"),
        (b'{"posts": [{"uri": "at:', "application/json", "malformed JSON"),
        (b'{"error": "InvalidRequest", "message": "x"}', "application/json", "unexpected response shape"),
        (b"[]", "application/json", "unexpected response shape"),
    ],
)
def test_bad_bodies_give_an_empty_page_with_the_reason(
    httpserver: HTTPServer, body: bytes, content_type: str, reason: str
) -> None:
    saved = {"since": NEWEST, "seen": []}
    httpserver.expect_request(PATH).respond_with_data(body, content_type=content_type)
    [page], _, connector = collect(httpserver, saved)
    assert page.items == [] and len(page.errors) == 1 and reason in page.errors[0]
    assert page.cursor == saved and not connector.health().ok


def test_an_item_missing_fields_is_quarantined_while_others_map(httpserver: HTTPServer) -> None:
    serve_pages(httpserver)
    pages, _, _ = collect(httpserver)
    broken = pages[1].items[1]
    assert broken.error == "post lacks record.createdAt" and broken.position == "page 2 item 2"
    with pytest.raises(MappingError):
        mapper().map_item(broken, fetched_at=FETCHED)
    assert len(mentions(pages[1])) == 1


def _item(post: dict[str, Any]) -> RawItem:
    return RawItem(raw=orjson.dumps(post).decode(), position="page 1 item 1", data=post)


def test_map_item_and_replies() -> None:
    first, reply = orjson.loads(data("page1.json"))["posts"]
    mention = mapper(channel="social").map_item(_item(first), fetched_at=FETCHED)
    assert mention.key == ("social", f"at://{DID1}/app.bsky.feed.post/3ksix00000006")
    assert mention.url == "https://bsky.app/profile/sanne.bsky.social/post/3ksix00000006"
    assert (mention.author_handle, mention.author_name) == ("sanne.bsky.social", "Sanne")
    assert mention.published_at == datetime(2024, 6, 4, 10, 6, tzinfo=UTC)
    assert (mention.like_count, mention.share_count, mention.reply_count) == (5, 2, 1)
    assert mention.language == "nl" and mention.parent_id is None and mention.thread_id is None
    raw = orjson.loads(mention.raw)
    assert raw["author"]["did"] == DID1 and raw["quoteCount"] == 1 and raw["embed"]["images"]

    answer = mapper().map_item(_item(reply), fetched_at=FETCHED)
    assert answer.parent_id == "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3kparent0000a"
    assert answer.thread_id == f"at://{DID1}/app.bsky.feed.post/3kroot00000aa"


def test_map_item_is_pure() -> None:
    post = orjson.loads(data("page1.json"))["posts"][1]
    item = _item(post)
    assert mapper().map_item(item, fetched_at=FETCHED) == mapper().map_item(item, fetched_at=FETCHED)
    assert item.data == post


def test_fetch_without_http_client_is_a_clear_error() -> None:
    async def run() -> None:
        [page async for page in mapper().fetch(None, None)]

    with pytest.raises(Exception, match="HTTP client"):
        asyncio.run(run())


def test_links_are_the_facets_full_uris_and_invalid_handles_their_dids() -> None:
    """Issue #24 defects 10 and 5: shortened link displays, ``handle.invalid`` authors, BCP-47 langs."""
    posts = orjson.loads(data("facets_invalid_handles.json"))["posts"]
    linked, gone, other = (mapper().map_item(_item(post), fetched_at=FETCHED) for post in posts)
    assert linked.text == (
        "Storing bij Acmé: zie https://nieuws.example/acme-storing-in-het-hele-land?utm_source=bsky "
        "en 🔌 https://status.example/"
    )
    assert (linked.language, gone.language) == ("es", "zh")
    assert gone.author_handle == "did:plc:gone999" and other.author_handle == "did:plc:gone888"
    assert gone.url == "https://bsky.app/profile/did:plc:gone999/post/3kxyzabc2"
