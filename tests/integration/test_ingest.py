"""The ingest pipeline end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.domain.mentions import Mention
from luister.domain.topics import TopicKind
from luister.services.events import EventBus, MentionsStored
from luister.services.importer import import_file
from luister.services.ingest import Pipeline
from luister.services.topics import save_topic
from luister.storage.tables import mention, mention_topic, rejected
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record, write_jsonl


def count(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def run_import(engine: Engine, path: Path, **kwargs: object):
    return import_file(
        path=path, store=SqlMentionStore(engine), mapping=FieldMapping(), batch_size=100, **kwargs
    )  # type: ignore[arg-type]


def test_importing_the_same_file_twice_stores_each_mention_once(engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", [record(n) for n in range(250)])
    first = run_import(engine, path)
    second = run_import(engine, path)
    assert (first.summary.stored, first.summary.known) == (250, 0)
    assert (second.summary.stored, second.summary.known) == (0, 250)
    assert count(engine, mention) == 250


def test_csv_with_five_percent_broken_rows_keeps_every_good_row(engine: Engine, tmp_path: Path) -> None:
    rng = random.Random(7)
    lines = ["id,text,author,created_at"]
    broken: set[int] = set()
    for n in range(400):
        line_number = len(lines) + 1
        if rng.random() < 0.05:
            broken.add(line_number)
            lines.append(
                rng.choice(
                    [
                        f"{n},te,veel,velden,hier",  # too many fields
                        f"{n},alleen tekst",  # too few
                        f'{n},"kapotte "quote,anna,2026-10-01',  # bad quoting
                        f"{n},tekst,anna,gisteren",  # unreadable date
                        f"{n},,anna,2026-10-01",  # no text
                    ]
                )
            )
        else:
            lines.append(f'{n},"Voltaro, bericht {n}",anna{n % 9},2026-10-01T{n % 24:02d}:00:00Z')
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = run_import(engine, path)

    assert report.summary.stored == 400 - len(broken)
    assert {int(r.position.removeprefix("line ")) for r in report.summary.rejected} == broken
    assert report.summary.rejected_count == len(broken)
    assert all(r.reason for r in report.summary.rejected)
    assert count(engine, rejected) == len(broken)
    run_import(engine, path)  # quarantine is idempotent as well
    assert count(engine, rejected) == len(broken)


def test_a_truncated_jsonl_line_does_not_stop_the_import(engine: Engine, tmp_path: Path) -> None:
    good = [record(n) for n in range(10)]
    path = write_jsonl(tmp_path / "m.jsonl", [*good[:5], '{"id": "x", "text": "afgek', *good[5:]])
    report = run_import(engine, path)
    assert report.summary.stored == 10
    [rejection] = report.summary.rejected
    assert rejection.position == "line 6" and rejection.reason.startswith("invalid JSON")
    with engine.connect() as conn:
        raw = conn.execute(sa.select(rejected.c.raw, rejected.c.origin)).one()
    assert raw == ('{"id": "x", "text": "afgek', "file:m.jsonl")


def test_stored_mentions_keep_raw_and_normalised_fields(engine: Engine, tmp_path: Path) -> None:
    data = record(
        1,
        text="Café  de\u00a0Voltaro",
        url="HTTPS://Mastodon.Example/@a/1?utm_medium=x",
        created_at="2026-10-01T10:00:00+02:00",
    )
    run_import(engine, write_jsonl(tmp_path / "m.jsonl", [data]))
    with engine.connect() as conn:
        row = conn.execute(sa.select(mention)).mappings().one()
    assert row["text"] == "Café de Voltaro"
    assert row["url"] == "https://mastodon.example/@a/1"
    assert row["published_at"].isoformat() == "2026-10-01T08:00:00+00:00"
    assert row["raw"] == write_jsonl(tmp_path / "x.jsonl", [data]).read_text().strip()
    assert (row["channel"], row["external_id"], row["author_handle"], row["language"]) == (
        "mastodon",
        "m1",
        "user1",
        "nl",
    )


def test_near_duplicates_are_flagged_not_dropped(engine: Engine, tmp_path: Path) -> None:
    text = "Grote storing bij Voltaro, app en slimme meter liggen plat"
    items = [
        record(1, text=text),
        record(2, text=f"RT @nos: {text}! https://nos.example/1"),
        record(3, text="Iets heel anders over zonnepanelen van Enerlux"),
    ]
    run_import(engine, write_jsonl(tmp_path / "a.jsonl", items[:2]))
    run_import(engine, write_jsonl(tmp_path / "b.jsonl", [record(4, text=text.upper()), items[2]]))
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.select(mention.c.external_id, mention.c.duplicate_of)).all())
        ids = dict(conn.execute(sa.select(mention.c.external_id, mention.c.id)).all())
    assert rows == {"m1": None, "m2": ids["m1"], "m3": None, "m4": ids["m1"]}


def test_events_enrichers_and_topic_matches(engine: Engine) -> None:
    brand = save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")

    class Tagger:
        name = "tagger"

        def enrich(self, mentions: list[Mention]) -> None:
            for m in mentions:
                m.language = "nl"
                if "voltaro" in m.text.lower():
                    m.topic_ids = (brand.id,)

    class Broken:
        name = "broken"

        def enrich(self, mentions: list[Mention]) -> None:
            raise RuntimeError("model missing")

    heard: list[MentionsStored] = []
    bus = EventBus()
    bus.subscribe(MentionsStored, heard.append)
    bus.subscribe(MentionsStored, lambda event: 1 / 0)  # a failing subscriber harms nothing
    pipeline = Pipeline(
        mapper=FieldMapping().map,
        store=SqlMentionStore(engine),
        origin="test",
        enrichers=[Broken(), Tagger()],
        events=bus,
    )
    items = [
        raw_item(record(1, lang=None)),
        raw_item(record(2, text="over Enerlux", lang=None)),
        raw_item({"id": "x"}, position="line 3"),
    ]
    result = pipeline.run_batch(items)

    assert len(result.stored) == 2 and len(result.rejected) == 1
    assert result.enricher_errors == ["broken: RuntimeError: model missing"]
    assert [len(e.mentions) for e in heard] == [2]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(mention_topic)).scalar_one() == 1
        assert set(conn.execute(sa.select(mention.c.language)).scalars()) == {"nl"}
    assert pipeline.run_batch(items).stored == []  # redelivery changes nothing
    assert len(heard) == 1


def test_mapper_bug_quarantines_the_item_and_keeps_the_rest(engine: Engine) -> None:
    def flaky(item, fetched_at):  # type: ignore[no-untyped-def]
        if item.data["id"] == "m2":
            raise KeyError("boom")
        return FieldMapping().map(item, fetched_at)

    pipeline = Pipeline(mapper=flaky, store=SqlMentionStore(engine), origin="test")
    result = pipeline.run_batch([raw_item(record(n)) for n in range(1, 4)])
    assert len(result.stored) == 2
    assert result.rejected[0].reason == "mapper error KeyError: 'boom'"


def test_column_mapping_and_nested_paths(engine: Engine, tmp_path: Path) -> None:
    data = {
        "post": {"id": 9, "body": "Voltaro klantenservice top"},
        "user": {"screen_name": "kees"},
        "when": "2026-10-02T08:00:00Z",
    }
    mapping = FieldMapping.from_pairs(
        ["external_id=post.id", "text=post.body", "author_handle=user.screen_name", "published_at=when"],
        channel="forum",
    )
    import_file(
        path=write_jsonl(tmp_path / "n.jsonl", [data]),
        store=SqlMentionStore(engine),
        mapping=mapping,
        batch_size=10,
    )
    with engine.connect() as conn:
        row = conn.execute(sa.select(mention)).mappings().one()
    assert (row["channel"], row["external_id"], row["text"], row["author_handle"]) == (
        "forum",
        "9",
        "Voltaro klantenservice top",
        "kees",
    )


def test_rows_without_ids_get_stable_ones(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "noid.csv"
    path.write_text(
        "tekst;datum;auteur\nVoltaro is top;01-10-2026 09:15;piet\nVoltaro is top;01-10-2026 09:16;piet\n",
        encoding="cp1252",
    )
    assert run_import(engine, path).summary.stored == 2
    assert run_import(engine, path).summary.stored == 0


def test_windows_1252_semicolon_export_is_detected_and_read(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "coosto-export.csv"
    path.write_bytes(
        "id;bericht;datum;auteur\n"
        "1;Voltaro rekent € 50 te veel – café-eigenaar is boos;01-10-2026 09:15;Zoë\n"
        "2;Top geholpen door de webcare van Voltaro!;01-10-2026 10:00;Jürgen\n".encode("cp1252")
    )
    report = run_import(engine, path)
    assert (report.shape.encoding, report.shape.delimiter, report.summary.stored) == ("cp1252", ";", 2)
    with engine.connect() as conn:
        texts = dict(conn.execute(sa.select(mention.c.author_handle, mention.c.text)).all())
    assert texts["Zoë"] == "Voltaro rekent € 50 te veel – café-eigenaar is boos"
