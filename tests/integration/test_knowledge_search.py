"""Knowledge-base search finds the right article in the top three for Dutch and English questions, on the
starter knowledge base, on SQLite and on PostgreSQL (the hit@3 figure is printed and in docs/knowledge.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.organisation import knowledge_read, knowledge_starter
from luister.organisation.knowledge_tables import SEARCH_INDEX, SEARCH_TABLE

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

# (question, the slug of the article that answers it)
QUESTIONS = [
    ("wat zeggen we bij een storing?", "playbook-storing"),
    ("er is een stroomuitval in Utrecht, wat moet webcare doen?", "playbook-storing"),
    ("welke tekst plaatsen we als eerste bij een storing?", "houdverklaring-storing"),
    ("klant zegt dat zijn jaarafrekening veel te hoog is", "playbook-klacht-rekening"),
    ("er is dubbel afgeschreven, wat doen we?", "playbook-klacht-rekening"),
    ("een journalist stelt een vraag op Twitter", "playbook-persvraag"),
    ("iemand wil dat we zijn gegevens verwijderen", "playbook-privacyverzoek"),
    ("klant dreigt over te stappen naar een andere energieleverancier", "playbook-opzegdreiging"),
    ("onze post gaat viraal met complimenten over een monteur", "playbook-virale-lof"),
    ("wat zeggen we over het datalek?", "houdverklaring-datalek"),
    ("hoe reageren we op boze klanten over de prijsverhoging?", "houdverklaring-tarieven"),
    ("mag ik op mijn eigen account over mijn werk posten?", "faq-prive-account"),
    ("wie keurt een antwoord goed en wie mag reageren namens Voltaro?", "faq-wie-reageert"),
    ("wat hebben we geleerd van de storing in januari?", "les-storing-januari"),
    ("hoe liep de Zonnedeal campagne voor zonnepanelen?", "evaluatie-zonnedeal"),
    ("er gaan nepberichten en phishing mails rond uit onze naam", "playbook-phishing"),
    ("what do we say during an outage?", "playbook-outage"),
    ("customers are without power in their region", "playbook-outage"),
    ("a customer says their bill is too high", "playbook-billing-complaint"),
    ("how do I answer a journalist?", "playbook-press-question"),
    ("someone asks us to delete their personal data under GDPR", "playbook-privacy-request"),
    ("the customer wants to cancel and switch supplier", "playbook-churn-threat"),
    ("a post praising us went viral", "playbook-viral-praise"),
    ("what is our statement on the data breach?", "holding-statement-data-breach"),
    ("people are angry about the price increase", "holding-statement-prices"),
    ("can I post about Voltaro on my personal account?", "faq-personal-account"),
    ("who needs approval before replying on behalf of the company?", "faq-who-replies"),
    ("what did we learn from the January outage?", "lesson-january-outage"),
    ("how did the solar panel campaign perform?", "evaluation-zonnedeal"),
    ("fake accounts are scamming our customers", "playbook-phishing-en"),
]


def test_the_right_article_is_in_the_top_three(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert knowledge_starter.load(engine=engine, actor="test", now=NOW) == len(knowledge_starter.STARTER)
    misses, first = [], 0
    for question, slug in QUESTIONS:
        top = [h.article.slug for h in knowledge_read.search(engine=engine, text=question, limit=3)]
        first += bool(top) and top[0] == slug
        if slug not in top:
            misses.append((question, slug, top))
    hits, n = len(QUESTIONS) - len(misses), len(QUESTIONS)
    with capsys.disabled():
        print(f"\nknowledge-base search on {engine.dialect.name}: hit@3 = {hits}/{n} ({hits / n:.0%}), "
              f"hit@1 = {first}/{n} ({first / n:.0%})")  # fmt: skip
    assert len(QUESTIONS) >= 20 and sum(any(c in q for c in "?") for q, _ in QUESTIONS) > 10
    assert not misses, misses


def test_both_databases_search_through_their_index(engine: Engine) -> None:
    """PostgreSQL answers through the GIN index of migration 0028 (the same expression); SQLite through
    the FTS5 table of stems that every action keeps."""
    knowledge_starter.load(engine=engine, actor="test", now=NOW)
    if engine.dialect.name != "postgresql":
        with engine.connect() as conn:
            stored = conn.exec_driver_sql(f"SELECT count(*) FROM {SEARCH_TABLE}").scalar()
        assert stored == len(knowledge_starter.STARTER)
        return
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE kb_article")
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # 28 rows: make the planner show its index
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                sa.text("EXPLAIN " + knowledge_read.POSTGRES_SEARCH), {"q": "storing | outage", "limit": 3}
            )
        )
    assert SEARCH_INDEX in plan, plan
