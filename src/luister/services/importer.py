"""``luister import``: stream a CSV or JSONL file of any size through the ingest pipeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from luister.connectors.file_readers import (
    SAMPLE_BYTES,
    FileFormat,
    detect_encoding,
    detect_format,
    open_binary,
    read_csv,
    read_jsonl,
    sniff_delimiter,
)
from luister.connectors.records import FieldMapping
from luister.services.events import EventBus
from luister.services.ingest import BatchResult, Enricher, IngestSummary, MentionStore, Pipeline


@dataclass(slots=True)
class ImportReport:
    origin: str
    file_format: FileFormat
    encoding: str
    delimiter: str | None
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
    fmt = file_format or detect_format(path)
    origin = f"file:{path.name}"
    pipeline = Pipeline(mapper=mapping.map, store=store, origin=origin, enrichers=enrichers, events=events)
    with open_binary(path) as stream:
        sample = stream.peek(SAMPLE_BYTES)[:SAMPLE_BYTES] if hasattr(stream, "peek") else b""
        enc = encoding or detect_encoding(sample)
        if fmt is FileFormat.csv:
            delimiter = delimiter or sniff_delimiter(sample.decode(enc, errors="replace"))
            items = read_csv(stream, encoding=enc, delimiter=delimiter, progress=progress)
        else:
            delimiter = None
            items = read_jsonl(stream, encoding=enc, progress=progress)
        summary = pipeline.run(items, batch_size=batch_size, on_batch=on_batch)
    return ImportReport(origin=origin, file_format=fmt, encoding=enc, delimiter=delimiter, summary=summary)
