"""Topics: saved queries for a brand, its competitors and campaigns."""

from __future__ import annotations

from enum import StrEnum


class TopicKind(StrEnum):
    brand = "brand"
    competitor = "competitor"
    campaign = "campaign"
    other = "other"
