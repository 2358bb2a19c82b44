"""Search-capable connectors search what the caller gives (a topic's search); topics can replace a query."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from pytest_httpserver import HTTPServer

from luister.connectors.base import Capability, Health, Page
from luister.connectors.bluesky import BlueskyConnector, BlueskyOptions
from luister.connectors.discourse import DiscourseConnector, DiscourseOptions
from luister.connectors.hackernews import HackerNewsConnector, HackerNewsOptions
from luister.connectors.mastodon import MastodonConnector, MastodonOptions
from luister.connectors.reddit import RedditConnector, RedditOptions
from luister.net.http import FetchPolicy, SafeHttp

DATA = Path(__file__).parent.parent / "data"
JSON = "application/json"
SEARCH = "voltaro storing"


def fetch(connector_cls: Any, opts: BaseModel, query: str | None) -> list[Page]:
    async def run() -> list[Page]:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=0)) as http:
            connector = connector_cls(opts, http=http)
            return [page async for page in connector.fetch(query, None)]

    return asyncio.run(run())


def check(connector_cls: Any, opts: BaseModel) -> Health:
    async def run() -> Health:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=0)) as http:
            result: Health = await connector_cls(opts, http=http).check_credentials()
            return result

    return asyncio.run(run())


def serve(server: HTTPServer, path: str, data: str, query: dict[str, str], **kwargs: Any) -> None:
    server.expect_ordered_request(path, query_string=query, **kwargs).respond_with_data(
        (DATA / data).read_bytes(), content_type=JSON
    )


def test_mastodon_searches_the_given_terms_with_its_token(httpserver: HTTPServer) -> None:
    query = {"q": SEARCH, "type": "statuses", "resolve": "false", "limit": "2"}
    serve(
        httpserver, "/api/v2/search", "mastodon/search.json", query, headers={"Authorization": "Bearer tok"}
    )
    opts = MastodonOptions(instance=httpserver.url_for("/"), topics=["*"], token="tok", limit=2, max_pages=1)
    [page] = fetch(MastodonConnector, opts, SEARCH)
    httpserver.check_assertions()
    assert len(page.items) == 2 and page.cursor and "since_id" in page.cursor
    assert MastodonConnector(opts).own_terms() is None
    assert MastodonConnector(opts.model_copy(update={"tag": "acme"})).own_terms() == "#acme"


def test_bluesky_searches_the_given_terms(httpserver: HTTPServer) -> None:
    query = {"q": SEARCH, "sort": "latest", "limit": "2", "lang": "nl"}
    serve(httpserver, "/xrpc/app.bsky.feed.searchPosts", "bluesky/page3.json", query)
    opts = BlueskyOptions(service=httpserver.url_for("/").rstrip("/"), topics=["voltaro"], lang="nl", limit=2)
    [page] = fetch(BlueskyConnector, opts, SEARCH)
    httpserver.check_assertions()
    assert len(page.items) == 1 and page.cursor and page.cursor["since"]


def test_hackernews_and_reddit_search_the_given_terms(httpserver: HTTPServer) -> None:
    hn = {"query": SEARCH, "tags": "(story,comment)", "hitsPerPage": "100", "page": "0"}
    serve(httpserver, "/api/v1/search_by_date", "hackernews/newer.json", hn)
    [page] = fetch(HackerNewsConnector, HackerNewsOptions(topics=["*"], api=httpserver.url_for("")), SEARCH)
    assert len(page.items) == 3
    reddit = {"q": SEARCH, "sort": "new", "limit": "2", "raw_json": "1"}
    serve(httpserver, "/search.json", "reddit/page2.json", reddit)
    opts = RedditOptions(topics=["*"], api=httpserver.url_for(""), limit=2, max_pages=1)
    [page] = fetch(RedditConnector, opts, SEARCH)
    httpserver.check_assertions()
    assert len(page.items) == 2
    assert RedditConnector(opts).own_terms() is None
    assert RedditConnector(opts.model_copy(update={"subreddit": "acme"})).own_terms() == "r/acme"


def test_discourse_topic_searches_stay_in_the_category(httpserver: HTTPServer) -> None:
    query = {"q": "news order:latest category:support", "page": "1"}
    serve(httpserver, "/search.json", "discourse/search.json", query)
    opts = DiscourseOptions(url=httpserver.url_for("/"), category="support", topics=["*"])
    assert check(DiscourseConnector, opts).ok  # a source with topics only checks with a probe search
    httpserver.check_assertions()
    assert DiscourseConnector(opts).own_terms() is None
    assert (
        DiscourseConnector(DiscourseOptions(url="https://forum.example")).own_terms() == "the latest topics"
    )


@pytest.mark.parametrize(
    ("model", "base"),
    [
        (MastodonOptions, {"instance": "https://mastodon.example", "token": "t"}),
        (BlueskyOptions, {}),
        (HackerNewsOptions, {}),
        (RedditOptions, {}),
        (DiscourseOptions, {"url": "https://forum.example"}),
    ],
)
def test_topics_option(model: type[BaseModel], base: dict[str, Any]) -> None:
    assert model(**base, topics="voltaro, competitor-x").topics == ["voltaro", "competitor-x"]  # type: ignore[attr-defined]
    assert model(**base, topics="*").topics == ["*"]  # type: ignore[attr-defined]
    assert model(**base, topics=True).topics == ["*"]  # type: ignore[attr-defined]
    assert model(**base, topics=["a", "*"]).topics == ["*"]  # type: ignore[attr-defined]
    assert "topics" in model.model_fields and model.model_fields["topics"].description
    with pytest.raises(ValidationError, match="names"):
        model(**base, topics=[1, 2])


@pytest.mark.parametrize(
    ("model", "options", "message"),
    [
        (MastodonOptions, {"instance": "https://m.example"}, "give a tag, a query or topics"),
        (MastodonOptions, {"instance": "https://m.example", "topics": "*"}, "needs a token"),
        (
            MastodonOptions,
            {"instance": "https://m.example", "tag": "a", "query": "b", "token": "t"},
            "not both",
        ),
        (BlueskyOptions, {}, "give a query, topics"),
        (HackerNewsOptions, {"query": " "}, "give a query, topics"),
        (RedditOptions, {}, "give a query, a subreddit, topics"),
    ],
)
def test_something_to_search_for(model: type[BaseModel], options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        model(**options)


def test_the_search_capable_connectors_declare_it() -> None:
    for cls in (
        MastodonConnector,
        BlueskyConnector,
        HackerNewsConnector,
        RedditConnector,
        DiscourseConnector,
    ):
        assert Capability.search in cls.capabilities
        assert cls.search_prefix is None  # none of these platforms documents a prefix form
