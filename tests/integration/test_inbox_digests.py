"""Department digests on SQLite and PostgreSQL: built from the customers' mentions in the department's
conversations, grouped into themes with the trend against the previous week, idempotent, decided with
the outcome shown on the conversations it came from, built by the timer, and rendered as e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from inbox_report_data import people, said
from luister.domain.accounts import Scope
from luister.domain.topics import TopicKind
from luister.inbox.digest_actions import build_digest, build_due_digests, decide_item
from luister.inbox.digest_mail import render_digest_email
from luister.inbox.digest_read import digest_detail, item_mentions, list_digests
from luister.inbox.digests import DigestError, Said, UnknownDigest, last_period, themes
from luister.inbox.read import conversation_detail, notifications
from luister.inbox.tables import digest
from luister.services.accounts import get_user
from luister.services.audit import entries
from luister.services.topics import create_topic

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday
WEEK = (datetime(2026, 11, 22, 23, 0, tzinfo=UTC), datetime(2026, 11, 29, 23, 0, tzinfo=UTC))  # Mon–Mon local
IN_WEEK = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WEEK_BEFORE = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@pytest.fixture
def history(engine: Engine) -> dict[str, int]:
    """Product's week: three charging-card complaints (one the week before), two app crashes, one lone
    complaint, two ideas for a dark mode, a question; praise and sales's mentions do not count."""
    people(engine)
    create_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro", actor="test")
    with engine.begin() as conn:
        c = {
            "card1": said(
                conn, "product", 1, "Mijn laadpas doet het niet bij Voltaro", intent="complaint", when=IN_WEEK
            ),
            "card2": said(
                conn,
                "product",
                2,
                "Voltaro laadpas geweigerd bij de paal",
                intent="churn",
                when=IN_WEEK + timedelta(hours=1),
            ),
            "card3": said(
                conn,
                "product",
                3,
                "<script>alert(1)</script> weer problemen met de laadpas",
                intent="complaint",
                when=IN_WEEK + timedelta(hours=2),
            ),
            "crash1": said(
                conn, "product", 4, "De app crasht steeds bij het laden", intent="complaint", when=IN_WEEK
            ),
            "crash2": said(
                conn, "product", 5, "Voltaro, de app crasht weer", intent="complaint", when=IN_WEEK
            ),
            "bill": said(conn, "product", 6, "Factuur klopt niet", intent="complaint", when=IN_WEEK),
            "dark1": said(
                conn, "product", 7, "Graag een donkere modus in de app", intent="feedback", when=IN_WEEK
            ),
            "dark2": said(conn, "product", 8, "Donkere modus zou fijn zijn", intent="feedback", when=IN_WEEK),
            "ask": said(
                conn, "product", 9, "Wanneer komt de nieuwe thuislader?", intent="question", when=IN_WEEK
            ),
            "praise": said(conn, "product", 10, "Top laadpas!", intent="praise", when=IN_WEEK),
            "sales": said(conn, "sales", 11, "Laadpas kapot", intent="complaint", when=IN_WEEK),
            "before": said(conn, "product", 12, "Laadpas kwijt", intent="complaint", when=WEEK_BEFORE),
        }
    return c


def test_a_digest_groups_themes_with_their_trend_and_every_mention(
    engine: Engine, history: dict[str, int]
) -> None:
    built = build_digest(
        engine=engine, department="product", period_start=WEEK[0], period_end=WEEK[1], now=NOW
    )
    assert built.created
    detail = digest_detail(engine=engine, digest_id=built.digest_id)
    shown = [(i.kind, i.theme, i.count, i.previous_count) for i in detail.items]
    assert shown == [
        ("complaint", "laadpas", 3, 1),
        ("complaint", "app crasht", 2, 0),
        ("complaint", "", 1, 0),
        ("idea", "donkere modus", 2, 0),
        ("question", "", 1, 0),
    ]
    card = detail.items[0]
    assert card.trend == 2 and len(card.examples) == 3 and all(e.example for e in card.examples)
    item, behind = item_mentions(engine=engine, item_id=card.id)
    assert len(behind) == item.count == 3  # every mention of the theme is linked, and opens its conversation
    assert {m.conversation_id for m in behind} == {history["card1"], history["card2"], history["card3"]}
    assert "voltaro" not in {i.theme for i in detail.items}  # the brand is in everything: never a theme
    pia = get_user(engine=engine, email="pia@voltaro.example")
    told = notifications(engine=engine, user_id=pia.id)
    assert [n.kind for n in told] == ["digest"] and "Overzicht van Product" in told[0].text


def test_building_again_gives_the_same_digest(engine: Engine, history: dict[str, int]) -> None:
    first = build_digest(
        engine=engine, department="product", period_start=WEEK[0], period_end=WEEK[1], now=NOW
    )
    again = build_digest(
        engine=engine, department="product", period_start=WEEK[0], period_end=WEEK[1], now=NOW
    )
    assert (again.digest_id, again.created, again.items) == (first.digest_id, False, first.items)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(digest)).scalar_one() == 1
    with pytest.raises(DigestError, match="not ended"):
        build_digest(
            engine=engine,
            department="product",
            period_start=WEEK[1],
            period_end=NOW + timedelta(days=1),
            now=NOW,
        )


def test_a_decision_shows_on_the_conversations_it_came_from(engine: Engine, history: dict[str, int]) -> None:
    built = build_digest(
        engine=engine, department="product", period_start=WEEK[0], period_end=WEEK[1], now=NOW
    )
    card = digest_detail(engine=engine, digest_id=built.digest_id).items[0]
    with pytest.raises(UnknownDigest):  # sales does not see product's digests
        decide_item(
            engine=engine,
            item_id=card.id,
            decision="taken_up",
            outcome="x",
            actor="bob",
            now=NOW,
            scope=Scope("sales"),
        )
    with pytest.raises(DigestError):
        decide_item(engine=engine, item_id=card.id, decision="maybe", outcome="", actor="pia", now=NOW)
    decide_item(
        engine=engine,
        item_id=card.id,
        decision="taken_up",
        outcome="Nieuwe laadpassen besteld",
        actor="pia@voltaro.example",
        now=NOW,
        scope=Scope("product"),
    )
    outcomes = conversation_detail(engine=engine, conversation_id=history["card2"]).outcomes
    assert [(o.department, o.theme, o.decision, o.outcome, o.decided_by) for o in outcomes] == [
        ("product", "laadpas", "taken_up", "Nieuwe laadpassen besteld", "pia@voltaro.example")
    ]
    assert conversation_detail(engine=engine, conversation_id=history["crash1"]).outcomes[0].decision is None
    assert entries(engine=engine, limit=1)[0].action == "digest.decide"
    assert list_digests(engine=engine, scope=Scope("sales")) == []
    assert list_digests(engine=engine, scope=Scope("product"))[0].decided == 1


def test_the_timer_builds_each_department_s_last_week_once(engine: Engine, history: dict[str, int]) -> None:
    built = build_due_digests(engine=engine, now=NOW)
    assert len(built) == 6  # six departments, weekly
    product = [d for d in list_digests(engine=engine) if d.department == "product"]
    assert [(d.period_start, d.period_end, d.items) for d in product] == [(*WEEK, 5)]
    assert build_due_digests(engine=engine, now=NOW + timedelta(hours=1)) == []


def test_the_digest_as_e_mail_in_the_recipient_s_language(engine: Engine, history: dict[str, int]) -> None:
    built = build_digest(
        engine=engine, department="product", period_start=WEEK[0], period_end=WEEK[1], now=NOW
    )
    detail = digest_detail(engine=engine, digest_id=built.digest_id)
    dutch = render_digest_email(
        detail,
        language="nl",
        recipient="pia@voltaro.example",
        sender="luister@voltaro.example",
        base_url="https://luister.example",
    )
    assert dutch["Subject"] == "Overzicht Product: 2026-11-23 – 2026-11-29"
    text = dutch.get_body(("plain",))
    html = dutch.get_body(("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    assert "Klachten" in plain and "laadpas: 3 vermeldingen (vorige periode: 1, +2)" in plain
    assert f"https://luister.example/inbox/{history['card1']}" in plain
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    english = render_digest_email(
        detail,
        language="en",
        recipient="a@b.example",
        sender="l@b.example",
        base_url="https://luister.example",
    )
    assert (
        english["Subject"].startswith("Digest Product")
        and "Complaints" in english.get_body(("plain",)).get_content()
    )  # type: ignore[union-attr]


def test_last_periods_in_the_department_s_zone() -> None:
    assert last_period("weekly", NOW) == WEEK
    assert last_period("daily", NOW) == (
        datetime(2026, 11, 29, 23, tzinfo=UTC),
        datetime(2026, 11, 30, 23, tzinfo=UTC),
    )
    assert last_period("monthly", NOW) == (
        datetime(2026, 10, 31, 23, tzinfo=UTC),
        datetime(2026, 11, 30, 23, tzinfo=UTC),
    )
    with pytest.raises(DigestError):
        last_period("yearly", NOW)


WORDS = ["laadpas", "app", "factuur", "modus", "storing", "monteur", "de", "niet"]


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from(WORDS), min_size=1, max_size=5),
            st.sampled_from(["complaint", "feedback", "question", "praise"]),
        ),
        max_size=25,
    ),
    st.integers(min_value=0, max_value=25),
)
def test_every_mention_of_a_digest_kind_lands_in_exactly_one_theme(
    texts: list[tuple[list[str], str]], split: int
) -> None:
    saids = [Said(n, n, intent, " ".join(words), NOW) for n, (words, intent) in enumerate(texts)]
    current, previous = saids[:split], saids[split:]
    found = themes(current, previous, most=3)
    placed = [m for t in found for m in t.mention_ids]
    assert sorted(placed) == sorted(s.mention_id for s in current if s.kind is not None)
    assert sum(t.previous_count for t in found) <= sum(1 for s in previous if s.kind is not None)
    for t in found:
        assert set(t.examples) <= set(t.mention_ids) and len(t.examples) == min(3, t.count)
