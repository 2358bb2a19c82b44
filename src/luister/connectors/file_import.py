"""CSV/JSONL files as a source: the same reader and mapper as ``luister import``, behind the connector
protocol, so a scheduler can poll a drop folder file and resume where it stopped."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator

from luister.connectors.base import Capability, Health, Page
from luister.connectors.file_readers import FileFormat, open_binary, read_records
from luister.connectors.records import FieldMapping
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention


class FileOptions(BaseModel):
    path: Path = Field(
        description="The CSV, TSV, JSONL, NDJSON or JSON file (optionally .gz or .zst); see docs/imports.md."
    )
    format: FileFormat | None = Field(None, description="Override detection by file name.")
    encoding: str | None = Field(None, description="Override encoding detection, e.g. cp1252.")
    delimiter: str | None = Field(None, description="CSV delimiter; sniffed when not given.")
    channel: str = Field("import", description="Channel for records without a channel column.")
    fields: dict[str, str] = Field(
        default_factory=dict, description="FIELD: COLUMN mapping, e.g. text: body."
    )
    page_size: int = Field(1000, ge=1, le=50_000, description="Records per page (and per cursor step).")
    timezone: str | None = Field(None, description="Time zone of dates written without one [default: UTC].")
    dayfirst: bool = Field(True, description="Read 07/01/2021 as 7 January; false: as July 1st.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            FieldMapping().reading_dates(timezone=value, dayfirst=True)  # raises for an unknown zone
        return value


class FileConnector:
    """A CSV, TSV, JSONL or NDJSON file (optionally gzipped) that other tools write to: an export from
    another listening tool, a CRM, a review site. Each pass reads only the records added since the last.

    The cursor ``{"items": N}`` counts the records stored before.
    """

    example: ClassVar[str] = (
        "luister sources add crm-export file -o path=/data/exports/reviews.csv -o channel=review \\\n"
        '  -o \'fields={"text": "body", "external_id": "review_id"}\''
    )

    name: ClassVar[str] = "file"
    options_model: ClassVar[type[BaseModel]] = FileOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.read})
    max_concurrency: ClassVar[int] = 1
    poll_interval: ClassVar[int] = 3600

    def __init__(self, options: FileOptions, *, http: object = None) -> None:  # files need no HTTP
        self.options = options
        self.mapping = FieldMapping.checked(dict(options.fields), options.channel).reading_dates(
            timezone=options.timezone, dayfirst=options.dayfirst
        )
        self._last_error: str | None = None

    async def check_credentials(self) -> Health:
        exists = self.options.path.is_file()
        return Health(ok=exists, detail="" if exists else f"{self.options.path}: no such file")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        """Pages of raw items after the cursor; ``query`` is matched locally, files have no search."""
        done = int((cursor or {}).get("items", 0))
        with open_binary(self.options.path) as stream:
            items = islice(self._items(stream), done, None)
            while page := list(islice(items, self.options.page_size)):
                done += len(page)
                yield Page(items=page, cursor={"items": done})

    def _items(self, stream: Any) -> Iterator[RawItem]:
        options = self.options
        _, items = read_records(
            stream,
            options.path,
            file_format=options.format,
            encoding=options.encoding,
            delimiter=options.delimiter,
        )
        return items

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        return self.mapping.map(item, fetched_at)

    def health(self) -> Health:
        return Health(ok=self._last_error is None, detail=self._last_error or "")
