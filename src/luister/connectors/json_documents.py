"""Records from one JSON document, streamed: a top-level array, an object holding a list of records (an
ActivityStreams ``OrderedCollection`` such as a Mastodon ``outbox.json``, ``{"data": [...]}``), or a
Twitter/X archive part (``window.YTD.tweets.part0 = [...]``).

The document is parsed as it is read (``ijson``), so a file of gigabytes never sits in memory. Each record
becomes a :class:`RawItem` numbered ``record N``; wrappers the exports put around a record are taken off
(the archive's ``{"tweet": {...}}``, an ActivityStreams ``Create`` around its ``Note``).
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any

import ijson
import orjson

from luister.connectors.file_streams import UnreadableFileError, counting
from luister.domain.ingest import RawItem

_ASSIGNMENT_LIMIT = 200  # bytes before the ``=`` of ``window.YTD.tweets.part0 = [``
_ACTIVITIES_WITH_OBJECT = frozenset({"Create", "Update"})


class JsonDocumentError(ValueError):
    """The document holds no list of records luister can read."""


def read_document(
    stream: IO[bytes],
    *,
    encoding: str,
    sample: bytes,
    progress: Callable[[int], None] | None = None,
) -> tuple[tuple[str, ...], Iterator[RawItem]]:
    """The keys of the first record (for the summary) and the records of the document in ``stream``."""
    source = _utf8(_counted(stream, progress), encoding)
    if encoding.startswith("utf-8"):
        while sample.startswith(codecs.BOM_UTF8):
            sample = sample[len(codecs.BOM_UTF8) :]
    else:  # the sample in UTF-8, as ``source`` reads
        sample = sample.decode(encoding, errors="ignore").lstrip("\ufeff").encode()
    prefix_bytes = _assignment_prefix(sample)
    if prefix_bytes:
        source.read(prefix_bytes)
    try:
        path = records_path(sample[prefix_bytes:])
    except JsonDocumentError as exc:
        raise UnreadableFileError(str(exc)) from None
    records = _records(source, path)
    first = next(records, None)
    if first is None:
        return (), iter(())
    keys = tuple(first.data) if isinstance(first.data, dict) else ()
    return keys, _chain_first(first, records)


def records_path(sample: bytes) -> str:
    """The ``ijson`` path of the records: ``item`` for an array, ``<key>.item`` for the first key of a
    top-level object whose value is a list of objects (``orderedItems``, ``data``, ``items`` …)."""
    text = sample.lstrip()
    if text.startswith(b"["):
        return "item"
    if not text.startswith(b"{"):
        raise JsonDocumentError("not a JSON document: it starts with neither '[' nor '{'")
    last_key: str | None = None
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(sample)):
            if prefix == "" and event == "map_key":
                last_key = str(value)
            elif last_key is not None and prefix == f"{last_key}.item" and event == "start_map":
                return f"{last_key}.item"
    except ijson.IncompleteJSONError:  # the sample ends inside the document: what was seen is enough
        pass
    raise JsonDocumentError(
        "a JSON object without a list of records in its first 256 KiB: expected an array of objects, "
        'an ActivityStreams collection ("orderedItems") or an object with a list such as "data"'
    )


def _records(source: IO[bytes], path: str) -> Iterator[RawItem]:
    number = 0
    try:
        for value in ijson.items(source, path, use_float=True):
            number += 1
            yield _item(value, f"record {number}")
    except (ijson.JSONError, ijson.IncompleteJSONError) as exc:
        reason = f"invalid JSON after record {number}: {exc}; the rest of the file is not read"
        yield RawItem(raw="", position=f"record {number + 1}", error=reason)


def _item(value: Any, position: str) -> RawItem:
    raw = orjson.dumps(value, default=_number).decode()
    if not isinstance(value, dict):
        return RawItem(
            raw=raw, position=position, error=f"expected a JSON object, got {type(value).__name__}"
        )
    record = unwrapped(value)
    if record is None:
        kind = value.get("type")
        target = value.get("object")
        reason = f"an ActivityStreams {kind} of {target!r}: no text of its own"
        return RawItem(raw=raw, position=position, error=reason)
    return RawItem(raw=raw, position=position, data=record)


def unwrapped(record: dict[str, Any]) -> dict[str, Any] | None:
    """The record inside an export's wrapper; ``None`` for an activity that only points at another post
    (an ActivityStreams ``Announce``: a boost)."""
    if len(record) == 1:
        (inner,) = record.values()
        if isinstance(inner, dict):  # a Twitter/X archive: {"tweet": {...}}, {"like": {...}}
            return inner
    kind = record.get("type")
    if kind in _ACTIVITIES_WITH_OBJECT and isinstance(record.get("object"), dict):
        note = dict(record["object"])
        note.setdefault("attributedTo", record.get("actor"))
        content_map = note.get("contentMap")
        if isinstance(content_map, dict) and len(content_map) == 1:
            note.setdefault("language", next(iter(content_map)))
        return note
    if kind == "Announce" and not isinstance(record.get("object"), dict):
        return None
    return record


def _assignment_prefix(sample: bytes) -> int:
    """Bytes up to and including the ``=`` of a ``window.YTD.… = [`` archive part; 0 for plain JSON."""
    if not sample.startswith(b"window."):
        return 0
    at = sample.find(b"=", 0, _ASSIGNMENT_LIMIT)
    return at + 1 if at >= 0 else 0


def _number(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


def _chain_first(first: RawItem, rest: Iterator[RawItem]) -> Iterator[RawItem]:
    yield first
    yield from rest


def _utf8(stream: IO[bytes], encoding: str) -> IO[bytes]:
    """``stream`` as UTF-8 bytes (ijson reads bytes), without a BOM."""
    if encoding in ("utf-8", "utf-8-sig"):
        return _without_bom(stream)
    text = io.TextIOWrapper(stream, encoding=encoding, errors="replace")
    return io.BufferedReader(_Encoded(text))


def _without_bom(stream: IO[bytes]) -> IO[bytes]:
    head = stream.read(3)
    while head.startswith(codecs.BOM_UTF8):  # a doubled BOM too
        head = head[3:] + stream.read(3)
    return io.BufferedReader(_Encoded(None, head, stream))


class _Encoded(io.RawIOBase):
    """Bytes from a text stream (encoded as UTF-8) or from a head plus a byte stream."""

    def __init__(self, text: IO[str] | None, head: bytes = b"", rest: IO[bytes] | None = None) -> None:
        self._text = text
        self._pending = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            if self._text is not None:
                self._pending = self._text.read(len(buffer) // 4 or 1).encode()
            elif self._rest is not None:
                self._pending = self._rest.read(len(buffer))
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _counted(stream: IO[bytes], progress: Callable[[int], None] | None) -> IO[bytes]:
    if progress is None:
        return stream
    return counting(stream, progress)
