"""``luister import``: stream a CSV or JSONL file of any size through the ingest pipeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from luister.connectors.file_readers import FileFormat, FileShape, open_binary, read_records
from luister.connectors.records import FieldMapping
from luister.services.events import EventBus
from luister.services.ingest import BatchResult, Enricher, IngestSummary, MentionStore, Pipeline


@dataclass(slots=True)
class ImportReport:
    origin: str
    shape: FileShape
    summary: IngestSummary


def import_file(
    *,
    path: Path,
    store: MentionStore,
    mapping: FieldMapping,
    batch_size: int,
    file_format: FileFormat | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    enrichers: Sequence[Enricher] = (),
    events: EventBus | None = None,
    progress: Callable[[int], None] | None = None,
    on_batch: Callable[[BatchResult, int], None] | None = None,
) -> ImportReport:
    """Import every good record of ``path``; bad ones are quarantined with their line and reason."""
    origin = f"file:{path.name}"
    pipeline = Pipeline(mapper=mapping.map, store=store, origin=origin, enrichers=enrichers, events=events)
    with open_binary(path) as stream:
        shape, items = read_records(
            stream, path, file_format=file_format, encoding=encoding, delimiter=delimiter, progress=progress
        )
        summary = pipeline.run(items, batch_size=batch_size, on_batch=on_batch)
    return ImportReport(origin=origin, shape=shape, summary=summary)
