from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer

from luister.connectors.base import Connector, Page
from luister.connectors.rss import RssConnector, RssOptions, parse_feed
from luister.domain.errors import MappingError
from luister.domain.mentions import Mention
from luister.net.http import FetchError, FetchPolicy, FetchResponse, SafeHttp

DATA = Path(__file__).parent.parent / "data" / "rss"
FETCHED = datetime(2024, 7, 1, tzinfo=UTC)
RSS = "application/rss+xml"
FEED_URL = "https://f.example/feed"


@pytest.fixture
def server(httpserver: HTTPServer) -> HTTPServer:
    return httpserver


def serve(server: HTTPServer, name: str, content_type: str = RSS, **kwargs: Any) -> str:
    server.expect_request("/feed").respond_with_data(
        (DATA / name).read_bytes(), content_type=content_type, **kwargs
    )
    return server.url_for("/feed")


def collect(url: str, cursor: dict[str, Any] | None = None, channel: str = "rss") -> list[Page]:
    async def run() -> list[Page]:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=1), sleep=_no_sleep) as http:
            connector = RssConnector(RssOptions(url=url, channel=channel), http=http)
            return [page async for page in connector.fetch(None, cursor)]

    return asyncio.run(run())


async def _no_sleep(seconds: float) -> None:
    return None


def mentions(page: Page, channel: str = "rss") -> list[Mention]:
    connector = RssConnector(RssOptions(url="https://example.com/feed", channel=channel))
    return [connector.map_item(item, fetched_at=FETCHED) for item in page.items]


def test_is_a_connector() -> None:
    assert isinstance(RssConnector(RssOptions(url="https://example.com/feed")), Connector)
    with pytest.raises(ValueError):
        RssOptions(url="not a url")


def test_rss2_with_guid_pubdate_creator_and_content_encoded(server: HTTPServer) -> None:
    [page] = collect(serve(server, "rss2.xml", headers={"ETag": '"abc"'}), channel="news")
    assert page.errors == [] and page.cursor == {"etag": '"abc"'}
    first, second = mentions(page, channel="news")
    assert first.channel == "news"
    assert first.external_id == server.url_for("/feed") + "#news-example-48213"  # scoped to its feed
    assert first.title == "Acme opent nieuwe fabriek in Tilburg"
    assert first.text == "Acme opent een nieuwe fabriek in Tilburg.\n\nLees ook het interview."
    assert first.author_name == "Sanne de Vries"
    assert first.published_at == datetime(2024, 6, 4, 7, 30, tzinfo=UTC)
    assert first.url == "https://news.example.com/economie/acme-fabriek"  # canonical: utm_ dropped
    assert second.external_id == "https://news.example.com/economie/beurs"  # no guid: the link
    assert page.items[0].position == "entry news-example-48213"  # by id: stable as the feed grows
    raw = orjson.loads(first.raw)
    assert raw["feed"]["title"] == "Het Dagblad — Economie"
    assert raw["published_parsed"] == "2024-06-04T07:30:00+00:00"


def test_atom(server: HTTPServer) -> None:
    [page] = collect(serve(server, "atom.xml", "application/atom+xml"))
    html, plain = mentions(page)
    assert html.external_id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert html.title == "Why we moved to Postgres"
    assert html.text == "We moved to Postgres.\n\nIt went fine."
    assert (html.author_name, html.author_handle) == ("Jan Jansen", "https://blog.example.org/authors/jan")
    assert html.published_at == datetime(2024, 5, 20, 8, 0, tzinfo=UTC)
    assert plain.text == "Use a <b> tag for bold."  # type="text": kept literally, not parsed as HTML


def test_rss1_rdf(server: HTTPServer) -> None:
    [page] = collect(serve(server, "rss1.rdf", "application/rdf+xml"))
    [mention] = mentions(page)
    assert mention.external_id == "https://science.example.net/articles/1"
    assert mention.author_name == "Dr. A. Bee"
    assert mention.published_at == datetime(2024, 4, 1, 8, 0, tzinfo=UTC)


def test_wordpress_comments_feed(server: HTTPServer) -> None:
    [page] = collect(serve(server, "wp_comments.xml"), channel="blog")
    comment, reply = mentions(page, channel="blog")
    assert comment.external_id == "https://bakkerij.example.nl/?p=311#comment-812"
    assert comment.text == "Heerlijk brood, maar de korst was wat hard."
    assert comment.author_name == "Piet" and comment.reply_count == 2
    assert (
        orjson.loads(comment.raw)["wfw_commentrss"] == "https://bakkerij.example.nl/2024/06/zuurdesem/feed/"
    )
    assert reply.parent_id == comment.external_id
    assert comment.parent_id is None
    # each comment its own address, not the post's (issue #24, also decide)
    assert comment.url == "https://bakkerij.example.nl/2024/06/zuurdesem/#comment-812"
    assert reply.url == "https://bakkerij.example.nl/2024/06/zuurdesem/#comment-813"


def test_podcast_show_notes(server: HTTPServer) -> None:
    [page] = collect(serve(server, "podcast.xml"))
    [episode] = mentions(page)
    assert episode.title == "Afl. 42: Acme en de klantenservice"
    assert episode.text == "Show notes:\n\nAcme klantenservice\nReviews"
    raw = orjson.loads(episode.raw)
    assert raw["itunes_duration"] == "00:41:12"
    assert any(link.get("rel") == "enclosure" for link in raw["links"])


def test_conditional_get_sends_validators_and_304_keeps_the_cursor(server: HTTPServer) -> None:
    cursor = {"etag": '"v7"', "modified": "Wed, 05 Jun 2024 10:00:00 GMT"}
    server.expect_request(
        "/feed", headers={"If-None-Match": '"v7"', "If-Modified-Since": "Wed, 05 Jun 2024 10:00:00 GMT"}
    ).respond_with_data("", status=304)
    [page] = collect(server.url_for("/feed"), cursor)
    assert page.items == [] and page.cursor == cursor and page.errors == []
    assert len(server.log) == 1


def test_new_validators_become_the_cursor(server: HTTPServer) -> None:
    headers = {"ETag": 'W/"v8"', "Last-Modified": "Thu, 06 Jun 2024 10:00:00 GMT"}
    [page] = collect(serve(server, "podcast.xml", headers=headers), {"etag": '"v7"'})
    assert page.cursor == {"etag": 'W/"v8"', "modified": "Thu, 06 Jun 2024 10:00:00 GMT"}
    assert len(page.items) == 1


def test_malformed_feed_yields_the_entries_it_has_and_says_why(server: HTTPServer) -> None:
    [page] = collect(serve(server, "malformed.xml"))
    assert [item.data["id"] for item in page.items] == ["broken-1", "broken-2"]
    assert page.errors and "malformed feed" in page.errors[0]
    assert mentions(page)[0].title == "First & only good item"


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        ((DATA / "error.html").read_bytes(), "text/html", "HTML page"),
        (b"", RSS, "empty"),
        (b"  \n", RSS, "empty"),
        ((DATA / "rss2.xml").read_bytes()[:300], RSS, "malformed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", "not a feed"),
        (b'{"items": []}', "application/json", "not a feed"),
    ],
)
def test_bad_bodies_give_an_empty_page_with_the_reason(
    server: HTTPServer, body: bytes, content_type: str, reason: str
) -> None:
    server.expect_request("/feed").respond_with_data(body, content_type=content_type)
    [page] = collect(server.url_for("/feed"))
    assert page.items == []
    assert len(page.errors) == 1 and reason in page.errors[0]


def test_http_failure_raises_and_shows_in_health(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data("gone", status=410)

    async def run() -> RssConnector:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}))) as http:
            connector = RssConnector(RssOptions(url=server.url_for("/feed")), http=http)
            with pytest.raises(FetchError, match="HTTP 410"):
                [page async for page in connector.fetch(None, None)]
            assert not (await connector.check_credentials()).ok
            return connector

    assert not asyncio.run(run()).health().ok


def test_check_credentials(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data((DATA / "atom.xml").read_bytes(), content_type=RSS)
    server.expect_request("/page").respond_with_data(
        (DATA / "error.html").read_bytes(), content_type="text/html"
    )

    async def run(path: str) -> bool:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}))) as http:
            return (
                await RssConnector(RssOptions(url=server.url_for(path)), http=http).check_credentials()
            ).ok

    assert asyncio.run(run("/feed")) and not asyncio.run(run("/page"))


def test_fetch_without_http_client_is_a_clear_error() -> None:
    async def run() -> None:
        [page async for page in RssConnector(RssOptions(url="https://example.com/f")).fetch(None, None)]

    with pytest.raises(Exception, match="HTTP client"):
        asyncio.run(run())


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe.xml"])
def test_xml_bombs_do_not_expand_or_read_files(server: HTTPServer, name: str) -> None:
    [page] = collect(serve(server, name))
    raw = " ".join(item.raw for item in page.items)
    assert "lollol" not in raw and "root:" not in raw
    assert len(raw) < 5000
    for mention in mentions(page):
        assert "root:" not in mention.text and "lollol" not in mention.text


def test_hostile_markup_stays_text(server: HTTPServer) -> None:
    [page] = collect(serve(server, "hostile.xml"))
    cdata, escaped = mentions(page)
    assert cdata.text == "Hello world"  # script, style and the onerror image are gone
    assert "<" not in escaped.text and "alert" not in escaped.text
    assert (
        escaped.title == "Escaped script <script>alert(2)</script>"
    )  # plain text title: literal, escaped later


def test_an_entry_that_is_not_json_safe_does_not_lose_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    import feedparser

    parsed = feedparser.FeedParserDict(
        version="rss20",
        bozo=False,
        feed=feedparser.FeedParserDict(title="F", link="https://f.example"),
        entries=[
            feedparser.FeedParserDict(id="1", title="one"),
            feedparser.FeedParserDict(id="2", title="bad \ud800 surrogate"),
            feedparser.FeedParserDict(id="3", title="three", weird=object()),
        ],
    )
    monkeypatch.setattr(feedparser, "parse", lambda *args, **kwargs: parsed)
    response = FetchResponse(url="https://f.example/feed", status=200, headers={}, content=b"<rss/>")
    items, errors = parse_feed(response)
    assert [item.position for item in items] == ["entry 1", "entry 2", "entry 3"]
    assert items[1].error and items[1].data is None and errors == [f"entry 2: {items[1].error}"]
    assert items[2].data == {
        "id": "3",
        "title": "three",
        "feed": {"title": "F", "link": "https://f.example", "id": None, "href": "https://f.example/feed"},
    }
    connector = RssConnector(RssOptions(url="https://f.example/feed"))
    assert connector.map_item(items[0], fetched_at=FETCHED).title == "one"
    with pytest.raises(MappingError):
        connector.map_item(items[1], fetched_at=FETCHED)


def test_entry_without_text_or_title_is_a_mapping_error() -> None:
    from luister.domain.ingest import RawItem

    connector = RssConnector(RssOptions(url="https://f.example/feed"))
    item = RawItem(raw="{}", position="entry 1", data={"id": "x", "link": "https://f.example/x"})
    with pytest.raises(MappingError, match="no text and no title"):
        connector.map_item(item, fetched_at=FETCHED)


def test_entry_without_id_or_link_gets_a_derived_stable_id() -> None:
    from luister.domain.ingest import RawItem

    connector = RssConnector(RssOptions(url="https://f.example/feed"))
    item = RawItem(
        raw="{}", position="entry 1", data={"title": "Only a title", "feed": {"link": "https://f"}}
    )
    first = connector.map_item(item, fetched_at=FETCHED)
    assert first.external_id.startswith("h:")
    assert connector.map_item(item, fetched_at=FETCHED).external_id == first.external_id


def test_an_unreadable_date_is_unknown_not_the_fetch_time_and_a_picture_has_its_alt(
    server: HTTPServer,
) -> None:
    """Issue #24 defects 4 and 6: "Seg, 07 Dez 2020" is not today; an entry that is a picture is kept."""
    [page] = collect(serve(server, "dates_pt.xml"))
    portuguese, picture = mentions(page)
    assert (portuguese.date_known, portuguese.published_at) == (False, FETCHED)
    assert picture.date_known and picture.published_at == datetime(2020, 12, 7, 14, tzinfo=UTC)
    assert picture.text == "Torres de energia da Acme ao pôr do sol"


def test_relative_entry_links_resolve_against_the_feed_url(server: HTTPServer) -> None:
    """Issue #24 defect 4: GitHub releases feeds give entry links relative to the document."""
    url = serve(server, "github_releases.atom", content_type="application/atom+xml")
    [page] = collect(url)
    connector = RssConnector(RssOptions(url=url))
    [release] = [connector.map_item(item, fetched_at=FETCHED) for item in page.items]
    assert release.url == server.url_for("/acme/meter/releases/tag/v2.1.0")
    assert release.text == "Reads the Acme smart meter twice as fast."


def test_a_truncated_body_stores_no_phantom_entry(server: HTTPServer) -> None:
    """Issue #27 item 6: the entry cut off in transfer is left for the next fetch, and said so."""
    body = (DATA / "rss2.xml").read_bytes()
    cut = body[: body.rindex(b"<item>") + len(b"<item>\n      <title>Half")]
    server.expect_request("/feed").respond_with_data(cut, content_type=RSS)
    [page] = collect(server.url_for("/feed"))
    whole = [item.data["id"] for item in page.items]
    assert len(whole) == body.count(b"<item>") - 1
    assert any("cut off" in error for error in page.errors)


def test_the_same_bad_entry_keeps_its_position_as_the_feed_grows() -> None:
    """Issue #27 item 9: the quarantine key holds the entry's id, not its shifting number."""
    entry = (
        "<item><guid>bad-1</guid><title>x</title><pubDate>Mon, 07 Dec 2099 10:00:00 +0000</pubDate></item>"
    )
    newer = "<item><guid>new-1</guid><title>nieuw</title></item>"
    positions = []
    for items in (entry, newer + entry):
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'
        response = FetchResponse(url=FEED_URL, status=200, headers={}, content=body.encode())
        parsed, _ = parse_feed(response)
        positions.append([item.position for item in parsed])
    assert positions == [["entry bad-1"], ["entry new-1", "entry bad-1"]]


def test_the_same_bad_entry_is_quarantined_once_over_polls(engine: Any) -> None:
    import sqlalchemy as sa

    from luister.services.ingest import ingest_batch
    from luister.storage.tables import rejected
    from luister.storage.writer import SqlMentionStore

    connector = RssConnector(RssOptions(url="https://f.example/feed"))
    bad = "<item><guid>bad-1</guid><title>x</title><pubDate>Mon, 07 Dec 2099 10:00:00 +0000</pubDate></item>"
    for number in range(3):  # the feed grows: each poll one more entry on top
        newer = "".join(f"<item><guid>new-{n}</guid><title>n</title></item>" for n in range(number))
        body = (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{newer}{bad}</channel></rss>'
        )
        response = FetchResponse(url=FEED_URL, status=200, headers={}, content=body.encode())
        items, _ = parse_feed(response)
        store = SqlMentionStore(engine)
        ingest_batch(items, mapper=_map_with(connector), store=store, origin="source:feed")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(rejected)).scalar_one() == 1


def _map_with(connector: RssConnector) -> Any:
    return lambda item, fetched_at: connector.map_item(item, fetched_at=fetched_at)


def test_json_feed(server: HTTPServer) -> None:
    """Issue #24, also decide: JSON Feed was not read at all."""
    url = serve(server, "json_feed.json", content_type="application/feed+json")
    [page] = collect(url)
    assert page.errors == []
    connector = RssConnector(RssOptions(url=url))
    post, release = (connector.map_item(item, fetched_at=FETCHED) for item in page.items)
    assert (post.title, post.text) == (
        "De storing van 1 juni",
        "Wat er misging bij Acme & wat we eraan doen.",
    )
    assert post.published_at == datetime(2024, 6, 1, 8, tzinfo=UTC) and post.author_name == "Anna de Vries"
    assert release.url == server.url_for("/2024/05/release-42") and release.date_known


def test_ids_that_are_not_uris_are_scoped_to_their_feed_and_shared_ids_are_said() -> None:
    """Issue #24, also decide: guids like "1600-2823" from unrelated feeds collided; a feed reusing a
    guid lost an entry silently."""
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        b"<item><guid>1600-2823</guid><title>een</title></item>"
        b"<item><guid>1600-2823</guid><title>twee</title></item>"
        b"<item><guid>https://f.example/3</guid><title>drie</title></item>"
        b"</channel></rss>"
    )
    ids = {}
    for url in ("https://a.example/feed", "https://b.example/rss"):
        headers = {"content-type": RSS}
        items, errors = parse_feed(FetchResponse(url=url, status=200, headers=headers, content=body))
        connector = RssConnector(RssOptions(url=url))
        ids[url] = [connector.map_item(item, fetched_at=FETCHED).external_id for item in items]
        assert errors == ["2 entries share the id '1600-2823': only the first is stored"]
    assert ids["https://a.example/feed"][0] == "https://a.example/feed#1600-2823"
    assert ids["https://b.example/rss"][0] == "https://b.example/rss#1600-2823"
    assert ids["https://a.example/feed"][2] == ids["https://b.example/rss"][2] == "https://f.example/3"
