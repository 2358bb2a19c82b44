"""What the repliers share: one HTTP attempt turned into the Replier's three errors, and JSON bodies.

A reply must never go out twice, so a replier makes every call with :meth:`SafeHttp.request` (one attempt,
any status back) and decides itself: a failure before the post could have reached the platform is
:class:`ReplyDeferred` (try later, nothing was sent); one after it may have is :class:`ReplyUncertain`
(the effects ledger reconciles before anything else).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from luister.connectors.base import ConnectorError, ReplyDeferred, ReplyUncertain
from luister.net.http import BlockedAddressError, FetchError, FetchResponse

RETRY_SOON = 60.0  # seconds before another try when the platform could not be reached at all
# reasons SafeHttp gives when no byte of the request reached the server
_NEVER_SENT = ("cannot resolve", "connection failed: ConnectError")


def transport_failure(exc: FetchError, *, posting: bool) -> ConnectorError:
    """The error for a request that got no answer. ``posting``: the request was the post itself, so a
    time-out or a dropped connection may come after the platform took it."""
    if isinstance(exc, BlockedAddressError):
        return ConnectorError(f"the voice's server address is refused: {exc.reason}")
    if not posting or exc.reason.startswith(_NEVER_SENT):
        return ReplyDeferred(f"the platform could not be reached: {exc.reason}", retry_after=RETRY_SOON)
    return ReplyUncertain(f"no answer after sending: {exc.reason}")


def json_body(response: FetchResponse) -> Any:
    """The response's JSON, or None when it is empty or not JSON (an error page)."""
    try:
        return orjson.loads(response.content) if response.content.strip() else None
    except orjson.JSONDecodeError:
        return None


def error_of(response: FetchResponse) -> tuple[str, str]:
    """``(error, message)`` of an error body: XRPC's ``{"error", "message"}`` or Mastodon's ``{"error"}``
    (then the message is the error); empty strings where the body says nothing."""
    body = json_body(response)
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    message = body.get("message", body.get("error_description"))
    error_text = error if isinstance(error, str) else ""
    return error_text, message if isinstance(message, str) else error_text


def seconds_until(moment: datetime | None, now: datetime, *, at_least: float = 1.0) -> float:
    """Seconds from ``now`` to ``moment`` (never less than ``at_least``); ``RETRY_SOON`` when unknown."""
    if moment is None:
        return RETRY_SOON
    return max(at_least, (moment - now).total_seconds())


__all__ = ["RETRY_SOON", "error_of", "json_body", "seconds_until", "transport_failure"]
