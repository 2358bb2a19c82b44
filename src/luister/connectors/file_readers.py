"""Streaming readers for CSV, JSONL and JSON documents of any size, yielding :class:`RawItem` per record.

Encodings are detected from the first 256 KiB (UTF-8 with or without BOM, UTF-16/32 with BOM, UTF-8 when
almost all of the sample is valid UTF-8, else cp1252 or the best guess) and the reason is kept for the
summary; CSV delimiters are sniffed. A record that cannot be read becomes a ``RawItem`` with ``error``
set, naming its line, so the pipeline quarantines it and reads on: a CSV row with an unbalanced quote is
quarantined alone, and reading resumes on the line after it.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any, cast

import charset_normalizer
import orjson

from luister.connectors.file_streams import CountingReader, ProgressFn
from luister.connectors.file_streams import UnreadableFileError as UnreadableFileError  # re-exported
from luister.domain.ingest import RawItem, batches

SAMPLE_BYTES = 256 * 1024
MAX_FIELD_BYTES = 10 * 1024 * 1024
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}

_READ_LINES = 1000  # lines read at a time when a file is parsed where it is read


class FileFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    json = "json"  # one document: an array, an ActivityStreams collection, a Twitter/X archive part
    xlsx = "xlsx"  # an Excel workbook: its first sheet


def detect_format(path: Path, sample: bytes = b"") -> FileFormat:
    """By the name; a ``.json``/``.js`` file by its first bytes: JSON lines, or one JSON document."""
    name = path.name.lower().removesuffix(".gz").removesuffix(".zst")
    if name.endswith((".jsonl", ".ndjson")):
        return FileFormat.jsonl
    if name.endswith((".json", ".js")):
        return FileFormat.json if looks_like_document(sample) else FileFormat.jsonl
    if name.endswith((".csv", ".tsv", ".txt")):
        return FileFormat.csv
    if name.endswith(".xlsx"):
        return FileFormat.xlsx
    raise UnreadableFileError(
        f"{path}: cannot tell the format from the name; pass --format csv, jsonl, json or xlsx"
    )


def looks_like_document(sample: bytes) -> bool:
    """Whether ``sample`` starts one JSON document (an array, a JS assignment, an object over several
    lines) rather than one JSON object per line."""
    text = sample.lstrip(codecs.BOM_UTF8).lstrip()
    if text.startswith((b"[", b"window.")):
        return True
    if not text.startswith(b"{"):
        return False
    first_line = text.split(b"\n", 1)[0]
    try:
        return not isinstance(orjson.loads(first_line), dict)
    except orjson.JSONDecodeError:  # the first object spans lines (pretty-printed), or a line is broken
        return not first_line.rstrip(b" \t\r\x00").endswith(b"}")  # a closed line: JSON lines, one bad


def detect_encoding(sample: bytes) -> str:
    """``utf-8-sig``/``utf-16``/``utf-32`` for a BOM, ``utf-8`` when the sample (almost all) decodes,
    else cp1252 or a guess. :func:`choose_encoding` also says why."""
    return choose_encoding(sample)[0]


def choose_encoding(sample: bytes) -> tuple[str, str]:
    """The encoding of a file starting with ``sample``, and the reason, in words, for the summary."""
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: its BOM starts so
        return "utf-32", "UTF-32 byte order mark"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 byte order mark"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16 byte order mark"
    if len(sample) >= SAMPLE_BYTES:  # a character the sample cuts at its end is not an error
        sample = _whole_characters(sample)
    try:
        sample.decode("utf-8")
        return "utf-8", f"the first {len(sample):,} bytes are valid UTF-8"
    except UnicodeDecodeError:
        pass
    decoded = sample.decode("utf-8", errors="surrogateescape")
    bad = sum(1 for ch in decoded if "\udc80" <= ch <= "\udcff")
    good = sum(1 for ch in decoded if ch > "\x7f" and not "\udc80" <= ch <= "\udcff")
    if good > bad:  # mostly UTF-8 with a few stray bytes: those lines are quarantined, not the file garbled
        return "utf-8", (
            f"{good:,} UTF-8 characters and {bad:,} invalid bytes in the first {len(sample):,} bytes: "
            "lines with invalid bytes are quarantined"
        )
    if not _CP1252_UNDEFINED.intersection(sample):
        return "cp1252", "not UTF-8; every byte is defined in cp1252 (Windows Western)"
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        return "cp1252", "not UTF-8, no better guess"
    return best.encoding, "not UTF-8 nor cp1252; detected by charset-normalizer"


def _whole_characters(sample: bytes) -> bytes:
    """``sample`` without a UTF-8 character cut off at its end."""
    for back in range(1, 4):
        byte = sample[-back]
        if byte < 0x80:
            return sample
        if byte >= 0xC0:  # the lead byte of the cut character
            return sample[:-back]
    return sample


ZSTD_MAX_WINDOW = 2**31  # Pushshift's dumps are compressed with a 2 GiB window


@contextmanager
def open_binary(path: Path) -> Iterator[IO[bytes]]:
    """``path`` opened for reading, decompressed as it is read when it ends in ``.gz`` or ``.zst``."""
    if not path.is_file():
        raise UnreadableFileError(f"{path}: no such file")
    name = path.name.lower()
    file = path.open("rb")
    raw: IO[bytes]
    if name.endswith(".gz"):
        raw = cast(IO[bytes], gzip.GzipFile(fileobj=file, mode="rb"))
    elif name.endswith(".zst"):
        import zstandard

        decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
        raw = io.BufferedReader(cast(io.RawIOBase, decompressor.stream_reader(file)))
    else:
        raw = file
    try:
        yield raw
    finally:
        raw.close()
        file.close()


@dataclass(slots=True, frozen=True)
class FileShape:
    """How a file was read: its format, encoding (and why) and for CSV the delimiter; ``columns``: the
    header, or the keys of the first record, for the summary's column mapping."""

    format: FileFormat
    encoding: str
    delimiter: str | None
    encoding_reason: str = "given"
    columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


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
    another process can parse it (``block.items()``); CSV rows and JSON documents are parsed here."""
    if file_format is FileFormat.xlsx or (file_format is None and path.name.lower().endswith(".xlsx")):
        return _workbook_blocks(path, size)
    sample, stream = sampled(stream)
    enc, why = (encoding, "given") if encoding else choose_encoding(sample)
    head = _as_utf8(sample, enc)  # what the format is told from: UTF-16 and UTF-32 files too
    fmt = file_format or detect_format(path, head)
    notes: tuple[str, ...] = ()
    if fmt is FileFormat.jsonl and looks_like_document(head):
        fmt, notes = FileFormat.json, ("one JSON document, not JSON lines: read as --format json",)
    if fmt is FileFormat.json:
        from luister.connectors.json_documents import read_document  # ijson, only for JSON documents

        keys, records = read_document(stream, encoding=enc, sample=sample, progress=progress)
        shape = FileShape(fmt, enc, None, why, keys, notes)
        return shape, (ItemBlock(chunk) for chunk in batches(records, size))
    if fmt is FileFormat.jsonl:
        shape = FileShape(fmt, enc, None, why, _first_keys(sample, enc))
        return shape, jsonl_blocks(stream, encoding=enc, size=size, progress=progress)
    delimiter = delimiter or sniff_delimiter(sample.decode(enc, errors="replace"))
    header: list[str] = []
    items = read_csv(stream, encoding=enc, delimiter=delimiter, progress=progress, header_out=header)
    first = list(islice(items, 1))  # reads the header, for the shape
    shape = FileShape(fmt, enc, delimiter, why, tuple(header))
    return shape, (ItemBlock(chunk) for chunk in batches(chain(first, items), size))


def _workbook_blocks(path: Path, size: int) -> tuple[FileShape, Iterator[LineBlock | ItemBlock]]:
    from luister.connectors.spreadsheets import SpreadsheetError, read_workbook

    try:
        sheet, header, rows = read_workbook(path)
    except SpreadsheetError as exc:
        raise UnreadableFileError(str(exc)) from None
    shape = FileShape(FileFormat.xlsx, "xlsx", None, "a workbook: cells carry their own text", header,
                      (f"sheet {sheet!r} read (the first)",))  # fmt: skip
    return shape, (ItemBlock(chunk) for chunk in batches(rows, size))


def _as_utf8(sample: bytes, encoding: str) -> bytes:
    if encoding in ("utf-8", "utf-8-sig", "ascii"):
        return sample
    try:
        return sample.decode(encoding, errors="ignore").encode()
    except LookupError:  # an unknown --encoding is reported where the file is decoded
        return sample


def _first_keys(sample: bytes, encoding: str) -> tuple[str, ...]:
    """The keys of the first JSON line of ``sample`` (none when it does not parse)."""
    text = sample.decode("utf-8" if encoding == "utf-8-sig" else encoding, errors="replace")
    first = text.lstrip("\ufeff").lstrip().split("\n", 1)[0]
    try:
        data = orjson.loads(first)
    except orjson.JSONDecodeError:
        return ()
    return tuple(data) if isinstance(data, dict) else ()


def read_jsonl(stream: IO[bytes], *, encoding: str, progress: ProgressFn | None = None) -> Iterator[RawItem]:
    """One item per non-empty line; bad bytes, bad JSON and non-objects are items with ``error`` set."""
    for block in jsonl_blocks(stream, encoding=encoding, size=_READ_LINES, progress=progress):
        yield from block.items()


def jsonl_blocks(
    stream: IO[bytes], *, encoding: str, size: int, progress: ProgressFn | None = None
) -> Iterator[LineBlock]:
    """The lines of ``stream`` in blocks of ``size``, unparsed: each block parses where it is used."""
    if encoding.startswith(("utf-16", "utf-32")):  # lines are not byte-aligned: re-encode them as UTF-8 first
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
            while number == 1 and line.startswith(codecs.BOM_UTF8):  # a doubled BOM too
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
    header_out: list[str] | None = None,
) -> Iterator[RawItem]:
    """One item per row, as a ``{header: value}`` object; rows of the wrong width are items with ``error``.

    A row over several lines that cannot be read (an unbalanced quote swallows the lines after it) is
    read again line by line: its first line is quarantined and reading resumes on the next one, so every
    good row around a bad one is kept. ``header_out`` receives the header once read."""
    sample, stream = sampled(stream)
    text_stream = io.TextIOWrapper(
        io.BufferedReader(CountingReader(stream, progress)),
        encoding=encoding,
        errors="surrogateescape",
        newline="",
    )
    if delimiter is None:
        delimiter = sniff_delimiter(sample.decode(encoding, errors="replace"))
    csv.field_size_limit(MAX_FIELD_BYTES)
    lines = _Lines(text_stream)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header = _read_header(reader, lines)
    if header_out is not None:
        header_out.extend(header)
    while True:
        lines.consumed.clear()
        try:
            row: list[str] | None = next(reader)
            error = None
        except StopIteration:
            return
        except csv.Error as exc:
            row, error = None, f"unreadable CSV: {exc}"
        consumed = lines.consumed
        if not consumed:
            return
        position = f"line {consumed[0][0]}"
        if row is not None and not any(cell.strip() for cell in row):
            continue
        if row is not None and len(row) != len(header):
            error = f"expected {len(header)} fields, found {len(row)}"
        if error is not None and len(consumed) > 1:  # resynchronise: the first line alone is at fault
            lines.push_back(consumed[1:])
            consumed = consumed[:1]
            source = _source_text([consumed[0][1]], encoding)
            yield RawItem(raw=source, position=position, error=f"{error} (an unbalanced quote?)")
            continue
        source = _source_text([line for _, line in consumed], encoding)
        if error is not None or row is None:
            yield RawItem(raw=source, position=position, error=error)
            continue
        yield _csv_item(row, header, position, source, encoding)


class _Lines:
    """The lines of a text stream with their numbers, for ``csv.reader``; lines read for a row are kept
    (for the quarantine) and can be pushed back to be read again."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._number = 0
        self._pending: deque[tuple[int, str]] = deque()
        self.consumed: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._pending:
            number, line = self._pending.popleft()
        else:
            line = self._stream.readline()
            if not line:
                raise StopIteration
            self._number += 1
            number = self._number
        self.consumed.append((number, line))
        return line

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self._pending.extendleft(reversed(lines))


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


def _read_header(reader: Any, lines: _Lines) -> list[str]:
    for row in reader:
        header = [cell.strip().lstrip("\ufeff") for cell in row]
        if any(header):
            if len(set(header)) != len(header):
                at = lines.consumed[0][0] if lines.consumed else 1
                raise UnreadableFileError(f"line {at}: the header repeats a column name")
            return header
        lines.consumed.clear()
    raise UnreadableFileError("the file has no header row")


def _has_bad_bytes(cell: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in cell)


def sampled(stream: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first :data:`SAMPLE_BYTES` of ``stream`` and a stream that still reads from its start.

    Not ``peek``: a buffered reader's peek returns at most its buffer (4 KiB by default), and a sample cut
    there misjudges the encoding of the whole file."""
    if isinstance(stream, _Sampled):
        return stream.sample, stream
    sample = stream.read(SAMPLE_BYTES)
    return sample, _Sampled(sample, stream)


class _Sampled(io.BufferedReader):
    """A stream whose first bytes were read already, for detection: they are read again first."""

    def __init__(self, sample: bytes, rest: IO[bytes]) -> None:
        super().__init__(_Prefixed(sample, rest), buffer_size=64 * 1024)
        self.sample = sample


class _Prefixed(io.RawIOBase):
    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            size = min(len(buffer), len(self._prefix))
            buffer[:size] = self._prefix[:size]
            self._prefix = self._prefix[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
