"""Privacy end to end on SQLite and PostgreSQL: import → find → export → erase → re-fetch does not
restore → dashboards still add up; retention with a controlled clock."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.alerts.actions import save_rule
from luister.alerts.model import RuleKind
from luister.connectors.records import FieldMapping
from luister.domain.topics import TopicKind
from luister.privacy import RetentionPolicy, Subject, SubjectError, archive, enforce_retention, erase, find
from luister.services.corrections import correct_mention
from luister.services.importer import import_file
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.storage import rollups
from luister.storage.tables import (
    alert,
    alert_rule,
    audit_log,
    mention,
    rejected,
    rollup_hour,
    source,
    source_run,
)
from luister.storage.writer import SqlMentionStore
from luister.testing import record, write_jsonl

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
COPIED = "Voltaro heeft mijn contract opgezegd zonder bericht, echt schandalig dit"


def run_import(engine: Engine, path: Path) -> Any:
    enrichers = [TopicMatchEnricher(load_matcher(engine=engine))]
    return import_file(path=path, store=SqlMentionStore(engine), mapping=FieldMapping(), batch_size=4,
                       enrichers=enrichers).summary  # fmt: skip


def people(tmp_path: Path) -> Path:
    """Anna (three mentions, one copied later by Bram), Bram, Carla, and a bad line naming Anna."""
    return write_jsonl(tmp_path / "people.jsonl", [
        record(1, author="anna", text=COPIED),
        record(2, author="bram", text="Voltaro app werkt prima vandaag"),
        record(3, author="Anna", text="Voltaro storing weer, al drie uur geen stroom"),
        record(4, author="bram", text=COPIED),  # a near-copy of Anna's first
        '{"id": "m5", "author": "anna", "text": "kapot", "created_at": "gisteren"}',
        record(6, author="carla", name="Anna de Vries", text="Ik ben Anna niet, wel klant van Voltaro"),
        record(7, author="@anna", text="Voltaro reageert nooit op mijn mail"),
    ])  # fmt: skip


def ids_by_author(engine: Engine) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    with engine.connect() as conn:
        for row in conn.execute(sa.select(mention.c.id, mention.c.author_handle).order_by(mention.c.id)):
            found.setdefault(row.author_handle, []).append(row.id)
    return found


def alert_with_examples(engine: Engine, sample_ids: list[int]) -> int:
    save_rule(engine=engine, actor="test", name="crisis", kind=RuleKind.intent, intent="crisis")
    with engine.begin() as conn:
        rule_id = conn.execute(sa.select(alert_rule.c.id)).scalar_one()
        return int(conn.execute(alert.insert().values(
            rule_id=rule_id, kind="intent", severity="warning", title="Crisis", summary="2 new mentions",
            opened_at=NOW, last_seen_at=NOW, sample_ids=sample_ids,
        )).inserted_primary_key[0])  # fmt: skip


def assert_dashboards_add_up(engine: Engine) -> None:
    check = rollups.recount(engine, repair=False)
    assert check.drift == []


def test_find_export_erase_and_a_refetch_does_not_restore(engine: Engine, tmp_path: Path) -> None:
    save_topic(engine=engine, name="voltaro", kind=TopicKind.brand, query="voltaro")
    path = people(tmp_path)
    first = run_import(engine, path)
    assert (first.stored, first.rejected_count, first.near_duplicates) == (6, 1, 1)
    authors = ids_by_author(engine)
    annas = authors["anna"] + authors["Anna"] + authors["@anna"]
    correct_mention(
        engine=engine, mention_id=annas[0], corrected_by="agent@voltaro.example", sentiment="negative"
    )
    alert_id = alert_with_examples(engine, [annas[1], authors["bram"][0]])
    subject = Subject.of(channel="mastodon", handle="@ANNA")

    found = find(engine=engine, subject=subject)
    expected = {"mentions": 3, "quarantine": 1, "corrections": 1, "alerts": 1, "conversations": 0}
    assert found.counts() == expected
    assert sorted(m["id"] for m in found.mentions) == sorted(annas)
    assert all(m["raw"] and m["topics"] == ["voltaro"] for m in found.mentions)
    assert found.alerts[0]["mention_ids"] == [annas[1]]
    by_name = find(engine=engine, subject=Subject.of(name="anna de vries"))
    assert [m["author_handle"] for m in by_name.mentions] == ["carla"]  # a name is not a handle
    assert find(engine=engine, subject=Subject.of(mention_id=annas[2])).counts()["mentions"] == 3

    bundle = zipfile.ZipFile(io.BytesIO(archive(found, now=NOW)))
    kinds = ("mentions", "quarantine", "corrections", "alerts", "conversations")
    assert sorted(bundle.namelist()) == sorted(
        ["README.txt"] + [f"{n}.{e}" for n in kinds for e in ("json", "csv")]
    )
    exported = orjson.loads(bundle.read("mentions.json"))
    assert {m["text"] for m in exported} >= {COPIED} and all('"author":' in m["raw"] for m in exported)
    rows = list(csv.DictReader(io.StringIO(bundle.read("mentions.csv").decode())))
    assert len(rows) == 3 and {"raw", "author_handle", "published_at"} <= rows[0].keys()
    assert "gisteren" in orjson.loads(bundle.read("quarantine.json"))[0]["raw"]
    assert "3 mentions, 1 quarantine" in bundle.read("README.txt").decode()

    done = erase(engine=engine, subject=subject, actor="dpo@voltaro.example", now=NOW, reference="REQ-7")
    assert (done.mentions, done.quarantine, done.corrections, done.alerts) == (3, 1, 1, 1)
    assert find(engine=engine, subject=subject).empty
    left = ids_by_author(engine)
    assert set(left) == {"bram", "carla"}
    with engine.connect() as conn:
        assert conn.execute(sa.select(alert.c.sample_ids).where(alert.c.id == alert_id)).scalar_one() == [
            authors["bram"][0]
        ]
        copy = conn.execute(sa.select(mention.c.duplicate_of).where(mention.c.id == authors["bram"][1]))
        assert copy.scalar_one() is None  # Bram's copy is the original now
        assert conn.execute(sa.select(sa.func.count()).select_from(rejected)).scalar_one() == 0
        entry = conn.execute(sa.select(audit_log).where(audit_log.c.action == "privacy.erase")).one()
    assert (entry.actor, entry.target, entry.detail["mentions"]) == ("dpo@voltaro.example", "REQ-7", 3)
    assert "anna" not in orjson.dumps(entry.detail).decode().lower()  # recorded, not re-stored
    assert_dashboards_add_up(engine)

    again = run_import(engine, path)  # the same posts fetched again
    assert again.stored == 0 and set(ids_by_author(engine)) == {"bram", "carla"}
    assert_dashboards_add_up(engine)
    with engine.connect() as conn:
        total = sa.select(sa.func.sum(rollup_hour.c.mentions)).where(rollup_hour.c.topic_id == 0)
        assert conn.execute(total).scalar_one() == 3
    assert erase(engine=engine, subject=subject, actor="dpo", now=NOW).mentions == 0  # idempotent


def test_a_subject_names_exactly_one_person() -> None:
    with pytest.raises(SubjectError, match="--channel"):
        Subject.of(handle="anna")
    with pytest.raises(SubjectError, match="exactly one"):
        Subject.of(channel="x", handle="anna", name="Anna")
    assert Subject.of(channel="Mastodon", handle=" @anna ").describe() == "handle 'anna' on mastodon"


def test_retention_with_a_controlled_clock(engine: Engine, tmp_path: Path) -> None:
    days = [1, 5, 15, 25, 45, 100]  # how old each mention is at NOW
    records = [
        record(
            n,
            author=f"user{n}",
            text=f"Bericht {n} over Voltaro",
            created_at=(NOW - timedelta(days=d)).isoformat(),
        )
        for n, d in enumerate(days)
    ]
    run_import(engine, write_jsonl(tmp_path / "m.jsonl", records))
    with engine.begin() as conn:
        conn.execute(source.insert().values(name="forum", connector="rss", options={}, retention_days=3))
        forum = conn.execute(sa.select(source.c.id)).scalar_one()
        conn.execute(mention.update().where(mention.c.external_id == "m1").values(source_id=forum))
        conn.execute(rejected.insert(), [
            {"origin": "t", "position": f"line {d}", "reason": "x", "raw": "{}", "raw_hash": str(d),
             "created_at": NOW - timedelta(days=d)} for d in (2, 40)])  # fmt: skip
        conn.execute(source_run.insert(), [
            {"source_id": forum, "started_at": NOW - timedelta(days=d),
             "finished_at": NOW - timedelta(days=d), "fetched": 1, "stored": 1, "rejected": 0}
            for d in (2, 40)
        ])  # fmt: skip
        conn.execute(audit_log.insert().values(at=NOW - timedelta(days=400), actor="x", action="old"))
    counted = rollups.recount(engine, repair=False).counted
    policy = RetentionPolicy(mentions=30, raw=10, quarantine=30, runs=30, deliveries=30, audit=365)
    seen: list[tuple[str, int]] = []

    report = enforce_retention(
        engine=engine, policy=policy, now=NOW, on_progress=lambda k, n: seen.append((k, n))
    )
    assert report.removed == {"mentions": 3, "raw": 2, "quarantine": 1, "runs": 1, "audit": 1}
    assert ("mentions", 1) in seen  # the forum's own 3 days: its 5-day-old mention
    with engine.connect() as conn:
        kept = dict(conn.execute(sa.select(mention.c.external_id, mention.c.raw)).all())
        total = sa.select(sa.func.sum(rollup_hour.c.mentions)).where(rollup_hour.c.topic_id == 0)
        assert conn.execute(total).scalar_one() == counted == 6  # the dashboards keep the counts
    assert sorted(kept) == ["m0", "m2", "m3"]
    assert [bool(kept[m]) for m in ("m0", "m2", "m3")] == [True, False, False]  # raw goes after 10 days
    assert_dashboards_add_up(engine)  # a recount leaves the final buckets alone
    rollups.rebuild(engine)
    with engine.connect() as conn:
        assert conn.execute(total).scalar_one() == 6

    assert not any(enforce_retention(engine=engine, policy=policy, now=NOW).removed.values())
