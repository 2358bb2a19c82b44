"""SIGKILL in the middle of an import, then the same import again: every mention exactly once, the same
content, and rollups equal to a recount — on SQLite and PostgreSQL, with and without workers."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.settings import Settings
from luister.storage import rollups
from luister.storage.tables import mention
from luister.testing import record, write_jsonl

COUNT = 3_000
BATCH = 100


def checksum(pairs: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for external_id, text in sorted(pairs):
        digest.update(f"{external_id}\x1f{text}\x1e".encode())
    return digest.hexdigest()


def stored(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            (row.external_id, row.text)
            for row in conn.execute(sa.select(mention.c.external_id, mention.c.text))
        ]


def luister(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LUISTER_DATABASE_URL": settings.database_url, "LUISTER_ANALYSIS": "off",
           "LUISTER_INGEST_BATCH_SIZE": str(BATCH), "PYTHONPATH": os.pathsep.join(sys.path)}  # fmt: skip
    if settings.database_schema:
        env["LUISTER_DATABASE_SCHEMA"] = settings.database_schema
    command = [sys.executable, "-c", "from luister.cli import main; main()", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("workers", [0, 2])
def test_sigkill_mid_import_then_rerun_stores_everything_once(
    settings: Settings, engine: Engine, tmp_path: Path, workers: int
) -> None:
    records = [record(n, text=f"Bericht {n} over Voltaro en de storing van vandaag") for n in range(COUNT)]
    path = write_jsonl(tmp_path / "big.jsonl", records)
    expected = checksum([(r["id"], r["text"]) for r in records])

    first = luister(settings, "import", "--workers", str(workers), str(path))
    deadline = time.monotonic() + 30
    while not stored(engine) and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    assert first.wait() == -signal.SIGKILL  # killed while it was still importing
    partial = len(stored(engine))
    assert 0 < partial <= COUNT and partial % BATCH == 0  # whole batches only
    assert not rollups.recount(engine, repair=False).drift

    rerun = luister(settings, "import", "--workers", str(workers), str(path))
    _, errors = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, errors.decode()
    after = stored(engine)
    assert (len(after), checksum(after)) == (COUNT, expected)
    check = rollups.recount(engine, repair=False)
    assert (check.counted, check.drift) == (COUNT, [])
