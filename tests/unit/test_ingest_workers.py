"""Worker processes prepare batches and hand them back in the order they were read."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from luister.domain.ingest import RawItem
from luister.domain.rollups import Rollup
from luister.services.ingest import PreparedBatch
from luister.services.ingest_workers import IngestWorkerError, default_workers, prepared_in_workers


class Numbers:
    """A block of one item whose raw text is its number."""

    def __init__(self, number: int) -> None:
        self.number = number

    def items(self) -> Iterator[RawItem]:
        yield RawItem(raw=str(self.number), position=f"block {self.number}")


def batch_of(items: Iterable[RawItem]) -> PreparedBatch:
    read = list(items)
    return PreparedBatch(mentions=[], rejections=[], read=len(read), enricher_errors=[r.raw for r in read],
                         counts=Rollup())  # fmt: skip


def slow_early_blocks(items: Iterable[RawItem]) -> PreparedBatch:
    batch = batch_of(items)
    time.sleep(0.05 if int(batch.enricher_errors[0]) % 3 == 0 else 0)  # later blocks finish first
    batch.enricher_errors.append(str(os.getpid()))
    return batch


def test_results_come_back_in_the_order_of_the_blocks() -> None:
    results = list(prepared_in_workers(map(Numbers, range(20)), prepare=slow_early_blocks, workers=3))
    assert [int(r.enricher_errors[0]) for r in results] == list(range(20))
    pids = {r.enricher_errors[1] for r in results}
    assert len(pids) == 3 and str(os.getpid()) not in pids  # prepared in three other processes
    assert not multiprocessing.active_children()  # and they are gone


def test_without_workers_everything_runs_here() -> None:
    results = list(prepared_in_workers(map(Numbers, range(3)), prepare=slow_early_blocks, workers=0))
    assert {r.enricher_errors[1] for r in results} == {str(os.getpid())}


def test_a_failure_in_a_worker_is_reported_with_its_trace() -> None:
    def fails_on_two(items: Iterable[RawItem]) -> PreparedBatch:
        batch = batch_of(items)
        if batch.enricher_errors == ["2"]:
            raise ValueError("a bug in an enricher")
        return batch

    seen = []
    with pytest.raises(IngestWorkerError, match="a bug in an enricher") as failure:
        for result in prepared_in_workers(map(Numbers, range(6)), prepare=fails_on_two, workers=2):
            seen.append(result.enricher_errors[0])
    assert seen == ["0", "1"]  # what came before the failure was handed over
    assert "Traceback" in str(failure.value) and "fails_on_two" in str(failure.value)
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_stops_the_import_with_a_clear_error() -> None:
    def dies_on_one(items: Iterable[RawItem]) -> PreparedBatch:
        batch = batch_of(items)
        if batch.enricher_errors == ["1"]:
            os._exit(9)  # as if killed, or out of memory
        return batch

    seen = []
    with pytest.raises(IngestWorkerError, match="stopped before finishing"):
        for result in prepared_in_workers(map(Numbers, range(6)), prepare=dies_on_one, workers=2):
            seen.append(result.enricher_errors[0])
    assert seen == ["0"]
    assert not multiprocessing.active_children()


def test_stopping_early_stops_the_workers() -> None:
    results = prepared_in_workers(map(Numbers, range(1000)), prepare=batch_of, workers=2)
    assert next(results).read == 1
    results.close()  # as when the writer fails: the generator is closed
    assert not multiprocessing.active_children()


def test_blocks_are_read_as_they_are_needed() -> None:
    handed: list[int] = []

    def blocks() -> Iterator[Numbers]:
        for n in range(100):
            handed.append(n)
            yield Numbers(n)

    results = prepared_in_workers(blocks(), prepare=batch_of, workers=2)
    next(results)
    assert len(handed) <= 3  # one per worker and the next: memory stays bounded on a big file
    results.close()


def test_default_workers_follow_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert default_workers() == 0
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert default_workers() == 4
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert default_workers() == 8
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_workers() == 0


def test_a_prepared_batch_crosses_to_the_writer_whole() -> None:
    import pickle
    from datetime import UTC, datetime

    from luister.domain.ingest import Rejection
    from luister.domain.mentions import new_mention
    from luister.domain.rollups import batch_counts

    moment = datetime(2026, 10, 1, 9, tzinfo=UTC)
    mentions = [
        new_mention(channel="rss", external_id=str(n), text=f"bericht {n} over voltaro", published_at=moment,
                    fetched_at=moment, raw="{}", country="NL", like_count=n)
        for n in range(3)
    ]  # fmt: skip
    mentions[1].topic_ids, mentions[2].intents = (4, 9), ("complaint",)
    batch = PreparedBatch(
        mentions=mentions,
        rejections=[Rejection("file:x.jsonl", "line 4", "not JSON", "{", None)],
        read=4,
        enricher_errors=["analysis: failed"],
        counts=batch_counts(mentions),
    )
    copy = pickle.loads(pickle.dumps(batch))
    assert copy.mentions == batch.mentions and copy.rejections == batch.rejections
    assert (copy.read, copy.enricher_errors) == (4, ["analysis: failed"])
    assert (copy.counts.hours, copy.counts.intents) == (batch.counts.hours, batch.counts.intents)


_ORPHAN_SCRIPT = """
import multiprocessing, sys, time
sys.path[:0] = {paths!r}
from test_ingest_workers import Numbers, batch_of
from luister.services.ingest_workers import prepared_in_workers

def slow(items):
    time.sleep(0.2)
    return batch_of(items)

batches = prepared_in_workers(map(Numbers, range(10_000)), prepare=slow, workers=3)
next(batches)
print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
{then}
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def _workers_of(then: str) -> tuple[subprocess.Popen[str], list[int]]:
    paths = [str(Path(__file__).parent), *sys.path]
    script = _ORPHAN_SCRIPT.format(paths=paths, then=then)
    writer = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    pids = [int(p) for p in writer.stdout.readline().split()]
    assert len(pids) == 3 and all(_alive(p) for p in pids)
    return writer, pids


def _gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(_alive(p) for p in pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_workers_end_when_the_writer_is_killed() -> None:
    """SIGKILL (the OOM killer, systemd's KillMode=process) leaves no orphan holding memory and pipes."""
    writer, pids = _workers_of("time.sleep(60)")
    writer.kill()
    writer.wait()
    assert _gone_within(pids, 5)
    assert writer.stdout is not None and writer.stdout.read() == ""  # EOF: no worker holds the pipe


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux only")
def test_sigterm_stops_the_import_as_ctrl_c_does() -> None:
    writer, pids = _workers_of("\n".join([
        "try:", "    print('ready', flush=True)", "    for _ in batches: pass", "except KeyboardInterrupt:",
        "    batches.close(); print('stopped', flush=True)",
    ]))  # fmt: skip
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"  # no race with `try`
    writer.terminate()
    assert writer.stdout is not None and writer.stdout.read().strip() == "stopped"
    assert writer.wait(5) == 0
    assert _gone_within(pids, 5)
