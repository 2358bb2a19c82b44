"""What the repliers of platforms without an idempotency key share (Reddit, Discourse, YouTube).

They send one POST and read what came back; a failure to get an answer after the request went out is
:class:`ReplyUncertain`, never a failure. Reconciling (``find_reply``) looks for this voice's answer to the
target with the same text, among posts made since the effect was planned: the effect's key is a TID, whose
first 53 bits are the microseconds at which it was made (see ``luister.effects.keys``), so a search can stop
at posts older than that, less :data:`KEY_MARGIN` for clocks that differ.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

import orjson

from luister.connectors.base import ConnectorError, ReplyDeferred, ReplyRefused, ReplyUncertain
from luister.net.http import BlockedAddressError, FetchError, FetchResponse

KEY_MARGIN = 3600.0  # seconds: posts this much older than the key still count (clock skew, a late send)
TOKEN_RETRY = 60.0  # seconds before trying again when the token endpoint was out of reach
_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_KEY = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_SPACE_AT_LINE_END = re.compile(r"[ \t]+\n")


def key_time(key: str) -> float | None:
    """The Unix time (seconds) at which an effect key was made, or None when ``key`` is not a TID."""
    if not _KEY.match(key):
        return None
    value = 0
    for char in key:
        value = (value << 5) | _ALPHABET.index(char)
    return (value >> 10) / 1_000_000


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


def json_of(response: FetchResponse) -> Any:
    """The response's JSON body, or None when it has none."""
    try:
        return orjson.loads(response.content) if response.content.strip() else None
    except orjson.JSONDecodeError:
        return None


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


def sending_failed(exc: FetchError, platform: str) -> ConnectorError:
    """What a POST that got no usable answer means: a time-out or a dropped connection may have posted;
    a refused address, an invalid URL or a redirect is the voice's settings, and nothing was posted."""
    if exc.retryable and not isinstance(exc, BlockedAddressError):
        return ReplyUncertain(f"{platform} did not answer; the reply may have been posted ({exc.reason})")
    return ConnectorError(f"{platform}: {exc}")


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
