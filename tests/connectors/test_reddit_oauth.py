"""Reddit with an app's OAuth credentials: application-only token, reused until it expires, renewed on 401."""

from __future__ import annotations

import asyncio
import base64
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer

from luister.connectors.base import Page
from luister.connectors.reddit import RedditConnector, RedditOptions
from luister.domain.sources import masked
from luister.net.http import FetchError, FetchPolicy, SafeHttp
from luister.net.oauth import TokenCache
from luister.services.sources import _storable
from luister.storage.secrets import open_options, shown_options
from luister.testing import sealing_cipher

DATA = Path(__file__).parent.parent / "data" / "reddit"
JSON = "application/json"
TOKEN = orjson.loads((DATA / "access_token.json").read_bytes())["access_token"]
AGENT = "server:luister-test:1.0 (by /u/acme)"
BASIC = "Basic " + base64.b64encode(b"app-id-123:s3cret-value-456").decode()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def options(server: HTTPServer, **extra: Any) -> RedditOptions:
    return RedditOptions(
        subreddit="acme",
        client_id="app-id-123",
        client_secret="s3cret-value-456",
        user_agent=AGENT,
        api=server.url_for("/www"),
        oauth_api=server.url_for("/oauth"),
        limit=2,
        max_pages=1,
        **extra,
    )


def expect_token(server: HTTPServer, body: bytes | None = None, status: int = 200) -> None:
    server.expect_ordered_request(
        "/www/api/v1/access_token",
        method="POST",
        data=b"grant_type=client_credentials",
        headers={"Authorization": BASIC, "User-Agent": AGENT},
    ).respond_with_data(body or (DATA / "access_token.json").read_bytes(), status=status, content_type=JSON)


def expect_listing(server: HTTPServer, token: str = TOKEN, status: int = 200) -> None:
    server.expect_ordered_request(
        "/oauth/r/acme/new",
        query_string={"limit": "2", "raw_json": "1"},
        headers={"Authorization": f"bearer {token}", "User-Agent": AGENT},
    ).respond_with_data(
        (DATA / "page2.json").read_bytes() if status == 200 else b"", status=status, content_type=JSON
    )


def run(server: HTTPServer, tokens: TokenCache, runs: int = 1, **extra: Any) -> list[list[Page]]:
    async def go() -> list[list[Page]]:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=0)) as http:
            results = []
            for _ in range(runs):  # a new connector per run, as the listener makes them
                connector = RedditConnector(options(server, **extra), http=http, tokens=tokens)
                results.append([page async for page in connector.fetch(None, None)])
            return results

    return asyncio.run(go())


def test_the_token_is_fetched_once_and_reused_across_runs(httpserver: HTTPServer) -> None:
    expect_token(httpserver)
    expect_listing(httpserver)
    expect_listing(httpserver)
    tokens = TokenCache()
    first, second = run(httpserver, tokens, runs=2)
    httpserver.check_assertions()
    assert tokens.requests == 1
    assert len(first[0].items) == len(second[0].items) == 2


def test_an_expired_token_is_fetched_again(httpserver: HTTPServer) -> None:
    clock = Clock()
    tokens = TokenCache(clock=clock)
    expect_token(httpserver)
    expect_listing(httpserver)
    run(httpserver, tokens)
    clock.now += 86400 - 30  # within the safety margin before expires_in
    expect_token(
        httpserver, orjson.dumps({"access_token": "second", "token_type": "bearer", "expires_in": 86400})
    )
    expect_listing(httpserver, token="second")
    run(httpserver, tokens)
    httpserver.check_assertions()
    assert tokens.requests == 2


def test_a_401_renews_the_token_once(httpserver: HTTPServer) -> None:
    expect_token(httpserver)
    expect_listing(httpserver, status=401)  # revoked meanwhile
    expect_token(
        httpserver, orjson.dumps({"access_token": "renewed", "token_type": "bearer", "expires_in": 3600})
    )
    expect_listing(httpserver, token="renewed")
    [[page]] = run(httpserver, TokenCache())
    httpserver.check_assertions()
    assert len(page.items) == 2


def test_a_second_401_is_an_error(httpserver: HTTPServer) -> None:
    expect_token(httpserver)
    expect_listing(httpserver, status=401)
    expect_token(httpserver)
    expect_listing(httpserver, status=401)
    with pytest.raises(FetchError, match="HTTP 401"):
        run(httpserver, TokenCache())


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (
            401,
            b'{"message": "Unauthorized", "error": 401}',
            "credentials (client_id, client_secret) were refused",
        ),
        (200, b'{"error": "invalid_grant"}', "answered error 'invalid_grant'"),
        (200, b"<html>down</html>", "not answer with a JSON object"),
        (503, b"", "HTTP 503 from the token endpoint"),
    ],
)
def test_token_failures_say_why_without_the_secret(
    httpserver: HTTPServer, status: int, body: bytes, reason: str
) -> None:
    expect_token(httpserver, body, status=status)
    with pytest.raises(FetchError, match=re.escape(reason)) as caught:
        run(httpserver, TokenCache())
    assert "s3cret" not in str(caught.value) and caught.value.method == "POST"

    async def check() -> str:
        expect_token(httpserver, body, status=status)
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=0)) as http:
            health = await RedditConnector(
                options(httpserver), http=http, tokens=TokenCache()
            ).check_credentials()
            assert not health.ok
            return health.detail

    assert reason in asyncio.run(check())


def test_search_through_oauth_with_a_query(httpserver: HTTPServer) -> None:
    expect_token(httpserver)
    httpserver.expect_ordered_request(
        "/oauth/r/acme/search",
        query_string={"limit": "2", "raw_json": "1", "q": "acme widgets", "sort": "new", "restrict_sr": "1"},
        headers={"Authorization": f"bearer {TOKEN}"},
    ).respond_with_data((DATA / "page2.json").read_bytes(), content_type=JSON)
    [[page]] = run(httpserver, TokenCache(), query="acme widgets")
    httpserver.check_assertions()
    assert len(page.items) == 2


def test_credentials_are_secret_and_come_together() -> None:
    opts = RedditOptions(subreddit="acme", client_id="app-id-123", client_secret="s3cret-value-456")
    assert "s3cret" not in repr(opts) and "app-id-123" not in repr(opts) and "s3cret" not in str(opts)
    sealed = _storable(
        opts, sealing_cipher()
    )  # what the source table keeps: encrypted, opened for the connector
    assert "app-id-123" not in str(sealed) and "s3cret" not in str(sealed)
    stored = open_options(sealed, sealing_cipher(), what="source 'r'")
    assert (stored["client_id"], stored["client_secret"]) == ("app-id-123", "s3cret-value-456")
    assert RedditOptions(**stored).client_secret == opts.client_secret
    shown = masked(stored)
    assert (shown["client_id"], shown["client_secret"]) == ("***23", "***56")
    assert masked(shown_options(sealed))["client_secret"] == "***"
    with pytest.raises(ValueError, match="client_id and client_secret together"):
        RedditOptions(subreddit="acme", client_id="only-id")
