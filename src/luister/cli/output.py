"""``--format table|json|csv`` for list commands: a Rich table for people, every field at full width
for scripts and spreadsheets (a table squeezed into 80 columns cuts what matters)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from datetime import date, timedelta
from enum import Enum, StrEnum
from typing import Annotated, Any

import typer


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[
    Format,
    typer.Option(
        "--format", help="table (for people), or json or csv: every field, full width, for scripts."
    ),
]


def plain(value: Any) -> Any:
    """A value as JSON has it: enums by value, times in ISO 8601, durations in seconds."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    return value


def emit(fmt: Format, items: Iterable[Any]) -> None:
    """Write ``items`` (dataclasses or dicts) to standard output as JSON or CSV."""
    rows = [plain(item) for item in items]
    if fmt is Format.json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:  # nested values (a source's health, an alert's samples) as JSON in their cell
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                         for k, v in row.items()})  # fmt: skip
