"""The built-in alert channels, registered through the same ``luister`` entry point as any plugin."""

from __future__ import annotations

from typing import Any

from luister.alerts.channels.email import EmailChannel
from luister.alerts.channels.webhook import WebhookChannel
from luister.hookspecs import hookimpl


@hookimpl
def luister_alert_channels() -> list[type[Any]]:
    return [EmailChannel, WebhookChannel]
