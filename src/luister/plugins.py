"""Plugin discovery through the ``luister`` entry-point group, with load failures reported loudly."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import pluggy

from luister import hookspecs

if TYPE_CHECKING:
    from luister.alerts.channels.base import AlertChannel
    from luister.connectors.base import Connector
    from luister.services.ingest import Enricher

log = logging.getLogger(__name__)
GROUP = "luister"


@dataclass
class Plugins:
    manager: pluggy.PluginManager
    failures: dict[str, str] = field(default_factory=dict)

    def connectors(self) -> dict[str, type[Connector]]:
        found: dict[str, type[Connector]] = {}
        for batch in self.manager.hook.luister_connectors():
            for connector in batch:
                found[connector.name] = connector
        return found

    def alert_channels(self) -> dict[str, type[AlertChannel]]:
        found: dict[str, type[AlertChannel]] = {}
        for batch in self.manager.hook.luister_alert_channels():
            for channel in batch:
                found[channel.name] = channel
        return found

    def enrichers(self) -> list[Enricher]:
        return [enricher for batch in self.manager.hook.luister_enrichers() for enricher in batch]


def load_plugins(*extra: object) -> Plugins:
    """Load every installed plugin; a plugin that fails to import is logged as an error and listed."""
    manager = pluggy.PluginManager(GROUP)
    manager.add_hookspecs(hookspecs)
    failures: dict[str, str] = {}
    for entry in entry_points(group=GROUP):
        try:
            manager.register(entry.load(), name=entry.name)
        except Exception as exc:  # a broken plugin must not take luister down, but must be seen
            failures[entry.name] = f"{type(exc).__name__}: {exc}"
            log.error("plugin %r (%s) failed to load: %s", entry.name, entry.value, failures[entry.name])
    for plugin in extra:
        manager.register(plugin)
    return Plugins(manager=manager, failures=failures)


@cache
def installed() -> Plugins:
    """The installed plugins, loaded once per process: what :class:`luister.runtime.Runtime` uses."""
    return load_plugins()
