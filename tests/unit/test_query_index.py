"""The mention index as a prefilter: every mention a query matches is among the index's answers."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from luister.domain.queries import MatchDoc, Query, QuerySyntaxError, evaluate, parse_query
from luister.domain.query_index import (
    AllOf,
    AnyOf,
    Key,
    compile_index_query,
    encode,
    index_keys,
    key_holds,
)


def test_tokens_are_plain_and_prefixes_stay_prefixes() -> None:
    assert encode("w", "voltaro") == "wvoltaro"
    assert encode("w", "auto's") == "wauto_27_s"
    assert encode("d", "voltaro.nl") == "dvoltaro_2e_nl"
    assert encode("w", "🔥") == "w_1f525_"
    assert encode("w", "klantenservice").startswith(encode("w", "klant"))
    assert set("".join(encode("w", "Çà ß-x'y🔥")[1:])) <= set("abcdefghijklmnopqrstuvwxyz0123456789_")


def test_keys_of_a_mention() -> None:
    doc = MatchDoc(
        text="Storing bij Voltaro's e-mail #Klantenservice @jan@mastodon.social zie mijn.voltaro.nl 🔥",
        title="Café",
        author_handle="@Voltaro",
        url="https://www.stroomwijs.nl/blog/1",
    )
    keys = set(index_keys(doc))
    for value in ("storing", "voltaro's", "voltaro", "e", "mail", "email", "klantenservice", "cafe"):
        assert encode("w", value) in keys
    assert encode("h", "klantenservice") in keys
    assert {encode("a", "jan@mastodon.social"), encode("a", "jan"), encode("a", "voltaro")} <= keys
    assert {encode("d", "mijn.voltaro.nl"), encode("d", "voltaro.nl"), encode("d", "stroomwijs.nl")} <= keys
    assert encode("w", "🔥") in keys


@pytest.mark.parametrize(
    ("query", "expected", "exact"),
    [
        ("voltaro", Key("wvoltaro"), True),
        ("voltaro storing", AllOf((Key("wvoltaro"), Key("wstoring"))), True),
        ("voltaro OR storing", AnyOf((Key("wvoltaro"), Key("wstoring"))), True),
        ("voltaro -test lang:nl", Key("wvoltaro"), False),
        ('"voltaro storing"', AllOf((Key("wvoltaro"), Key("wstoring"))), False),
        ("voltaro NEAR/3 storing", AllOf((Key("wvoltaro"), Key("wstoring"))), False),
        ("klant*", Key("wklant", prefix=True), True),
        ("kl*nt", Key("wkl", prefix=True), False),
        ("#voltaro", Key("hvoltaro"), True),
        ("@voltaro", Key("avoltaro"), True),
        ("voltaro.nl", Key("dvoltaro_2e_nl"), True),
        ("e-mail", AnyOf((AllOf((Key("we"), Key("wmail"))), Key("wemail"))), False),
        ("title:voltaro", Key("wvoltaro"), False),
    ],
)
def test_compiled_queries(query: str, expected: object, exact: bool) -> None:
    plan = compile_index_query(parse_query(query))
    assert plan.query == expected and plan.exact is exact and plan.reason is None


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("NOT test", "NOT test only excludes"),
        ("lang:nl sentiment:negative", "lang:nl is a filter without words"),
        ("voltaro OR lang:nl", "can match without a word"),
        ("*service", "wildcard *service starts with *"),
        ("topic:missing", "topic:missing names no topic"),
    ],
)
def test_what_cannot_use_the_index_says_so(query: str, reason: str) -> None:
    plan = compile_index_query(parse_query(query))
    assert not plan.usable
    assert plan.reason is not None and plan.reason.startswith("this query cannot use the index")
    assert reason in plan.reason


def test_renderings() -> None:
    plan = compile_index_query(parse_query("(voltaro OR klant*) storing"))
    assert plan.fts5() == '(("wvoltaro" OR "wklant"*) AND "wstoring")'
    assert plan.tsquery() == "(('wvoltaro' | 'wklant':*) & 'wstoring')"


# --- the property: whenever a query matches a mention, the index query answers it ----------------------

WORDS = ["voltaro", "storing", "klant", "klanten", "klantenservice", "e", "mail", "email", "aro", "volt"]
TEXT_TOKENS = [
    *WORDS,
    "Voltaro's",
    "e-mail",
    "#voltaro",
    "#Klantenservice",
    "@voltaro@mastodon.social",
    "@volt",
    "voltaro.nl",
    "https://www.voltaro.nl/storing/1",
    "mijn.voltaro.nl",
    "Storing!",
    "(klant)",
    "🔥",
    "👍🏽",
    "-",
    "volt-aro",
    "Café",
    "zo'n",
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
    "@jan",
    "voltaro.nl",
    "nl",
    "https://voltaro.nl/storing",
    '"voltaro storing"',
    '"volt aro"',
    '"storing #voltaro"',
    '"klant* voltaro"',
    '"voltaro storing"~3',
    "e-mail",
    "volt-aro",
    "voltaro's",
    "cafe",
    "🔥",
    "👍",
    "lang:nl",
    "channel:reddit",
    "sentiment:negative",
    "followers:>10",
    "author:jan",
    "site:voltaro.nl",
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


@settings(max_examples=600, deadline=None)
@given(
    query=_queries(),
    words=st.lists(st.sampled_from(TEXT_TOKENS), max_size=8),
    noise=st.text(alphabet=st.sampled_from("av'-.#@/ 🔥:é"), max_size=8),
    title=st.none() | st.lists(st.sampled_from(TEXT_TOKENS), max_size=3).map(" ".join),
    author=st.sampled_from([None, "@jan@mastodon.social", "voltaro", "@Volt-Aro"]),
    url=st.sampled_from([None, "https://www.voltaro.nl/storing/2", "https://mijn.voltaro.nl", "x"]),
)
def test_every_match_is_a_candidate(
    query: str, words: list[str], noise: str, title: str | None, author: str | None, url: str | None
) -> None:
    parsed = _parsed(query)
    plan = compile_index_query(parsed)
    doc = MatchDoc(
        text=" ".join([*words, noise]), title=title, author_handle=author, url=url, language="nl",
        channel="reddit", followers=100,
    )  # fmt: skip
    if plan.query is None:
        assert plan.reason
        return
    keys = frozenset(index_keys(doc))
    matched = evaluate(parsed, doc)
    if matched:
        assert key_holds(plan.query, keys), (query, doc, plan)
    if plan.exact:  # the keys alone decide: answers are exactly the matches
        assert key_holds(plan.query, keys) == matched, (query, doc, plan)
