"""Rows of an Excel workbook (``.xlsx``, the default download of several listening tools) as records.

The workbook is read in openpyxl's read-only mode, row by row, so a large export never sits in memory
whole. The first sheet is read; its first row with a value is the header. Dates are kept as written in
ISO 8601 (Excel stores them without a zone: the import's ``--timezone`` applies), whole numbers as
numbers. A row whose width differs from the header is quarantined, as in a CSV file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import orjson

from luister.domain.ingest import RawItem


class SpreadsheetError(ValueError):
    """The workbook cannot be opened or has no header row."""


def read_workbook(path: Path) -> tuple[str, tuple[str, ...], Iterator[RawItem]]:
    """The sheet read, its header and its rows as items (``sheet NAME row N``)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpreadsheetError(f"{path}: not a readable .xlsx workbook: {exc}") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    number = 0
    for values in rows:
        number += 1
        header = [_cell_text(value).strip() for value in values]
        while header and not header[-1]:
            header.pop()
        if any(header):
            if len(set(header)) != len(header):
                raise SpreadsheetError(f"sheet {sheet.title} row {number}: the header repeats a column name")
            return sheet.title, tuple(header), _items(sheet.title, header, rows, number, workbook)
    workbook.close()
    raise SpreadsheetError(f"{path}: sheet {sheet.title} has no header row")


def _items(
    title: str, header: list[str], rows: Iterator[tuple[Any, ...]], number: int, workbook: Any
) -> Iterator[RawItem]:
    try:
        for values in rows:
            number += 1
            cells = list(values)
            while len(cells) > len(header) and cells[-1] in (None, ""):
                cells.pop()  # trailing empty cells a spreadsheet keeps are no extra column
            if not any(value not in (None, "") for value in cells):
                continue
            position = f"sheet {title} row {number}"
            cells += [None] * (len(header) - len(cells))
            if len(cells) != len(header):
                raw = orjson.dumps([_json_value(value) for value in cells]).decode()
                yield RawItem(
                    raw=raw, position=position, error=f"expected {len(header)} cells, found {len(cells)}"
                )
                continue
            data = {name: _json_value(value) for name, value in zip(header, cells, strict=True)}
            yield RawItem(raw=orjson.dumps(data).decode(), position=position, data=data)
    finally:
        workbook.close()


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _cell_text(value: Any) -> str:
    return "" if value is None else str(value)
