"""OAuth 2 access tokens for connectors, reused until they expire.

A connector that reads with an app's credentials asks :class:`TokenCache` for a bearer token. The cache
POSTs ``grant_type=client_credentials`` (RFC 6749 §4.4) with HTTP Basic auth (``client_id:client_secret``)
to the token URL once, keeps the token in process memory (never stored, never logged) until shortly before
``expires_in`` runs out, and fetches a new one when asked to (``refresh=True``, after a 401).

A voice that posts as a user takes another grant the same way: ``grant_type=password`` with ``username``
and ``password`` (RFC 6749 §4.3, Reddit's "script" apps) or ``grant_type=refresh_token`` with the
``refresh_token`` (§6, Google): :attr:`ClientCredentials.grant_type` and :attr:`ClientCredentials.grant`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson
from pydantic import SecretStr

from luister.net.http import FetchError, SafeHttp

EXPIRY_MARGIN = 60.0  # seconds before expiry a token counts as expired
DEFAULT_LIFETIME = 3600.0  # when the answer has no expires_in


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    token_url: str
    client_id: SecretStr
    client_secret: SecretStr
    grant_type: str = "client_credentials"
    grant: tuple[tuple[str, SecretStr], ...] = ()  # the grant's other form fields (username, password …)

    def key(self) -> tuple[str, str, str]:
        """What tokens are cached by; the secrets only as a hash, so a changed secret gets a new token."""
        digest = hashlib.sha256(self.client_secret.get_secret_value().encode())
        if self.grant_type != "client_credentials" or self.grant:
            digest.update(b"\0" + self.grant_type.encode())
            for name, value in self.grant:
                digest.update(b"\0" + name.encode() + b"=" + value.get_secret_value().encode())
        return (self.token_url, self.client_id.get_secret_value(), digest.hexdigest())

    def form(self) -> dict[str, str]:
        """The token request's form: the grant type and its fields."""
        return {"grant_type": self.grant_type, **{n: v.get_secret_value() for n, v in self.grant}}


@dataclass(slots=True)
class _Token:
    value: str = field(repr=False)
    expires_at: float


class TokenCache:
    """Bearer tokens by app credentials, in memory. One per process is enough (see :data:`TOKENS`)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self.requests = 0  # token requests made: for health and tests

    async def token(
        self,
        http: SafeHttp,
        credentials: ClientCredentials,
        *,
        headers: dict[str, str] | None = None,
        refresh: bool = False,
    ) -> str:
        """A valid access token; a cached one unless it (nearly) expired or ``refresh`` is asked."""
        key = credentials.key()
        cached = self._tokens.get(key)
        if cached is not None and not refresh and cached.expires_at > self._clock():
            return cached.value
        self._tokens.pop(key, None)
        token = await self._request(http, credentials, headers or {})
        self._tokens[key] = token
        return token.value

    def forget(self, credentials: ClientCredentials) -> None:
        self._tokens.pop(credentials.key(), None)

    async def _request(
        self, http: SafeHttp, credentials: ClientCredentials, headers: dict[str, str]
    ) -> _Token:
        url = credentials.token_url
        self.requests += 1
        response = await http.post(
            url,
            form=credentials.form(),
            basic_auth=(
                credentials.client_id.get_secret_value(),
                credentials.client_secret.get_secret_value(),
            ),
            headers={"Accept": "application/json", **headers},
        )
        if response.status in (400, 401, 403):
            reason = f"HTTP {response.status}: the app credentials (client_id, client_secret) were refused"
            raise FetchError(reason, url=url, status=response.status, method="POST")
        if response.status != 200:
            retry = response.status == 429 or response.status >= 500
            raise FetchError(
                f"HTTP {response.status} from the token endpoint",
                url=url,
                status=response.status,
                method="POST",
                retryable=retry,
            )
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            raise FetchError("the token endpoint did not answer with a JSON object", url=url, method="POST")
        value = body.get("access_token")
        if not isinstance(value, str) or not value:
            error = body.get("error")
            detail = f"error {error!r}" if isinstance(error, str | int) else "no access_token"
            raise FetchError(f"the token endpoint answered {detail}", url=url, method="POST")
        token_type = body.get("token_type")
        if isinstance(token_type, str) and token_type.lower() != "bearer":
            raise FetchError(f"unsupported token_type {token_type!r}", url=url, method="POST")
        lifetime = body.get("expires_in")
        seconds = (
            float(lifetime)
            if isinstance(lifetime, int | float) and not isinstance(lifetime, bool)
            else DEFAULT_LIFETIME
        )
        return _Token(value, self._clock() + max(0.0, seconds - EXPIRY_MARGIN))


TOKENS = TokenCache()  # the process's tokens; connectors take another one in tests

__all__ = ["TOKENS", "ClientCredentials", "TokenCache"]
