"""Streaming readers for CSV and JSONL files of any size, yielding :class:`RawItem` per record.

Encodings are detected (UTF-8 with or without BOM, UTF-16 with BOM, else cp1252 or the best guess),
CSV delimiters sniffed. A record that cannot be read becomes a ``RawItem`` with ``error`` set, naming
its line, so the pipeline quarantines it and reads on.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, cast

import charset_normalizer
import orjson

from luister.domain.ingest import RawItem, batches

SAMPLE_BYTES = 256 * 1024
MAX_FIELD_BYTES = 10 * 1024 * 1024
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
ProgressFn = Callable[[int], None]
_READ_LINES = 1000  # lines read at a time when a file is parsed where it is read


class FileFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


class UnreadableFileError(ValueError):
    """The file as a whole cannot be read (missing, empty header, unknown format)."""


def detect_format(path: Path) -> FileFormat:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return FileFormat.jsonl
    if name.endswith((".csv", ".tsv", ".txt")):
        return FileFormat.csv
    raise UnreadableFileError(f"{path}: cannot tell the format from the name; pass --format csv or jsonl")


def detect_encoding(sample: bytes) -> str:
    """``utf-8-sig``/``utf-16`` for a BOM, ``utf-8`` when the sample decodes, else cp1252 or a guess."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3 and len(sample) >= SAMPLE_BYTES:  # a character cut by the sample
            return "utf-8"
    if not _CP1252_UNDEFINED.intersection(sample):
        return "cp1252"
    best = charset_normalizer.from_bytes(sample).best()
    return best.encoding if best is not None else "cp1252"


@contextmanager
def open_binary(path: Path) -> Iterator[IO[bytes]]:
    if not path.is_file():
        raise UnreadableFileError(f"{path}: no such file")
    raw: IO[bytes] = (
        cast(IO[bytes], gzip.open(path, "rb")) if path.name.lower().endswith(".gz") else path.open("rb")
    )
    try:
        yield raw
    finally:
        raw.close()


@dataclass(slots=True, frozen=True)
class FileShape:
    """How a file was read: its format, encoding and (for CSV) delimiter."""

    format: FileFormat
    encoding: str
    delimiter: str | None


def read_records(
    stream: IO[bytes],
    path: Path,
    *,
    file_format: FileFormat | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: ProgressFn | None = None,
) -> tuple[FileShape, Iterator[RawItem]]:
    """Detect what was not given (format from the name, encoding and delimiter from the first bytes) and
    return the shape with the items of ``stream``, the opened ``path``."""
    shape, blocks = read_blocks(
        stream,
        path,
        size=_READ_LINES,
        file_format=file_format,
        encoding=encoding,
        delimiter=delimiter,
        progress=progress,
    )
    return shape, (item for block in blocks for item in block.items())


def read_blocks(
    stream: IO[bytes],
    path: Path,
    *,
    size: int,
    file_format: FileFormat | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    progress: ProgressFn | None = None,
) -> tuple[FileShape, Iterator[LineBlock | ItemBlock]]:
    """As :func:`read_records`, in blocks of ``size`` records. A JSONL block holds its lines unparsed, so
    another process can parse it (``block.items()``); CSV rows are parsed here, where they are read."""
    fmt = file_format or detect_format(path)
    sample = _peek(stream)
    enc = encoding or detect_encoding(sample)
    if fmt is FileFormat.jsonl:
        return FileShape(fmt, enc, None), jsonl_blocks(stream, encoding=enc, size=size, progress=progress)
    delimiter = delimiter or sniff_delimiter(sample.decode(enc, errors="replace"))
    items = read_csv(stream, encoding=enc, delimiter=delimiter, progress=progress)
    return FileShape(fmt, enc, delimiter), (ItemBlock(chunk) for chunk in batches(items, size))


def read_jsonl(stream: IO[bytes], *, encoding: str, progress: ProgressFn | None = None) -> Iterator[RawItem]:
    """One item per non-empty line; bad bytes, bad JSON and non-objects are items with ``error`` set."""
    for block in jsonl_blocks(stream, encoding=encoding, size=_READ_LINES, progress=progress):
        yield from block.items()


def jsonl_blocks(
    stream: IO[bytes], *, encoding: str, size: int, progress: ProgressFn | None = None
) -> Iterator[LineBlock]:
    """The lines of ``stream`` in blocks of ``size``, unparsed: each block parses where it is used."""
    if encoding.startswith("utf-16"):  # lines are not byte-aligned: re-encode them as UTF-8 first
        text_lines = io.TextIOWrapper(stream, encoding=encoding, errors="replace")
        lines: Iterator[bytes] = (line.encode() for line in text_lines)
        encoding = "utf-8"
    else:
        lines = iter(stream)
    first = 1
    for block in batches(lines, size):
        if progress is not None:
            progress(sum(map(len, block)))
        yield LineBlock(first=first, lines=block, encoding=encoding)
        first += len(block)


@dataclass(slots=True, frozen=True)
class LineBlock:
    """Lines of a JSONL file from line number ``first`` on, as read: cheap to hand to another process."""

    first: int
    lines: list[bytes]
    encoding: str

    def items(self) -> Iterator[RawItem]:
        decode = codecs.getdecoder("utf-8" if self.encoding == "utf-8-sig" else self.encoding)
        for number, line in enumerate(self.lines, start=self.first):
            if number == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            position = f"line {number}"
            try:
                text = decode(line)[0].strip()
            except UnicodeDecodeError as exc:
                raw = line.decode(self.encoding, errors="replace").strip()
                error = f"invalid {self.encoding} bytes at column {exc.start + 1}"
                yield RawItem(raw=raw, position=position, error=error)
                continue
            if not text:
                continue
            try:
                data = orjson.loads(text)
            except orjson.JSONDecodeError as exc:
                yield RawItem(raw=text, position=position, error=f"invalid JSON: {exc}")
                continue
            if not isinstance(data, dict):
                error = f"expected a JSON object, got {type(data).__name__}"
                yield RawItem(raw=text, position=position, error=error)
                continue
            yield RawItem(raw=text, position=position, data=data)


@dataclass(slots=True, frozen=True)
class ItemBlock:
    """Items a reader has parsed already (CSV rows)."""

    parsed: list[RawItem]

    def items(self) -> Iterator[RawItem]:
        return iter(self.parsed)


def read_csv(
    stream: IO[bytes],
    *,
    encoding: str,
    delimiter: str | None = None,
    progress: ProgressFn | None = None,
) -> Iterator[RawItem]:
    """One item per row, as a ``{header: value}`` object; rows of the wrong width are items with ``error``."""
    sample = _peek(stream)
    text_stream = io.TextIOWrapper(
        io.BufferedReader(_CountingReader(stream, progress)),
        encoding=encoding,
        errors="surrogateescape",
        newline="",
    )
    if delimiter is None:
        delimiter = sniff_delimiter(sample.decode(encoding, errors="replace"))
    csv.field_size_limit(MAX_FIELD_BYTES)
    consumed: list[str] = []  # the source lines of the row being read, kept for the quarantine

    def recorded_lines() -> Iterator[str]:
        for line in text_stream:
            consumed.append(line)
            yield line

    reader = csv.reader(recorded_lines(), delimiter=delimiter, strict=True)
    header = _read_header(reader)
    last_line = reader.line_num
    while True:
        position = f"line {last_line + 1}"
        consumed.clear()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            last_line = reader.line_num
            yield RawItem(
                raw=_source_text(consumed, encoding), position=position, error=f"unreadable CSV: {exc}"
            )
            continue
        last_line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        yield _csv_item(row, header, position, _source_text(consumed, encoding), encoding)


def _csv_item(row: list[str], header: list[str], position: str, source: str, encoding: str) -> RawItem:
    if len(row) != len(header):
        return RawItem(
            raw=source, position=position, error=f"expected {len(header)} fields, found {len(row)}"
        )
    if any(_has_bad_bytes(cell) for cell in row):
        return RawItem(raw=source, position=position, error=f"invalid {encoding} bytes in the row")
    data = dict(zip(header, row, strict=True))
    return RawItem(raw=orjson.dumps(data).decode(), position=position, data=data)


def _source_text(lines: list[str], encoding: str) -> str:
    text = "".join(lines).rstrip("\r\n")
    return (
        text.encode(encoding, "surrogateescape").decode(encoding, "replace") if _has_bad_bytes(text) else text
    )


def sniff_delimiter(sample: str) -> str:
    lines = "\n".join(sample.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(lines, delimiters=",;\t|").delimiter
    except csv.Error:
        first = lines.split("\n", 1)[0]
        return max(",;\t|", key=first.count) if first else ","


def _read_header(reader: Any) -> list[str]:
    for row in reader:
        header = [cell.strip().lstrip("\ufeff") for cell in row]
        if any(header):
            if len(set(header)) != len(header):
                raise UnreadableFileError(f"line {reader.line_num}: the header repeats a column name")
            return header
    raise UnreadableFileError("the file has no header row")


def _has_bad_bytes(cell: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in cell)


def _peek(stream: IO[bytes]) -> bytes:
    if not isinstance(stream, io.BufferedReader | gzip.GzipFile):
        raise TypeError("read_csv needs a buffered binary stream")
    return stream.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]


class _CountingReader(io.RawIOBase):
    """Passes bytes through and reports how many were read, for a progress bar by bytes."""

    def __init__(self, inner: IO[bytes], progress: ProgressFn | None) -> None:
        self._inner = inner
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        if self._progress is not None and size:
            self._progress(size)
        return size
