"""Webhook push: other tools POST mentions to luister instead of luister fetching them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, Field, SecretStr, field_validator

from luister.connectors.base import Capability, Health, Page
from luister.connectors.records import FIELDS, FieldMapping
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention

PUSH_POLL_INTERVAL = 7 * 24 * 3600  # nothing to poll: `luister listen` only looks in once a week


class WebhookOptions(BaseModel):
    secret: SecretStr = Field(
        min_length=16,
        description="Shared secret for the HMAC-SHA256 signature of each push (X-Luister-Signature); "
        "at least 16 characters, shown masked.",
    )
    channel: str = Field("webhook", description="Channel for records without a channel field.")
    fields: dict[str, str] = Field(
        default_factory=dict, description="FIELD: KEY mapping for other record shapes, e.g. text: body."
    )

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
        return value


class WebhookConnector:
    """Mentions pushed to `POST /api/v1/ingest/{source}`, signed with the source's secret: single or
    batched JSON records in luister's import format, from anything that can send a webhook (X, Facebook
    or Instagram through their own tooling, a CRM, a review site). See docs/api.md.

    It fetches nothing: pushes are stored as they arrive, through the same pipeline as every source.
    """

    example: ClassVar[str] = (
        "luister sources add crm-push webhook -o secret=$(openssl rand -hex 24) -o channel=review"
    )

    name: ClassVar[str] = "webhook"
    options_model: ClassVar[type[BaseModel]] = WebhookOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.push})  # not read by listening
    max_concurrency: ClassVar[int] = 1
    poll_interval: ClassVar[int] = PUSH_POLL_INTERVAL

    def __init__(self, options: WebhookOptions, *, http: object = None) -> None:
        self.options = options
        self.mapping = FieldMapping.checked(dict(options.fields), options.channel)

    async def check_credentials(self) -> Health:
        return Health(ok=True, detail="push only: nothing to check")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        """Nothing: pushed mentions arrive through the API."""
        return
        yield  # an async generator that yields nothing

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        return self.mapping.map(item, fetched_at)

    def health(self) -> Health:
        return Health(ok=True)
