"""What the repliers share: one HTTP attempt turned into the Replier's three errors, JSON bodies, and
recognising a reply by its text.

A reply must never go out twice, so a replier makes every call with one attempt (``SafeHttp.post`` /
``request``: any status back) and decides itself: a failure before the post could have reached the
platform is :class:`ReplyDeferred` (try later, nothing was sent); one after it may have is
:class:`ReplyUncertain` (the effects ledger reconciles before anything else). Platforms without an
idempotency key (Reddit, Discourse, YouTube) are reconciled by looking for this voice's answer to the
target with the same text, among posts made since the effect was planned: the effect's key is a TID
(``luister.domain.tid``) that tells when it was made, so a search can stop at posts older than that, less
:data:`KEY_MARGIN` for clocks that differ.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from luister.connectors.base import ConnectorError, ReplyDeferred, ReplyRefused, ReplyUncertain
from luister.domain import tid
from luister.net.http import BlockedAddressError, FetchError, FetchResponse

KEY_MARGIN = 3600.0  # seconds: posts this much older than the key still count (clock skew, a late send)
TOKEN_RETRY = 60.0  # seconds before trying again when the token endpoint was out of reach
RETRY_SOON = 60.0  # seconds before another try when the platform could not be reached at all
# reasons SafeHttp gives when no byte of the request reached the server
_NEVER_SENT = ("cannot resolve", "connection failed: ConnectError")
_SPACE_AT_LINE_END = re.compile(r"[ \t]+\n")


def key_time(key: str) -> float | None:
    """The Unix time (seconds) at which an effect key was made, or None when ``key`` is not a TID."""
    moment = tid.key_time(key)
    return None if moment is None else moment.timestamp()


def since(key: str) -> float | None:
    """The oldest post time a reply made under ``key`` can have, or None when the key tells no time."""
    moment = key_time(key)
    return None if moment is None else moment - KEY_MARGIN


def same_text(posted: Any, text: str) -> bool:
    """Whether a platform's copy of a post says ``text``: Unicode NFC, ``\\r\\n`` as ``\\n``, no spaces at
    line ends and none around the whole, as platforms trim them."""
    return isinstance(posted, str) and _normal(posted) == _normal(text)


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _SPACE_AT_LINE_END.sub("\n", text).strip()


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


def seconds(value: Any) -> float | None:
    """A non-negative number of seconds from a header or a JSON value, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(0.0, float(value))
    if isinstance(value, str):
        try:
            return max(0.0, float(value.strip()))
        except ValueError:
            return None
    return None


def transport_failure(exc: FetchError, *, posting: bool, platform: str = "the platform") -> ConnectorError:
    """The error for a request that got no usable answer. ``posting``: the request was the post itself,
    so a time-out, a dropped connection or a redirect may come after the platform took it. A refused
    address or an invalid URL is the voice's settings (nothing was sent)."""
    if isinstance(exc, BlockedAddressError):
        return ConnectorError(f"the voice's server address is refused: {exc.reason}")
    if exc.status is None and not exc.retryable:
        return ConnectorError(f"{platform}: {exc}")
    if not posting or exc.reason.startswith(_NEVER_SENT):
        return ReplyDeferred(f"{platform} could not be reached: {exc.reason}", retry_after=RETRY_SOON)
    return ReplyUncertain(f"{platform} did not answer; the reply may have been posted ({exc.reason})")


def token_failed(exc: FetchError, platform: str) -> ConnectorError:
    """A token request that failed: refused credentials, or an endpoint out of reach for now. Either
    way nothing was posted."""
    if isinstance(exc, BlockedAddressError):
        return ConnectorError(f"{platform}: {exc}")
    if exc.retryable or exc.status == 429 or (exc.status or 0) >= 500:
        wait = exc.retry_after if exc.retry_after is not None else TOKEN_RETRY
        return ReplyDeferred(f"{platform}: no access token now ({exc.reason})", retry_after=wait)
    return ReplyRefused("credentials", f"{platform} refused the voice's credentials ({exc.reason})")


def reading_failed(exc: FetchError, platform: str) -> ReplyUncertain:
    """A look-up for the reply that failed: it cannot tell whether the reply is there."""
    return ReplyUncertain(f"cannot tell whether the reply is on {platform} ({exc.reason})")


def text_of(value: Any) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}
