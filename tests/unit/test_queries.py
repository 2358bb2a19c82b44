"""The topic query language: tokenisation, parsing, errors, printing, references, the reference evaluator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from luister.domain.mentions import new_mention
from luister.domain.queries import (
    MAX_DEPTH,
    And,
    Domain,
    Field,
    Followers,
    Handle,
    Hashtag,
    MatchDoc,
    Near,
    Not,
    Or,
    Phrase,
    Query,
    QueryReferenceError,
    QuerySyntaxError,
    Term,
    Title,
    TopicRef,
    Url,
    check_references,
    evaluate,
    format_query,
    parse_query,
    referenced_topics,
)
from luister.domain.text_tokens import normalise, tokenize


def matches(query: str, text: str = "", **fields: object) -> bool:
    return evaluate(parse_query(query), MatchDoc(text=text, **fields))  # type: ignore[arg-type]


class TestTokenize:
    def test_words_fold_case_and_accents(self) -> None:
        assert tokenize(normalise("Café ÉÉN Ångström")).words == ["cafe", "een", "angstrom"]

    @pytest.mark.parametrize("text", ["auto's", "auto’s", "m'n", "zo’n", "rock'n'roll"])
    def test_apostrophe_words_stay_one_token(self, text: str) -> None:
        assert tokenize(normalise(text)).words == [normalise(text)]

    def test_apostrophe_word_also_offers_its_stem(self) -> None:
        assert tokenize(normalise("Voltaro’s app")).prefixes == [("voltaro", 0)]

    def test_hyphenated_word_gives_parts_and_join(self) -> None:
        tokens = tokenize("de e-mail-server")
        assert tokens.words == ["de", "e", "mail", "server"]
        assert tokens.joins == [("emailserver", 1, 4)]

    def test_hashtags_and_handles_are_one_position(self) -> None:
        tokens = tokenize("#voltaro @jan @piet@mastodon.social @voltaro.bsky.social")
        assert tokens.words == ["voltaro", "jan", "piet", "voltaro"]
        assert tokens.hashtags == [("voltaro", 0)]
        assert [handle for handle, _ in tokens.handles] == [
            "jan",
            "piet@mastodon.social",
            "voltaro.bsky.social",
        ]

    def test_url_host_words_count_but_not_the_path(self) -> None:
        tokens = tokenize("zie https://www.voltaro.nl/storing-nu?utm_source=x. ok")
        assert tokens.words == ["zie", "voltaro", "nl", "ok"]
        assert tokens.domains == [("voltaro.nl", 1, 3)]
        assert tokens.urls == [("voltaro.nl/storing-nu?utm_source=x", 1, 3)]

    def test_bare_domains_and_email_addresses(self) -> None:
        tokens = tokenize("mail info@voltaro.nl of mijn.voltaro.nl/login")
        assert tokens.words == ["mail", "info", "voltaro", "nl", "of", "mijn", "voltaro", "nl"]
        assert [host for host, _, _ in tokens.domains] == ["voltaro.nl", "mijn.voltaro.nl"]

    def test_emoji_are_positions_and_punctuation_separates_words(self) -> None:
        tokens = tokenize("voltaro🔥storing!!1 👍🏽 (top) 🇳🇱 👨\u200d👩\u200d👧 → ★")
        assert tokens.words == [
            "voltaro",
            "🔥",
            "storing",
            "1",
            "👍🏽",
            "top",
            "🇳🇱",
            "👨\u200d👩\u200d👧",
            "★",
        ]
        assert tokens.prefixes == [("👍", 4)]

    def test_numbers_are_not_domains(self) -> None:
        tokens = tokenize("3.5 sterren om 10:30")
        assert tokens.words == ["3", "5", "sterren", "om", "10", "30"] and tokens.domains == []


class TestParse:
    @pytest.mark.parametrize(
        ("text", "tree"),
        [
            ("Voltaro", Term("voltaro")),
            ("Café", Term("cafe")),
            ("klant*", Term("klant*")),
            ("*service", Term("*service")),
            ("kl*nt", Term("kl*nt")),
            ("e-mail", Term("e-mail")),
            ("auto’s", Term("auto's")),
            ("#Voltaro", Hashtag("voltaro")),
            ("#volt*", Hashtag("volt*")),
            ("@voltaro", Handle("voltaro")),
            ("@voltaro@mastodon.social", Handle("voltaro@mastodon.social")),
            ("voltaro.nl", Domain("voltaro.nl")),
            ("www.voltaro.nl", Domain("voltaro.nl")),
            ("https://voltaro.nl/", Domain("voltaro.nl")),
            ("https://www.voltaro.nl/storing/", Url("voltaro.nl/storing")),
            ('"Voltaro storing"', Phrase((Term("voltaro"), Term("storing")))),
            ('"voltaro storing"~5', Phrase((Term("voltaro"), Term("storing")), within=5)),
            ('"zo’n #storing!"', Phrase((Term("zo'n"), Hashtag("storing")))),
            ("voltaro NEAR/5 storing", Near(Term("voltaro"), Term("storing"), 5)),
            ('(a OR "b c") NEAR/2 d*', Near(Or((Term("a"), Phrase((Term("b"), Term("c"))))), Term("d*"), 2)),
            ("author:@Jan", Field("author", "jan")),
            ('author:"Jan  de Vries"', Field("author", "jan de vries")),
            ("lang:NL", Field("lang", "nl")),
            ("channel:Mastodon", Field("channel", "mastodon")),
            ("country:be", Field("country", "BE")),
            ("site:https://www.Voltaro.nl/x", Field("site", "voltaro.nl")),
            ("sentiment:Negative", Field("sentiment", "negative")),
            ("followers:>1000", Followers(1001, None)),
            ("followers:>=1000", Followers(1000, None)),
            ("followers:<1000", Followers(None, 999)),
            ("followers:<=1000", Followers(None, 1000)),
            ("followers:=1000", Followers(1000, 1000)),
            ("followers:1000", Followers(1000, 1000)),
            ("followers:1000..5000", Followers(1000, 5000)),
            ("title:klant*", Title(Term("klant*"))),
            ('title:"voltaro storing"~3', Title(Phrase((Term("voltaro"), Term("storing")), 3))),
            ("topic:voltaro", TopicRef("voltaro")),
            ('topic:"Voltaro Zonnedeal"', TopicRef("Voltaro Zonnedeal")),
            ("http://example.nl:8080/a?b=c", Url("example.nl/a?b=c")),
        ],
    )
    def test_constructs(self, text: str, tree: Query) -> None:
        assert parse_query(text) == tree

    def test_precedence_not_over_and_over_or(self) -> None:
        a, b, c = Term("a"), Term("b"), Term("c")
        assert parse_query("a b OR c") == Or((And((a, b)), c))
        assert parse_query("a OR b AND c") == Or((a, And((b, c))))
        assert parse_query("NOT a b") == And((Not(a), b))
        assert parse_query("a -(b OR c)") == And((a, Not(Or((b, c)))))
        assert parse_query("-a") == parse_query("NOT a") == Not(a)

    def test_implicit_and_equals_explicit_and_and_nesting_flattens(self) -> None:
        assert (
            parse_query("a b c") == parse_query("a AND (b AND c)") == And((Term("a"), Term("b"), Term("c")))
        )

    def test_lowercase_operators_are_words(self) -> None:
        assert parse_query("rock and roll") == And((Term("rock"), Term("and"), Term("roll")))
        assert parse_query("ANDROID OR NOTE") == Or((Term("android"), Term("note")))

    def test_multi_line_queries(self) -> None:
        assert parse_query("(voltaro OR volt*)\n  -vacature") == And(
            (Or((Term("voltaro"), Term("volt*"))), Not(Term("vacature")))
        )


class TestErrors:
    @pytest.mark.parametrize(
        ("text", "position", "message"),
        [
            ("", 0, "empty query at column 1: expected a term, a phrase or '('"),
            ("   ", 3, "empty query"),
            ("voltaro AND", 11, "unexpected end of query at column 12: expected a term, a phrase or '('"),
            ("voltaro OR", 10, "unexpected end of query"),
            ("NOT", 3, "unexpected end of query"),
            ("(voltaro AND storing) )", 22, "unexpected ')' at column 23: there is no '(' before it"),
            ("(voltaro OR (volt)", 0, "unbalanced parenthesis at column 1: this '(' is never closed"),
            ('voltaro "storing', 8, "unbalanced quote at column 9"),
            ("voltaro AND ()", 13, "unexpected ')' at column 14: expected a term, a phrase or '('"),
            ("voltaro AND OR storing", 12, "unexpected 'OR' at column 13: expected a term"),
            ("foo:bar", 0, "unknown field 'foo:' at column 1: fields are author:, channel:"),
            ("voltaro NEAR storing", 8, "NEAR without a distance at column 9: write NEAR/5"),
            ("voltaro NEAR/x storing", 8, "bad distance 'NEAR/x'"),
            ("voltaro NEAR/0 storing", 8, "bad distance 'NEAR/0'"),
            ('"a b"~', 5, "bad distance '~'"),
            ("a NEAR/5 b NEAR/5 c", 11, "unexpected 'NEAR/5' at column 12"),
            ("lang:nl NEAR/5 b", 0, "NEAR needs a term, phrase or wildcard on both sides"),
            ('"a b"~2 NEAR/5 c', 0, "NEAR needs a term"),
            ("followers:>abc", 10, "bad followers comparison '>abc' at column 11: expected >1000"),
            ("followers:5000..1000", 10, "empty followers range"),
            ("followers:<0", 10, "can never match"),
            ("followers:", 10, "unexpected end of query at column 11: expected a value"),
            ("lang:nederlands", 5, "bad value 'nederlands' for lang:"),
            ("sentiment:boos", 10, "expected one of positive, negative, neutral, mixed"),
            ("intent:boos", 7, "expected one of complaint, question, praise, lead, churn, feedback, crisis"),
            ("primary:boos", 8, "bad value 'boos' for primary: at column 9: expected one of complaint"),
            ("site:nergens", 5, "bad value 'nergens' for site:"),
            ("country:Nederland", 8, "bad value"),
            ("voltaro~5", 7, "unexpected '~5' at column 8: a distance follows a quoted phrase"),
            ("lang:nl~5", 7, "unexpected '~5'"),
            ("a - b", 2, "unexpected '-' at column 3: write it right before what to exclude"),
            ("*", 0, "bad wildcard '*'"),
            ("klant*-app", 0, "bad wildcard"),
            ("#", 0, "bad hashtag '#'"),
            ("@!", 0, "bad handle"),
            ("→", 0, "'→' has no letters or digits"),
            ('""', 0, "empty phrase"),
            ('topic:""', 6, "bad value '' for topic:"),
            ("a\nAND )", 6, "unexpected ')' at line 2, column 5"),
        ],
    )
    def test_errors_say_where_and_what(self, text: str, position: int, message: str) -> None:
        with pytest.raises(QuerySyntaxError) as caught:
            parse_query(text)
        assert caught.value.position == position
        assert message in str(caught.value)

    def test_error_attributes_and_caret(self) -> None:
        with pytest.raises(QuerySyntaxError) as caught:
            parse_query("voltaro AND ()")
        error = caught.value
        assert isinstance(error, ValueError)
        assert (error.line, error.column) == (1, 14)
        assert error.expected == ("a term", "a phrase", "'('")
        assert error.caret() == "voltaro AND ()\n             ^"

    def test_caret_on_the_right_line(self) -> None:
        with pytest.raises(QuerySyntaxError) as caught:
            parse_query("voltaro\n\tAND )")
        assert caught.value.caret() == "\tAND )\n\t    ^"

    def test_unknown_field_lists_the_fields(self) -> None:
        with pytest.raises(QuerySyntaxError) as caught:
            parse_query("voltaro prijs:hoog")
        assert "lang:" in caught.value.expected and caught.value.position == 8

    def test_urls_are_terms_not_fields(self) -> None:
        assert parse_query("https://voltaro.nl/x OR HTTP://voltaro.be") == Or(
            (Url("voltaro.nl/x"), Domain("voltaro.be"))
        )

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.sampled_from('ab #@*-:()"~/.NEAROTD5>\n é’'), max_size=30))
    def test_any_text_parses_or_fails_cleanly(self, text: str) -> None:
        try:
            tree = parse_query(text)
        except QuerySyntaxError as error:
            assert 0 <= error.position <= len(text)
            assert error.caret().count("\n") == 1
        else:
            assert parse_query(format_query(tree)) == tree


class TestFormat:
    @pytest.mark.parametrize(
        ("text", "canonical"),
        [
            ("Voltaro  storing", "voltaro AND storing"),
            ("a b OR c", "(a AND b) OR c"),
            ("a (b OR c)", "a AND (b OR c)"),
            ("-a -(b c)", "NOT a AND NOT (b AND c)"),
            ("NOT a NEAR/3 b", "NOT a NEAR/3 b"),
            ('(a OR b) NEAR/3 "c d"', '(a OR b) NEAR/3 "c d"'),
            ('"Zo’n   gedoe!"~4', '"zo\'n gedoe"~4'),
            ("followers:>1000 followers:<10", "followers:>=1001 AND followers:<=9"),
            ('author:"Jan de Vries" author:jan', 'author:"jan de vries" AND author:jan'),
            ('topic:"Voltaro Zonnedeal" topic:x', 'topic:"Voltaro Zonnedeal" AND topic:x'),
            ('title:"a b" https://www.voltaro.nl/x', 'title:"a b" AND https://voltaro.nl/x'),
        ],
    )
    def test_canonical_text(self, text: str, canonical: str) -> None:
        assert format_query(parse_query(text)) == canonical
        assert parse_query(canonical) == parse_query(text)

    def test_values_that_need_quotes(self) -> None:
        for value in ("AND", "NEAR/5", "-x", "a b", "x~y", "(x)"):
            assert parse_query(format_query(TopicRef(value))) == TopicRef(value)
        with pytest.raises(ValueError, match="cannot be written"):
            format_query(TopicRef('say "hi"'))


class TestReferences:
    def test_referenced_topics(self) -> None:
        query = parse_query('topic:a (b OR -topic:"Voltaro Zonnedeal") x NEAR/2 y')
        assert referenced_topics(query) == {"a", "Voltaro Zonnedeal"}

    def test_unknown_topic(self) -> None:
        with pytest.raises(QueryReferenceError, match="topic 'b' refers to unknown topic 'c'") as caught:
            check_references({"a": parse_query("x"), "b": parse_query("topic:c")})
        assert (caught.value.topic, caught.value.reference) == ("b", "c")

    def test_cycle_names_the_path(self) -> None:
        queries = {"a": parse_query("topic:b"), "b": parse_query("x topic:a"), "c": parse_query("topic:a")}
        with pytest.raises(QueryReferenceError, match="cycle: a → b → a") as caught:
            check_references(queries)
        assert caught.value.cycle == ("a", "b", "a")

    def test_self_reference_is_a_cycle(self) -> None:
        with pytest.raises(QueryReferenceError, match="a → a"):
            check_references({"a": parse_query("x OR topic:a")})

    def test_diamond_is_fine_and_names_ignore_case(self) -> None:
        check_references(
            {"a": parse_query("topic:B topic:c"), "B": parse_query("topic:c"), "c": parse_query("x")}
        )
        check_references(
            {"a": parse_query('topic:"voltaro zonnedeal"'), "Voltaro Zonnedeal": parse_query("x")}
        )


class TestEvaluate:
    def test_words_ignore_case_and_accents(self) -> None:
        assert matches("cafe", "Naar het CAFÉ") and matches("café", "cafe")
        assert not matches("voltaro", "voltarostoring")

    def test_apostrophes(self) -> None:
        assert matches("auto's", "twee auto’s") and matches("auto", "twee auto's")
        assert matches("voltaro", "Voltaro's klantenservice")
        assert not matches("auto's", "twee auto")
        assert matches("zo'n", "zo’n gedoe") and matches('"m\'n auto"', "m’n auto")

    def test_hyphens(self) -> None:
        assert matches("e-mail", "mijn e-mail") and matches("email", "mijn e-mail")
        assert matches("e-mail", "mijn email") and matches("e-mail", "mijn e mail")
        assert matches("voltaro", "de voltaro-app") and matches("voltaro-app", "de voltaroapp")
        assert matches('"nieuwe e-mail adres"', "nieuwe email adres")
        assert matches('"nieuwe email adres"', "nieuwe e-mail adres")

    def test_wildcards(self) -> None:
        assert matches("klant*", "klantenservice") and matches("klant*", "klant")
        assert matches("*service", "klantenservice") and matches("kl*nt", "klaant")
        assert not matches("klant*", "deklant") and not matches("kl*nt", "klanten")
        assert matches("klant*", "#klantenservice") and matches("klant*", "de klanten-service")

    def test_phrases(self) -> None:
        assert matches('"voltaro storing"', "Voltaro: storing!") and not matches(
            '"voltaro storing"', "storing voltaro"
        )
        assert matches('"storing bij #voltaro"', "storing bij #voltaro")
        assert not matches('"storing bij #voltaro"', "storing bij voltaro")

    def test_proximity_phrase_and_near(self) -> None:
        text = "voltaro heeft weer eens een storing"
        assert matches('"voltaro storing"~5', text) and not matches('"voltaro storing"~4', text)
        assert matches('"storing voltaro"~5', text)
        assert matches("storing NEAR/5 voltaro", text) and not matches("voltaro NEAR/4 storing", text)
        assert matches('(volt OR voltaro) NEAR/2 "weer eens"', text)
        assert matches('"voltaro weer storing"~5', text) and not matches('"voltaro weer storing"~4', text)

    def test_near_needs_two_tokens(self) -> None:
        assert not matches("voltaro NEAR/3 volt*", "voltaro") and matches(
            "voltaro NEAR/3 volt*", "voltaro volt"
        )

    def test_hashtags_and_handles(self) -> None:
        assert matches("voltaro", "#Voltaro") and matches("voltaro", "@voltaro")
        assert matches("#voltaro", "#Voltaro") and not matches("#voltaro", "voltaro")
        assert matches("@voltaro", "hoi @voltaro") and not matches("@voltaro", "hoi voltaro")
        assert matches("@voltaro", "hoi @voltaro@mastodon.social") and matches(
            "@voltaro", "@voltaro.bsky.social"
        )
        assert matches("@voltaro@mastodon.social", "@voltaro@mastodon.social")
        assert not matches("@voltaro@mastodon.social", "@voltaro@other.social")
        assert matches("@voltaro", "tekst", author_handle="@Voltaro")
        assert matches("@voltaro", "tekst", author_handle="voltaro@mastodon.social")

    def test_domains_and_urls(self) -> None:
        assert matches("voltaro.nl", "kijk op Voltaro.nl") and matches(
            "voltaro.nl", "zie https://mijn.voltaro.nl/x"
        )
        assert matches("voltaro.nl", "tekst", url="https://www.voltaro.nl/blog")
        assert not matches("voltaro.nl", "kijk op voltaro.nl.evil.com")
        assert matches("voltaro", "https://voltaro.nl") and not matches("storing", "https://x.nl/storing")
        assert matches("https://voltaro.nl/storing", "zie voltaro.nl/storing/123")
        assert not matches("https://voltaro.nl/storing", "zie voltaro.nl/storingen")
        assert matches("voltaro.nl/storing", "tekst", url="https://www.voltaro.nl/storing?x=1")

    def test_emoji_do_not_break_words_and_are_words_themselves(self) -> None:
        assert matches('"voltaro 🔥 storing"', "voltaro🔥storing") and matches("storing", "storing🔥🔥")
        assert matches("voltaro NEAR/2 storing", "voltaro🔥storing")
        assert matches("enerlux AND 😤", "Enerlux😤") and not matches("enerlux AND 😤", "Enerlux 😡")
        assert matches("(💔 OR 👎) AND @stroomwijs", "@stroomwijs 💔")

    def test_title(self) -> None:
        assert matches("storing", "tekst", title="Storing bij Voltaro")
        assert matches("title:storing", "tekst", title="Storing") and not matches("title:storing", "storing")
        assert not matches('"tekst storing"', "tekst", title="storing")

    def test_fields(self) -> None:
        assert matches("lang:nl", "x", language="nl") and matches("lang:pt", "x", language="pt-BR")
        assert not matches("lang:nl", "x") and not matches("lang:nl", "x", language="en")
        assert matches("channel:mastodon", "x", channel="mastodon")
        assert matches("country:BE", "x", country="be")
        assert matches("site:voltaro.nl", "x", url="https://blog.voltaro.nl/p")
        assert not matches("site:voltaro.nl", "voltaro.nl", url="https://x.nl/")
        assert matches("author:jan", "x", author_handle="@Jan") and matches(
            "author:jan*", "x", author_name="Jansen"
        )
        assert matches('author:"jan de vries"', "x", author_name="Jan de  Vries")
        assert not matches("sentiment:negative", "x") and matches(
            "sentiment:negative", "x", sentiment="negative"
        )
        assert matches("intent:churn", "x", intents=("complaint", "churn"))
        assert not matches("intent:churn", "x", intents=("complaint",)) and not matches("intent:churn", "x")
        assert matches("voltaro intent:crisis", "Voltaro", intents=("crisis",))

    def test_primary_intent_is_the_most_urgent_one_only(self) -> None:
        both = {"intents": ("complaint", "churn"), "primary_intent": "churn"}
        assert matches("primary:churn", "x", **both) and matches("intent:complaint", "x", **both)
        assert not matches("primary:complaint", "x", **both)
        assert not matches("primary:other", "x") and matches("-primary:complaint", "x")
        assert matches("primary:OTHER", "x", primary_intent="other")

    def test_followers(self) -> None:
        assert matches("followers:>1000", "x", followers=1001) and not matches(
            "followers:>1000", "x", followers=1000
        )
        assert matches("followers:1000..5000", "x", followers=5000) and not matches("followers:<5", "x")

    def test_not_only_and_field_only_queries(self) -> None:
        assert matches("NOT voltaro", "iets anders") and not matches("-voltaro", "voltaro")
        assert matches("lang:nl -channel:reddit", "", language="nl", channel="rss")

    def test_topic_references(self) -> None:
        topics = {"brand": parse_query("voltaro OR volt*"), "nl": parse_query("topic:brand lang:nl")}
        doc = MatchDoc(text="Volt storing", language="nl")
        assert evaluate(parse_query("topic:nl"), doc, topics=topics)
        assert not evaluate(parse_query("topic:nl"), MatchDoc(text="volt"), topics=topics)
        with pytest.raises(QueryReferenceError):
            evaluate(parse_query("topic:onbekend"), doc, topics=topics)
        with pytest.raises(QueryReferenceError, match="cycle"):
            evaluate(parse_query("topic:a"), doc, topics={"a": parse_query("topic:a")})

    def test_match_doc_from_mention(self) -> None:
        mention = new_mention(
            channel="mastodon",
            external_id="1",
            text="Storing bij #Voltaro",
            published_at="2026-10-01T08:00:00Z",
            fetched_at=__import__("datetime").datetime(2026, 10, 1, 9, tzinfo=__import__("datetime").UTC),
            raw="{}",
            author_handle="jan@mastodon.social",
            author_followers=12,
            language="nl",
        )
        doc = MatchDoc.from_mention(mention)
        assert (doc.followers, doc.language, doc.sentiment) == (12, "nl", None)
        assert evaluate(parse_query("#voltaro @jan followers:<100 lang:nl"), doc)


# --- round trip on random trees --------------------------------------------------------------------------

WORDS = [
    "voltaro",
    "e-mail",
    "auto's",
    "zo'n",
    "klant*",
    "*service",
    "kl*nt",
    "#voltaro",
    "#volt*",
    "@voltaro",
    "@jan@mastodon.social",
    "voltaro.nl",
    "https://voltaro.nl/storing",
    "cafe",
    "c&a",
    "and",
    "near",
    "3.5",
]
word_nodes = st.sampled_from(WORDS).map(parse_query)
phrases = st.builds(
    lambda words, within: Phrase(tuple(words), within),  # type: ignore[arg-type]
    st.lists(word_nodes, min_size=1, max_size=3),
    st.none() | st.integers(1, 9),
)
exact_positional = word_nodes | phrases.filter(lambda p: p.within is None)
near_operands = exact_positional | st.lists(exact_positional, min_size=2, max_size=3).map(
    lambda xs: Or(tuple(xs))
)
fields = st.sampled_from(
    [
        "lang:nl",
        "channel:mastodon",
        "country:BE",
        "site:voltaro.nl",
        "author:jan*",
        'author:"jan de vries"',
        "sentiment:negative",
        "followers:>1000",
        "followers:10..20",
        "followers:<=5",
        'topic:"Voltaro Zonnedeal"',
        "topic:b",
    ]
).map(parse_query)
leaves = (
    word_nodes
    | phrases
    | fields
    | st.builds(Near, near_operands, near_operands, st.integers(1, 9))
    | st.builds(Title, word_nodes | phrases)
)


def _combine(children: st.SearchStrategy[Query]) -> st.SearchStrategy[Query]:
    def flat(kind: type[And] | type[Or], items: list[Query]) -> Query:
        return kind(tuple(p for item in items for p in (item.items if isinstance(item, kind) else (item,))))

    lists = st.lists(children, min_size=2, max_size=3)
    return st.builds(Not, children) | lists.map(lambda xs: flat(And, xs)) | lists.map(lambda xs: flat(Or, xs))


trees = st.recursive(leaves, _combine, max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(trees)
def test_format_round_trips_and_is_stable(tree: Query) -> None:
    text = format_query(tree)
    assert parse_query(text) == tree
    assert format_query(parse_query(text)) == text


# --- the user guide's examples and error messages are the real ones ----------------------------------------

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "queries.md").read_text(encoding="utf-8")
ERRORS = GUIDE.split("## When a query is wrong")[1].split("\n## ")[0]


def test_guide_examples_parse() -> None:
    blocks = [block for block in re.findall(r"```text\n(.*?)```", GUIDE, re.S) if "^" not in block]
    queries = [line for block in blocks for line in block.splitlines() if line and not line.startswith("#")]
    assert len(queries) >= 8
    for query in queries:
        assert parse_query(format_query(parse_query(query))) == parse_query(query)


@pytest.mark.parametrize(("query", "message"), re.findall(r"^\| `([^`]*)`\s*\| `([^`]*)`", ERRORS, re.M))
def test_guide_error_messages(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert str(caught.value).startswith(message.rstrip("…").rstrip(", "))


def test_guide_caret_example() -> None:
    block = next(block for block in re.findall(r"```text\n(.*?)```", ERRORS, re.S) if "^" in block)
    query, caret, message = block.splitlines()
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    assert caught.value.caret() == f"{query}\n{caret}" and str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "column"),
    [("(" * 1000 + "a" + ")" * 1000, 33), ("NOT " * 1000 + "a", 129), ("-" * 1000 + "a", 33),
     ("a OR " + "(b AND " * 40 + "c" + ")" * 40, 230)],
)  # fmt: skip
def test_nesting_deeper_than_the_cap_is_a_syntax_error_at_the_spot(text: str, column: int) -> None:
    with pytest.raises(QuerySyntaxError) as raised:
        parse_query(text)
    assert raised.value.column == column and str(raised.value).startswith("nested too deeply")


def test_nesting_up_to_the_cap_parses_and_evaluates() -> None:
    query = parse_query("(" * MAX_DEPTH + "voltaro" + ")" * MAX_DEPTH)
    assert evaluate(query, MatchDoc(text="Voltaro storing"))
