"""The topic query language: syntax tree, parser, canonical printer, references and the reference evaluator.

A topic is a saved boolean query (``voltaro OR "volt aro" -vacature lang:nl``); docs/queries.md is the
user's guide. :func:`parse_query` turns text into a tree of frozen dataclasses, :func:`format_query` prints
the canonical text, :func:`evaluate` decides plainly whether one mention matches. Matching thousands of
topics fast is :mod:`luister.domain.matcher`'s job, and it must agree with :func:`evaluate`.

This module is the one to import from. The tree and its errors live in :mod:`luister.domain.query_tree`,
the grammar, parser and printer in :mod:`luister.domain.query_syntax`; both are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations, product
from types import MappingProxyType
from typing import Protocol, cast

from luister.domain.mentions import Mention
from luister.domain.query_syntax import (
    FIELDS,
    MAX_DEPTH,
    MAX_DISTANCE,
    SENTIMENTS,
    format_query,
    format_word,
    parse_query,
)
from luister.domain.query_tree import (
    WORD_TYPES,
    And,
    Domain,
    Field,
    FieldName,
    Followers,
    Handle,
    Hashtag,
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
    Word,
)
from luister.domain.text_tokens import (
    Span,
    Tokens,
    chain,
    distance,
    domain_matches,
    handle_keys,
    normalise,
    term_sequences,
    tokenize,
    url_host,
    url_key,
    url_matches,
    wildcard_regex,
)

__all__ = [
    # the syntax tree and its errors (query_tree)
    "WORD_TYPES",
    "And",
    "Domain",
    "Field",
    "FieldName",
    "Followers",
    "Handle",
    "Hashtag",
    "Near",
    "Not",
    "Or",
    "Phrase",
    "Query",
    "QueryReferenceError",
    "QuerySyntaxError",
    "Term",
    "Title",
    "TopicRef",
    "Url",
    "Word",
    # parsing and printing (query_syntax)
    "FIELDS",
    "MAX_DEPTH",
    "MAX_DISTANCE",
    "SENTIMENTS",
    "format_query",
    "format_word",
    "parse_query",
    # what a query looks at, references between topics, the reference evaluator (here)
    "Document",
    "MatchDoc",
    "author_handle_keys",
    "author_keys",
    "check_query_references",
    "check_references",
    "doc_url_key",
    "evaluate",
    "occurrences",
    "positional",
    "referenced_topics",
    "resolve_topic",
    "walk",
    "wildcard_match",
    "within",
]


class Document(Protocol):
    """What a query looks at: a :class:`MatchDoc`, or a :class:`~luister.domain.mentions.Mention` as it
    is (ingest matches each mention without copying it into a ``MatchDoc`` first)."""

    @property
    def text(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def author_handle(self) -> str | None: ...
    @property
    def author_name(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def channel(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def followers(self) -> int | None: ...
    @property
    def sentiment(self) -> str | None: ...
    @property
    def intents(self) -> tuple[str, ...]: ...
    @property
    def primary_intent(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class MatchDoc:
    """What a query looks at in a mention."""

    text: str
    title: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    language: str | None = None
    channel: str | None = None
    country: str | None = None
    url: str | None = None
    followers: int | None = None
    sentiment: str | None = None
    intents: tuple[str, ...] = ()
    primary_intent: str | None = None

    @classmethod
    def from_mention(cls, mention: Mention) -> MatchDoc:
        return cls(
            text=mention.text,
            title=mention.title,
            author_handle=mention.author_handle,
            author_name=mention.author_name,
            language=mention.language,
            channel=mention.channel,
            country=mention.country,
            url=mention.url,
            followers=mention.author_followers,
            sentiment=mention.sentiment,
            intents=mention.intents,
            primary_intent=mention.primary_intent,
        )


# --- references between topics ---------------------------------------------------------------------------


def walk(query: Query) -> Iterator[Query]:
    """Every node of a query, depth first."""
    yield query
    children: tuple[Query, ...] = ()
    if isinstance(query, And | Or):
        children = query.items
    elif isinstance(query, Not):
        children = (query.query,)
    elif isinstance(query, Near):
        children = (query.left, query.right)
    for child in children:
        yield from walk(child)


def referenced_topics(query: Query) -> set[str]:
    """The names of the topics a query refers to with ``topic:``."""
    return {node.name for node in walk(query) if isinstance(node, TopicRef)}


def resolve_topic(name: str, names: Mapping[str, object]) -> str | None:
    """The topic ``name`` refers to: that exact name, else the only one equal ignoring case and accents."""
    if name in names:
        return name
    folded = [candidate for candidate in names if normalise(candidate) == normalise(name)]
    return folded[0] if len(folded) == 1 else None


def check_references(queries: Mapping[str, Query]) -> None:
    """Raise :class:`QueryReferenceError` for a ``topic:`` that names no topic, and for cycles."""
    edges: dict[str, list[str]] = {}
    for name, query in queries.items():
        edges[name] = []
        for reference in sorted(referenced_topics(query)):
            target = resolve_topic(reference, queries)
            if target is None:
                message = f"topic {name!r} refers to unknown topic {reference!r}"
                raise QueryReferenceError(message, topic=name, reference=reference)
            edges[name].append(target)
    done: set[str] = set()
    for name in queries:
        _visit(name, edges, (), done)


def check_query_references(query: Query, queries: Mapping[str, object], *, topic: str = "") -> None:
    """Raise :class:`QueryReferenceError` for a ``topic:`` in ``query`` that names none of ``queries``
    (the topics the asker may build on; saved topics are checked for cycles when they are saved).
    ``topic``: the name of the topic whose query it is, for the message; none for a search or a test."""
    for reference in sorted(referenced_topics(query)):
        if resolve_topic(reference, queries) is None:
            whose = f"topic {topic!r}" if topic else "the query"
            message = f"{whose} refers to unknown topic {reference!r}"
            raise QueryReferenceError(message, topic=topic, reference=reference)


def _visit(name: str, edges: Mapping[str, list[str]], path: tuple[str, ...], done: set[str]) -> None:
    if name in path:
        _cycle((*path[path.index(name) :], name))
    if name not in done:
        for target in edges[name]:
            _visit(target, edges, (*path, name), done)
        done.add(name)


def _cycle(cycle: tuple[str, ...]) -> None:
    message = f"topics refer to each other in a cycle: {' → '.join(cycle)}"
    raise QueryReferenceError(message, topic=cycle[0], cycle=cycle)


# --- the reference evaluator -----------------------------------------------------------------------------

_NO_TOPICS: Mapping[str, Query] = MappingProxyType({})


def evaluate(query: Query, doc: Document, *, topics: Mapping[str, Query] = _NO_TOPICS) -> bool:
    """Whether ``doc`` matches ``query``: slow and plain, the yardstick for the compiled matcher."""
    return _Evaluation(doc, topics).holds(query, ())


def wildcard_match(pattern: str, value: str) -> bool:
    return wildcard_regex(pattern).fullmatch(value) is not None if "*" in pattern else pattern == value


def author_handle_keys(doc: Document) -> tuple[str, ...]:
    """What an ``@handle`` compares with besides the text: the author's handle and its local part."""
    return handle_keys(normalise(doc.author_handle).lstrip("@")) if doc.author_handle else ()


def author_keys(doc: Document) -> tuple[str, ...]:
    """What ``author:`` compares with: the handle, its local part and the display name."""
    name = (" ".join(normalise(doc.author_name).split()),) if doc.author_name else ()
    return (*author_handle_keys(doc), *name)


def doc_url_key(url: str | None) -> str | None:
    return url_key(normalise(url)) if url else None


class _Evaluation:
    def __init__(self, doc: Document, topics: Mapping[str, Query]) -> None:
        self.doc, self.topics, self.url = doc, topics, doc_url_key(doc.url)
        self.text = tokenize(normalise(doc.text))
        self.title = tokenize(normalise(doc.title)) if doc.title is not None else None

    def holds(self, query: Query, stack: tuple[str, ...]) -> bool:
        doc = self.doc
        if isinstance(query, And | Or):
            results = (self.holds(item, stack) for item in query.items)
            return all(results) if isinstance(query, And) else any(results)
        if isinstance(query, Not):
            return not self.holds(query.query, stack)
        if isinstance(query, TopicRef):
            target = resolve_topic(query.name, self.topics)
            if target is None:
                topic = stack[-1] if stack else ""
                raise QueryReferenceError(f"unknown topic {query.name!r}", topic=topic, reference=query.name)
            if target in stack:
                _cycle((*stack[stack.index(target) :], target))
            return self.holds(self.topics[target], (*stack, target))
        if isinstance(query, Followers):
            low, high = query.minimum, query.maximum
            n = doc.followers
            return n is not None and (low is None or n >= low) and (high is None or n <= high)
        if isinstance(query, Field):
            return self.field(query.name, query.value)
        if isinstance(query, Title):
            return self.title is not None and positional(query.query, self.title)
        if positional(query, self.text) or (self.title is not None and positional(query, self.title)):
            return True
        if isinstance(query, Handle):  # also the author
            return any(wildcard_match(query.text, key) for key in author_handle_keys(doc))
        if isinstance(query, Domain):  # also the mention's URL
            return self.url is not None and domain_matches(url_host(self.url), query.host)
        return isinstance(query, Url) and self.url is not None and url_matches(self.url, query.text)

    def field(self, name: FieldName, value: str) -> bool:
        doc = self.doc
        if name == "author":
            return any(wildcard_match(value, key) for key in author_keys(doc))
        if name == "site":
            return self.url is not None and domain_matches(url_host(self.url), value)
        if name == "intent":
            return value.lower() in (intent.lower() for intent in doc.intents)
        if name == "primary":
            return doc.primary_intent is not None and doc.primary_intent.lower() == value.lower()
        found = {
            "lang": doc.language,
            "channel": doc.channel,
            "country": doc.country,
            "sentiment": doc.sentiment,
        }
        if found[name] is None:
            return False
        if name == "lang":  # lang:pt also matches pt-br
            return f"{doc.language}-".lower().startswith(f"{value}-")
        return str(found[name]).upper() == value.upper()


def positional(query: Query, tokens: Tokens) -> bool:
    """Whether a word, phrase or NEAR occurs in one tokenised text (False for anything else)."""
    if isinstance(query, Phrase) and query.within is not None:
        return within([occurrences(word, tokens) for word in query.words], query.within)
    if isinstance(query, Near):
        return within([occurrences(query.left, tokens), occurrences(query.right, tokens)], query.distance)
    return isinstance(query, (*WORD_TYPES, Phrase)) and bool(occurrences(query, tokens))


def within(spans: list[list[Span]], limit: int) -> bool:
    """One span from each list, none overlapping another, each at most ``limit`` tokens from every other."""
    choices = product(*spans)
    return any(all(1 <= distance(a, b) <= limit for a, b in combinations(choice, 2)) for choice in choices)


def occurrences(query: Word | Phrase | Or, tokens: Tokens) -> list[Span]:
    """Where a word, an exact phrase or an OR of them occurs in one tokenised text."""
    if isinstance(query, Or):
        return [span for item in query.items for span in occurrences(cast(Word | Phrase, item), tokens)]
    if isinstance(query, Phrase):
        return chain([occurrences(word, tokens) for word in query.words])
    if isinstance(query, Hashtag):
        return [(at, at + 1) for body, at in tokens.hashtags if wildcard_match(query.text, body)]
    if isinstance(query, Handle):
        found = [
            at
            for handle, at in tokens.handles
            if any(wildcard_match(query.text, k) for k in handle_keys(handle))
        ]
        return [(at, at + 1) for at in found]
    if isinstance(query, Domain):
        return [(start, end) for host, start, end in tokens.domains if domain_matches(host, query.host)]
    if isinstance(query, Url):
        return [(start, end) for url, start, end in tokens.urls if url_matches(url, query.text)]
    values = [(word, (at, at + 1)) for at, word in enumerate(tokens.words)]
    values += [(prefix, (at, at + 1)) for prefix, at in tokens.prefixes]
    values += [(join, (start, end)) for join, start, end in tokens.joins]
    if "*" in query.text:
        return [span for value, span in values if wildcard_match(query.text, value)]
    sequences = term_sequences(query.text)
    return [
        span for seq in sequences for span in chain([[s for v, s in values if v == part] for part in seq])
    ]
