"""Hostile input and faults found by the reliability review (issue 27), on SQLite and PostgreSQL:
one bad line never fails its batch, and both backends store the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.mentions import MAX_ID_CHARS, MAX_NAME_CHARS
from luister.services.importer import ImportReport, import_file
from luister.storage.tables import mention, rejected
from luister.storage.writer import SqlMentionStore, StorageFullError
from luister.testing import record, write_jsonl


def run_import(engine: Engine, path: Path) -> ImportReport:
    return import_file(path=path, store=SqlMentionStore(engine), mapping=FieldMapping(), batch_size=50)


def rows(engine: Engine, *columns: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(*columns).order_by(columns[0])).all())


def test_a_nul_byte_in_a_bad_line_is_quarantined_and_the_batch_stored(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "nul.jsonl"
    path.write_bytes(
        b'{"id": "1", "text": "goede regel", "created_at": "2026-10-01T09:00:00Z"}\n'
        b'{"id": "2", "text": "kapot\x00 \x00\n'  # not JSON, and a NUL in the raw line the quarantine keeps
        b'{"id": "3", "text": "nog een goede regel", "created_at": "gisteren\\u0000"}\n'  # NUL in the reason
        b'{"id": "4", "text": "nog een \\u0000goede regel", "created_at": "2026-10-01T10:00:00Z"}\n'
    )
    report = run_import(engine, path)
    assert (report.summary.stored, report.summary.rejected_count) == (2, 2)
    assert [r.text for r in rows(engine, mention.c.external_id, mention.c.text)] == [
        "goede regel",
        "nog een goede regel",
    ]
    quarantined = rows(engine, rejected.c.position, rejected.c.raw, rejected.c.reason)
    assert [row.position for row in quarantined] == ["line 2", "line 3"]
    assert all("\x00" not in row.raw + row.reason for row in quarantined)
    assert "kapot\\x00 \\x00" in quarantined[0].raw  # visible where it was
    again = run_import(engine, path)  # a rerun finds the rows quarantined already, and says so
    assert (again.summary.stored, again.summary.rejected_count, again.summary.quarantined) == (0, 2, 0)
    assert len(rows(engine, rejected.c.id)) == 2


def test_over_long_ids_and_names_store_alike_on_both_backends(engine: Engine, tmp_path: Path) -> None:
    long_id = "https://blog.example/" + "x" * 600
    path = write_jsonl(
        tmp_path / "long.jsonl",
        [
            record(1, id=long_id, author="a" * 300),
            record(2, id=long_id + "y", author="\u202eanna", in_reply_to=long_id),
            record(3),
        ],
    )
    report = run_import(engine, path)
    assert (report.summary.stored, report.summary.rejected_count) == (3, 0)
    stored = rows(engine, mention.c.id, mention.c.external_id, mention.c.author_handle, mention.c.parent_id)
    first, second, _ = stored
    assert len(first.external_id) <= MAX_ID_CHARS and first.external_id.startswith("https://blog.example/")
    assert first.external_id != second.external_id  # different long ids stay different
    assert second.parent_id == first.external_id  # a reply still points at its shortened parent
    assert len(first.author_handle) == MAX_NAME_CHARS and first.author_handle.endswith("…")
    assert second.author_handle == "anna"
    assert run_import(engine, path).summary.known == 3  # the same ids at the next fetch


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_out_of_range_timestamps_are_quarantined_without_a_traceback(
    engine: Engine, tmp_path: Path, stamp: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", [record(1, created_at=stamp), record(2)])
    report = run_import(engine, path)
    assert (report.summary.stored, report.summary.rejected_count) == (1, 1)
    assert "out of range" in report.summary.rejected[0].reason
    assert not [r for r in caplog.records if r.exc_info]


def test_invisible_only_text_is_no_mention(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "zw.jsonl",
        [
            record(1, text="\u200c\u200d \u200c"),
            record(2, text="\u202e\u2066"),
            record(3, text="ik\u200cwil"),
        ],
    )
    report = run_import(engine, path)
    assert (report.summary.stored, report.summary.rejected_count) == (1, 2)
    assert rows(engine, mention.c.text) == [("ik\u200cwil",)]


def test_a_full_disk_is_one_clear_error_and_nothing_half_stored(engine: Engine, tmp_path: Path) -> None:
    texts = [record(n, text=f"{n} " + "lang bericht " * 300) for n in range(400)]
    path = write_jsonl(tmp_path / "m.jsonl", texts)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":  # the file may not grow: SQLITE_FULL, as on a full disk
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            conn.exec_driver_sql(f"PRAGMA max_page_count = {pages + 60}")
        else:  # PostgreSQL's disk_full (53100), raised by the server as it would be
            conn.exec_driver_sql(
                "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF (SELECT count(*) FROM mention) > 150 THEN "
                "RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END IF; "
                "RETURN NEW; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER full_disk AFTER INSERT ON mention "
                "FOR EACH STATEMENT EXECUTE FUNCTION full_disk()"
            )
    with pytest.raises(StorageFullError, match="disk full — free space and run again"):
        run_import(engine, path)
    stored = len(rows(engine, mention.c.id))
    assert stored and stored % 50 == 0  # whole batches only


def test_a_utf16_file_read_as_utf8_never_aborts_the_import(engine: Engine, tmp_path: Path) -> None:
    """Every other byte NUL: PostgreSQL refused the quarantine rows and stored nothing; now each line is
    quarantined (or stored) on both backends alike, and a rerun adds nothing."""
    path = tmp_path / "utf16.jsonl"
    lines = [
        f'{{"id": "u{n}", "text": "bericht {n}", "created_at": "2026-10-01T09:00:00Z"}}' for n in range(5)
    ]
    path.write_bytes("\n".join(lines).encode("utf-16-le"))

    def as_utf8() -> ImportReport:
        return import_file(path=path, store=SqlMentionStore(engine), mapping=FieldMapping(), batch_size=50,
                           encoding="utf-8")  # fmt: skip

    report = as_utf8()
    assert report.summary.stored + report.summary.rejected_count == report.summary.read > 0
    quarantined = rows(engine, rejected.c.id, rejected.c.raw)
    assert len(quarantined) == report.summary.rejected_count and all("\x00" not in r.raw for r in quarantined)
    again = as_utf8().summary
    assert (again.stored, again.quarantined) == (0, 0)
