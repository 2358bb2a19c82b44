"""The full-text index of mentions as a candidate prefilter for the topic query language.

Every stored mention gets a set of *keys* (:func:`index_keys`): the values its text and title offer a
query (what :mod:`luister.domain.text_tokens` cuts them into, so the index and the query language agree by
construction), the bodies of its hashtags, its handles and its author's, and the host names (with their
parent domains) of its links and its own URL. :func:`compile_index_query` turns a topic query into a
boolean query over those keys that every mention the query matches satisfies: an over-approximation, so
searching the index and then evaluating the query exactly on what it returns gives exactly the matches.

How a query is covered:

* a plain word: the key of its value (``e-mail``: both ``e`` and ``mail``, or ``email``); a wildcard: the
  keys that start with the literal part before its first ``*`` (none, as in ``*heid``: not coverable);
* a hashtag, @handle, domain or link: the key of its kind (a link by its host name);
* a phrase, ``~n`` or ``NEAR``: all of its words (where they stand is checked exactly afterwards);
* ``AND``: its coverable parts (``NOT``, fields and followers are left out: that only widens the net);
* ``OR``: all parts; when one cannot be covered (``voltaro OR lang:nl``) neither can the ``OR``;
* a query that is only ``NOT``, fields or followers cannot use the index: the plan's ``reason`` says why
  and the caller scans instead.

A plan is ``exact`` when the keys alone decide the query (plain words without hyphens, hashtags, handles,
domains, trailing wildcards, combined with AND and OR): then counting the index's answers counts the
matches. Keys are written as index tokens of ``[a-z0-9_]`` only (:func:`encode`): one letter for the kind,
then the value with every other character as ``_<hex>_``, so the same token reaches SQLite's FTS5 and
PostgreSQL's tsvector unchanged, and a value's prefix is its token's prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from luister.domain.queries import (
    And,
    Document,
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
    Title,
    TopicRef,
    Url,
    Word,
    author_handle_keys,
    doc_url_key,
    format_query,
    resolve_topic,
)
from luister.domain.text_tokens import handle_keys, normalise, term_sequences, tokenize, url_host

MAX_TOKEN = 120  # longer tokens are cut here, in the index and in queries alike (PostgreSQL: ≤ 2047 bytes)
MAX_KEYS = 64  # an OR wider than this is not worth an index query: the caller scans
_NO_TOPICS: Mapping[str, Query] = MappingProxyType({})
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_PLAIN_VALUE = re.compile("[a-z0-9]*").fullmatch
_PLAIN_TEXT = re.compile("[a-z0-9 ]*").fullmatch

WORD, HASHTAG, HANDLE, DOMAIN = "w", "h", "a", "d"


def encode(kind: str, value: str) -> str:
    """An index token: ``kind`` then ``value`` with every character but a-z and 0-9 as ``_<hex>_``."""
    if _PLAIN_VALUE(value):  # most words: as they are
        return (kind + value)[:MAX_TOKEN]
    body = "".join(char if char in _PLAIN else f"_{ord(char):x}_" for char in value)
    return (kind + body)[:MAX_TOKEN]


def _suffixes(host: str) -> list[str]:
    """``mijn.voltaro.nl`` → itself, ``voltaro.nl`` and ``nl``: what a domain query may name."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def index_keys(doc: Document) -> list[str]:
    """The index tokens of one mention, without repeats, sorted (the same set always in the same order).

    No token spans white space (:func:`luister.domain.text_tokens.tokenize` cuts chunk by chunk), so a
    text's tokens are those of its chunks together: a plain word is its own token, and the tokens of other
    chunks (``e-mail``, ``#storing``, ``voltaro.nl``), which recur, are remembered."""
    keys: set[str] = set()
    for text in (doc.text, doc.title):
        if not text:
            continue
        normalised = normalise(text)
        chunks = set(normalised.split())
        if _PLAIN_TEXT(normalised) and len(max(chunks, key=len, default="")) < MAX_TOKEN:
            keys.update(["w" + chunk for chunk in chunks])  # only plain words: each its own token
            continue
        for chunk in chunks:
            if _PLAIN_VALUE(chunk) and len(chunk) < MAX_TOKEN:
                keys.add("w" + chunk)
            else:
                keys.update(_chunk_keys(chunk))
    if doc.author_handle:
        keys.update(_author_keys(doc.author_handle))
    own = doc_url_key(doc.url)
    if own:
        keys.update(_host_keys(url_host(own)))
    return sorted(keys)


@lru_cache(maxsize=100_000)
def _author_keys(handle: str) -> tuple[str, ...]:
    """What an @handle query compares with in the author: the handle and its local part."""
    return tuple({encode(HANDLE, key) for key in author_handle_keys(MatchDoc(text="", author_handle=handle))})


@lru_cache(maxsize=100_000)
def _host_keys(host: str) -> tuple[str, ...]:
    return tuple(encode(DOMAIN, part) for part in _suffixes(host))


@lru_cache(maxsize=100_000)
def _chunk_keys(chunk: str) -> tuple[str, ...]:
    """The index tokens of one normalised chunk of text (no white space in it)."""
    tokens = tokenize(chunk)
    keys = {encode(WORD, value) for value in tokens.values()}
    keys.update(encode(HASHTAG, body) for body, _ in tokens.hashtags)
    for handle, _ in tokens.handles:
        keys.update(encode(HANDLE, key) for key in handle_keys(handle))
    for host, _, _ in tokens.domains:
        keys.update(encode(DOMAIN, part) for part in _suffixes(host))
    for url, _, _ in tokens.urls:
        keys.update(encode(DOMAIN, part) for part in _suffixes(url_host(url)))
    return tuple(keys)


# --- the index query -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Key:
    """Mentions holding the token ``token`` (``prefix``: a token that starts with it)."""

    token: str
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[IndexQuery, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[IndexQuery, ...]


IndexQuery = Key | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class IndexPlan:
    """The index query covering a topic query, or (``query`` None) why the query cannot use the index."""

    query: IndexQuery | None
    exact: bool = False  # the index's answers are exactly the matches
    reason: str | None = None

    @property
    def usable(self) -> bool:
        return self.query is not None

    def fts5(self) -> str:
        """The query as an SQLite FTS5 MATCH expression."""
        assert self.query is not None
        return _fts5(self.query)

    def tsquery(self) -> str:
        """The query as a PostgreSQL ``tsquery`` literal (lexemes quoted, never parsed)."""
        assert self.query is not None
        return _tsquery(self.query)

    def tokens(self) -> list[str]:
        """Every token the query names (for tests and explanations)."""
        return [] if self.query is None else list(_tokens(self.query))


@dataclass(frozen=True, slots=True)
class _Open:
    reason: str


@dataclass(frozen=True, slots=True)
class _Cover:
    query: IndexQuery
    exact: bool


def compile_index_query(query: Query, *, topics: Mapping[str, Query] = _NO_TOPICS) -> IndexPlan:
    """The index query whose answers include every mention ``query`` matches (see the module text).

    ``topics`` resolves ``topic:`` references. Pure: the same query always gives the same plan."""
    cover = _cover(query, topics, ())
    if isinstance(cover, _Open):
        return IndexPlan(None, reason=f"this query cannot use the index: {cover.reason}")
    if _size(cover.query) > MAX_KEYS:
        return IndexPlan(None, reason=f"this query cannot use the index: it names over {MAX_KEYS} words")
    return IndexPlan(cover.query, exact=cover.exact)


def _cover(query: Query, topics: Mapping[str, Query], stack: tuple[str, ...]) -> _Cover | _Open:
    if isinstance(query, And):
        parts = [_cover(item, topics, stack) for item in query.items]
        covered = [part for part in parts if isinstance(part, _Cover)]
        if not covered:
            return _Open(_reasons(parts))
        exact = len(covered) == len(parts) and all(part.exact for part in covered)
        return _Cover(_all(part.query for part in covered), exact)
    if isinstance(query, Or):
        parts = [_cover(item, topics, stack) for item in query.items]
        for part in parts:
            if isinstance(part, _Open):
                return _Open(f"{format_query(query)} can match without a word ({part.reason})")
        covers = [part for part in parts if isinstance(part, _Cover)]
        return _Cover(_any(part.query for part in covers), all(part.exact for part in covers))
    if isinstance(query, Not):
        return _Open(f"{format_query(query)} only excludes")
    if isinstance(query, Field | Followers):
        return _Open(f"{format_query(query)} is a filter without words")
    if isinstance(query, TopicRef):
        target = resolve_topic(query.name, topics)
        if target is None:
            return _Open(f"topic:{query.name} names no topic")
        if target in stack:
            return _Open(f"topics refer to each other in a cycle: {' → '.join((*stack, target))}")
        return _cover(topics[target], topics, (*stack, target))
    if isinstance(query, Title):
        found = _cover(query.query, topics, stack)
        return found if isinstance(found, _Open) else _Cover(found.query, exact=False)
    if isinstance(query, Near):
        parts = [_cover(query.left, topics, stack), _cover(query.right, topics, stack)]
        return _inexact_all(parts)
    if isinstance(query, Phrase):
        found = _inexact_all([_word(word) for word in query.words])
        if len(query.words) == 1 and query.within is None and isinstance(found, _Cover):
            return _word(query.words[0])  # a one-word phrase is that word
        return found
    return _word(query)


def _inexact_all(parts: list[_Cover | _Open]) -> _Cover | _Open:
    """All words must occur (where they stand is checked afterwards): AND of the parts that are covered."""
    covered = [part for part in parts if isinstance(part, _Cover)]
    if not covered:
        return _Open(_reasons(parts))
    return _Cover(_all(part.query for part in covered), exact=False)


def _word(word: Word) -> _Cover | _Open:
    if isinstance(word, Hashtag):
        return _pattern(HASHTAG, word.text, f"#{word.text}")
    if isinstance(word, Handle):  # the whole handle or its local part, in the text or the author
        return _pattern(HANDLE, word.text, f"@{word.text}")
    if isinstance(word, Domain):
        return _Cover(Key(encode(DOMAIN, word.host)), exact=len(encode(DOMAIN, word.host)) < MAX_TOKEN)
    if isinstance(word, Url):  # a link's host is the host of every link it matches
        return _Cover(Key(encode(DOMAIN, url_host(word.text))), exact=False)
    text = word.text
    if "*" in text:
        return _pattern(WORD, text, text)
    sequences = term_sequences(text)
    options = [_all(Key(encode(WORD, value)) for value in sequence) for sequence in sequences if sequence]
    if not options:
        return _Open(f"{text} holds no word")
    exact = sequences == [(text,)] and len(encode(WORD, text)) < MAX_TOKEN
    return _Cover(_any(options), exact)


def _pattern(kind: str, text: str, shown: str) -> _Cover | _Open:
    """A value that may hold ``*`` wildcards: its literal start as a prefix (exact when that is all)."""
    if "*" not in text:
        token = encode(kind, text)
        return _Cover(Key(token), exact=len(token) < MAX_TOKEN)
    stem = text.split("*", 1)[0]
    if not stem:
        return _Open(f"wildcard {shown} starts with *")
    token = encode(kind, stem)
    exact = text == stem + "*" and len(token) < MAX_TOKEN
    return _Cover(Key(token, prefix=True), exact)


def _all(parts: Iterable[IndexQuery]) -> IndexQuery:
    flat: dict[IndexQuery, None] = {}
    for part in parts:
        flat.update(dict.fromkeys(part.parts if isinstance(part, AllOf) else (part,)))
    return next(iter(flat)) if len(flat) == 1 else AllOf(tuple(flat))


def _any(parts: Iterable[IndexQuery]) -> IndexQuery:
    flat: dict[IndexQuery, None] = {}
    for part in parts:
        flat.update(dict.fromkeys(part.parts if isinstance(part, AnyOf) else (part,)))
    return next(iter(flat)) if len(flat) == 1 else AnyOf(tuple(flat))


def _reasons(parts: Iterable[_Cover | _Open]) -> str:
    return "; ".join(dict.fromkeys(part.reason for part in parts if isinstance(part, _Open)))


def _size(query: IndexQuery) -> int:
    return 1 if isinstance(query, Key) else sum(_size(part) for part in query.parts)


def _tokens(query: IndexQuery) -> Iterable[str]:
    if isinstance(query, Key):
        yield query.token
    else:
        for part in query.parts:
            yield from _tokens(part)


def _fts5(query: IndexQuery) -> str:
    if isinstance(query, Key):
        return f'"{query.token}"' + ("*" if query.prefix else "")
    joiner = " AND " if isinstance(query, AllOf) else " OR "
    return "(" + joiner.join(_fts5(part) for part in query.parts) + ")"


def _tsquery(query: IndexQuery) -> str:
    if isinstance(query, Key):
        return f"'{query.token}'" + (":*" if query.prefix else "")
    joiner = " & " if isinstance(query, AllOf) else " | "
    return "(" + joiner.join(_tsquery(part) for part in query.parts) + ")"


def key_holds(query: IndexQuery, keys: frozenset[str]) -> bool:
    """Whether a mention with index tokens ``keys`` answers ``query`` (what the databases compute)."""
    if isinstance(query, Key):
        return query.token in keys or (query.prefix and any(key.startswith(query.token) for key in keys))
    results = (key_holds(part, keys) for part in query.parts)
    return all(results) if isinstance(query, AllOf) else any(results)


__all__ = [
    "AllOf",
    "AnyOf",
    "IndexPlan",
    "IndexQuery",
    "Key",
    "compile_index_query",
    "encode",
    "index_keys",
    "key_holds",
]
