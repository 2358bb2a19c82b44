"""All topics against one mention at once: an Aho–Corasick prefilter, then compiled exact checks.

:meth:`TopicMatcher.compile` turns every topic's query into closures, and into *clauses*: sets of literal
keys of which at least one must occur in any mention the topic matches (``klant*`` → ``{klant}``,
``"voltaro storing" -x`` → ``{voltaro}``, ``{storing}``). One automaton over all keys scans the
normalised mention (text, title, author handle and name, URL) once; the mention's channel, language,
country and sentiment count as keys too. A topic is checked exactly only when a key of each of its
clauses was seen; topics without clauses (``NOT`` alone, ``followers:``) are checked for every mention.

The exact checks and the clauses come from :mod:`luister.domain.matcher_checks`; this module scans,
indexes and keeps the per-mention state they look at. :func:`luister.domain.queries.evaluate` is the
reference the matcher must agree with.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

import ahocorasick  # type: ignore[import-not-found]

from luister.domain.matcher_checks import FIELD_KEY, Check, Clauses, Compiler, selectivity
from luister.domain.queries import (
    Domain,
    Field,
    Handle,
    MatchDoc,
    Phrase,
    Query,
    Title,
    Url,
    author_handle_keys,
    check_references,
    doc_url_key,
    walk,
)
from luister.domain.text_tokens import ChunkView, Tokens, normalise, prefilter_text, tokenize, url_host

_KEY = itemgetter(1)
MAX_CACHED_CHUNKS = 20_000


class _State:
    """One mention being matched; tokens, URL and author keys are worked out when first needed."""

    __slots__ = ("doc", "text", "title", "_known", "_url", "_author", "_found", "_scanned")

    def __init__(
        self, doc: MatchDoc, text: str, title: str | None, found: set[str], matcher: TopicMatcher
    ) -> None:
        self.doc = doc
        self.text = ChunkView(text, matcher._chunks)
        self.title = ChunkView(title, matcher._chunks) if title is not None else None
        self._known: dict[str, bool] = {}
        self._found, self._scanned = found, matcher._scanned  # what the prefilter saw, what it looked for
        self._url: tuple[str, str] | None | bool = False
        self._author: frozenset[str] | None = None

    def has_value(self, value: str) -> bool:
        """Whether a plain word occurs in the text or the title (remembered: topics share words)."""
        known = self._known.get(value)
        if known is None:
            if value in self._scanned and value not in self._found:
                known = False  # the prefilter saw it nowhere
            else:
                known = self.text.has_value(value) or (self.title is not None and self.title.has_value(value))
            self._known[value] = known
        return known

    def views(self) -> tuple[ChunkView, ...]:
        return (self.text,) if self.title is None else (self.text, self.title)

    def chunks_with(self, key: str) -> list[Tokens]:
        if key in self._scanned and key not in self._found:
            return []
        found = self.text.chunks_with(key)
        return found if self.title is None else found + self.title.chunks_with(key)

    def tokens(self, view: ChunkView) -> Tokens:
        if view.full is None:
            view.full = tokenize(view.text)
        return view.full

    def url(self) -> tuple[str, str] | None:
        """The mention's URL as a ``url_key`` and its host."""
        if self._url is False:
            key = doc_url_key(self.doc.url)
            self._url = None if key is None else (key, url_host(key))
        return self._url  # type: ignore[return-value]

    def author_handles(self) -> frozenset[str]:
        if self._author is None:
            self._author = frozenset(author_handle_keys(self.doc))
        return self._author


class TopicMatcher:
    """Every topic compiled once; :meth:`match` gives the ids of the topics a mention matches."""

    __slots__ = (
        "_automaton",
        "_scanned",
        "_fields",
        "_extras",
        "_checks",
        "_index",
        "_clauses",
        "_always",
        "_chunks",
    )

    def __init__(
        self,
        automaton: Any,
        scanned: frozenset[str],
        fields: tuple[str, ...],
        extras: tuple[str, ...],
        checks: dict[int, Check],
        index: dict[str, tuple[int, ...]],
        clauses: dict[int, Clauses],
        always: frozenset[int],
    ) -> None:
        self._automaton = automaton
        self._scanned = scanned  # the keys the automaton looks for
        self._fields = fields  # the mention fields that make keys: channel, lang, country, sentiment, intent
        self._extras = extras  # what is scanned besides text and title
        self._checks = checks
        self._index = index
        self._clauses = clauses
        self._always = always
        self._chunks: dict[str, Tokens] = {}  # tokens of chunks seen before: "e-mail", "#voltaro", "auto's"

    @classmethod
    def compile(cls, topics: Mapping[int, tuple[str, Query]]) -> TopicMatcher:
        """Compile ``{topic id: (name, query)}``; ``topic:`` references resolve by name."""
        by_name: dict[str, Query] = {}
        for topic_id, (name, query) in topics.items():
            if name in by_name:
                raise ValueError(f"two topics are named {name!r} (topic {topic_id})")
            by_name[name] = query
        check_references(by_name)
        compiler = Compiler(by_name)
        checks: dict[int, Check] = {}
        index: dict[str, list[int]] = {}
        secondary: dict[int, Clauses] = {}
        always: set[int] = set()
        for topic_id, (_, query) in topics.items():
            checks[topic_id] = compiler.check(query)
            clauses = sorted(set(compiler.clauses(query)), key=selectivity, reverse=True)
            if not clauses:
                always.add(topic_id)
                continue
            for key in clauses[0]:  # indexed by its most selective clause, the others checked next
                index.setdefault(key, []).append(topic_id)
            if len(clauses) > 1:
                secondary[topic_id] = tuple(clauses[1:])
        automaton = None
        keys = set(index).union(*(key for clauses in secondary.values() for key in clauses))
        keys = {key for key in keys | compiler.gates if not key.startswith(FIELD_KEY)}
        if keys:
            automaton = ahocorasick.Automaton()
            for key in keys:
                automaton.add_word(key, key)
            automaton.make_automaton()
        frozen_index = {key: tuple(ids) for key, ids in index.items()}
        field_keys = {key for key in index if key.startswith(FIELD_KEY)}
        field_keys.update(key for more in secondary.values() for clause in more for key in clause)
        fields = tuple(sorted({key[1:].partition(":")[0] for key in field_keys if key.startswith(FIELD_KEY)}))
        extras = _scanned_attributes(query for _, query in topics.values())
        return cls(
            automaton,
            frozenset(keys),
            tuple(fields),
            tuple(extras),
            checks,
            frozen_index,
            secondary,
            frozenset(always),
        )

    def match(self, doc: MatchDoc) -> tuple[int, ...]:
        """The sorted ids of the topics ``doc`` matches."""
        text = normalise(doc.text)
        title = normalise(doc.title) if doc.title is not None else None
        candidates = set(self._always)
        found = _field_keys(doc, self._fields) if self._fields else set()
        if self._automaton is not None:
            haystack = text if title is None else f"{text}\n{title}"
            for name in self._extras:  # author handle, author name, URL: when some topic looks at them
                if value := getattr(doc, name):
                    haystack = f"{haystack}\n{normalise(value)}"
            found.update(map(_KEY, self._automaton.iter(prefilter_text(haystack))))
        if found:
            index, clauses = self._index, self._clauses
            for key in found:
                for topic_id in index.get(key, ()):
                    for clause in clauses.get(topic_id, ()):
                        if clause.isdisjoint(found):
                            break
                    else:
                        candidates.add(topic_id)
        if not candidates:
            return ()
        if len(self._chunks) > MAX_CACHED_CHUNKS:
            self._chunks.clear()
        state = _State(doc, text, title, found, self)
        checks = self._checks
        return tuple(sorted(topic_id for topic_id in candidates if checks[topic_id](state)))

    def match_many(self, docs: Sequence[MatchDoc]) -> list[tuple[int, ...]]:
        match = self.match
        return [match(doc) for doc in docs]


def _field_keys(doc: MatchDoc, names: tuple[str, ...]) -> set[str]:
    """Keys for the mention's channel, language (``pt-br`` also ``pt``), country and sentiment."""
    keys = set()
    for name in names:
        if name == "lang":
            if doc.language is not None:
                language = doc.language.lower()
                keys.add(f"{FIELD_KEY}lang:{language}")
                keys.update(
                    f"{FIELD_KEY}lang:{language[:at]}" for at, char in enumerate(language) if char == "-"
                )
        elif name == "intent":
            keys.update(f"{FIELD_KEY}intent:{intent.upper()}" for intent in doc.intents)
        elif (value := getattr(doc, name)) is not None:
            keys.add(f"{FIELD_KEY}{name}:{value.upper()}")
    return keys


def _scanned_attributes(queries: Iterable[Query]) -> tuple[str, ...]:
    """The mention's attributes besides text and title that some topic's words or filters look at."""
    handle = name = url = False
    for query in queries:
        for node in _nodes(query):
            author = isinstance(node, Field) and node.name == "author"
            handle |= author or isinstance(node, Handle)
            name |= author
            url |= isinstance(node, Domain | Url) or (isinstance(node, Field) and node.name == "site")
    return tuple(
        attribute
        for attribute, used in (("author_handle", handle), ("author_name", name), ("url", url))
        if used
    )


def _nodes(query: Query) -> Iterator[Query]:
    """Every node of a query, words in phrases and titles included."""
    for node in walk(query):
        yield node
        if isinstance(node, Title):
            yield from _nodes(node.query)
        elif isinstance(node, Phrase):
            yield from node.words
