"""Alerts POSTed as JSON to a URL, through the SSRF guard: our own payload, Slack or Microsoft Teams.

Formats (option ``format``):

* ``json`` — luister's own payload, stable (``version`` changes only when a field is removed or changes
  meaning)::

    {"version": 1, "event": "alert.opened" | "alert.updated",
     "alert": {"id", "rule", "kind", "severity", "status", "title", "summary", "topic",
               "opened_at", "updated_at" (ISO 8601, UTC), "mentions", "expected"},
     "samples": [{"id", "channel", "author", "text", "url", "published_at"}],
     "steps": ["…"], "links": {"label": "https://…"}}

* ``slack`` — a Slack incoming-webhook message (``text`` plus ``blocks``); alert and mention text is
  escaped as Slack asks (``&`` ``<`` ``>``), so no mention can ping ``<!channel>`` or forge a link.
* ``teams`` — a Microsoft Teams incoming-webhook (or Workflows) message holding one Adaptive Card;
  alert and mention text goes into ``TextRun``s, which Teams shows as plain text, never as markdown.

Signature: with a ``secret``, every request carries ``X-Luister-Timestamp: <unix seconds>`` and
``X-Luister-Signature: sha256=<hex>``, the HMAC-SHA256 with the secret of ``<timestamp>.<raw body>``.
A receiver verifies it before parsing the body, compares in constant time and refuses old timestamps::

    expected = hmac.new(secret, f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(f"sha256={expected}", signature) and abs(time.time() - int(timestamp)) < 300

Every request also carries ``X-Luister-Alert: <alert id>`` and ``X-Luister-Event``. A 2xx answer is
delivered; 408, 429, 5xx, time-outs and connection errors are retried by the outbox; any other answer,
a redirect or a URL the SSRF guard refuses is not (someone must fix the channel first).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from luister.alerts.channels.base import DeliveryError, one_line
from luister.alerts.channels.webhook_formats import json_payload, slack_payload, teams_payload
from luister.alerts.model import AlertMessage
from luister.net.http import BlockedAddressError, FetchError, FetchPolicy, FetchResponse, SafeHttp
from luister.net.signing import signature_headers

Format = Literal["json", "slack", "teams"]
BUILDERS = {"json": json_payload, "slack": slack_payload, "teams": teams_payload}


class WebhookOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Where to POST (http or https). Shown as scheme and host only.")
    format: Format = Field("json", description="`json` (luister's payload), `slack` or `teams`.")
    secret: str | None = Field(
        None, description="Signs each request (X-Luister-Signature: HMAC-SHA256); shown masked."
    )
    timeout: float = Field(10.0, gt=0, le=120, description="Seconds to wait for an answer.")

    @field_validator("url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value.strip()


def where(url: str) -> str:
    """Scheme and host of ``url``: Slack and Teams webhook URLs carry their secret in the path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"


def event_name(message: AlertMessage) -> str:
    return "alert.updated" if message.update else "alert.opened"


class WebhookChannel:
    """POST each alert as JSON to a URL: luister's own signed payload, a Slack message or a Microsoft
    Teams Adaptive Card. Private addresses need LUISTER_FETCH_ALLOW."""

    name: ClassVar[str] = "webhook"
    options_model: ClassVar[type[BaseModel]] = WebhookOptions
    example: ClassVar[str] = (
        "luister alerts channels add slack-webcare webhook -o format=slack \\\n"
        "  -o url=https://hooks.slack.com/services/T000/B000/XXXX"
    )

    def __init__(self, options: Any, *, http: SafeHttp | None = None) -> None:
        self.options: WebhookOptions = (
            options if isinstance(options, WebhookOptions) else WebhookOptions(**options)
        )
        self._http = http

    def request(self, message: AlertMessage, *, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers to send for ``message``."""
        body = orjson.dumps(BUILDERS[self.options.format](message))
        headers = {
            "Content-Type": "application/json",
            "X-Luister-Alert": str(message.alert_id),
            "X-Luister-Event": event_name(message),
        }
        if self.options.secret:
            headers |= signature_headers(self.options.secret, body, timestamp or int(time.time()))
        return body, headers

    async def send(self, message: AlertMessage) -> None:
        body, headers = self.request(message)
        if self._http is not None:
            response = await self._post(self._http, body, headers)
        else:
            async with SafeHttp(FetchPolicy()) as http:
                response = await self._post(http, body, headers)
        _judge(response, self.options.url)

    async def _post(self, http: SafeHttp, body: bytes, headers: dict[str, str]) -> FetchResponse:
        target = where(self.options.url)
        try:
            return await http.post(
                self.options.url, content=body, headers=headers, timeout=self.options.timeout
            )
        except BlockedAddressError as exc:
            raise DeliveryError(
                f"{target}: refused by the SSRF guard: {exc.reason} "
                "(add the host to LUISTER_FETCH_ALLOW if it is meant)",
                retryable=False,
            ) from None
        except FetchError as exc:
            if exc.status is not None and 200 <= exc.status < 300:  # delivered; only the answer was too big
                return FetchResponse(url=self.options.url, status=exc.status, headers={}, content=b"")
            raise DeliveryError(f"{target}: {exc.reason}", retryable=exc.retryable) from None


def _judge(response: FetchResponse, url: str) -> None:
    status = response.status
    if 200 <= status < 300:
        return
    answer = one_line(response.content[:400].decode("utf-8", errors="replace"), 160)
    reason = f"{where(url)}: HTTP {status}" + (f": {answer}" if answer else "")
    raise DeliveryError(reason, retryable=status in (408, 429) or status >= 500)
