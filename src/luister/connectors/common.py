"""What the HTTP connectors share: their options, the guarded HTTP client, and health from the last run."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator

from luister.connectors.base import ConnectorError, Health
from luister.net.http import SafeHttp

ALL_TOPICS = "*"
PROBE_TERMS = "news"  # what check_credentials searches for when a source has only topics
TOPICS_DESCRIPTION = (
    "Topics to search for (names, or * for every enabled topic): their queries become plain platform "
    "searches, each with its own cursor, run next to the source's own terms if it has any. A topic that "
    "cannot be searched (a pure NOT, an OR with a field, a wildcard) is left to those terms and the run "
    "says why; `luister sources searches NAME` shows the searches."
)


def _topic_names(value: Any) -> Any:
    """``"a, b"`` → ``["a", "b"]``; ``"*"`` or ``true`` → ``["*"]``; empty → ``None``."""
    if value is True:
        return [ALL_TOPICS]
    if value is False:
        return None
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list):
        if not all(isinstance(name, str) for name in value):
            raise ValueError("topics are names (strings)")
        names = [name.strip() for name in value if name.strip()]
        return [ALL_TOPICS] if ALL_TOPICS in names else names or None
    return value


TopicNames = Annotated[list[str] | None, BeforeValidator(_topic_names)]


class HttpConnector:
    """Base of connectors that read a platform over HTTP through :class:`SafeHttp`."""

    name: ClassVar[str]

    def __init__(self, options: Any, *, http: SafeHttp | None = None) -> None:
        self.options = options
        self._http = http
        self._last_error: str | None = None

    @property
    def http(self) -> SafeHttp:
        if self._http is None:
            raise ConnectorError(f"the {self.name} connector needs an HTTP client (http=SafeHttp(...))")
        return self._http

    def health(self) -> Health:
        return Health(ok=self._last_error is None, detail=self._last_error or "")


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: payloads are not to be trusted."""
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> str | None:
    """A non-empty, stripped string, or ``None``."""
    if isinstance(value, str):
        return value.strip() or None
    return None


def as_count(value: Any) -> int | None:
    """A non-negative whole number (not a bool), or ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
