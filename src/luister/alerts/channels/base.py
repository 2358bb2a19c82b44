"""The alert channel protocol every delivery plugin implements, built-in or third-party.

A channel turns an :class:`~luister.alerts.model.AlertMessage` into its own format and sends it, once.
Retries, back-off and bookkeeping belong to the outbox (``luister.alerts.delivery``): a channel
only says, through :class:`DeliveryError`, whether another attempt could succeed.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel

from luister.alerts.model import AlertMessage
from luister.connectors.http import SafeHttp


class DeliveryError(Exception):
    """A send failed. ``retryable``: a later attempt may succeed (time-out, 5xx, a busy mail server);
    otherwise the delivery fails for good until someone fixes the channel and retries it."""

    def __init__(self, reason: str, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@runtime_checkable
class AlertChannel(Protocol):
    name: ClassVar[str]
    options_model: ClassVar[type[BaseModel]]  # pydantic, ``extra="forbid"``
    example: ClassVar[str]  # a CLI example: luister alerts channels add …

    def __init__(self, options: Any, *, http: SafeHttp | None = None) -> None: ...

    async def send(self, message: AlertMessage) -> None:
        """Deliver ``message`` once; raise :class:`DeliveryError` when it did not arrive."""
        ...


def one_line(text: str, limit: int = 150) -> str:
    """``text`` on one line (no CR/LF: header-safe), cut at ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def is_web_link(url: str | None) -> bool:
    """Only http(s) links are shown: mention URLs come from platforms and may be ``javascript:``."""
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def headline(message: AlertMessage) -> str:
    """``critical: <title>``, or ``update: critical: <title>`` for an update."""
    prefix = "update: " if message.update else ""
    return f"{prefix}{message.severity.value}: {one_line(message.title)}"
