"""The built-in connectors, registered through the same ``luister`` entry point as any plugin."""

from __future__ import annotations

from typing import Any

from luister.connectors.bluesky import BlueskyConnector
from luister.connectors.discourse import DiscourseConnector
from luister.connectors.file_import import FileConnector
from luister.connectors.hackernews import HackerNewsConnector
from luister.connectors.mastodon import MastodonConnector
from luister.connectors.reddit import RedditConnector
from luister.connectors.rss import RssConnector
from luister.connectors.webhook import WebhookConnector
from luister.connectors.youtube import YouTubeConnector
from luister.hookspecs import hookimpl


@hookimpl
def luister_connectors() -> list[type[Any]]:
    return [
        FileConnector,
        RssConnector,
        MastodonConnector,
        BlueskyConnector,
        HackerNewsConnector,
        RedditConnector,
        DiscourseConnector,
        YouTubeConnector,
        WebhookConnector,
    ]
