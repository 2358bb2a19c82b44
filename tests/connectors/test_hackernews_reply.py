"""Hacker News has no write API: no Capability.reply, and a deep link to answer by hand."""

from __future__ import annotations

import pytest

from luister.connectors.base import Capability, CapabilityMissing, can, require
from luister.connectors.hackernews import HackerNewsConnector, reply_url


def test_hacker_news_cannot_reply_but_links_to_its_reply_form() -> None:
    assert not can(HackerNewsConnector, Capability.reply)
    with pytest.raises(CapabilityMissing, match="cannot reply"):
        require(HackerNewsConnector, Capability.reply)
    assert reply_url("38472910") == "https://news.ycombinator.com/reply?id=38472910"
    assert reply_url(" 1 ") == "https://news.ycombinator.com/reply?id=1"
    for bad in ("", "12a", "1&goto=evil", "١٢"):  # only ASCII digits reach the link
        assert reply_url(bad) is None
