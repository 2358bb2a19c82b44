"""What the file readers share with the JSON document reader: the whole-file error and byte counting."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, Any

ProgressFn = Callable[[int], None]


class UnreadableFileError(ValueError):
    """The file as a whole cannot be read (missing, empty header, unknown format)."""


def counting(stream: IO[bytes], progress: ProgressFn) -> IO[bytes]:
    """``stream``, reporting the bytes read to ``progress``."""
    return io.BufferedReader(CountingReader(stream, progress))


class CountingReader(io.RawIOBase):
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
