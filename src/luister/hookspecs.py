"""pluggy hook specifications: how connectors and analysers declare themselves.

Built-ins register through the same ``luister`` entry-point group as third-party plugins.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("luister")
hookimpl = pluggy.HookimplMarker("luister")


@hookspec
def luister_connectors() -> list[type[Any]]:  # type: ignore[empty-body]
    """Return connector classes (see ``luister.connectors.base.Connector``)."""


@hookspec
def luister_alert_channels() -> list[type[Any]]:  # type: ignore[empty-body]
    """Return alert channel classes (see ``luister.alerts.channels.base.AlertChannel``)."""


@hookspec
def luister_enrichers() -> list[Any]:  # type: ignore[empty-body]
    """Return enrichers (see ``luister.services.ingest.Enricher``) to run on every stored batch."""
