"""In-process events: subscribers hear about state changes after they are committed.

A failing subscriber is logged and never undoes or blocks the change it was told about.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from luister.domain.ingest import StoredMention

log = logging.getLogger(__name__)
E = TypeVar("E")


@dataclass(slots=True, frozen=True)
class MentionsStored:
    """Emitted after a batch of new mentions is committed."""

    mentions: list[StoredMention]
    origin: str


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type[Any], list[Callable[[Any], None]]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        self._handlers[event_type].append(handler)

    def emit(self, event: object) -> None:
        for handler in list(self._handlers.get(type(event), ())):
            try:
                handler(event)
            except Exception:
                log.exception("event handler %r failed on %s", handler, type(event).__name__)
