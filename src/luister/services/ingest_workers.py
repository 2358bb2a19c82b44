"""Ingest on several cores: worker processes prepare batches, this process writes them.

Parsing, mapping, analysis and topic matching (:func:`~luister.services.ingest.prepare_batch`) run in
forked worker processes, which inherit the loaded models and topics instead of loading them again.
The batches come back in the order they were read and go through the one writer here, so SQLite keeps
a single writer and an import stored by workers is the same as one stored without them.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Protocol

from luister.domain.ingest import RawItem
from luister.heap import collect_after_batch
from luister.services.ingest import PreparedBatch

MAX_WORKERS = 8
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
Prepare = Callable[[Iterable[RawItem]], PreparedBatch]


class Block(Protocol):
    """Records as read, parsed by ``items()`` wherever that runs (see ``connectors.file_readers``)."""

    def items(self) -> Iterator[RawItem]: ...


class IngestWorkerError(RuntimeError):
    """A worker process died (killed, out of memory) or failed; what was stored before stays stored."""


def default_workers() -> int:
    """One worker per core (they wait while the writer writes); none on one core, and none but on Linux,
    where forking a process that holds loaded libraries is safe (macOS's system libraries are not)."""
    cores = os.cpu_count() or 1
    if cores < 2 or not sys.platform.startswith("linux"):
        return 0
    return min(MAX_WORKERS, cores)


def prepared_in_workers(
    blocks: Iterable[Block], *, prepare: Prepare, workers: int
) -> Generator[PreparedBatch, None, None]:
    """``prepare`` each block in ``workers`` processes; yield the results in the order of ``blocks``.

    Each worker has one block at a time, over its own pipe. Blocks go out round-robin and results come
    back in the same turn, so the order holds; a worker gets its next block before its last result is
    written, so preparing and writing overlap. Memory stays bounded on files of any size.
    """
    if workers < 1:
        yield from (prepare(block.items()) for block in blocks)
        return
    with _terminate_as_interrupt():
        yield from _in_workers(blocks, prepare=prepare, workers=workers)


def _in_workers(blocks: Iterable[Block], *, prepare: Prepare, workers: int) -> Iterator[PreparedBatch]:
    context = multiprocessing.get_context("fork")  # the workers inherit ``prepare``: nothing is pickled
    pipes: list[Connection] = []
    processes: list[BaseProcess] = []
    finished = False
    try:
        for _ in range(workers):
            here, there = context.Pipe()
            inherited = [*pipes, here]  # ends the fork copies that belong to this process alone
            process: BaseProcess = context.Process(
                target=_work, args=(there, prepare, inherited, os.getpid()), daemon=True
            )
            process.start()
            there.close()
            pipes.append(here)
            processes.append(process)
        remaining = iter(blocks)
        busy: deque[Connection] = deque()
        for pipe, first in zip(pipes, remaining, strict=False):  # stops at the last pipe: no block lost
            pipe.send(first)
            busy.append(pipe)
        while busy:
            yield _next_prepared(busy, remaining)  # holds no batch while the writer has it
        finished = True
    finally:
        _stop(pipes, processes, finished=finished)


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, systemd, a container stopping) stops the import as Ctrl-C does: the workers are
    stopped and what was stored stays stored. Only the main thread may set a signal handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _next_prepared(busy: deque[Connection], remaining: Iterator[Block]) -> PreparedBatch:
    """The batch of the first busy worker, which gets the next block (if any) at once."""
    pipe = busy.popleft()
    prepared = _receive(pipe)
    if (following := next(remaining, None)) is not None:
        pipe.send(following)
        busy.append(pipe)
    return prepared


def _stop(pipes: list[Connection], processes: list[BaseProcess], *, finished: bool) -> None:
    """Tell idle workers to stop; after an error or an interrupt, stop them at once (a worker may be
    waiting to hand over a batch nobody will read: what was not stored is dropped)."""
    for pipe in pipes:
        if finished:
            with suppress(OSError):
                pipe.send(None)  # a closed pipe is no sign: every fork holds copies of the others
        pipe.close()
    for process in processes:
        if not finished:
            process.terminate()
        process.join(timeout=10)
        if process.is_alive():
            process.kill()
            process.join()


def _work(pipe: Connection, prepare: Prepare, inherited: list[Connection], writer: int) -> None:
    """A worker: prepare each block received until told to stop; a failure goes back as its text."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the import in the writer, which stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the writer's handler, copied by the fork
    for end in inherited:  # else a sibling's pipe stays open after the writer dies: nobody sees EOF
        end.close()
    _die_with(writer)
    _log_plainly()
    while (block := pipe.recv()) is not None:
        try:
            pipe.send(prepare(block.items()))
        except Exception:  # prepare_batch quarantines bad input: this is a bug, shown where it happened
            pipe.send(_Failed(traceback.format_exc()))
        collect_after_batch()


def _die_with(writer: int) -> None:
    """End this worker when the writer process ends, however it ends (SIGKILL, the OOM killer, systemd's
    ``KillMode=process``): Linux sends SIGTERM on the parent's death; elsewhere a thread polls."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        threading.Thread(target=_watch_parent, args=(writer,), daemon=True).start()
    if os.getppid() != writer:  # it died before the signal was asked for
        os._exit(1)


def _watch_parent(writer: int) -> None:
    while os.getppid() == writer:
        time.sleep(1)
    os._exit(1)


def _log_plainly() -> None:
    """Log to stderr through a handler of this process: a fork copies other threads' locks as they
    were (held by a progress bar, say) but not the threads that would release them."""
    root = logging.getLogger()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(processName)s %(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]


@dataclass(slots=True, frozen=True)
class _Failed:
    trace: str


def _receive(pipe: Connection) -> PreparedBatch:
    try:
        prepared: PreparedBatch | _Failed = pipe.recv()
    except (EOFError, ConnectionResetError) as exc:
        raise IngestWorkerError(
            "an ingest worker process stopped before finishing its batch; the batches before it are "
            "stored, and running the import again adds only what is missing"
        ) from exc
    if isinstance(prepared, _Failed):
        raise IngestWorkerError(f"an ingest worker failed on a batch:\n{prepared.trace}")
    return prepared
