from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from luister.net.http import (
    AddressGuard,
    BlockedAddressError,
    FetchError,
    FetchPolicy,
    FetchResponse,
    SafeHttp,
    _retry_after,
    redact_url,
)

LOCAL = frozenset({"127.0.0.1"})


class Recorder:
    """An injectable ``sleep`` that records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def fetch(
    url: str,
    policy: FetchPolicy,
    *,
    sleep: Recorder | None = None,
    resolve: Callable[[str, int], Awaitable[list[str]]] | None = None,
    **kwargs: Any,
) -> FetchResponse:
    async def run() -> FetchResponse:
        extra: dict[str, Any] = {"sleep": sleep or Recorder()}
        if resolve is not None:
            extra["resolve"] = resolve
        async with SafeHttp(policy, **extra) as http:
            return await http.get(url, **kwargs)

    return asyncio.run(run())


def resolver(table: dict[str, list[str]]) -> Callable[[str, int], Awaitable[list[str]]]:
    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


@pytest.fixture
def server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    yield httpserver
    httpserver.clear()


def test_get_returns_body_headers_and_sends_user_agent_and_params(server: HTTPServer) -> None:
    server.expect_request(
        "/feed", query_string="page=2&q=acme", headers={"User-Agent": "luister-test"}
    ).respond_with_data(b"hello", headers={"ETag": '"v1"'}, content_type="text/plain")
    policy = FetchPolicy(allow=LOCAL, user_agent="luister-test")
    response = fetch(server.url_for("/feed") + "?page=2", policy, params={"q": "acme"})
    assert (response.status, response.content) == (200, b"hello")
    assert response.headers["etag"] == '"v1"'  # case-insensitive


def test_304_is_a_normal_response(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data(b"", status=304)
    assert fetch(server.url_for("/feed"), FetchPolicy(allow=LOCAL)).status == 304


def test_429_with_retry_after_waits_exactly_that_then_succeeds(server: HTTPServer) -> None:
    server.expect_ordered_request("/feed").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "2"}
    )
    server.expect_ordered_request("/feed").respond_with_data("ok")
    sleep = Recorder()
    response = fetch(server.url_for("/feed"), FetchPolicy(allow=LOCAL), sleep=sleep)
    assert response.content == b"ok"
    assert sleep.waits == [2.0]


def test_a_retry_after_beyond_backoff_max_ends_the_fetch_and_carries_the_wait(server: HTTPServer) -> None:
    """An hour's rate limit is not four requests in three minutes: one request, and the wait goes to
    the listener, which runs the source no sooner (tests/integration/test_listen.py)."""
    server.expect_ordered_request("/feed").respond_with_data("", status=503, headers={"Retry-After": "3600"})
    sleep = Recorder()
    with pytest.raises(FetchError, match="asks to wait 3,600s") as raised:
        fetch(server.url_for("/feed"), FetchPolicy(allow=LOCAL, backoff_max=30), sleep=sleep)
    assert (raised.value.retry_after, raised.value.status, sleep.waits) == (3600, 503, [])
    assert len(server.log) == 1


def test_retry_after_http_date() -> None:
    now = datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)
    assert _retry_after("Sat, 01 Jun 2024 12:00:07 GMT", now=now) == 7
    assert _retry_after("Sat, 01 Jun 2024 11:00:00 GMT", now=now) == 0
    assert _retry_after("soon", now=now) is None
    assert _retry_after(None) is None


def test_5xx_twice_then_success_after_two_jittered_backoffs(server: HTTPServer) -> None:
    server.expect_ordered_request("/feed").respond_with_data("", status=500)
    server.expect_ordered_request("/feed").respond_with_data("", status=502)
    server.expect_ordered_request("/feed").respond_with_data("finally")
    sleep = Recorder()
    response = fetch(server.url_for("/feed"), FetchPolicy(allow=LOCAL, backoff_base=1.0), sleep=sleep)
    assert response.content == b"finally"
    assert len(sleep.waits) == 2
    assert 0 <= sleep.waits[0] <= 1 and 0 <= sleep.waits[1] <= 2  # full jitter: uniform(0, base * 2**n)


def test_5xx_every_time_raises_after_the_last_retry(server: HTTPServer) -> None:
    server.expect_request("/feed").respond_with_data("", status=503)
    sleep = Recorder()
    with pytest.raises(FetchError) as caught:
        fetch(server.url_for("/feed"), FetchPolicy(allow=LOCAL, retries=2), sleep=sleep)
    assert caught.value.status == 503
    assert "HTTP 503" in str(caught.value) and "3 attempts" in str(caught.value)
    assert len(sleep.waits) == 2
    assert len(server.log) == 3


def test_404_raises_without_retry(server: HTTPServer) -> None:
    server.expect_request("/missing").respond_with_data("no", status=404)
    sleep = Recorder()
    with pytest.raises(FetchError) as caught:
        fetch(server.url_for("/missing"), FetchPolicy(allow=LOCAL), sleep=sleep)
    assert caught.value.status == 404
    assert sleep.waits == [] and len(server.log) == 1


def test_slow_response_times_out_and_is_retried(server: HTTPServer) -> None:
    answer = threading.Event()  # the server answers only when the test is done: never in time

    def slow(request: Request) -> Response:
        answer.wait(30)
        return Response("late")

    server.expect_request("/slow").respond_with_handler(slow)
    sleep = Recorder()
    try:
        with pytest.raises(FetchError, match="timed out") as caught:
            fetch(server.url_for("/slow"), FetchPolicy(allow=LOCAL, timeout=0.15, retries=1), sleep=sleep)
    finally:
        answer.set()
    assert caught.value.status is None
    assert len(sleep.waits) == 1  # asked twice, each time given up on


def test_connection_refused_is_retried_then_raised() -> None:
    sleep = Recorder()
    with pytest.raises(FetchError, match="connection failed"):
        fetch("http://127.0.0.1:9/", FetchPolicy(allow=LOCAL, retries=2), sleep=sleep)
    assert len(sleep.waits) == 2


def test_body_over_max_bytes_is_refused(server: HTTPServer) -> None:
    server.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch(server.url_for("/big"), FetchPolicy(allow=LOCAL, max_bytes=1000))


def test_streamed_body_without_length_is_cut_off(server: HTTPServer) -> None:
    def stream(request: Request) -> Response:
        return Response((b"y" * 512 for _ in range(100)), direct_passthrough=True)

    server.expect_request("/stream").respond_with_handler(stream)
    with pytest.raises(FetchError, match="larger than 2000 bytes"):
        fetch(server.url_for("/stream"), FetchPolicy(allow=LOCAL, max_bytes=2000))


def test_redirects_are_followed_and_rechecked(server: HTTPServer) -> None:
    server.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    server.expect_request("/new").respond_with_data("moved")
    response = fetch(server.url_for("/old"), FetchPolicy(allow=LOCAL))
    assert response.content == b"moved" and response.url.endswith("/new")


@pytest.mark.parametrize(
    "target",
    [
        "http://[::1]/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://127.0.0.2/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
    ],
)
def test_redirect_to_a_private_address_is_refused(server: HTTPServer, target: str) -> None:
    server.expect_request("/hop").respond_with_data("", status=302, headers={"Location": target})
    with pytest.raises(BlockedAddressError):
        fetch(server.url_for("/hop"), FetchPolicy(allow=frozenset({"127.0.0.1/32"})))


def test_redirect_to_a_host_name_resolving_to_a_private_address_is_refused(server: HTTPServer) -> None:
    server.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": "http://intranet.example/"}
    )
    with pytest.raises(BlockedAddressError, match="10.0.0.7"):
        fetch(
            server.url_for("/hop"),
            FetchPolicy(allow=LOCAL),
            resolve=resolver({"intranet.example": ["93.184.216.34", "10.0.0.7"]}),  # any bad one refuses,
        )


def test_too_many_redirects(server: HTTPServer) -> None:
    server.expect_request("/loop").respond_with_data("", status=302, headers={"Location": "/loop"})
    with pytest.raises(FetchError, match="more than 2 redirects"):
        fetch(server.url_for("/loop"), FetchPolicy(allow=LOCAL, max_redirects=2))
    assert len(server.log) == 3


def test_secret_headers_are_not_sent_to_another_origin(server: HTTPServer) -> None:
    port = server.port
    server.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": f"http://other.test:{port}/b"}
    )
    server.expect_request("/b").respond_with_data("ok")
    fetch(
        server.url_for("/a"),
        FetchPolicy(allow=LOCAL),
        resolve=resolver({"other.test": ["127.0.0.1"]}),
        headers={"Authorization": "Bearer s3cret", "Accept": "application/xml"},
    )
    first, second = (request for request, _ in server.log)
    assert first.headers.get("Authorization") == "Bearer s3cret"
    assert second.headers.get("Authorization") is None
    assert second.headers.get("Accept") == "application/xml"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
        "http://localhost.example/",
    ],
)
def test_default_policy_refuses_private_addresses(url: str) -> None:
    resolve = resolver({"localhost.example": ["127.0.0.1"]})
    with pytest.raises(BlockedAddressError):
        fetch(url, FetchPolicy(), resolve=resolve)


def test_only_http_and_https() -> None:
    with pytest.raises(BlockedAddressError, match="scheme"):
        fetch("ftp://example.com/feed", FetchPolicy())


def test_allow_by_host_name_and_by_network() -> None:
    import httpx

    async def check(allow: set[str], url: str) -> None:
        guard = AddressGuard(frozenset(allow), resolver({"feeds.internal": ["10.1.2.3"]}))
        await guard.check(httpx.URL(url))

    asyncio.run(check({"feeds.internal"}, "http://feeds.internal/rss"))
    asyncio.run(check({"10.0.0.0/8"}, "http://feeds.internal/rss"))
    asyncio.run(check(set(), "http://93.184.216.34/"))  # public: no allow needed
    with pytest.raises(BlockedAddressError):
        asyncio.run(check({"10.9.0.0/16"}, "http://feeds.internal/rss"))


def test_unresolvable_host_is_a_fetch_error() -> None:
    with pytest.raises(FetchError, match="cannot resolve"):
        fetch("http://nowhere.invalid/", FetchPolicy(), resolve=resolver({}))


def test_redact_url_masks_secrets() -> None:
    assert (
        redact_url("https://api.example.com/feed?token=abc&q=acme")
        == "https://api.example.com/feed?token=***&q=acme"
    )
    redacted = redact_url("https://user:hunter2@x.example/p?api_key=1&access_token=2&client_secret=3&page=2")
    assert "hunter2" not in redacted and "=1" not in redacted and "=2&" not in redacted
    assert redacted.endswith("page=2")


def test_errors_never_show_secrets(server: HTTPServer) -> None:
    server.expect_request("/private").respond_with_data("no", status=403)
    with pytest.raises(FetchError) as caught:
        fetch(server.url_for("/private") + "?token=abc&password=pw&q=1", FetchPolicy(allow=LOCAL))
    message = str(caught.value)
    assert "abc" not in message and "pw&" not in message and "token=***" in message
    assert "abc" not in caught.value.url


def test_dns_rebinding_between_check_and_connect_is_refused() -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    with pytest.raises(BlockedAddressError, match="127.0.0.1"):
        fetch("http://rebind.example/", FetchPolicy(), resolve=rebinding)
