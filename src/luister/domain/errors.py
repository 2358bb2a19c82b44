"""Errors the domain raises; adapters turn them into quarantine records or user messages."""

from __future__ import annotations


class MappingError(ValueError):
    """A raw item cannot become a mention. ``field`` says where, the message says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ConnectorError(Exception):
    """A source failed as a whole (network, auth, platform error); items already stored are kept."""
