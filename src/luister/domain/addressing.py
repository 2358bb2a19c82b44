"""Values as the web pages and the API take them from an address: ids and "unknown" filter values."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest id either backend stores; a larger one in an address can name nothing
UNKNOWN_VALUE = "-"  # a filter value asking for mentions without one (no country, no language)


def unknown_as_empty(value: str | None) -> str | None:
    """A filter value of an address: ``-`` asks for mentions without a value (as the dashboards count
    them, ``""``); empty means no filter."""
    return "" if value == UNKNOWN_VALUE else (value or None)
