"""pluggy hook specifications: how connectors and analysers declare themselves.

Built-ins register through the same ``luister`` entry-point group as third-party plugins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from luister.alerts.channels.base import AlertChannel
    from luister.connectors.base import Connector
    from luister.services.ingest import Enricher

hookspec = pluggy.HookspecMarker("luister")
hookimpl = pluggy.HookimplMarker("luister")


@hookspec
def luister_connectors() -> list[type[Connector]]:  # type: ignore[empty-body]
    """Return connector classes (see ``luister.connectors.base.Connector``)."""


@hookspec
def luister_alert_channels() -> list[type[AlertChannel]]:  # type: ignore[empty-body]
    """Return alert channel classes (see ``luister.alerts.channels.base.AlertChannel``)."""


@hookspec
def luister_enrichers() -> list[Enricher]:  # type: ignore[empty-body]
    """Return enrichers (see ``luister.services.ingest.Enricher``) to run on every stored batch."""
