"""The compiled topic matcher: its prefilter never loses a match; it agrees with the reference evaluator."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from luister import compiled
from luister.domain import matcher as matcher_module
from luister.domain.matcher import TopicMatcher
from luister.domain.mentions import new_mention
from luister.domain.queries import MatchDoc, QueryReferenceError, QuerySyntaxError, evaluate, parse_query
from luister.domain.text_tokens import ChunkView, Tokens, _add_chunk, chunks_through, normalise, tokenize

# Counting calls by replacing a module function cannot reach compiled code (mypyc calls it directly):
# these run on the sources, as `make test` also runs this file (LUISTER_PURE=1).
PURE_ONLY = pytest.mark.skipif(
    compiled.running() == "compiled", reason="observes calls inside the matcher: run on the sources"
)


def compile_topics(*queries: str, names: tuple[str, ...] = ()) -> TopicMatcher:
    names = names or tuple(f"t{index}" for index in range(len(queries)))
    return TopicMatcher.compile({index: (names[index], parse_query(q)) for index, q in enumerate(queries)})


class TestTopicMatcher:
    def test_emoji_are_terms_also_glued_to_words(self) -> None:
        """Issue #24 defect 13: an emoji is a searchable term, in the matcher and its prefilter."""
        matcher = compile_topics("enerlux AND 😤", "(💔 OR 👎) AND @stroomwijs", "❤️", "👍", '"enerlux 😤"')
        assert matcher.match(MatchDoc(text="Enerlux😤 weer storing")) == (0, 4)
        assert matcher.match(MatchDoc(text="Enerlux, 😤😤")) == (0, 4)
        assert matcher.match(MatchDoc(text="Enerlux is 😤")) == (0,)
        assert matcher.match(MatchDoc(text="@stroomwijs 👎")) == (1,)
        assert matcher.match(MatchDoc(text="dank @Stroomwijs💔 echt")) == (1,)
        assert matcher.match(MatchDoc(text="Stroomwijs 👎")) == ()
        assert matcher.match(MatchDoc(text="top ❤ enerlux")) == (2,)  # with or without U+FE0F
        assert matcher.match(MatchDoc(text="top 👍🏽")) == (3,)  # a skin tone is still the emoji
        assert matcher.match(MatchDoc(text="enerlux zonder boosheid")) == ()

    def test_returns_sorted_ids_of_matching_topics(self) -> None:
        matcher = TopicMatcher.compile(
            {
                30: ("voltaro", parse_query("voltaro OR volt*")),
                10: ("storing", parse_query('"voltaro storing" OR storing NEAR/3 #voltaro')),
                20: ("concurrent", parse_query("energiq")),
            }
        )
        assert matcher.match(MatchDoc(text="Weer een storing bij #Voltaro")) == (10, 30)
        assert matcher.match(MatchDoc(text="Energiq is goedkoper")) == (20,)
        assert matcher.match(MatchDoc(text="niets")) == ()

    def test_a_mention_is_matched_as_it_is_and_like_its_match_doc(self) -> None:
        matcher = compile_topics(
            "#voltaro", "@jan", "followers:<100 lang:nl", "channel:mastodon storing", "site:voltaro.nl",
            'title:"grote storing"', "sentiment:negative", "author:jan", "country:NL",
        )  # fmt: skip
        mention = new_mention(
            channel="mastodon",
            external_id="1",
            title="Grote storing",
            text="Storing bij #Voltaro",
            published_at="2026-10-01T08:00:00Z",
            fetched_at=datetime(2026, 10, 1, 9, tzinfo=UTC),
            raw="{}",
            url="https://voltaro.nl/storing",
            author_handle="jan@mastodon.social",
            author_followers=12,
            language="nl",
            country="NL",
        )
        assert (
            matcher.match(mention)
            == matcher.match(MatchDoc.from_mention(mention))
            == (0, 1, 2, 3, 4, 5, 7, 8)
        )
        mention.author_followers, mention.sentiment = 500, "negative"
        assert (
            matcher.match(mention)
            == matcher.match(MatchDoc.from_mention(mention))
            == (0, 1, 3, 4, 5, 6, 7, 8)
        )

    def test_topics_without_literals_are_always_checked(self) -> None:
        matcher = compile_topics("NOT voltaro", "lang:nl", "followers:>100 -channel:reddit", "-(a OR b) c")
        assert matcher.match(MatchDoc(text="hallo", language="nl")) == (0, 1)
        assert matcher.match(MatchDoc(text="voltaro", followers=500, channel="rss")) == (2,)
        assert matcher.match(MatchDoc(text="c")) == (0, 3)

    def test_literals_outside_the_text(self) -> None:
        matcher = compile_topics(
            "voltaro.nl", "@voltaro", "title:storing", "https://voltaro.nl/blog", "storing"
        )
        assert matcher.match(MatchDoc(text="x", url="https://www.voltaro.nl/blog/1")) == (0, 3)
        assert matcher.match(MatchDoc(text="x", author_handle="@Voltaro")) == (1,)
        assert matcher.match(MatchDoc(text="x", title="Grote storing")) == (2, 4)

    def test_hyphen_and_apostrophe_variants_pass_the_prefilter(self) -> None:
        matcher = compile_topics("email", "e-mail", "voltaro", "klantenservice*", "auto's")
        assert matcher.match(MatchDoc(text="stuur een e-mail")) == (0, 1)
        assert matcher.match(MatchDoc(text="stuur een email")) == (0, 1)
        assert matcher.match(MatchDoc(text="Voltaro’s klanten-service-app, twee auto’s")) == (2, 3, 4)

    def test_topic_references_resolve_by_name(self) -> None:
        matcher = compile_topics(
            "voltaro OR volt*", "topic:Brand lang:nl", "-topic:brand", names=("brand", "nl", "x")
        )
        assert matcher.match(MatchDoc(text="Volt!", language="nl")) == (0, 1)
        assert matcher.match(MatchDoc(text="Niets", language="nl")) == (2,)

    def test_reference_errors(self) -> None:
        with pytest.raises(QueryReferenceError, match="unknown topic"):
            compile_topics("topic:nope")
        with pytest.raises(QueryReferenceError, match="t0 → t1 → t0"):
            compile_topics("topic:t1", "topic:t0")
        with pytest.raises(ValueError, match="two topics are named 'a'"):
            compile_topics("x", "y", names=("a", "a"))

    def test_matching_leaves_no_garbage_for_the_cycle_collector(self) -> None:
        # every mention's state, views, tokens and NEAR search are freed by reference counting at once
        matcher = compile_topics(
            '"voltaro storing" OR storing NEAR/3 #voltaro', "klant*", "@voltaro OR voltaro.nl", "lang:nl"
        )
        docs = [
            MatchDoc(text="Weer een storing bij #Voltaro, klantenservice", title="Storing!", language="nl"),
            MatchDoc(text="@voltaro storing? zie voltaro.nl/storing", url="https://voltaro.nl/x"),
        ]
        gc.collect()
        gc.disable()
        try:
            assert matcher.match_many(docs) == [(0, 1, 3), (0, 2)]
            assert gc.collect() == 0
        finally:
            gc.enable()

    def test_no_topics(self) -> None:
        assert TopicMatcher.compile({}).match(MatchDoc(text="voltaro")) == ()

    def test_match_many(self) -> None:
        matcher = compile_topics("voltaro", "storing")
        docs = [MatchDoc(text="voltaro storing"), MatchDoc(text="niets"), MatchDoc(text="storing")]
        assert matcher.match_many(docs) == [(0, 1), (), (1,)]

    @PURE_ONLY
    def test_tokenises_lazily_and_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        calls: list[str] = []
        real = matcher_module.tokenize_chunked

        def counting(text: str, known: dict[str, Tokens]) -> Tokens:
            calls.append(text)
            return real(text, known)

        monkeypatch.setattr(matcher_module, "tokenize_chunked", counting)
        matcher = compile_topics(
            "voltaro", '"voltaro storing"', "volt* NEAR/3 storing", "lang:nl", "#voltaro"
        )
        assert matcher.match(MatchDoc(text="iets heel anders", language="nl")) == (3,)
        assert calls == []
        assert matcher.match(MatchDoc(text="voltaro storing #voltaro")) == (0, 1, 2, 4)
        assert calls == ["voltaro storing #voltaro"]

    @PURE_ONLY
    def test_field_filters_are_checked_before_tokenising(self, monkeypatch: pytest.MonkeyPatch) -> None:
        calls: list[str] = []
        monkeypatch.setattr(matcher_module, "tokenize_chunked", lambda text, known: calls.append(text))  # type: ignore[func-returns-value]
        assert compile_topics("voltaro lang:nl").match(MatchDoc(text="voltaro", language="en")) == ()
        assert calls == []


# --- agreement with the reference evaluator on random topics and mentions --------------------------------

QUERY_WORDS = [
    "voltaro",
    "storing",
    "😤",
    "👍",
    "👍🏽",
    "❤️",
    '"voltaro 😤"',
    "😤 NEAR/2 storing",
    "e-mail",
    "email",
    "auto's",
    "auto",
    "zo'n",
    "klant*",
    "*service",
    "kl*nt",
    "volt*",
    "cafe",
    "café",
    "#voltaro",
    "#volt*",
    "@voltaro",
    "@jan",
    "@jan@mastodon.social",
    "voltaro.nl",
    "https://voltaro.nl/storing",
    "c&a",
    "klanten-service",
    "voltaro-app",
    "mijn.voltaro.nl",
    "3.5",
    '"voltaro storing"',
    '"e-mail voltaro"',
    '"#voltaro storing"~3',
    '"voltaro storing auto"~4',
    "voltaro NEAR/2 storing",
    '(voltaro OR klant*) NEAR/3 "e-mail"',
    "@voltaro NEAR/1 voltaro.nl",
    "title:storing",
    'title:"voltaro storing"',
    "title:volt*",
    "lang:nl",
    "channel:mastodon",
    "country:BE",
    "site:voltaro.nl",
    "author:jan*",
    'author:"jan de vries"',
    "followers:>100",
    "followers:10..1000",
    "sentiment:negative",
    "intent:complaint",
    "intent:churn",
    "primary:churn",
    "primary:complaint",
]
TEXT_WORDS = [
    "voltaro",
    "Voltaro's",
    "voltaro’s",
    "VOLTARO",
    "storing",
    "Storing",
    "e-mail",
    "email",
    "e",
    "mail",
    "auto's",
    "auto",
    "zo’n",
    "zo",
    "klantenservice",
    "klant",
    "service",
    "café",
    "cafe",
    "#voltaro",
    "#storing",
    "#Voltarostoring",
    "@voltaro",
    "@jan@mastodon.social",
    "@jan",
    "voltaro.nl",
    "https://www.voltaro.nl/storing?x=1",
    "https://voltaro.nl/storingen",
    "mijn.voltaro.nl",
    "🔥",
    "😤",
    "👍🏽",
    "👍",
    "❤️",
    "c&a",
    "3.5",
    "klanten-service",
    "voltaro-app",
    "info@voltaro.nl",
    "kleint",
]
SEPARATORS = [" ", " ", " ", ", ", ". ", "-", "🔥", "😤", "\n", "’", "/"]

texts = st.lists(st.tuples(st.sampled_from(TEXT_WORDS), st.sampled_from(SEPARATORS)), max_size=12).map(
    lambda pairs: "".join(word + sep for word, sep in pairs)
)
docs = st.builds(
    MatchDoc,
    text=texts,
    title=st.none() | texts,
    author_handle=st.sampled_from([None, "@jan", "voltaro@mastodon.social", "Voltaro"]),
    author_name=st.sampled_from([None, "Jan de Vries", "Voltaro"]),
    language=st.sampled_from([None, "nl", "en", "nl-BE", "NL"]),
    channel=st.sampled_from([None, "mastodon", "Mastodon", "reddit"]),
    country=st.sampled_from([None, "BE", "be", "NL"]),
    url=st.sampled_from(
        [None, "https://www.voltaro.nl/storing/1", "https://blog.voltaro.nl/", "https://x.nl/"]
    ),
    followers=st.none() | st.integers(0, 2000),
    sentiment=st.sampled_from([None, "negative", "Negative", "positive"]),
    intents=st.sampled_from([(), ("complaint",), ("complaint", "churn"), ("other",)]),
    primary_intent=st.sampled_from([None, "complaint", "churn", "Churn", "other"]),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pairs = st.tuples(children, children)
    return (
        pairs.map(lambda ab: f"({ab[0]} OR {ab[1]})")
        | pairs.map(lambda ab: f"{ab[0]} {ab[1]}")
        | pairs.map(lambda ab: f"({ab[0]}) AND ({ab[1]})")
        | children.map(lambda a: f"NOT ({a})")
        | children.map(lambda a: f"-({a})")
    )


query_texts = st.recursive(st.sampled_from(QUERY_WORDS), _combine, max_leaves=5)


@st.composite
def topic_sets(draw: st.DrawFn) -> dict[int, tuple[str, str]]:
    topics: dict[int, tuple[str, str]] = {}
    for index in range(draw(st.integers(1, 6))):
        text = draw(query_texts)
        if index and draw(st.booleans()):
            operator = draw(st.sampled_from(["OR", "AND", "AND NOT"]))
            text = f"({text}) {operator} topic:t{draw(st.integers(0, index - 1))}"
        topics[index * 7] = (f"t{index}", text)
    return topics


@settings(max_examples=150, deadline=None)
@given(topic_sets(), st.lists(docs, min_size=1, max_size=4))
def test_matcher_agrees_with_evaluate(topics: dict[int, tuple[str, str]], documents: list[MatchDoc]) -> None:
    parsed = {topic_id: (name, parse_query(text)) for topic_id, (name, text) in topics.items()}
    by_name = dict(parsed.values())
    matcher = TopicMatcher.compile(parsed)
    for doc in documents:
        expected = tuple(
            sorted(i for i, (_, query) in parsed.items() if evaluate(query, doc, topics=by_name))
        )
        assert matcher.match(doc) == expected


POSITIONAL = [q for q in QUERY_WORDS if "NEAR" in q or q.startswith('"')]
UNHYPHENATED = [word for word in TEXT_WORDS if "-" not in word]
SPACES = [separator for separator in SEPARATORS if separator != "-"]
unhyphenated_texts = st.lists(
    st.tuples(st.sampled_from(UNHYPHENATED), st.sampled_from(SPACES)), max_size=14
).map(lambda pairs: "".join(word + sep for word, sep in pairs))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(POSITIONAL), min_size=1, max_size=3), unhyphenated_texts, texts)
def test_positional_checks_on_part_of_the_text_agree_with_evaluate(
    queries: list[str], text: str, title: str
) -> None:
    # NEAR and phrases tokenise a text only as far as its last chunk holding one of their words' keys
    parsed = {index: (f"t{index}", parse_query(query)) for index, query in enumerate(queries)}
    matcher = TopicMatcher.compile(parsed)
    for doc in (MatchDoc(text=text), MatchDoc(text=f"{text} https://voltaro.nl/x @jan", title=title)):
        expected = tuple(i for i, (_, query) in parsed.items() if evaluate(query, doc))
        assert matcher.match(doc) == expected


def test_chunks_through_cuts_after_the_last_chunk_with_a_key() -> None:
    text = "voltaro heeft storing, zie #voltaro! https://voltaro.nl/x en meer"
    assert (
        chunks_through(text, ("voltaro", "storing"))
        == "voltaro heeft storing, zie #voltaro! https://voltaro.nl/x"
    )
    assert chunks_through(text, ("storing",)) == "voltaro heeft storing,"
    assert chunks_through(text, ("meer",)) is None  # the whole text
    assert chunks_through(text, ("niets",)) == ""  # no occurrence: nothing to tokenise
    assert chunks_through("e-mail voltaro daarna", ("mail",)) is None  # hyphens hide keys: whole text
    assert chunks_through(text, ("",)) is None
    assert chunks_through("zie #voltarostoring nu", ("voltaro",)) == "zie #voltarostoring"  # whole chunks
    matcher = compile_topics('"#voltaro storing"~3')
    assert matcher.match(MatchDoc(text="storing #Voltarostoring https://x.nl")) == ()
    assert matcher.match(MatchDoc(text="storing bij #Voltaro https://x.nl")) == (0,)


# --- the chunk view answers as tokenising the whole text would ---------------------------------------------

chunk_texts = st.lists(
    st.sampled_from(
        TEXT_WORDS + ["auto's-dealer", "a''b", "#volt_aro", "(voltaro)", "voltaro!!", "x@voltaro.nl"]
    )
    | st.text(alphabet=st.sampled_from("av'-.#@/ \n🔥:"), max_size=6),
    max_size=10,
).map(lambda words: " ".join(words))
values = st.sampled_from(
    ["voltaro", "auto", "auto's", "email", "e", "mail", "a", "b", "volt_aro", "zo", "nl", "v"]
)


@settings(max_examples=200, deadline=None)
@given(chunk_texts, values)
def test_chunk_view_has_value_as_tokenize(text: str, value: str) -> None:
    text = normalise(text)
    assert ChunkView(text).has_value(value) == (value in tokenize(text).values())


@settings(max_examples=200, deadline=None)
@given(chunk_texts, values)
def test_chunk_view_chunks_hold_every_value_with_the_key(text: str, key: str) -> None:
    text = normalise(text)
    local = {v for tokens in ChunkView(text).chunks_with(key) for v in tokens.values() if key in v}
    assert local == {v for v in tokenize(text).values() if key in v}


@settings(max_examples=200, deadline=None)
@given(chunk_texts)
def test_tokenize_fast_paths_agree_with_the_regex(text: str) -> None:
    text = normalise(text)
    slow = Tokens()
    for chunk in text.split():
        _add_chunk(slow, chunk)
    fast = tokenize(text)
    for part in ("words", "prefixes", "joins", "hashtags", "handles", "domains", "urls"):
        assert getattr(fast, part) == getattr(slow, part)


def test_has_phrase_only_for_plain_neighbours() -> None:
    view = ChunkView(normalise('"Voltaro storing!" en voltaro, storing en voltaro-storing'))
    assert view.has_phrase(("voltaro", "storing"))
    assert not ChunkView("voltaro, storing").has_phrase(("voltaro", "storing"))
    assert not ChunkView("xvoltaro storingx").has_phrase(("voltaro", "storing"))


# --- candidate pruning: a topic the evaluator matches is always checked ----------------------------------


def _recording(matcher: TopicMatcher) -> set[int]:
    """Record the topics whose checks the matcher calls."""
    called: set[int] = set()

    def recorded(topic_id: int, check: matcher_module.Check) -> matcher_module.Check:
        def record(state: matcher_module._State) -> bool:
            called.add(topic_id)
            return check(state)

        return record

    matcher._checks = {topic_id: recorded(topic_id, check) for topic_id, check in matcher._checks.items()}
    return called


SHARED_WORDS = ["voltaro", "energiq", "storing", "klacht*", "#voltaro", "@energiq", '"werkt niet"', "lang:nl"]


def _parses(text: str) -> bool:
    try:
        parse_query(text)
    except QuerySyntaxError:
        return False
    return True


shared_queries = st.tuples(
    st.sampled_from(SHARED_WORDS), st.sampled_from(["", "OR ", "NEAR/3 ", "-"]), st.sampled_from(SHARED_WORDS)
).map(lambda shape: f"{shape[0]} {shape[1]}{shape[2]}")
shared_topics = st.lists(shared_queries.filter(_parses), min_size=1, max_size=8).map(
    lambda texts: {index * 3: (f"t{index}", text) for index, text in enumerate(texts)}
)
shared_texts = st.lists(
    st.sampled_from(
        ["voltaro", "energiq", "storing", "klachten", "#voltaro", "@energiq", "werkt", "niet", "x"]
    ),
    max_size=8,
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(
    topic_sets() | shared_topics,
    st.lists(docs | st.builds(MatchDoc, text=shared_texts), min_size=1, max_size=4),
)
def test_no_topic_the_evaluator_matches_is_pruned(
    topics: dict[int, tuple[str, str]], documents: list[MatchDoc]
) -> None:
    parsed = {topic_id: (name, parse_query(text)) for topic_id, (name, text) in topics.items()}
    by_name = dict(parsed.values())
    matcher = TopicMatcher.compile(parsed)
    called = _recording(matcher)
    for doc in documents:
        called.clear()
        found = matcher.match(doc)
        expected = {i for i, (_, query) in parsed.items() if evaluate(query, doc, topics=by_name)}
        assert expected <= called | matcher._always  # never pruned before its check
        assert found == tuple(sorted(expected))


def test_topics_are_indexed_by_a_key_few_topics_share() -> None:
    """``storing`` is longer than the names but every topic needs it: a name prunes far more."""
    brands = ("volt", "enxq", "zonr", "watx")
    matcher = compile_topics(*(f"{brand} storing" for brand in brands), "storing OR klacht")
    assert set(matcher._index) == {*brands, "storing", "klacht"}
    assert all(matcher._index[brand] == {index} for index, brand in enumerate(brands))
    assert matcher._index["storing"] == {4}
    called = _recording(matcher)
    assert matcher.match(MatchDoc(text="Storing bij enxq")) == (1, 4)
    assert called == {1, 4}
