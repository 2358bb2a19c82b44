"""The inbox's text search through each database's full-text index (migration 0017) finds the same
conversations on SQLite (FTS5) and PostgreSQL (tsvector + GIN): each database is held to one reference
written out here, on hostile and awkward text; the index follows every change; PostgreSQL uses its index.
The tab counts' tally, kept by triggers, equals a recount after every kind of write."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.inbox.read import (
    Cursor,
    Filters,
    View,
    _after,
    list_conversations,
    search_words,
    text_search,
)
from luister.inbox.tables import SEARCH_INDEX, conversation, conversation_tally, department
from luister.storage.tables import user_account

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)

SUBJECTS = {  # id: (subject, author handle)
    1: ("@Voltaro de monteur komt niet, laadpaal kapot!", "klant_anna"),
    2: ("Monteurs van Voltaro: café-bezoek in plaats van werk?", "jan.de.vries"),
    3: ("Mail me at jan@voltaro.nl or see https://voltaro.nl/storing/1234", None),
    4: ("Laad-paal storing sinds 12-11; factuur €89,50 klopt niet", "Bob_Builder"),
    5: ('<script>alert("x")</script> OR NEAR(monteur) "storing" * : & ! \\ %_', "h4x0r"),
    6: ("Ünïcödé KLACHT over de Zonnepanelen 😡😡 en de app", "émile"),
    7: ("monteur", "monteur"),
    8: ("cafe zonder accent; prijs 1e5 euro? v2.0 app-update", "Prijs_Vraag"),
}
QUERIES = [
    "monteur", "Monteur", "MONTEURS", "mont", "café", "cafe", "laadpaal", "laad", "paal", "laad-paal",
    "storing", "voltaro", "voltaro.nl", "jan@voltaro.nl", "https", "1234", "anna", "klant_anna", "bob",
    "builder", "h4x0r", "script", "alert", "OR", "NEAR(monteur)", '"storing"', "*", "& !", "%_", "\\",
    "ünïcödé", "unicode", "klacht zonnepanelen", "zonnepanelen klacht", "monteur storing", "émile",
    "emile", "1e5", "v2", "update app", "89", "€89,50", "😡", "", "   ", "de", "niet komt",
]  # fmt: skip


def _tokens(text: str) -> list[str]:
    # the reference: runs of letters and digits, lower case, diacritics kept (as both indexes do)
    return re.findall(r"[^\W_]+", text.lower())


def _expected(query: str, rows: dict[int, tuple[str, str | None]]) -> list[int]:
    words = _tokens(query)
    if not words:
        return []
    found = []
    for id_, (subject, handle) in rows.items():
        tokens = _tokens(subject + " " + (handle or ""))
        if all(any(t.startswith(w) for t in tokens) for w in words):
            found.append(id_)
    return sorted(found)


def _conversation(id_: int, subject: str, handle: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": id_, "channel": "mastodon", "author_handle": handle, "author_name": handle, "subject": subject,
        "status": "open", "priority": "normal", "route": {"by": "test"}, "cycle": 1,
        "cycle_started_at": NOW, "last_customer_at": NOW - timedelta(minutes=id_), "sla_state": "none",
        "message_count": 1, "created_at": NOW, "updated_at": NOW, **extra,
    }  # fmt: skip


def _search(engine: Engine, query: str) -> list[int]:
    with engine.connect() as conn:
        where = text_search(query, engine.dialect.name)
        return sorted(conn.scalars(sa.select(conversation.c.id).where(where)))


def test_search_finds_what_the_reference_finds_and_follows_changes(engine: Engine) -> None:
    rows = dict(SUBJECTS)
    with engine.begin() as conn:
        conn.execute(conversation.insert(), [_conversation(i, s, h) for i, (s, h) in rows.items()])
    for query in QUERIES:
        assert _search(engine, query) == _expected(query, rows), query
    # the list's filter is this search, with the view's order and count
    found = list_conversations(engine=engine, filters=Filters(text="monteur"), now=NOW)
    assert sorted(r.id for r in found.rows) == _expected("monteur", rows) and found.total == len(found.rows)

    with engine.begin() as conn:  # the index follows updates (subject, handle) and deletes
        conn.execute(
            conversation.update().where(conversation.c.id == 7).values(subject="opgelost", author_handle=None)
        )
        conn.execute(conversation.update().where(conversation.c.id == 2).values(author_handle="monteur_piet"))
        conn.execute(conversation.update().where(conversation.c.id == 4).values(status="resolved"))
        conn.execute(conversation.delete().where(conversation.c.id == 1))
    rows[7] = ("opgelost", None)
    rows[2] = (rows[2][0], "monteur_piet")
    del rows[1]
    for query in ("monteur", "piet", "opgelost", "anna", "storing", "jan"):
        assert _search(engine, query) == _expected(query, rows), query


def test_search_words_are_letters_and_digits_only() -> None:
    assert search_words('NEAR(a) "b"* c:* & !d <e> f_g') == ["near", "a", "b", "c", "d", "e", "f", "g"]
    assert search_words("Ünïcödé 😡 €89,50") == ["ünïcödé", "89", "50"]


def test_postgres_searches_through_its_gin_index(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        with engine.connect() as conn:  # SQLite's side: the FTS5 table is there and filled by triggers
            conn.execute(conversation.insert(), [_conversation(1, "storing", None)])
            assert conn.exec_driver_sql(
                "SELECT rowid FROM conversation_search WHERE conversation_search MATCH 'storing'"
            ).all() == [(1,)]
        return
    with engine.begin() as conn:
        conn.execute(
            conversation.insert(), [_conversation(i, f"bericht {i}", f"klant{i}") for i in range(1, 2001)]
        )
        conn.exec_driver_sql("ANALYZE conversation")
        query = sa.select(conversation.c.id).where(text_search("klant17", "postgresql"))
        compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
        plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {compiled}"))
    assert SEARCH_INDEX in plan, plan


def _recount(engine: Engine) -> dict[tuple[str, int, int, bool], int]:
    with engine.connect() as conn:
        tally = {
            (r.status, r.department_id, r.assignee_id, bool(r.sla_hot)): r.conversations
            for r in conn.execute(sa.select(conversation_tally))
            if r.conversations
        }
        counted: dict[tuple[str, int, int, bool], int] = {}
        for r in conn.execute(sa.select(conversation)):
            key = (r.status, r.department_id or 0, r.assignee_id or 0, r.sla_state in ("warning", "breached"))
            counted[key] = counted.get(key, 0) + 1
    assert tally == counted
    return tally


def test_the_tally_follows_every_write(engine: Engine) -> None:
    rng = random.Random(3)
    statuses = ["new", "open", "waiting_customer", "snoozed", "resolved", "reopened"]
    with engine.begin() as conn:
        conn.execute(
            department.insert(),
            [{"id": 90, "key": "tijdelijk", "name_en": "Temp", "name_nl": "Tijdelijk", "calendar": {}}],
        )
        conn.execute(
            user_account.insert(),
            [
                {
                    "id": 90 + n,
                    "email": f"a{n}@x.example",
                    "name": f"A{n}",
                    "password_hash": "x",
                    "role": "agent",
                    "active": True,
                    "created_at": NOW,
                }
                for n in range(3)
            ],
        )
        states = ["none", "ok", "warning", "breached"]
        conn.execute(
            conversation.insert(),
            [
                _conversation(
                    i, f"s{i}", None, status=rng.choice(statuses), department_id=rng.choice([None, 90]),
                    assignee_id=rng.choice([None, 90, 91, 92]), sla_state=rng.choice(states),
                )
                for i in range(1, 61)
            ],
        )  # fmt: skip
    _recount(engine)
    for _ in range(40):  # single and many-row updates, of the counted columns and of others
        ids = rng.sample(range(1, 61), rng.choice([1, 1, 5, 20]))
        change = rng.choice([
            {"status": rng.choice(statuses)}, {"assignee_id": rng.choice([None, 90, 91, 92])},
            {"department_id": rng.choice([None, 90])},
            {"sla_state": rng.choice(["ok", "warning", "breached", "met"])},
            {"subject": "anders"}, {"status": "open", "assignee_id": None, "sla_state": "breached"},
        ])  # fmt: skip
        with engine.begin() as conn:
            conn.execute(conversation.update().where(conversation.c.id.in_(ids)).values(**change))
    _recount(engine)
    with engine.begin() as conn:  # SET NULL from a department's and a person's deletion; deletes
        conn.execute(department.delete().where(department.c.id == 90))
        conn.execute(user_account.delete().where(user_account.c.id == 91))
        conn.execute(conversation.delete().where(conversation.c.id.in_(range(1, 11))))
    tally = _recount(engine)
    assert all(d == 0 and a != 91 for (_, d, a, _) in tally)


def test_cursor_round_trip_and_refusals() -> None:
    cursor = Cursor(3, None, NOW, 42)
    assert Cursor.decode(cursor.encode()) == cursor
    assert Cursor.decode(Cursor(-1, NOW, None, 7).encode()).due == NOW
    for bad in ("", "x", "1.2.3", "2.n.5.1", "3.5.5.1", "9.n.5.1", "0.5.5.0", "-1.n.n.3", "1.n.n.3"):
        with pytest.raises(ValueError):
            Cursor.decode(bad)
    with pytest.raises(ValueError, match="another view"):
        _after(Cursor(-1, NOW, None, 7), View.all)
    with pytest.raises(ValueError, match="another view"):
        _after(cursor, View.resolved)
