"""SafeHttp.post: the SSRF guard and size limit of GET, one attempt, no redirects, every status returned."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from luister.net.http import BlockedAddressError, FetchError, FetchPolicy, FetchResponse, SafeHttp

LOCAL = frozenset({"127.0.0.1"})


def post(
    url: str,
    policy: FetchPolicy,
    *,
    resolve: Callable[[str, int], Awaitable[list[str]]] | None = None,
    content: bytes = b'{"a": 1}',
    **kwargs: Any,
) -> FetchResponse:
    async def run() -> FetchResponse:
        extra: dict[str, Any] = {} if resolve is None else {"resolve": resolve}
        async with SafeHttp(policy, **extra) as http:
            return await http.post(url, content=content, **kwargs)

    return asyncio.run(run())


@pytest.fixture
def server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    yield httpserver
    httpserver.clear()


def test_post_sends_body_and_headers_and_returns_the_answer(server: HTTPServer) -> None:
    server.expect_request(
        "/hook",
        method="POST",
        data=b'{"a": 1}',
        headers={"Content-Type": "application/json", "X-Test": "yes", "User-Agent": "luister-test"},
    ).respond_with_data("ok", status=202)
    policy = FetchPolicy(allow=LOCAL, user_agent="luister-test")
    response = post(
        server.url_for("/hook"), policy, headers={"Content-Type": "application/json", "X-Test": "yes"}
    )
    assert (response.status, response.content) == (202, b"ok")


@pytest.mark.parametrize("status", [400, 404, 429, 500, 503])
def test_error_statuses_are_returned_after_one_attempt(server: HTTPServer, status: int) -> None:
    server.expect_request("/hook", method="POST").respond_with_data("nope", status=status)
    response = post(server.url_for("/hook"), FetchPolicy(allow=LOCAL))
    assert (response.status, response.content) == (status, b"nope")
    assert len(server.log) == 1  # retries belong to the caller (the alert outbox)


def test_a_redirect_is_an_error_and_not_followed(server: HTTPServer) -> None:
    server.expect_request("/hook", method="POST").respond_with_data(
        "", status=307, headers={"Location": "/elsewhere"}
    )
    with pytest.raises(FetchError, match="redirects are not followed") as caught:
        post(server.url_for("/hook"), FetchPolicy(allow=LOCAL))
    assert caught.value.status == 307 and not caught.value.retryable
    assert str(caught.value).startswith("POST ")
    assert [request.path for request, _ in server.log] == ["/hook"]


def test_private_address_is_refused_without_allow(server: HTTPServer) -> None:
    with pytest.raises(BlockedAddressError, match="non-public address 127.0.0.1") as caught:
        post(server.url_for("/hook"), FetchPolicy())
    assert not caught.value.retryable and caught.value.method == "POST"
    assert server.log == []


def test_dns_rebinding_between_check_and_connect_is_refused() -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    with pytest.raises(BlockedAddressError, match="127.0.0.1"):
        post("http://rebind.example/hook", FetchPolicy(), resolve=rebinding)


def test_only_http_and_https() -> None:
    with pytest.raises(BlockedAddressError, match="scheme"):
        post("ftp://example.com/hook", FetchPolicy())


def test_time_out_is_retryable(server: HTTPServer) -> None:
    answer = threading.Event()  # the server answers only when the test is done: never in time

    def slow(request: Request) -> Response:
        answer.wait(30)
        return Response("late")

    server.expect_request("/slow", method="POST").respond_with_handler(slow)
    try:
        with pytest.raises(FetchError, match="timed out after 0.15s") as caught:
            post(server.url_for("/slow"), FetchPolicy(allow=LOCAL), timeout=0.15)  # per-call time-out
    finally:
        answer.set()
    assert caught.value.retryable and caught.value.status is None


def test_connection_refused_is_retryable() -> None:
    with pytest.raises(FetchError, match="connection failed") as caught:
        post("http://127.0.0.1:9/hook", FetchPolicy(allow=LOCAL))
    assert caught.value.retryable


def test_unresolvable_host_is_retryable() -> None:
    async def nowhere(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(FetchError, match="cannot resolve") as caught:
        post("http://nowhere.invalid/hook", FetchPolicy(), resolve=nowhere)
    assert caught.value.retryable


def test_answer_over_max_bytes_is_refused(server: HTTPServer) -> None:
    server.expect_request("/hook", method="POST").respond_with_data(b"x" * 5000)
    with pytest.raises(FetchError, match="larger than 1000 bytes") as caught:
        post(server.url_for("/hook"), FetchPolicy(allow=LOCAL, max_bytes=1000))
    assert caught.value.status == 200 and not caught.value.retryable


def test_errors_never_show_secrets_in_the_url() -> None:
    with pytest.raises(FetchError) as caught:
        post("http://127.0.0.1:9/hook?token=abc123", FetchPolicy(allow=LOCAL))
    assert "abc123" not in str(caught.value) and "token=***" in str(caught.value)


def test_a_form_with_basic_auth_is_url_encoded(server: HTTPServer) -> None:
    server.expect_request(
        "/token",
        method="POST",
        data=b"grant_type=client_credentials&scope=read+all",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "Basic YXBwLWlkOnMzY3IzdA==",  # app-id:s3cr3t
        },
    ).respond_with_json({"access_token": "t"})
    response = post(
        server.url_for("/token"),
        FetchPolicy(allow=LOCAL),
        content=None,
        form={"grant_type": "client_credentials", "scope": "read all"},
        basic_auth=("app-id", "s3cr3t"),
    )
    assert response.status == 200 and b"access_token" in response.content


def test_content_or_form_not_both(server: HTTPServer) -> None:
    with pytest.raises(ValueError, match="exactly one of content or form"):
        post(server.url_for("/token"), FetchPolicy(allow=LOCAL), form={"a": "b"})
    with pytest.raises(ValueError, match="exactly one of content or form"):
        post(server.url_for("/token"), FetchPolicy(allow=LOCAL), content=None)
    assert server.log == []
