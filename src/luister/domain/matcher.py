"""All topics against one mention at once: an Aho–Corasick prefilter, then generated exact checks.

:meth:`TopicMatcher.compile` turns every topic's query into *clauses*: sets of literal keys of which at
least one must occur in any mention the topic matches (``klant*`` → ``{klant}``, ``"voltaro storing" -x``
→ ``{voltaro}``, ``{storing}``), and into one generated Python function
(:mod:`luister.domain.matcher_codegen`). One automaton over all keys scans the normalised mention (text,
title, author handle and name, URL) once; the mention's channel, language, country, sentiment and intents
count as keys too. A topic is a candidate when a key of its rarest clause was seen (rarest as guessed at
compile time: a clause whose keys few topics share, ``voltaro`` rather than ``contract``, then the longer
keys); its function tests its other clauses first. Topics whose clauses are all field values are decided
per combination of field values (remembered); topics without clauses (``NOT`` alone, ``followers:``) are
checked always.

The clauses and the closures the generated code calls come from :mod:`luister.domain.matcher_checks`;
this module scans, indexes and keeps the per-mention state they look at.
:func:`luister.domain.queries.evaluate` is the reference the matcher must agree with."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence

from ahocorasick_rs import AhoCorasick

from luister.domain.matcher_checks import FIELD_KEY, Check, Clauses, Compiler, selectivity
from luister.domain.matcher_codegen import generate_checks
from luister.domain.queries import (
    Document,
    Domain,
    Field,
    Handle,
    Phrase,
    Query,
    Title,
    Url,
    author_handle_keys,
    check_references,
    doc_url_key,
    walk,
)
from luister.domain.text_tokens import (
    ChunkView,
    Tokens,
    chunks_through,
    normalise,
    prefilter_text,
    tokenize_chunked,
    url_host,
)

MAX_CACHED_CHUNKS = 20_000
MAX_CACHED_FIELD_VALUES = 4_096


class _State:
    """One mention being matched; chunk views, tokens, URL and author keys are worked out when needed."""

    __slots__ = (
        "doc",
        "found",
        "haystack",
        "padded",
        "_text",
        "_title",
        "_text_view",
        "_title_view",
        "_chunks",
        "_known",
        "_url",
        "_author",
        "_scanned",
    )

    def __init__(
        self,
        doc: Document,
        text: str,
        title: str | None,
        haystack: str,
        found: set[str],
        matcher: TopicMatcher,
    ) -> None:
        self.doc = doc
        self.found = found  # what the prefilter saw, and the mention's field keys
        self.haystack = haystack  # what it scanned
        self.padded = f" {text} " if title is None else f" {text} \n {title} "
        self._text, self._title = text, title
        self._text_view: ChunkView | None = None
        self._title_view: ChunkView | None = None
        self._chunks, self._scanned = matcher._chunks, matcher._scanned  # what the prefilter looked for
        self._known: dict[str, bool] = {}
        self._url: tuple[str, str] | None | bool = False
        self._author: frozenset[str] | None = None

    @property
    def text(self) -> ChunkView:
        if self._text_view is None:
            self._text_view = ChunkView(self._text, self._chunks)
        return self._text_view

    @property
    def title(self) -> ChunkView | None:
        if self._title_view is None and self._title is not None:
            self._title_view = ChunkView(self._title, self._chunks)
        return self._title_view

    def has_value(self, value: str) -> bool:
        """Whether a plain word occurs in the text or the title (remembered: topics share words)."""
        known = self._known.get(value)
        if known is None:
            if value in self._scanned and value not in self.found:
                known = False  # the prefilter saw it nowhere
            elif value.isalnum() and f" {value} " in self.padded:
                known = True  # a chunk that is just this word
            else:
                title = self.title
                known = self.text.has_value(value) or (title is not None and title.has_value(value))
            self._known[value] = known
        return known

    def views(self) -> tuple[ChunkView, ...]:
        title = self.title
        return (self.text,) if title is None else (self.text, title)

    def chunks_with(self, key: str) -> list[Tokens]:
        if key in self._scanned and key not in self.found:
            return []
        found = self.text.chunks_with(key)
        title = self.title
        return found if title is None else found + title.chunks_with(key)

    def tokens(self, view: ChunkView) -> Tokens:
        if view.full is None:
            view.full = tokenize_chunked(view.text, self._chunks)
        return view.full

    def tokens_through(self, view: ChunkView, keys: tuple[str, ...]) -> Tokens:
        """The tokens of ``view`` as far as where words with these literal keys can stand (a link at the
        end of a post is not tokenised to find two words before it); see ``chunks_through``."""
        if view.full is None:
            part = chunks_through(view.text, keys)
            if part is not None:
                return tokenize_chunked(part, self._chunks)
        return self.tokens(view)

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


_FieldValues = tuple[str | None, str | None, str | None, str | None, tuple[str, ...], str | None]


class TopicMatcher:
    """Every topic compiled once; :meth:`match` gives the ids of the topics a mention matches."""

    __slots__ = (
        "_automaton",
        "_scanned",
        "_extras",
        "_checks",
        "_index",
        "_keys",
        "_always",
        "_by_fields",
        "_chunks",
        "_fields",
    )

    def __init__(
        self,
        automaton: AhoCorasick | None,
        scanned: frozenset[str],
        extras: tuple[str, ...],
        checks: dict[int, Check],
        index: dict[str, frozenset[int]],
        always: frozenset[int],
        by_fields: dict[int, Clauses],
    ) -> None:
        self._automaton = automaton
        self._scanned = scanned  # the keys the automaton looks for
        self._extras = extras  # what is scanned besides text and title
        self._checks = checks  # one generated function per topic (its other clauses first)
        self._index = index  # a key → the topics whose most selective clause holds it
        self._keys = frozenset(index)
        self._always = always
        self._by_fields = by_fields  # topics whose clauses are all field values: decided per field values
        self._chunks: dict[str, Tokens] = {}  # tokens of chunks seen before: "e-mail", "#voltaro", "auto's"
        # field values seen before → their field keys, and the topics always or by_fields makes candidates
        self._fields: dict[_FieldValues, tuple[frozenset[str], frozenset[int]]] = {}

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
        index: dict[str, set[int]] = {}
        secondary: dict[int, Clauses] = {}
        always: set[int] = set()
        by_fields: dict[int, Clauses] = {}
        planned = {topic_id: set(compiler.clauses(query)) for topic_id, (_, query) in topics.items()}
        uses = Counter(key for clauses in planned.values() for key in set().union(*clauses))
        for topic_id, needed in planned.items():
            clauses = sorted(needed, key=lambda clause: _rarity(clause, uses), reverse=True)
            if not clauses:
                always.add(topic_id)
                continue
            if all(key.startswith(FIELD_KEY) for clause in clauses for key in clause):
                by_fields[topic_id] = tuple(clauses)  # channel:mastodon lang:nl
                continue
            for key in clauses[0]:  # indexed by its rarest clause, the others checked first
                index.setdefault(key, set()).add(topic_id)
            secondary[topic_id] = tuple(clauses[1:])

        def scanned() -> frozenset[str]:  # once every check is planned: the words they gate on
            keys = set(index).union(*(key for clauses in secondary.values() for key in clauses))
            return frozenset(key for key in keys | compiler.gates if key and not key.startswith(FIELD_KEY))

        generated = generate_checks(
            compiler, {topic_id: query for topic_id, (_, query) in topics.items()}, secondary, scanned
        )
        keys = scanned()
        automaton = AhoCorasick(sorted(keys)) if keys else None
        extras = _scanned_attributes(query for _, query in topics.values())
        return cls(
            automaton,
            keys,
            extras,
            {topic_id: found.check for topic_id, found in generated.items()},
            {key: frozenset(ids) for key, ids in index.items()},
            frozenset(always),
            by_fields,
        )

    def match(self, doc: Document) -> tuple[int, ...]:
        """The sorted ids of the topics ``doc`` matches."""
        text = normalise(doc.text)
        title = doc.title
        if title is not None:
            title = normalise(title)
        values = (doc.language, doc.channel, doc.country, doc.sentiment, doc.intents, doc.primary_intent)
        fields = self._fields.get(values)
        if fields is None:
            fields = self._field_keys(values)
        field_keys, candidates = fields
        found = set(field_keys)
        haystack = text if title is None else f"{text}\n{title}"
        for name in self._extras:  # author handle, author name, URL: when some topic looks at them
            if value := getattr(doc, name):
                haystack = f"{haystack}\n{normalise(value)}"
        haystack = prefilter_text(haystack)
        if self._automaton is not None:
            found.update(self._automaton.find_matches_as_strings(haystack, overlapping=True))
        hits = found & self._keys
        if hits:
            index = self._index
            candidates = candidates.union(*[index[key] for key in hits])
        elif not candidates:
            return ()
        if len(self._chunks) > MAX_CACHED_CHUNKS:
            self._chunks.clear()
        state = _State(doc, text, title, haystack, found, self)
        checks = self._checks
        return tuple([topic_id for topic_id in sorted(candidates) if checks[topic_id](state)])

    def match_many(self, docs: Sequence[Document]) -> list[tuple[int, ...]]:
        match = self.match
        return [match(doc) for doc in docs]

    def _field_keys(self, values: _FieldValues) -> tuple[frozenset[str], frozenset[int]]:
        """Keys for the mention's language (``pt-br`` also ``pt``), channel, country, sentiment, intents,
        primary intent; the topics to check whatever the text says."""
        language, channel, country, sentiment, intents, primary = values
        keys = {f"{FIELD_KEY}intent:{intent.upper()}" for intent in intents}
        if language is not None:
            language = language.lower()
            keys.add(f"{FIELD_KEY}lang:{language}")
            keys.update(f"{FIELD_KEY}lang:{language[:at]}" for at, char in enumerate(language) if char == "-")
        for name, value in (
            ("channel", channel), ("country", country), ("sentiment", sentiment), ("primary", primary)
        ):  # fmt: skip
            if value is not None:
                keys.add(f"{FIELD_KEY}{name}:{value.upper()}")
        topics = {
            topic_id
            for topic_id, clauses in self._by_fields.items()
            if not any(clause.isdisjoint(keys) for clause in clauses)
        }
        if len(self._fields) > MAX_CACHED_FIELD_VALUES:
            self._fields.clear()
        found = self._fields[values] = (frozenset(keys), self._always.union(topics))
        return found


def _rarity(clause: frozenset[str], uses: Mapping[str, int]) -> tuple[bool, int, int, int]:
    """How rarely a mention holds one of a clause's keys, guessed: field values are common; a key many
    topics share is a common word (``contract``), one only a few topics use a name (``voltaro``); then
    longer keys are rarer and fewer keys are hit less often."""
    field = any(key.startswith(FIELD_KEY) for key in clause)
    return (not field, -sum(uses[key] for key in clause), *selectivity(clause))


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
