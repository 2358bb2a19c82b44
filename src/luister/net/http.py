"""An HTTP fetcher for connectors that refuses to be turned against the network it runs in (SSRF).

Every hop of a request is checked: the scheme must be http(s) and every address the host resolves to must
be public, unless the policy allows the host or its network. Redirects are followed by hand so each one is
checked again. Bodies are streamed and cut off at ``max_bytes``. 429, 5xx, time-outs and connection errors
are retried with exponential back-off and full jitter, or exactly as long as ``Retry-After`` asks; a
``Retry-After`` beyond ``backoff_max`` ends the fetch at once with :attr:`FetchError.retry_after` set, and
the listener runs the source no sooner than that.

:meth:`SafeHttp.post` (alert webhooks) makes exactly one attempt, follows no redirect (one is an error) and
returns the response whatever its status, so the caller decides what is worth another try; a failure to get
any response raises :class:`FetchError` with ``retryable`` telling time-outs and connection errors apart
from refusals. It sends raw ``content`` or a ``form`` (``application/x-www-form-urlencoded``), optionally
with HTTP Basic ``basic_auth`` (an OAuth token request). :meth:`SafeHttp.request` is the same single attempt
for any method (a reply, whose error bodies the caller reads and which must never be re-sent blindly).

Secrets in URLs (``?token=…``) never reach a log line or an error message: see :func:`redact_url`.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import logging
import random
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

import httpcore
import httpx

from luister.domain.errors import ConnectorError
from luister.settings import Settings

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
Sleep = Callable[[float], Awaitable[None]]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_SENSITIVE = re.compile(r"token|key|secret|auth|passw|pwd|session|cookie|signature|sig$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """What a fetch may do. ``allow`` names hosts or CIDRs reachable although private or loopback."""

    allow: frozenset[str] = frozenset()
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    timeout: float = 20.0  # seconds, connect + read, per hop
    retries: int = 3  # extra attempts on 429, 5xx, time-outs and connection errors
    backoff_base: float = 1.0
    backoff_max: float = 60.0
    user_agent: str = "luister/0.1 (+https://github.com/luister)"

    @classmethod
    def of(cls, settings: Settings) -> FetchPolicy:
        """The policy the settings ask for: the allow-list, the timeout and the size limit."""
        return cls(allow=frozenset(settings.fetch_allow), timeout=settings.fetch_timeout,
                   max_bytes=settings.fetch_max_bytes)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FetchResponse:
    url: str
    status: int
    headers: Mapping[str, str]  # case-insensitive (httpx.Headers)
    content: bytes


class FetchError(ConnectorError):
    """A fetch failed for good. ``url`` is redacted; ``status`` is the last HTTP status, if any.

    ``retryable`` is set by :meth:`SafeHttp.post` for failures another attempt may cure (time-outs,
    connection errors, DNS); ``get`` has retried those already."""

    def __init__(
        self,
        reason: str,
        *,
        url: str,
        status: int | None = None,
        method: str = "GET",
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.url = redact_url(url)
        self.status = status
        self.reason = reason
        self.method = method
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After), if any
        super().__init__(f"{method} {self.url}: {reason}")


class BlockedAddressError(FetchError):
    """The SSRF guard refused the URL: a scheme other than http(s), or a private/local address."""


def is_sensitive_name(name: str) -> bool:
    """Whether a query parameter or header name looks like it carries a secret."""
    return bool(_SENSITIVE.search(name))


def redact_url(url: str) -> str:
    """The URL with secret-looking query values and any password replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:***@{hostport}" if ":" in userinfo else netloc
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_pair(pair: str) -> str:
    name, sep, _ = pair.partition("=")
    if sep and is_sensitive_name(unquote(name.replace("+", " "))):
        return f"{name}=***"
    return pair


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers fit for a log line: secret-looking values become ``***``."""
    return {name: "***" if is_sensitive_name(name) else value for name, value in headers.items()}


async def default_resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, through the event loop's ``getaddrinfo``."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def is_public_address(address: IPAddress) -> bool:
    """False for private, loopback, link-local, multicast, reserved, unspecified and their IPv4 mappings."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is not None and not is_public_address(embedded):
            return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


class AddressGuard:
    """Decides whether a URL may be fetched: scheme, host name and every resolved address."""

    def __init__(self, allow: frozenset[str], resolve: Resolver) -> None:
        self._resolve = resolve
        self._hosts: set[str] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allow:
            try:
                self._networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                self._hosts.add(entry.lower().rstrip("."))

    async def check(self, url: httpx.URL) -> None:
        text = str(url)
        if url.scheme not in _DEFAULT_PORTS:
            raise BlockedAddressError(f"scheme {url.scheme!r} is not allowed", url=text)
        if not url.host:
            raise BlockedAddressError("URL has no host", url=text)
        await self.addresses(url.host, url.port or _DEFAULT_PORTS[url.scheme], url=text)

    async def addresses(self, host: str, port: int, *, url: str) -> list[str]:
        """The addresses to connect to for ``host``, all checked; raises when any is refused."""
        host = host.lower().strip("[]").rstrip(".")
        literal = _as_address(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                found = await self._resolve(host, port)
            except (OSError, UnicodeError) as exc:
                raise FetchError(f"cannot resolve {host}: {exc}", url=url) from None
            addresses = [a for a in (_as_address(item) for item in found) if a is not None]
            if not addresses:
                raise FetchError(f"cannot resolve {host}", url=url)
        if host not in self._hosts:
            for address in addresses:
                if not is_public_address(address) and not self._allowed(address):
                    raise BlockedAddressError(f"{host} resolves to non-public address {address}", url=url)
        return [str(address) for address in dict.fromkeys(addresses)]

    def _allowed(self, address: IPAddress) -> bool:
        return any(address in network for network in self._networks)


def _as_address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the guard has just checked, closing the DNS-rebinding gap between the
    check and the connection. TLS still verifies and sends SNI for the host name of the URL."""

    def __init__(self, guard: AddressGuard) -> None:
        self._guard = guard
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.addresses(host, port, url=f"//{host}:{port}")
        for address in addresses[:-1]:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError:
                continue
        return await self._inner.connect_tcp(addresses[-1], port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("unix sockets are not allowed", url=path)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Retryable(Exception):
    """One attempt failed in a way worth another; ``retry_after`` is the server's wish, if any."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class SafeHttp:
    """GET with the SSRF guard, a size limit, manual redirects and retries; POST with the same guard and
    limit, one attempt and no redirects. One per process is fine."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        sleep: Sleep = asyncio.sleep,
        resolve: Resolver = default_resolve,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._sleep = sleep
        self._guard = AddressGuard(self.policy.allow, resolve)
        transport = httpx.AsyncHTTPTransport(trust_env=False)
        transport._pool = httpcore.AsyncConnectionPool(  # httpx offers no other way to set the backend
            ssl_context=httpx.create_ssl_context(), network_backend=_PinnedBackend(self._guard)
        )
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=httpx.Timeout(self.policy.timeout),
            headers={"User-Agent": self.policy.user_agent},
            trust_env=False,  # a proxy from the environment would bypass the address check
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> FetchResponse:
        """The response (2xx or 304). Raises :class:`FetchError` for anything else, after retries."""
        try:
            target = httpx.URL(url)
            if params:
                target = target.copy_merge_params(dict(params))
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            raise FetchError(f"invalid URL: {exc}", url=url) from None
        policy = self.policy
        for attempt in range(policy.retries + 1):
            try:
                return await self._follow(target, dict(headers or {}))
            except _Retryable as failure:
                wait = failure.retry_after
                if wait is not None and wait > policy.backoff_max:  # an hour's rate limit: not four tries
                    raise FetchError(
                        f"{failure.reason}; the server asks to wait {wait:,.0f}s (Retry-After)",
                        url=str(target),
                        status=failure.status,
                        retry_after=wait,
                    ) from None
                if attempt == policy.retries:
                    tries = policy.retries + 1
                    raise FetchError(
                        f"{failure.reason} (gave up after {tries} attempt{'s' if tries > 1 else ''})",
                        url=str(target),
                        status=failure.status,
                        retry_after=failure.retry_after,
                    ) from None
                delay = self._delay(attempt, failure.retry_after)
                log.info("GET %s: %s; retrying in %.1fs", redact_url(str(target)), failure.reason, delay)
                await self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    async def post(
        self,
        url: str,
        *,
        content: bytes | None = None,
        form: Mapping[str, str] | None = None,
        basic_auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> FetchResponse:
        """One guarded POST of ``content`` or of ``form`` (URL-encoded), with ``basic_auth`` (user,
        password) as an ``Authorization: Basic`` header if given. Returns the response for any status
        except a redirect (an error: a POST is never re-sent elsewhere). Raises :class:`FetchError`, with
        ``retryable`` set for time-outs, connection errors and failed DNS, and :class:`BlockedAddressError`
        when the guard refuses."""
        if (content is None) == (form is None):
            raise ValueError("post needs exactly one of content or form")
        sent = dict(headers or {})
        if form is not None:
            content = urlencode(list(form.items())).encode()
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if basic_auth is not None:
            pair = f"{basic_auth[0]}:{basic_auth[1]}".encode()
            sent["Authorization"] = f"Basic {base64.b64encode(pair).decode('ascii')}"
        assert content is not None
        return await self.request("POST", url, content=content, headers=sent, timeout=timeout)

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> FetchResponse:
        """One guarded request of any method: no retry, no redirect (one is an error), the response
        whatever its status. For a caller that must read an error's body (a platform's error code) or
        decide itself what is worth another try (a reply, which must never go out twice). Raises as
        :meth:`post` does."""
        try:
            target = httpx.URL(url)
            if params:
                target = target.copy_merge_params(dict(params))
        except (httpx.InvalidURL, ValueError, TypeError) as exc:
            raise FetchError(f"invalid URL: {exc}", url=url, method=method) from None
        limit = timeout or self.policy.timeout
        sent = dict(headers or {})
        try:
            await self._guard.check(target)
            async with asyncio.timeout(limit):
                response = await self._send_once(method, target, content, sent, limit)
        except BlockedAddressError as exc:
            raise BlockedAddressError(exc.reason, url=str(target), method=method) from None
        except FetchError as exc:
            retry = exc.retryable or (exc.status is None and exc.reason.startswith("cannot resolve"))
            raise FetchError(
                exc.reason, url=str(target), status=exc.status, method=method, retryable=retry
            ) from None
        except (TimeoutError, httpx.TimeoutException):
            raise FetchError(
                f"timed out after {limit:g}s", url=str(target), method=method, retryable=True
            ) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            reason = f"connection failed: {type(exc).__name__}"
            raise FetchError(reason, url=str(target), method=method, retryable=True) from None
        except httpx.HTTPError as exc:
            raise FetchError(
                f"request failed: {type(exc).__name__}", url=str(target), method=method
            ) from None
        finally:
            self._client.cookies.clear()
        return response

    async def _send_once(
        self, method: str, url: httpx.URL, content: bytes | None, headers: dict[str, str], timeout: float
    ) -> FetchResponse:
        request = self._client.build_request(
            method, url, content=content, headers=headers, timeout=httpx.Timeout(timeout)
        )
        response = await self._client.send(request, stream=True)
        try:
            status = response.status_code
            if status in REDIRECT_STATUSES:
                raise FetchError(
                    f"HTTP {status}: redirects are not followed for {method}", url=str(url), status=status
                )
            content_read = await self._read_limited(response, url)
            return FetchResponse(url=str(url), status=status, headers=response.headers, content=content_read)
        finally:
            await response.aclose()

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        policy = self.policy
        if retry_after is not None:
            return min(policy.backoff_max, retry_after)
        return random.uniform(0, min(policy.backoff_max, policy.backoff_base * 2**attempt))

    async def _follow(self, url: httpx.URL, headers: dict[str, str]) -> FetchResponse:
        for _ in range(self.policy.max_redirects + 1):
            await self._guard.check(url)
            try:
                async with asyncio.timeout(self.policy.timeout):
                    response = await self._hop(url, headers)
            except (TimeoutError, httpx.TimeoutException):
                raise _Retryable(f"timed out after {self.policy.timeout:g}s") from None
            except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                raise _Retryable(f"connection failed: {type(exc).__name__}") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"request failed: {type(exc).__name__}", url=str(url)) from None
            finally:
                self._client.cookies.clear()  # sources share the client; cookies must not travel between them
            if not isinstance(response, httpx.URL):
                return response
            if _origin(response) != _origin(url):
                headers = {k: v for k, v in headers.items() if not is_sensitive_name(k)}
            url = response
        raise FetchError(f"more than {self.policy.max_redirects} redirects", url=str(url))

    async def _hop(self, url: httpx.URL, headers: dict[str, str]) -> FetchResponse | httpx.URL:
        """One request: the response, or the URL a redirect points to."""
        async with self._client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status in REDIRECT_STATUSES and "location" in response.headers:
                try:
                    return url.join(response.headers["location"])
                except (httpx.InvalidURL, ValueError):
                    raise FetchError("redirect to an invalid URL", url=str(url), status=status) from None
            if status == 429 or status >= 500:
                raise _Retryable(f"HTTP {status}", status, _retry_after(response.headers.get("retry-after")))
            if status >= 400:
                raise FetchError(f"HTTP {status}", url=str(url), status=status)
            content = await self._read_limited(response, url)
            return FetchResponse(url=str(url), status=status, headers=response.headers, content=content)

    async def _read_limited(self, response: httpx.Response, url: httpx.URL) -> bytes:
        limit = self.policy.max_bytes
        too_large = f"response larger than {limit} bytes"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(too_large, url=str(url), status=response.status_code)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():  # decoded: a gzip bomb counts at its full size
            size += len(chunk)
            if size > limit:
                raise FetchError(too_large, url=str(url), status=response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme))


def _retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP-date; ``None`` if absent."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
