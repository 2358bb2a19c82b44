"""Topic queries as platform searches: the searches together find every text the query matches."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from luister.domain.queries import MatchDoc, Query, QuerySyntaxError, evaluate, parse_query
from luister.domain.query_search import SearchPlan, merge_searches, plan_searches


def plan(text: str, **kwargs: object) -> SearchPlan:
    return plan_searches(parse_query(text), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "searches"),
    [
        ("voltaro", ("voltaro",)),
        ('(voltaro OR "volt aro") AND storing NOT test', ("voltaro storing", '"volt aro" storing')),
        ("voltaro lang:nl -vacature sentiment:negative channel:reddit", ("voltaro",)),
        ("#voltaro OR @voltaro", ("voltaro",)),
        ('"storing bij #voltaro"', ('"storing bij voltaro"',)),
        ('"voltaro storing"~5', ("voltaro storing",)),
        ("voltaro NEAR/3 (storing OR uitval)", ("voltaro storing", "voltaro uitval")),
        ("title:voltaro followers:>100", ("voltaro",)),
        ("https://www.voltaro.nl/storing OR mijn.voltaro.nl", ("voltaro.nl", "mijn.voltaro.nl")),
        ("voltaro (voltaro OR storing)", ("voltaro",)),  # a search holding another's words adds nothing
        ("e-mail voltaro's", ("e-mail voltaro's",)),
    ],
)
def test_searches_cover_the_query(query: str, searches: tuple[str, ...]) -> None:
    found = plan(query)
    assert found.pushable and found.reason is None
    assert found.searches == searches


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("NOT test", "NOT test only excludes"),
        ("-vacature lang:nl", "NOT vacature only excludes; lang:nl is a filter without words"),
        ("voltaro OR lang:nl", "voltaro OR lang:nl can match without a word to search for"),
        ("klant* OR voltaro", "wildcard klant*: the platform's search has no prefix form"),
        ("topic:missing", "topic:missing names no topic"),
        ("a OR b OR c OR d", "needs 4 searches (at most 3)"),
    ],
)
def test_what_cannot_be_pushed_says_why(query: str, reason: str) -> None:
    found = plan(query, max_searches=3)
    assert found.searches is None and not found.pushable
    assert reason in (found.reason or "")


def test_wildcards_take_the_platforms_prefix_form_or_leave_the_and() -> None:
    assert plan("klant* OR voltaro", prefix="{}*").searches == ("klant*", "voltaro")
    assert plan("#volt* storing", prefix="{}*").searches == ("volt* storing",)
    assert "word beginnings" in (plan("*service", prefix="{}*").reason or "")
    assert plan("(klant* OR voltaro) storing").searches == ("storing",)  # the AND is covered without it


def test_topic_references_and_cycles() -> None:
    topics = {"brand": parse_query("voltaro OR stroomwijs"), "loop": parse_query("topic:loop")}
    assert plan("topic:Brand storing", topics=topics).searches == ("voltaro storing", "stroomwijs storing")
    assert "cycle" in (plan("topic:loop", topics=topics).reason or "")


def test_and_stays_within_max_searches_by_leaving_parts_out() -> None:
    found = plan("(a OR b) (c OR d) (e OR f)", max_searches=4)
    assert found.searches == ("a c", "a d", "b c", "b d")


def test_caveats_name_what_text_search_cannot_find() -> None:
    found = plan("@voltaro OR voltaro.nl")
    assert found.searches == ("voltaro", "voltaro.nl")
    assert len(found.caveats) == 2 and "posts by the account" in found.caveats[0]


def test_merge_searches_across_topics() -> None:
    plans = [plan("voltaro"), plan("voltaro storing OR enerlux"), plan("NOT x")]
    assert merge_searches(plans) == ("voltaro", "enerlux")


# --- the property: whenever a query matches a text, one of its searches matches it too -------------------

WORDS = ["voltaro", "storing", "klant", "klanten", "klantenservice", "e", "mail", "email", "aro", "volt"]
TEXT_TOKENS = [
    *WORDS,
    "Voltaro's",
    "e-mail",
    "#voltaro",
    "#klantenservice",
    "@voltaro@mastodon.social",
    "@volt",
    "voltaro.nl",
    "https://www.voltaro.nl/storing/1",
    "mijn.voltaro.nl",
    "Storing!",
    "(klant)",
    "🔥",
    "-",
    "volt-aro",
]
QUERY_ATOMS = [
    *WORDS,
    "klant*",
    "volt*",
    "*service",
    "kl*nt",
    "#voltaro",
    "#klant*",
    "@voltaro",
    "@volt*",
    "voltaro.nl",
    "https://voltaro.nl/storing",
    '"voltaro storing"',
    '"volt aro"',
    '"storing #voltaro"',
    '"klant* voltaro"',
    '"voltaro storing"~3',
    "e-mail",
    "volt-aro",
    "lang:nl",
    "channel:reddit",
    "sentiment:negative",
    "followers:>10",
    "title:voltaro",
    'title:"voltaro storing"',
]


def _queries() -> st.SearchStrategy[str]:
    atom = st.sampled_from(QUERY_ATOMS)
    near = st.builds(
        lambda a, b, n: f"{a} NEAR/{n} {b}", st.sampled_from(WORDS), st.sampled_from(WORDS), st.integers(1, 4)
    )
    return st.recursive(
        atom | near,
        lambda inner: st.one_of(
            st.builds(lambda a: f"-{a}" if a[0] not in "-(" else f"NOT {a}", inner),
            st.builds(lambda a, b: f"({a} OR {b})", inner, inner),
            st.builds(lambda a, b: f"({a} {b})", inner, inner),
            st.builds(lambda a, b, c: f"({a} OR {b} OR {c})", inner, inner, inner),
        ),
        max_leaves=6,
    )


def _parsed(text: str) -> Query:
    try:
        return parse_query(text)
    except QuerySyntaxError:
        assume(False)
        raise


@settings(max_examples=400, deadline=None)
@given(
    query=_queries(),
    words=st.lists(st.sampled_from(TEXT_TOKENS), max_size=8),
    title=st.none() | st.lists(st.sampled_from(TEXT_TOKENS), max_size=3).map(" ".join),
    prefix=st.sampled_from([None, "{}*"]),
    max_searches=st.integers(1, 8),
)
def test_searches_find_every_text_the_query_matches(
    query: str, words: list[str], title: str | None, prefix: str | None, max_searches: int
) -> None:
    parsed = _parsed(query)
    found = plan_searches(parsed, prefix=prefix, max_searches=max_searches)
    doc = MatchDoc(text=" ".join(words), title=title, language="nl", channel="reddit", followers=100)
    if found.searches is None:
        assert found.reason
        return
    assert 1 <= len(found.searches) <= max_searches
    searches = [parse_query(search) for search in found.searches]  # each is a query of its own
    if evaluate(parsed, doc):
        assert any(evaluate(search, doc) for search in searches), (query, doc, found.searches)
