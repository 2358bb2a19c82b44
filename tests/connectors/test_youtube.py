from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import ValidationError
from pytest_httpserver import HTTPServer

from luister.connectors.base import Connector, Health, Page
from luister.connectors.youtube import YouTubeConnector, YouTubeOptions
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention
from luister.domain.sources import masked
from luister.net.http import FetchError, FetchPolicy, SafeHttp
from luister.plugins import load_plugins
from luister.testing import RecordedSleeps

DATA = Path(__file__).parent.parent / "data" / "youtube"
FETCHED = datetime(2024, 7, 1, tzinfo=UTC)
PATH = "/youtube/v3/commentThreads"
JSON = "application/json"
KEY = "AIzaSyFAKE-test-key-0123456789abcdefgh"
VIDEO = "Vx4cmeAcme1"
TOKEN = "QURTSl9pM2xWd0JfSzhTRnZBbUE6MQ"
T1, T2, T3, T4 = (f"Ug{c}T{n}acmeWidgetsThread{n}AaABAg" for c, n in (("y", 1), ("w", 2), ("z", 3), ("x", 4)))
KEY_HEADER = {"X-Goog-Api-Key": KEY}
REPLY_1, REPLY_2 = f"{T3}.9zReplyOne00", f"{T3}.9zReplyTwo00"


def params(token: str | None = None, **extra: str) -> dict[str, str]:
    query = {
        "part": "snippet,replies",
        "videoId": VIDEO,
        "maxResults": "100",
        "order": "time",
        "textFormat": "plainText",
        **extra,
    }
    if token:
        query["pageToken"] = token
    return query


def serve(server: HTTPServer, name: str, query: dict[str, str]) -> None:
    server.expect_ordered_request(PATH, query_string=query, headers=KEY_HEADER).respond_with_data(
        (DATA / name).read_bytes(), content_type=JSON
    )


def options(server: HTTPServer | None = None, **extra: Any) -> YouTubeOptions:
    extra.setdefault("video_id", VIDEO)
    api = {"api": server.url_for("")} if server is not None else {}
    return YouTubeOptions(api_key=KEY, **api, **extra)


def run_fetch(
    server: HTTPServer,
    cursor: dict[str, Any] | None = None,
    *,
    query: str | None = None,
    sleeps: RecordedSleeps | None = None,
    **extra: Any,
) -> tuple[list[Page], BaseException | None]:
    """The pages a run yields, and the exception that ended it early, if any."""

    async def run() -> tuple[list[Page], BaseException | None]:
        pages: list[Page] = []
        policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=2)
        async with SafeHttp(policy, sleep=sleeps if sleeps is not None else RecordedSleeps()) as http:
            connector = YouTubeConnector(options(server, **extra), http=http)
            try:
                async for page in connector.fetch(query, cursor):
                    pages.append(page)
            except FetchError as exc:
                return pages, exc
        return pages, None

    return asyncio.run(run())


def collect(server: HTTPServer, cursor: dict[str, Any] | None = None, **extra: Any) -> list[Page]:
    pages, failure = run_fetch(server, cursor, **extra)
    assert failure is None
    return pages


def check(server: HTTPServer) -> Health:
    async def run() -> Health:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=0)) as http:
            return await YouTubeConnector(options(server), http=http).check_credentials()

    return asyncio.run(run())


def mentions(page: Page) -> list[Mention]:
    connector = YouTubeConnector(options())
    return [connector.map_item(item, fetched_at=FETCHED) for item in page.items if not item.error]


def ids(pages: list[Page]) -> list[str]:
    return [mention.external_id for page in pages for mention in mentions(page)]


def test_is_a_registered_connector() -> None:
    assert isinstance(YouTubeConnector(options()), Connector)
    assert load_plugins().connectors()["youtube"] is YouTubeConnector
    assert "luister sources add" in YouTubeConnector.example
    for field in YouTubeOptions.model_fields.values():
        assert field.description


def test_options_need_a_key_and_one_video_or_channel() -> None:
    assert options().channel == "youtube" and options().api == "https://www.googleapis.com"
    assert options(video_id=f"https://www.youtube.com/watch?v={VIDEO}&t=42").video_id == VIDEO
    assert options(video_id=f"youtu.be/{VIDEO}").video_id == VIDEO
    assert options(video_id=None, channel_id=" UCacme ").channel_id == "UCacme"
    with pytest.raises(ValidationError, match="one of them"):
        options(video_id=None)
    with pytest.raises(ValidationError, match="one of them"):
        options(channel_id="UCacme")
    with pytest.raises(ValidationError, match="api_key"):
        YouTubeOptions(video_id=VIDEO)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="empty"):
        YouTubeOptions(api_key=" ", video_id=VIDEO)
    with pytest.raises(ValidationError, match="cannot find a video id"):
        options(video_id="https://www.youtube.com/@acme")


def test_pages_with_page_token_and_maps_comments_and_replies(httpserver: HTTPServer) -> None:
    serve(httpserver, "page1.json", params())
    serve(httpserver, "page2.json", params(TOKEN))
    first, second = collect(httpserver)
    httpserver.check_assertions()
    assert first.errors == second.errors == []
    assert first.cursor == {
        "pending": {"page_token": TOKEN, "newest_at": "2024-06-05T12:00:00Z", "ids": [T3]}
    }
    assert second.cursor == {"newest_at": "2024-06-05T12:00:00Z", "ids": [T3]}
    assert [item.position for item in first.items] == [
        "page 1 thread 1",
        "page 1 thread 1 reply 1",
        "page 1 thread 1 reply 2",
        "page 1 thread 2",
    ]
    top, reply, _, anonymous = mentions(first)
    assert top.external_id == T3 and top.channel == "youtube"
    assert top.url == f"https://www.youtube.com/watch?v={VIDEO}&lc={T3}"
    assert top.text == "Bought the Acme widget after this review.\nWorks great & ships fast!"
    assert top.published_at == datetime(2024, 6, 5, 12, tzinfo=UTC)
    assert (top.author_handle, top.author_name) == ("UCanoukTestChannel00000", "@anouk-test")
    assert (top.like_count, top.reply_count, top.parent_id, top.thread_id) == (14, 2, None, None)
    assert top.language is None
    assert reply.external_id == REPLY_1 and reply.text == "Thanks Anouk, glad it works for you!"
    assert (reply.parent_id, reply.thread_id) == (T3, T3)
    assert reply.url == f"https://www.youtube.com/watch?v={VIDEO}&lc={REPLY_1}"
    assert (reply.author_handle, reply.like_count, reply.reply_count) == ("UCacmeOfficialChannel00", 3, None)
    assert anonymous.author_handle == anonymous.author_name == "Curious viewer"  # no authorChannelId
    raw = orjson.loads(reply.raw)
    assert raw["reply"]["id"] == REPLY_1 and raw["thread"]["id"] == T3 and "replies" not in raw["thread"]
    assert ids([second]) == [T1]


def test_resume_after_a_failure_mid_walk_loses_and_repeats_nothing(httpserver: HTTPServer) -> None:
    serve(httpserver, "page1.json", params())
    for _ in range(3):  # SafeHttp retries twice, then gives up
        httpserver.expect_ordered_request(PATH, query_string=params(TOKEN)).respond_with_data(
            "unavailable", status=503
        )
    pages, failure = run_fetch(httpserver)
    assert isinstance(failure, FetchError) and failure.status == 503
    assert len(pages) == 1
    saved = pages[-1].cursor  # what the service saved once the page was stored
    assert saved is not None and saved["pending"]["page_token"] == TOKEN

    serve(httpserver, "page2.json", params(TOKEN))
    resumed = collect(httpserver, saved)
    httpserver.check_assertions()
    stored = ids(pages) + ids(resumed)
    assert stored == [T3, REPLY_1, REPLY_2, T2, T1]
    assert len(set(stored)) == len(stored)
    assert resumed[-1].cursor == {"newest_at": "2024-06-05T12:00:00Z", "ids": [T3]}


def test_a_later_run_takes_only_newer_threads_and_stops_paging(httpserver: HTTPServer) -> None:
    serve(httpserver, "newer.json", params())
    [page] = collect(httpserver, {"newest_at": "2024-06-05T12:00:00Z", "ids": [T3]})
    httpserver.check_assertions()
    assert len(httpserver.log) == 1  # the boundary was reached: its nextPageToken is not followed
    assert ids([page]) == [T4]
    assert page.cursor == {"newest_at": "2024-06-06T09:00:00Z", "ids": [T4]}


def test_a_later_run_cut_short_by_max_pages_resumes_next_time(httpserver: HTTPServer) -> None:
    serve(httpserver, "page1.json", params())
    boundary = {"newest_at": "2024-06-01T00:00:00Z", "ids": []}
    [page] = collect(httpserver, boundary, max_pages=1)
    assert page.cursor == {
        **boundary,
        "pending": {"page_token": TOKEN, "newest_at": "2024-06-05T12:00:00Z", "ids": [T3]},
    }
    serve(httpserver, "page2.json", params(TOKEN))
    [rest] = collect(httpserver, page.cursor, max_pages=1)
    httpserver.check_assertions()
    assert ids([rest]) == [T1]
    assert rest.cursor == {"newest_at": "2024-06-05T12:00:00Z", "ids": [T3]}


def test_an_expired_page_token_restarts_from_the_newest(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(PATH, query_string=params("stale")).respond_with_data(
        (DATA / "key_invalid.json").read_bytes(), status=400, content_type=JSON
    )
    serve(httpserver, "newer.json", params())
    cursor = {
        "newest_at": "2024-06-05T12:00:00Z",
        "ids": [T3],
        "pending": {"page_token": "stale", "newest_at": "2024-06-07T00:00:00Z", "ids": ["UgGone"]},
    }
    [page] = collect(httpserver, cursor)
    httpserver.check_assertions()
    assert ids([page]) == [T4] and "pageToken was refused" in page.errors[0]
    assert page.cursor == {"newest_at": "2024-06-06T09:00:00Z", "ids": [T4]}


def test_channel_and_search_terms_and_a_topic_query(httpserver: HTTPServer) -> None:
    query = params(searchTerms="waterproof")
    del query["videoId"]
    query["allThreadsRelatedToChannelId"] = "UCacme"
    serve(httpserver, "page2.json", query)
    pages, _ = run_fetch(httpserver, query="waterproof", video_id=None, channel_id="UCacme")
    serve(httpserver, "page2.json", query)
    more = collect(httpserver, video_id=None, channel_id="UCacme", search_terms="waterproof")
    httpserver.check_assertions()
    assert ids(pages) == ids(more) == [T1]


def test_check_credentials(httpserver: HTTPServer) -> None:
    serve(httpserver, "page2.json", {**params(), "maxResults": "1"})
    health = check(httpserver)
    httpserver.check_assertions()
    assert health.ok and "1 on the first page" in health.detail


def test_retry_after_429_then_success(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "rate limited", status=429, headers={"Retry-After": "3"}
    )
    serve(httpserver, "page2.json", params())
    sleeps = RecordedSleeps()
    [page] = collect(httpserver, sleeps=sleeps)
    assert sleeps == [3.0] and ids([page]) == [T1]


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [("quota_exceeded.json", 403, "quotaExceeded"), ("key_invalid.json", 400, "keyInvalid")],
)
def test_quota_and_key_errors_are_clear_and_keep_the_key_secret(
    httpserver: HTTPServer, name: str, status: int, reason: str
) -> None:
    httpserver.expect_request(PATH).respond_with_data(
        (DATA / name).read_bytes(), status=status, content_type=JSON
    )
    pages, failure = run_fetch(httpserver, {"newest_at": "2024-06-05T12:00:00Z", "ids": [T3]})
    assert pages == [] and isinstance(failure, FetchError) and failure.status == status
    assert reason in str(failure) and "YouTube refused the request" in str(failure)
    assert KEY not in str(failure)
    health = check(httpserver)
    assert not health.ok and reason in health.detail and KEY not in health.detail


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ((DATA / "error.html").read_bytes(), "text/html", "HTML page"),
        (b'{"kind": "youtube#commentThreadListResponse", "items": [', JSON, "malformed JSON"),
        ((DATA / "quota_exceeded.json").read_bytes(), JSON, "YouTube API error 403 (quotaExceeded)"),
        (b'{"kind": "youtube#commentThreadListResponse"}', JSON, "no 'items' list"),
        (b'{"kind": "youtube#videoListResponse", "items": []}', JSON, "unexpected response kind"),
        (b"", JSON, "empty"),
    ],
)
def test_bad_bodies_give_an_empty_page_with_the_reason(
    httpserver: HTTPServer, body: bytes, content_type: str, reason: str
) -> None:
    httpserver.expect_request(PATH).respond_with_data(body, content_type=content_type)
    cursor = {"newest_at": "2024-06-05T12:00:00Z", "ids": [T3]}
    [page] = collect(httpserver, cursor)
    assert page.items == [] and len(page.errors) == 1 and reason in page.errors[0]
    assert page.cursor == cursor  # nothing was stored: the next run tries the same again


def test_a_malformed_thread_or_reply_is_quarantined_while_the_others_are_stored(
    httpserver: HTTPServer,
) -> None:
    serve(httpserver, "bad_item.json", params())
    [page] = collect(httpserver)
    assert page.errors == ["page 1 thread 1: thread has no id", "page 1 thread 2 reply 1: reply has no id"]
    ghost, fine, bad_reply, empty = page.items
    assert ghost.error and ghost.data is None and "ghost without an id" in ghost.raw
    assert bad_reply.error and "reply without an id" in bad_reply.raw
    connector = YouTubeConnector(options())
    assert connector.map_item(fine, fetched_at=FETCHED).text == "Acme is fine."
    for item in (ghost, bad_reply):
        with pytest.raises(MappingError):
            connector.map_item(item, fetched_at=FETCHED)
    with pytest.raises(MappingError, match="no text and no title"):
        connector.map_item(empty, fetched_at=FETCHED)
    assert page.cursor == {"newest_at": "2024-06-03T09:00:00Z", "ids": ["UgzT5acmeWidgetsThread5AaABAg"]}


def test_the_key_is_in_no_error_log_or_shown_option(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    httpserver.expect_ordered_request(PATH).respond_with_data(
        "slow", status=429, headers={"Retry-After": "1"}
    )
    httpserver.expect_ordered_request(PATH).respond_with_data(
        (DATA / "error.html").read_bytes(), content_type="text/html"
    )
    for _ in range(3):
        httpserver.expect_ordered_request(PATH).respond_with_data("down", status=500)
    [page], _ = run_fetch(httpserver)
    _, failure = run_fetch(httpserver)
    assert "HTTP 429" in caplog.text and "HTTP 500" in caplog.text  # the retries were logged
    sent = [request for request, _ in httpserver.log]
    assert len(sent) == 5 and all(request.headers["X-Goog-Api-Key"] == KEY for request in sent)
    assert all(KEY not in request.url for request in sent)  # never in a URL that a log line can show
    texts = [caplog.text, *page.errors, str(failure), repr(options()), str(options().model_dump())]
    assert all(KEY not in text for text in texts)
    assert masked({"api_key": KEY})["api_key"] == "***gh"


def test_map_item_is_pure() -> None:
    thread = orjson.loads((DATA / "page1.json").read_bytes())["items"][0]
    data = {
        "thread": {k: v for k, v in thread.items() if k != "replies"},
        "reply": thread["replies"]["comments"][1],
    }
    item = RawItem(raw=orjson.dumps(data).decode(), position="page 1 thread 1 reply 2", data=data)
    connector = YouTubeConnector(options())
    first = connector.map_item(item, fetched_at=FETCHED)
    assert first == connector.map_item(item, fetched_at=FETCHED)
    assert first.external_id == REPLY_2 and first.like_count == 0
    assert orjson.loads(item.raw) == data


def test_text_original_is_preferred_and_html_display_text_is_stripped() -> None:
    """Issue #24 defect 12: textDisplay is HTML; textOriginal is what the author wrote."""
    from luister.domain.ingest import RawItem

    thread = orjson.loads(
        (Path(__file__).parent.parent / "data" / "youtube" / "thread_html.json").read_bytes()
    )
    connector = YouTubeConnector(options())
    item = RawItem(raw=orjson.dumps({"thread": thread}).decode(), position="t", data={"thread": thread})
    assert connector.map_item(item, fetched_at=FETCHED).text == "Acme & *support*? 1:23 zegt genoeg\n😡"
    del thread["snippet"]["topLevelComment"]["snippet"]["textOriginal"]
    item = RawItem(raw=orjson.dumps({"thread": thread}).decode(), position="t", data={"thread": thread})
    assert connector.map_item(item, fetched_at=FETCHED).text == "Acme & support? 1:23 zegt genoeg\n😡"
