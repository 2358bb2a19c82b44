"""``luister import`` with worker processes stores exactly what one process stores, on both backends."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.rollups import PROJECTIONS
from luister.domain.topics import TopicKind
from luister.services.events import EventBus, MentionsStored
from luister.services.importer import ImportReport, import_file
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.settings import get_settings
from luister.storage import rollups
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.tables import ROLLUP_TABLES, mention, mention_topic
from luister.storage.writer import SqlMentionStore
from luister.testing import record, write_jsonl

TEXTS = (
    "Storing bij Voltaro: de app doet het weer niet, ik stap over naar Stroomwijs",
    "Top geholpen door de webcare van Voltaro, dank!",
    "Is Stroomwijs goedkoper dan Voltaro? Wie weet het?",
    "Voltaro outage again, third time this week. Cancelling my contract.",
    "Niks over energie, gewoon het weer in Gent",
)


def lines(count: int) -> list[dict[str, Any] | str]:
    """Records with every kind of trouble: broken and odd lines, a blank one, repeats and near-copies."""
    out: list[dict[str, Any] | str] = []
    for n in range(count):
        text = TEXTS[n % len(TEXTS)] + ("" if n % 4 else f" #{n}")  # most texts repeat: near-copies
        out.append(record(n, text=text, country=("NL", "BE", None)[n % 3], likes=n % 11))
        if n % 37 == 5:
            out.append('{"id": "kapot", "text": "afgek')
        if n % 53 == 7:
            out.append("[1, 2]")
        if n % 61 == 3:
            out.append("")
        if n % 71 == 9:
            out.append(record(n - 1))  # the same mention again, sometimes within the same batch
    return out


def prepare(engine: Engine) -> None:
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    save_topic(engine=engine, name="Stroomwijs", kind=TopicKind.competitor, query="stroomwijs")
    save_topic(
        engine=engine, name="Storing", kind=TopicKind.other, query="voltaro NEAR/5 (storing OR outage)"
    )


def run(engine: Engine, path: Path, workers: int, events: EventBus | None = None) -> ImportReport:
    return import_file(
        path=path, store=SqlMentionStore(engine), mapping=FieldMapping(), batch_size=40, workers=workers,
        enrichers=[TopicMatchEnricher(load_matcher(engine=engine))], events=events,
    )  # fmt: skip


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    return round(value, 6) if isinstance(value, float) else value


def contents(engine: Engine) -> dict[str, Any]:
    """Everything an import writes, in a form both backends share (PostgreSQL's ids have gaps where a
    known mention was skipped: mentions are named by their external id, in the order of their ids)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(
            mention.c.id, mention.c.external_id, mention.c.duplicate_of, mention.c.fingerprint,
            mention.c.text, mention.c.published_at, mention.c.country, mention.c.raw,
        ).order_by(mention.c.id)).all()  # fmt: skip
        name = {row.id: row.external_id for row in rows}
        topics = sorted((name[m], t) for m, t in conn.execute(sa.select(mention_topic)))
        tables = {
            p.table: sorted(tuple(map(plain, row)) for row in conn.execute(sa.select(ROLLUP_TABLES[p.table])))
            for p in PROJECTIONS
        }
    mentions = [(name[r.id], name.get(r.duplicate_of), *map(plain, r[3:])) for r in rows]
    return {"mentions": mentions, "topics": topics, "rollups": tables}


def summary(report: ImportReport) -> tuple[Any, ...]:
    s = report.summary
    return (s.read, s.stored, s.known, s.near_duplicates, [(r.position, r.reason) for r in s.rejected])


def test_workers_store_exactly_what_one_process_stores(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", lines(400))
    reference = create_engine(get_settings(database_url=f"sqlite:///{tmp_path / 'reference.db'}"))
    upgrade(reference)
    for database in (engine, reference):
        prepare(database)
    stored: list[int] = []
    bus = EventBus()
    bus.subscribe(MentionsStored, lambda event: stored.extend(s.id for s in event.mentions))

    with_workers = run(engine, path, workers=3, events=bus)
    alone = run(reference, path, workers=0)

    assert summary(with_workers) == summary(alone)
    assert with_workers.summary.stored == 400 and with_workers.summary.near_duplicates == 300 - 5
    assert with_workers.summary.known == 6 and with_workers.summary.rejected_count == 11 + 8
    assert contents(engine) == contents(reference)  # in the same order too: batches were written in order
    with engine.connect() as conn:
        assert sorted(stored) == list(conn.execute(sa.select(mention.c.id).order_by(mention.c.id)).scalars())
    reference.dispose()


def test_batches_of_known_and_new_mentions_count_right(engine: Engine, tmp_path: Path) -> None:
    prepare(engine)
    run(engine, write_jsonl(tmp_path / "first.jsonl", lines(150)), workers=2)
    report = run(engine, write_jsonl(tmp_path / "all.jsonl", lines(300)), workers=2)  # batches mix both
    assert (report.summary.stored, report.summary.known) == (150, 150 + 5)
    counted = contents(engine)
    rollups.rebuild(engine)
    assert contents(engine) == counted  # what the workers counted equals a recount from scratch


def test_csv_rows_are_parsed_here_and_prepared_in_workers(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    rows = [
        f'{n},"Voltaro bericht {n}; {TEXTS[n % 5]}",anna{n % 9},2026-10-01T{n % 24:02d}:00:00Z'
        for n in range(90)
    ]
    rows[41] = "41,alleen tekst"  # too few fields: line 43
    path.write_text("id,text,author,created_at\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report = run(engine, path, workers=2)
    assert report.summary.stored == 89
    assert [(r.position, r.reason) for r in report.summary.rejected] == [
        ("line 43", "expected 4 fields, found 2")
    ]


def test_gzip_and_utf16_files_import_alike_with_workers(engine: Engine, tmp_path: Path) -> None:
    plain = write_jsonl(tmp_path / "m.jsonl", lines(90))
    packed = tmp_path / "m.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    wide = tmp_path / "wide.jsonl"
    wide.write_bytes(plain.read_text(encoding="utf-8").encode("utf-16"))  # with a BOM
    prepare(engine)
    first = run(engine, packed, workers=2)
    again = run(engine, wide, workers=2)
    assert (first.summary.stored, first.shape.encoding) == (90, "utf-8")
    known = first.summary.stored + first.summary.known  # every record again, repeats included
    assert (again.summary.stored, again.summary.known, again.shape.encoding) == (0, known, "utf-16")
    assert summary(first)[4] == summary(again)[4]  # the same broken lines, at the same line numbers
