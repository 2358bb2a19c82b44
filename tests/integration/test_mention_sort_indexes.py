"""The mention list's reach and engagement sorts walk an index (migration 0031) on both databases: the
statements ``search_mentions`` runs, first page and the next, are planned without a sort of the table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.connectors.records import FieldMapping
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.services.mentions import search_mentions
from luister.settings import Settings
from luister.storage.tables import mention
from luister.storage.writer import SqlMentionStore
from luister.testing import raw_item, record

ROWS = 3000
START = datetime(2026, 1, 1, tzinfo=UTC)


def fill(engine: Engine) -> None:
    rows = [
        {"channel": "mastodon", "external_id": f"m{n}", "text": f"bericht {n}", "raw": "{}",
         "published_at": START + timedelta(minutes=n), "fetched_at": START + timedelta(minutes=n),
         "author_followers": None if n % 7 == 0 else (n * 37) % 500, "like_count": n % 11,
         "share_count": None if n % 5 == 0 else n % 3, "reply_count": n % 4}
        for n in range(ROWS)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(mention.insert(), rows)
        conn.exec_driver_sql("ANALYZE")


def statements_of(engine: Engine, sort: str, before: str | None) -> tuple[list[tuple[str, Any]], Any]:
    """The SELECTs on mention that one page of ``sort`` runs, with their parameters; and the page."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM mention" in statement:
            seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        page = search_mentions(engine=engine, sort=sort, before=before, limit=20)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen, page


def plan_of(engine: Engine, statement: str, parameters: Any) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            return "\n".join(str(row[-1]) for row in rows)
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters))


@pytest.mark.parametrize(
    ("sort", "index"), [("reach", "ix_mention_reach"), ("engagement", "ix_mention_engagement")]
)
def test_the_sorts_walk_their_index_without_sorting(engine: Engine, sort: str, index: str) -> None:
    fill(engine)
    first, page = statements_of(engine, sort, None)
    assert len(page.mentions) == 20 and page.next_before is not None
    following, next_page = statements_of(engine, sort, page.next_before)
    assert next_page.mentions and next_page.mentions[0].id not in {m.id for m in page.mentions}
    assert len(first) == 1 and len(following) == 1  # one statement per page: the index answers at once
    for statement, parameters in (*first, *following):
        plan = plan_of(engine, statement, parameters)
        assert index in plan, plan
        if engine.dialect.name == "sqlite":
            assert "TEMP B-TREE" not in plan, plan  # no sort of the rows: the index gives the order
        else:
            assert "Sort" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.parametrize("sort", ["reach", "engagement"])
def test_many_answers_on_sqlite_walk_the_sort_index(
    sqlite_settings: Settings, sort: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query with many index answers walks an index on SQLite (a hint): for these sorts their own, and
    the pages are those of the plan for few answers."""
    import luister.services.mentions as mentions

    engine = open_database(settings=sqlite_settings)
    items = [raw_item(record(n, text=f"bericht {n}", followers=n % 4, likes=n % 3, shares=n % 2), f"line {n}")
             for n in range(30)]  # fmt: skip
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="t").run_batch(items)  # indexed

    def pages() -> list[int]:
        found, before = [], None
        while True:
            page = search_mentions(engine=engine, query="bericht", sort=sort, before=before, limit=4)
            found += [m.id for m in page.mentions]
            if page.next_before is None:
                return found
            before = page.next_before

    few = pages()
    monkeypatch.setattr(mentions, "FEW_CANDIDATES", 0)  # every answer count is "many" now
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    assert pages() == few and len(few) == 30
    assert any(f"FROM mention INDEXED BY ix_mention_{sort}" in statement for statement in seen)
    engine.dispose()
