"""The generated topic checks: no query text in their source, agreement with the reference evaluator."""

from __future__ import annotations

import io
import keyword
import re
import tokenize as python_tokenize
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from luister.domain.matcher import TopicMatcher
from luister.domain.matcher_checks import Compiler
from luister.domain.matcher_codegen import generate_checks
from luister.domain.queries import MatchDoc, Query, QuerySyntaxError, evaluate, parse_query
from luister.domain.text_tokens import normalise, tokenize, tokenize_chunked

HOSTILE = [  # each parses; what they hold must never become code
    "\"'); __import__('os').system('touch PWNED'); ('\"",
    r'"a\\b or True" OR back\slash',
    '"line\none" OR back\\slash',
    "'quoted' OR \"x'''y\"",
    '"}})) or 1 ((" OR #x_1',
    "author:\"jan'); import os; ('\"",
    'author:"naïve \\\\ émoji 🔥"',
    r'author:"x\ny" OR author:"a\\"',
    '"{0} {__class__} %s"',
    "ünïcödé OR \u202eevil OR zero\u200bwidth",
    r'"voltaro\n storing" OR @a_b OR #_',
    "lang:nl OR author:\"x') or ('y\"",
]

_ALLOWED_NAMES = {
    "_make",
    "check",
    "s",
    "F",
    "H",
    "P",
    "S",
    "D",
    "found",
    "has_value",
    "padded",
    "haystack",
    "doc",
}
_ALLOWED_NAMES |= {"followers", "and", "or", "not", "in", "is", "None", "True", "False", "def", "return"}


def sources(*queries: str) -> list[str]:
    parsed: dict[int, Query] = {index: parse_query(query) for index, query in enumerate(queries)}
    compiler = Compiler({f"t{index}": query for index, query in parsed.items()})
    generated = generate_checks(compiler, parsed, {}, lambda: frozenset(compiler.gates))
    return [found.source for found in generated.values()]


def variants(query: str) -> list[str]:
    """The query, and it inside other constructs where those parse."""
    parse_query(query)
    found = [query]
    for variant in (f"({query}) NEAR/3 x", f"NOT ({query}) voltaro", f"title:{query.split()[0]}"):
        try:
            parse_query(variant)
        except QuerySyntaxError:
            continue
        found.append(variant)
    return found


def assert_only_generated_names(source: str) -> None:
    for token in python_tokenize.generate_tokens(io.StringIO(source).readline):
        assert token.type not in (python_tokenize.STRING, python_tokenize.NUMBER), token
        if token.type == python_tokenize.NAME:
            assert token.string in _ALLOWED_NAMES or re.fullmatch(r"_c\d+", token.string), token
        if token.type == python_tokenize.OP:
            assert token.string in {"(", ")", ",", ":", "=", ".", "<="}, token


class TestNoQueryTextInSource:
    @pytest.mark.parametrize("query", HOSTILE)
    def test_hostile_literals_become_arguments(self, query: str) -> None:
        for source in sources(*variants(query)):
            assert_only_generated_names(source)

    @pytest.mark.parametrize("query", HOSTILE)
    def test_hostile_literals_match_as_the_evaluator_says(
        self, query: str, tmp_path: Path, monkeypatch
    ) -> None:  # type: ignore[no-untyped-def]
        monkeypatch.chdir(tmp_path)
        topics = {index: (f"t{index}", parse_query(variant)) for index, variant in enumerate(variants(query))}
        matcher = TopicMatcher.compile(topics)
        words = re.sub(r"\b(OR|AND|NOT|author|lang|title):", " ", query).replace('"', " ")
        for text in (query, words, "niets", f"a {words} b x", "voltaro"):
            for doc in (
                MatchDoc(text=text, title=words),
                MatchDoc(text="x", author_name=text, language="nl"),
            ):
                expected = tuple(i for i, (_, parsed) in topics.items() if evaluate(parsed, doc))
                assert matcher.match(doc) == expected
        assert not list(tmp_path.iterdir())  # nothing ran

    def test_every_construct(self) -> None:
        query = (
            'voltaro klant* #x @y voltaro.nl https://voltaro.nl/a "a b" "a b c"~4 a NEAR/2 b title:c '
            'title:"c d" lang:nl channel:rss country:NL sentiment:negative intent:complaint primary:churn '
            "followers:10..20 site:x.nl author:jan e-mail -(q OR r) topic:t0"
        )
        for source in sources("base", query):
            assert_only_generated_names(source)
            assert not any(keyword.iskeyword(name) for name in re.findall(r"_c\d+", source))

    def test_source_holds_no_literal(self) -> None:
        (source,) = sources('"zeer geheim" OR geheimpje OR author:"x y"')
        assert "geheim" not in source and "x y" not in source


class TestDeepQueries:
    def test_deep_nesting_stays_correct(self) -> None:
        inner = "voltaro"
        for depth in range(21):  # as deep as the parser allows (32 levels of parentheses and NOT)
            inner = f"NOT ({inner} OR x{depth})" if depth % 2 else f"({inner} AND NOT y{depth})"
        query = parse_query(inner)
        matcher = TopicMatcher.compile({1: ("deep", query)})
        for text in ("voltaro", "x3 y2", "niets", "voltaro x5"):
            doc = MatchDoc(text=text)
            assert matcher.match(doc) == ((1,) if evaluate(query, doc) else ())

    def test_many_words(self) -> None:
        query = parse_query(" OR ".join(f"woord{n}" for n in range(3000)))
        matcher = TopicMatcher.compile({1: ("wide", query)})
        assert matcher.match(MatchDoc(text="een woord2999 hier")) == (1,)
        assert matcher.match(MatchDoc(text="woord3000")) == ()


class TestFieldTopics:
    def test_topics_of_field_values_only(self) -> None:
        matcher = TopicMatcher.compile(
            {
                1: ("a", parse_query("channel:rss lang:nl followers:>100")),
                2: ("b", parse_query("lang:pt -country:BR")),
                3: ("c", parse_query("voltaro")),
            }
        )
        assert matcher.match(MatchDoc(text="x", channel="RSS", language="nl", followers=500)) == (1,)
        assert matcher.match(MatchDoc(text="x", channel="RSS", language="nl", followers=5)) == ()
        assert matcher.match(MatchDoc(text="voltaro", language="pt-BR", country="PT")) == (2, 3)
        assert matcher.match(MatchDoc(text="voltaro", language="pt-BR", country="BR")) == (3,)


# --- the fast paths agree with what they shortcut -----------------------------------------------------------

WORDS = ["voltaro", "Voltaro's", "#voltaro", "@voltaro", "voltaro,", "voltaro.", "(voltaro)", "voltaro-app"]
WORDS += ["xvoltaro", "voltarox", "volt", "aro", "auto's", "e-mail", "email", "#e-mail", "@jan@x.nl", "🔥"]
WORDS += ["'s", "voltaro's's", "voltaro''s", "voltaro,,", "#voltaro,", "klanten-service", "volt-aro", "a.b"]
SEPARATORS = [" ", "  ", "\n", ", ", "-", "🔥", "\t", "\u00a0", "’"]
texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=10).map(
    lambda pairs: "".join(word + sep for word, sep in pairs)
)
queries = st.sampled_from(
    [
        "voltaro",
        "voltaro's",
        "auto's",
        "email",
        "e-mail",
        "volt*",
        "aro",
        '"voltaro app"',
        "voltaro NEAR/2 app",
        "#voltaro",
        "@voltaro",
        "jan",
        "klanten-service",
        "klantenservice",
        "'s",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(queries, min_size=1, max_size=4), texts, st.none() | texts)
def test_word_forms_agree_with_evaluate(chosen: list[str], text: str, title: str | None) -> None:
    topics = {index: (f"t{index}", parse_query(query)) for index, query in enumerate(chosen)}
    matcher = TopicMatcher.compile(topics)
    doc = MatchDoc(text=text, title=title)
    expected = tuple(index for index, (_, query) in topics.items() if evaluate(query, doc))
    assert matcher.match(doc) == expected


@settings(max_examples=300, deadline=None)
@given(texts)
def test_tokenize_chunked_is_tokenize(text: str) -> None:
    text = normalise(text)
    known: dict[str, object] = {}
    for _ in range(2):  # the second time from what the first time remembered
        chunked, whole = tokenize_chunked(text, known), tokenize(text)  # type: ignore[arg-type]
        for part in ("words", "prefixes", "joins", "hashtags", "handles", "domains", "urls"):
            assert getattr(chunked, part) == getattr(whole, part)
        for value in ("voltaro", "e", "mail", "email", "aro"):
            assert chunked.spans(value) == whole.spans(value)


# --- chunks that certainly make a wildcard, hashtag or handle hold ------------------------------------------


def test_plain_chunks_of_words_with_patterns() -> None:
    from luister.domain.matcher_codegen import _chunks

    assert _chunks(parse_query("klant*")) == (" klant ", " #klant ", " @klant ", " klant's ", " klant, ")
    assert _chunks(parse_query("#voltaro")) == (" #voltaro ",)
    assert " @voltaro " in _chunks(parse_query("@voltaro"))
    assert _chunks(parse_query("*service")) == (
        " service ",
        " #service ",
        " @service ",
        " service's ",
        " service, ",
    )
    assert _chunks(parse_query("kl*nt"))[0] == " klnt "  # '*' may stand for nothing
    assert _chunks(parse_query("#volt*")) == (" #volt ",)  # a plain word is no hashtag
    assert _chunks(parse_query("voltaro")) == ()  # plain words have their own forms
    assert _chunks(parse_query('"voltaro app"')) == ()


PATTERNS = [
    "klant*",
    "*service",
    "kl*nt",
    "volt*",
    "#volt*",
    "#voltaro",
    "@voltaro",
    "@jan",
    "@jan@x.nl",
    "e*l",
]
PATTERNS += ["auto's*", "#e_mail", "a*", "@volt*", "*s"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATTERNS), texts, texts, st.booleans())
def test_plain_chunks_make_the_pattern_hold(pattern: str, before: str, after: str, in_title: bool) -> None:
    from luister.domain.matcher_codegen import _chunks

    query = parse_query(pattern)
    for chunk in _chunks(query):
        text = f"{before}{chunk}{after}"
        doc = MatchDoc(text="x", title=text) if in_title else MatchDoc(text=text)
        assert evaluate(query, doc)
        matcher = TopicMatcher.compile({0: ("t", query)})
        assert matcher.match(doc) == (0,)


def test_tokenize_chunked_of_plain_words_and_mixed_chunks() -> None:
    known: dict[str, object] = {}
    for text in ("", "voltaro storing", "e-mail voltaro", "voltaro #x", "a b e-mail c d auto's e", "🔥"):
        chunked, whole = tokenize_chunked(text, known), tokenize(text)  # type: ignore[arg-type]
        for part in ("words", "prefixes", "joins", "hashtags", "handles", "domains", "urls"):
            assert getattr(chunked, part) == getattr(whole, part)
