"""Search over all of history through the mention index: the same results as a linear scan, on both
databases; the index follows erasure; the build of an existing database resumes where it stopped."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.demo.corpus import RARE, START, corpus
from luister.domain.matcher import TopicMatcher
from luister.domain.mention_filter import MentionFilter
from luister.domain.queries import parse_query
from luister.privacy.actions import erase
from luister.privacy.subjects import Subject
from luister.services.matching import MATCH_COLUMNS, doc_from_row
from luister.services.mentions import MentionRead, count_matches, search_mentions
from luister.storage import search_index
from luister.storage.tables import mention
from luister.storage.writer import SqlMentionStore

SAMPLE = int(os.environ.get("LUISTER_SEARCH_SAMPLE", "20000"))
TOPICS = {"Merk": 'voltaro OR "volt aro"'}
QUERIES = [
    RARE,  # a rare term: only the three oldest mentions
    "storing",  # a common term
    '"slecht geholpen" OR "de klantenservice"',  # phrases
    "klantenservice NEAR/4 (wachten OR bellen)",
    "storing* OR factuur*",  # wildcards
    "stroom -gas -storing",  # NOT
    "#storing OR @voltaro OR voltaro.nl",
    "e-mail OR café OR zo'n OR 😤 OR 👍",
    "topic:Merk storing",
    "title:de",
    "kl*nt",
    "lang:nl sentiment:negative",  # cannot use the index: scanned
    "NOT de",
]


def _write(engine: Engine, count: int, *, index: bool = True) -> None:
    store = SqlMentionStore(engine, index=index)
    batch = []
    for item in corpus(count):
        batch.append(item)
        if len(batch) == 5000:
            store.write_batch(batch)
            batch.clear()
    if batch:
        store.write_batch(batch)


def _linear_all(engine: Engine, queries: list[str], **filters: str) -> dict[str, list[tuple[int, datetime]]]:
    """Per query the (id, published) of the mentions it matches, newest first: every row checked, as
    before the index (one pass for all queries)."""
    named = {n: (name, parse_query(text)) for n, (name, text) in enumerate(TOPICS.items(), start=1)}
    probes = {-n: (f"\x00probe{n}", parse_query(query)) for n, query in enumerate(queries, start=1)}
    matcher = TopicMatcher.compile({**named, **probes})
    select = sa.select(*MATCH_COLUMNS, mention.c.published_at).order_by(
        mention.c.published_at.desc(), mention.c.id.desc()
    )
    for column, value in filters.items():
        select = select.where(mention.c[column] == value)
    found: dict[str, list[tuple[int, datetime]]] = {query: [] for query in queries}
    with engine.connect() as conn:
        for row in conn.execute(select):
            for topic_id in matcher.match(doc_from_row(row)):
                if topic_id < 0:
                    found[queries[-topic_id - 1]].append((row.id, row.published_at))
    return found


def _linear(engine: Engine, query: str, **filters: str) -> list[int]:
    return [mention_id for mention_id, _ in _linear_all(engine, [query], **filters)[query]]


def _searched(engine: Engine, query: str, **filters: object) -> tuple[list[int], str | None]:
    found: list[MentionRead] = []
    before = None
    reason = None
    while True:
        page = search_mentions(
            engine=engine,
            query=query,
            before=before,
            limit=500,
            topics=TOPICS,
            filters=MentionFilter(**filters),  # type: ignore[arg-type]
        )
        reason = page.index_reason
        found += page.mentions
        if page.next_before is None:
            return [m.id for m in found], reason
        before = page.next_before


@pytest.fixture
def sample(engine: Engine) -> Engine:
    started = time.perf_counter()
    _write(engine, SAMPLE)
    print(f"wrote {SAMPLE} mentions in {time.perf_counter() - started:.1f} s")
    return engine


def test_search_and_counts_equal_a_linear_scan(sample: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # SQLite looks up up to this many index answers by id and walks the published index for more:
    # low here, so that both ways are taken (the rare term by id, the common ones walking)
    monkeypatch.setattr("luister.services.mentions.FEW_CANDIDATES", 100)
    monkeypatch.setattr("luister.services.mentions.DENSE_SHARE", 10)  # over 1 in 10: walked without it
    since = START + timedelta(days=365)
    until = START + timedelta(days=730)
    linear = _linear_all(sample, QUERIES)
    for query in QUERIES:
        found, reason = _searched(sample, query)
        assert found == [mention_id for mention_id, _ in linear[query]], query
        if query in ("lang:nl sentiment:negative", "NOT de"):
            assert reason and reason.startswith("this query cannot use the index"), query
        else:
            assert reason is None, query
        year = [i for i, published in linear[query] if since <= published < until]
        counted = count_matches(engine=sample, query=query, since=since, until=until, topics=TOPICS)
        assert counted.count == len(year) and counted.exact, query
    assert len(linear[RARE]) == 3
    # a common term with filters
    expected = _linear(sample, "storing", channel="reddit", country="NL")
    assert _searched(sample, "storing", channel="reddit", country="NL")[0] == expected


def test_erased_mentions_leave_the_index(engine: Engine) -> None:
    _write(engine, 300)
    with engine.connect() as conn:
        first = conn.execute(sa.select(mention).where(mention.c.external_id == "c0")).one()
    assert first.id in [m.id for m in search_mentions(engine=engine, query=RARE).mentions]
    erase(engine=engine, subject=Subject.of(mention_id=first.id), actor="dpo", now=datetime.now(UTC))
    assert first.id not in [m.id for m in search_mentions(engine=engine, query=RARE).mentions]
    with engine.connect() as conn:
        plan = search_index.compile_plan(RARE)
        assert search_index.count_candidates(conn, plan) == 2  # its words are gone from the index itself
        if engine.dialect.name == "sqlite":
            check = "INSERT INTO mention_search (mention_search, rank) VALUES ('integrity-check', 0)"
            conn.exec_driver_sql(check)  # raises when the index and its deletes disagree


def test_the_build_of_an_existing_database_resumes(engine: Engine) -> None:
    _write(engine, 2000, index=False)  # as stored before migration 0026
    with engine.begin() as conn:
        top = conn.execute(sa.select(sa.func.max(mention.c.id))).scalar_one()
        conn.execute(sa.update(search_index.search_build).values(next_id=1, target_id=top))
    page = search_mentions(engine=engine, query=RARE)
    assert page.index_reason and "still being built" in page.index_reason
    assert len(page.mentions) == 3  # scanned: still right
    done: list[int] = []

    def interrupt(through: int, target: int) -> None:
        done.append(through)
        if len(done) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        search_index.build(engine=engine, batch_size=500, on_batch=interrupt)
    state = search_index.build_state(engine=engine)
    assert not state.done and state.indexed == done[-1]
    _write(engine, 2100)  # new mentions meanwhile: the writer indexes them
    final = search_index.build(engine=engine, batch_size=500)
    assert final.done
    for query in (RARE, "storing", "#storing OR voltaro.nl"):
        found, reason = _searched(engine, query)
        assert reason is None and found == _linear(engine, query), query
