"""The export writers: CSV, Dutch-Excel CSV and XLSX of the same rows; formula cells defused; streamed in
pieces."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from luister.kpis.exports import CHUNK, Format, Table, chunks

ROWS = [
    (1, datetime(2026, 3, 29, 1, 30, tzinfo=UTC), 0.25, True, None, '=HYPERLINK("http://x","y")'),
    (
        2,
        datetime(2026, 10, 25, 2, 0, tzinfo=UTC),
        -1.5,
        False,
        date(2026, 1, 5),
        'gewoon; tekst, met "quotes"',
    ),
]
HEADER = ("id", "at", "score", "known", "day", "text")


def table(rows: list[tuple[object, ...]] = ROWS) -> Table:
    return Table("t", HEADER, iter(rows))  # type: ignore[arg-type]


def test_csv_and_dutch_csv() -> None:
    plain = b"".join(chunks(table(), Format.csv)).decode()
    rows = list(csv.reader(io.StringIO(plain)))
    assert rows[0] == list(HEADER)
    assert rows[1] == ["1", "2026-03-29T01:30:00Z", "0.25", "true", "", '\'=HYPERLINK("http://x","y")']
    assert rows[2][2:] == ["-1.5", "false", "2026-01-05", 'gewoon; tekst, met "quotes"']
    dutch = b"".join(chunks(table(), Format.csv_nl))
    assert dutch.startswith(b"\xef\xbb\xbf")
    nl = list(csv.reader(io.StringIO(dutch.decode("utf-8-sig")), delimiter=";"))
    assert nl[1][2] == "0,25" and nl[2][2] == "-1,5" and nl[2][5] == 'gewoon; tekst, met "quotes"'


def test_xlsx_holds_the_same_rows() -> None:
    data = b"".join(chunks(table(), Format.xlsx))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == list(HEADER)
    assert values[1][:4] == [1, datetime(2026, 3, 29, 1, 30), 0.25, True]
    assert values[1][5] == '\'=HYPERLINK("http://x","y")'  # text, never a formula


def test_csv_streams_in_pieces() -> None:
    many = [(n, None, float(n), True, None, "x" * 50) for n in range(20_000)]
    pieces = list(chunks(table(many), Format.csv))
    assert len(pieces) > 5 and max(len(p) for p in pieces) < CHUNK + 1_000
    assert b"".join(pieces).count(b"\r\n") == 20_001
