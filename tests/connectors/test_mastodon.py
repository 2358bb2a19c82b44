from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer

from luister.connectors.base import Connector, Page
from luister.connectors.mastodon import MastodonConnector, MastodonOptions
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.net.http import FetchError, FetchPolicy, SafeHttp

DATA = Path(__file__).parent.parent / "data" / "mastodon"
FETCHED = datetime(2024, 7, 1, tzinfo=UTC)
TAG_PATH = "/api/v1/timelines/tag/acme"
SEARCH_PATH = "/api/v2/search"
ID = "11250000000000000"  # + one digit: the fixtures' ids are 112500000000000001 … 09


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def link(server: HTTPServer, older: str | None, newer: str | None, path: str = TAG_PATH) -> dict[str, str]:
    parts = []
    if older:
        parts.append(f'<{server.url_for(path)}?max_id={older}>; rel="next"')
    if newer:
        parts.append(f'<{server.url_for(path)}?min_id={newer}>; rel="prev"')
    return {"Link": ", ".join(parts)} if parts else {}


def collect(
    server: HTTPServer, cursor: dict[str, Any] | None = None, *, retries: int = 1, **options: Any
) -> tuple[list[Page], list[float], MastodonConnector]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def run() -> tuple[list[Page], MastodonConnector]:
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=retries)
        async with SafeHttp(policy, sleep=sleep) as http:
            opts = {"instance": server.url_for("/"), "tag": "acme", "limit": 2} | options
            connector = MastodonConnector(MastodonOptions(**opts), http=http)
            return [page async for page in connector.fetch(None, cursor)], connector

    pages, connector = asyncio.run(run())
    return pages, slept, connector


def mapper(**options: Any) -> MastodonConnector:
    return MastodonConnector(
        MastodonOptions(**({"instance": "https://mastodon.example", "tag": "acme"} | options))
    )


def mentions(page: Page) -> list[Mention]:
    connector = mapper()
    return [connector.map_item(item, fetched_at=FETCHED) for item in page.items if item.error is None]


def serve_backfill(server: HTTPServer) -> None:
    server.expect_request(TAG_PATH, query_string={"limit": "2"}).respond_with_data(
        data("page1.json"), content_type="application/json", headers=link(server, ID + "5", ID + "6")
    )
    server.expect_request(TAG_PATH, query_string={"limit": "2", "max_id": ID + "5"}).respond_with_data(
        data("page2.json"), content_type="application/json", headers=link(server, ID + "3", ID + "4")
    )
    server.expect_request(TAG_PATH, query_string={"limit": "2", "max_id": ID + "3"}).respond_with_data(
        data("page3.json"), content_type="application/json", headers=link(server, ID + "1", ID + "2")
    )
    server.expect_request(TAG_PATH, query_string={"limit": "2", "max_id": ID + "1"}).respond_with_json([])


def test_is_a_connector_and_validates_options() -> None:
    assert isinstance(mapper(), Connector)
    assert "luister sources add" in MastodonConnector.example
    assert mapper(tag="#acme").options.tag == "acme"
    assert all(field.description for field in MastodonOptions.model_fields.values())
    for bad in (
        {"instance": "not a url", "tag": "acme"},
        {"instance": "https://m.example"},  # neither tag nor query
        {"instance": "https://m.example", "tag": "a", "query": "b", "token": "t"},
        {"instance": "https://m.example", "query": "acme"},  # search needs a token
        {"instance": "https://m.example", "tag": "acme", "limit": 41},
    ):
        with pytest.raises(ValueError):
            MastodonOptions(**bad)


def test_first_run_walks_back_with_max_id_and_counts_boosts_once(httpserver: HTTPServer) -> None:
    serve_backfill(httpserver)
    pages, slept, connector = collect(httpserver)
    assert [dict(request.args) for request, _ in httpserver.log] == [
        {"limit": "2"},
        {"limit": "2", "max_id": ID + "5"},
        {"limit": "2", "max_id": ID + "3"},
        {"limit": "2", "max_id": ID + "1"},
    ]
    assert [page.cursor for page in pages] == [
        {"since_id": ID + "6", "max_id": ID + "5"},
        {"since_id": ID + "6", "max_id": ID + "3"},
        {"since_id": ID + "6", "max_id": ID + "1"},
        {"since_id": ID + "6"},
    ]
    assert [item.position for item in pages[0].items] == ["page 1 item 1", "page 1 item 2"]
    # two boosts of one original on page 2, and the original itself on page 3: one mention
    assert len(pages[1].items) == 1 and [item.error for item in pages[2].items] == ["status lacks account"]
    assert pages[2].errors == ["page 3 item 1: status lacks account"]
    keys = [m.external_id for page in pages for m in mentions(page)]
    assert keys == [ID + "6", ID + "5", ID + "1"]
    assert slept == [] and connector.health().ok


def test_stops_at_max_pages(httpserver: HTTPServer) -> None:
    serve_backfill(httpserver)
    pages, _, _ = collect(httpserver, max_pages=2)
    assert len(httpserver.log) == 2
    assert pages[-1].cursor == {"since_id": ID + "6"}  # the bounded first walk is finished


def test_resume_mid_backfill_continues_the_walk(httpserver: HTTPServer) -> None:
    serve_backfill(httpserver)
    pages, _, _ = collect(httpserver, {"since_id": ID + "6", "max_id": ID + "3"})
    assert [dict(request.args) for request, _ in httpserver.log] == [
        {"limit": "2", "max_id": ID + "3"},
        {"limit": "2", "max_id": ID + "1"},
    ]
    assert pages[-1].cursor == {"since_id": ID + "6"}


def test_later_runs_fetch_only_newer_with_min_id(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TAG_PATH, query_string={"limit": "2", "min_id": ID + "6"}).respond_with_data(
        data("newer.json"), content_type="application/json", headers=link(httpserver, ID + "8", ID + "9")
    )
    httpserver.expect_request(TAG_PATH, query_string={"limit": "2", "min_id": ID + "9"}).respond_with_json([])
    pages, _, _ = collect(httpserver, {"since_id": ID + "6"})
    assert [dict(request.args) for request, _ in httpserver.log] == [
        {"limit": "2", "min_id": ID + "6"},
        {"limit": "2", "min_id": ID + "9"},
    ]
    assert [page.cursor for page in pages] == [{"since_id": ID + "9"}, {"since_id": ID + "9"}]
    assert [m.external_id for m in mentions(pages[0])] == [ID + "9", ID + "8"]
    assert pages[1].items == []


def test_a_short_page_ends_the_forward_walk(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TAG_PATH, query_string={"limit": "40", "min_id": ID + "6"}).respond_with_data(
        data("newer.json"), content_type="application/json"
    )
    pages, _, _ = collect(httpserver, {"since_id": ID + "6"}, limit=40)
    assert len(httpserver.log) == 1 and pages[0].cursor == {"since_id": ID + "9"}


def test_search_sends_the_token_in_the_header_only(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        SEARCH_PATH,
        headers={"Authorization": "Bearer s3cret-token"},
        query_string={"q": "acme klantenservice", "type": "statuses", "resolve": "false", "limit": "2"},
    ).respond_with_data(data("search.json"), content_type="application/json")
    search = {"q": "acme klantenservice", "type": "statuses", "resolve": "false", "limit": "2"}
    httpserver.expect_request(
        SEARCH_PATH,
        headers={"Authorization": "Bearer s3cret-token"},
        query_string=search | {"max_id": ID + "5"},
    ).respond_with_data(b"<html><body>Bad gateway</body></html>", content_type="text/html")
    pages, _, _ = collect(httpserver, tag=None, query="acme klantenservice", token="s3cret-token")
    assert [m.external_id for m in mentions(pages[0])] == [ID + "6", ID + "5"]
    assert pages[0].cursor == {"since_id": ID + "6", "max_id": ID + "5"}  # no Link header: the oldest id
    assert pages[1].items == [] and "HTML page" in pages[1].errors[0]
    assert pages[1].cursor == pages[0].cursor  # an unreadable page keeps the saved cursor
    text = repr(pages)
    assert "s3cret" not in text


def test_429_with_retry_after_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(TAG_PATH).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_request(TAG_PATH).respond_with_data(data("newer.json"), content_type="application/json")
    pages, slept, _ = collect(httpserver, {"since_id": ID + "6"}, limit=40)
    assert slept == [7.0]
    assert len(pages[0].items) == 2 and len(httpserver.log) == 2


def test_500_then_success_and_persistent_500_raises(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request(TAG_PATH).respond_with_data("oops", status=500)
    httpserver.expect_request(TAG_PATH).respond_with_data(data("newer.json"), content_type="application/json")
    pages, slept, _ = collect(httpserver, {"since_id": ID + "6"}, limit=40)
    assert len(slept) == 1 and len(pages[0].items) == 2

    httpserver.clear()
    httpserver.expect_request(TAG_PATH).respond_with_data("oops", status=503)
    with pytest.raises(FetchError, match="HTTP 503"):
        collect(httpserver, {"since_id": ID + "6"}, limit=40)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>", "text/html", "HTML page"),
        (b'[{"id": "1125', "application/json", "malformed JSON"),
        (b'{"error": "Record not found"}', "application/json", "unexpected response shape"),
        (b"", "application/json", "empty"),
    ],
)
def test_bad_bodies_give_an_empty_page_with_the_reason(
    httpserver: HTTPServer, body: bytes, content_type: str, reason: str
) -> None:
    httpserver.expect_request(TAG_PATH).respond_with_data(body, content_type=content_type)
    pages, _, connector = collect(httpserver, {"since_id": ID + "6"})
    [page] = pages
    assert page.items == [] and len(page.errors) == 1 and reason in page.errors[0]
    assert page.cursor == {"since_id": ID + "6"}
    assert not connector.health().ok


def test_items_of_the_wrong_kind_are_quarantined_while_others_map(httpserver: HTTPServer) -> None:
    statuses = orjson.loads(data("newer.json"))
    httpserver.expect_request(TAG_PATH).respond_with_json([42, statuses[0], {"id": "x"}])
    [page], _, _ = collect(httpserver, {"since_id": ID + "6"}, limit=40)
    assert [item.error is None for item in page.items] == [False, True, False]
    assert len(page.errors) == 2 and page.cursor == {"since_id": ID + "9"}
    with pytest.raises(MappingError):
        mapper().map_item(page.items[0], fetched_at=FETCHED)


def _item(status: dict[str, Any]) -> RawItem:
    return RawItem(raw=orjson.dumps(status).decode(), position="page 1 item 1", data=status)


def test_map_item() -> None:
    first, reply = orjson.loads(data("page1.json"))
    mention = mapper(channel="fediverse").map_item(_item(first), fetched_at=FETCHED)
    assert mention.key == ("fediverse", ID + "6")
    assert mention.text == "Acme levert weer te laat #acme"
    assert mention.title is None
    assert mention.url == f"https://mastodon.example/@x/{ID}6"
    assert (mention.author_handle, mention.author_name) == ("@sanne@mastodon.example", "Sanne de Vries")
    assert mention.author_followers == 120 and mention.language == "nl"
    assert mention.published_at == datetime(2024, 6, 4, 10, 50, tzinfo=UTC)
    assert (mention.like_count, mention.share_count, mention.reply_count) == (3, 2, 1)
    assert orjson.loads(mention.raw)["media_attachments"][0]["type"] == "image"

    answer = mapper().map_item(_item(reply), fetched_at=FETCHED)
    assert answer.parent_id == ID + "4" and answer.author_handle == "@piet@social.example.nl"


def test_boosts_map_to_their_original() -> None:
    boost1, boost2 = orjson.loads(data("page2.json"))
    one = mapper().map_item(_item(boost1), fetched_at=FETCHED)
    two = mapper().map_item(_item(boost2), fetched_at=FETCHED)
    original = mapper().map_item(_item(orjson.loads(data("page3.json"))[1]), fetched_at=FETCHED)
    assert one.key == two.key == original.key == ("mastodon", ID + "1")
    assert one.text == original.text == "Origineel bericht over Acme klantenservice #acme"
    assert one.title == "Klacht" and one.author_handle == "@sanne@mastodon.example"
    assert orjson.loads(one.raw)["account"]["acct"] == "booster"  # the boost itself stays in raw


def test_map_item_is_pure() -> None:
    first = orjson.loads(data("page1.json"))[0]
    item = _item(first)
    assert mapper().map_item(item, fetched_at=FETCHED) == mapper().map_item(item, fetched_at=FETCHED)
    assert item.data == first  # not changed by mapping


def test_check_credentials(httpserver: HTTPServer) -> None:
    httpserver.expect_request(TAG_PATH, query_string={"limit": "1"}).respond_with_data(
        data("newer.json"), content_type="application/json"
    )

    async def run() -> bool:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}))) as http:
            options = MastodonOptions(instance=httpserver.url_for("/"), tag="acme")
            return (await MastodonConnector(options, http=http).check_credentials()).ok

    assert asyncio.run(run())


def test_fetch_without_http_client_is_a_clear_error() -> None:
    async def run() -> None:
        [page async for page in mapper().fetch(None, None)]

    with pytest.raises(Exception, match="HTTP client"):
        asyncio.run(run())


def test_media_only_and_link_only_posts_keep_their_descriptions() -> None:
    """Issue #24 defect 6: a video with a description and a bare link card are not "no text"."""
    video, link = (
        mapper().map_item(_item(s), fetched_at=FETCHED) for s in orjson.loads(data("media_only.json"))
    )
    assert video.text == "Filmpje: de Acme-laadpaal geeft foutcode E42 en weigert te laden"
    assert link.text == "Acme haalt duizend laadpalen offline"
