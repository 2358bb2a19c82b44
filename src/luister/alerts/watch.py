"""Alerting while mentions come in: after every stored batch the rules are checked and due alerts are
delivered at once, so the time from a spike-making mention to the webhook or e-mail is seconds."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from luister.alerts.delivery import deliver_due
from luister.alerts.detection import check_rules
from luister.alerts.model import SPIKE_KINDS, AlertChange
from luister.alerts.read import list_rules
from luister.services.events import EventBus, MentionsStored
from luister.settings import Settings

log = logging.getLogger(__name__)
SPIKE_INTERVAL = (
    10.0  # seconds: spike rules aggregate weeks of counts, so not after every batch of a backfill
)


class AlertWatcher:
    """An ``EventBus`` subscriber for :class:`MentionsStored`."""

    def __init__(
        self,
        *,
        engine: Engine,
        settings: Settings,
        deliver: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        spike_interval: float = SPIKE_INTERVAL,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.deliver = deliver
        self.clock = clock
        self.spike_interval = spike_interval
        self.changes: list[AlertChange] = []
        self._last_spike_check = float("-inf")
        self._lock = threading.Lock()  # batches may be stored from worker threads

    def subscribe(self, events: EventBus) -> EventBus:
        events.subscribe(MentionsStored, self)
        return events

    def check(self) -> list[AlertChange]:
        """Check every rule (a spike also shows when nothing new arrived) and send what is due,
        retries included; return the alerts opened or updated."""
        with self._lock:
            changes = []
            if rules := list_rules(engine=self.engine, enabled_only=True):
                self._last_spike_check = time.monotonic()
                changes = check_rules(
                    engine=self.engine, now=self.clock(), rules=rules, zone=self.settings.zone
                )
                self.changes.extend(changes)
            if self.deliver:
                deliver_due(engine=self.engine, settings=self.settings)
            return changes

    def tick(self) -> None:
        """:meth:`check` between listening passes: trouble is logged and tried again next pass."""
        try:
            self.check()
        except Exception:  # alerting trouble must not stop listening
            log.exception("alert check failed")

    def __call__(self, event: MentionsStored) -> None:
        with self._lock:
            rules = list_rules(engine=self.engine, enabled_only=True)
            if not rules:
                return
            spikes_due = time.monotonic() - self._last_spike_check >= self.spike_interval
            if spikes_due:
                self._last_spike_check = time.monotonic()
            else:
                rules = [rule for rule in rules if rule.kind not in SPIKE_KINDS]
            changes = check_rules(engine=self.engine, now=self.clock(), rules=rules, zone=self.settings.zone)
            self.changes.extend(changes)
            if self.deliver and any(change.notified for change in changes):
                deliver_due(engine=self.engine, settings=self.settings)


def alert_events(*, engine: Engine, settings: Settings) -> EventBus:
    """An event bus on which stored mentions are checked against the alert rules."""
    return AlertWatcher(engine=engine, settings=settings).subscribe(EventBus())
