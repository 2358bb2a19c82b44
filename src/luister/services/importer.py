"""``luister import``: stream a CSV or JSONL file of any size through the ingest pipeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from luister.connectors.file_readers import FileFormat, FileShape, open_binary, read_blocks
from luister.connectors.records import REPORTED_MISSING, FieldMapping
from luister.domain.timestamps import DateReading
from luister.heap import collected_per_batch
from luister.services.events import EventBus
from luister.services.ingest import BatchResult, Enricher, IngestSummary, MentionStore, Pipeline
from luister.services.ingest_workers import prepared_in_workers


@dataclass(slots=True)
class ImportReport:
    origin: str
    shape: FileShape
    summary: IngestSummary
    columns: dict[str, str] = field(default_factory=dict)  # mention field → the file's column
    dates: DateReading = field(default_factory=DateReading)  # how dates without a zone or order were read

    @property
    def not_found(self) -> tuple[str, ...]:
        """Of id, date and author: the fields no column of the file was found for."""
        return tuple(name for name in REPORTED_MISSING if name not in self.columns)


def import_file(
    *,
    path: Path,
    store: MentionStore,
    mapping: FieldMapping,
    batch_size: int,
    workers: int = 0,
    file_format: FileFormat | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    enrichers: Sequence[Enricher] = (),
    events: EventBus | None = None,
    progress: Callable[[int], None] | None = None,
    on_batch: Callable[[BatchResult, int], None] | None = None,
) -> ImportReport:
    """Import every good record of ``path``; bad ones are quarantined with their line and reason.

    With ``workers`` > 0, that many processes parse, map, analyse and match while this one writes.
    """
    origin = f"file:{path.name}"
    pipeline = Pipeline(mapper=mapping.map, store=store, origin=origin, enrichers=enrichers, events=events)
    with open_binary(path) as stream, collected_per_batch():
        shape, blocks = read_blocks(
            stream,
            path,
            size=batch_size,
            file_format=file_format,
            encoding=encoding,
            delimiter=delimiter,
            progress=progress,
        )
        with closing(prepared_in_workers(blocks, prepare=pipeline.prepare, workers=workers)) as prepared:
            summary = pipeline.run_prepared(prepared, on_batch=on_batch)
    columns = mapping.describe(shape.columns) if shape.columns else {}
    return ImportReport(origin=origin, shape=shape, summary=summary, columns=columns, dates=mapping.dates)
