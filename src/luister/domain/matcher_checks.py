"""The exact checks of :class:`~luister.domain.matcher.TopicMatcher` and the literal clauses of its prefilter.

:class:`Compiler` turns a topic's query into a closure over one mention being matched (a :class:`State`)
and into *clauses*: sets of literal keys of which at least one must occur in any mention the topic matches.

The exact checks look at as little as they can: whether a word occurs is answered from the few
white-space separated chunks that contain it (:class:`~luister.domain.text_tokens.ChunkView`); only
phrases, ``NEAR`` and words with punctuation tokenise the whole text, once, when first needed.
:func:`luister.domain.queries.evaluate` is the reference they must agree with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from luister.domain.queries import (
    And,
    Document,
    Domain,
    Field,
    Followers,
    Handle,
    Hashtag,
    Near,
    Not,
    Or,
    Phrase,
    Query,
    Term,
    Title,
    TopicRef,
    Url,
    Word,
    author_keys,
    resolve_topic,
    wildcard_match,
)
from luister.domain.text_tokens import (
    ChunkView,
    Span,
    Tokens,
    chain,
    distance,
    domain_matches,
    handle_keys,
    handle_local,
    literal_key,
    term_sequences,
    url_matches,
    wildcard_regex,
)


class State(Protocol):
    """One mention being matched, as the checks see it (:class:`luister.domain.matcher._State`)."""

    doc: Document
    padded: str  # the text (and title) with a space around each

    @property
    def title(self) -> ChunkView | None: ...

    def has_value(self, value: str) -> bool: ...
    def views(self) -> tuple[ChunkView, ...]: ...
    def chunks_with(self, key: str) -> list[Tokens]: ...
    def tokens(self, view: ChunkView) -> Tokens: ...
    def tokens_through(self, view: ChunkView, keys: tuple[str, ...]) -> Tokens: ...
    def url(self) -> tuple[str, str] | None: ...
    def author_handles(self) -> frozenset[str]: ...


Check = Callable[[State], bool]
Found = Callable[[Tokens], bool]
Occurrences = Callable[[Tokens], list[Span]]
Clauses = tuple[frozenset[str], ...]  # every clause needs one of its keys; () needs nothing
MAX_REQUIREMENTS = 16
MAX_CLAUSES = 16
MIN_GATE = 4  # shorter keys are in too many texts to be worth scanning for
FIELD_KEY = "\x00"  # starts the keys of field values, which no text holds


def selectivity(clause: frozenset[str]) -> tuple[int, int]:
    """Longer keys are rarer; fewer keys are hit less often; a field value is common."""
    return (min(0 if key.startswith(FIELD_KEY) else len(key) for key in clause), -len(clause))


def simple_value(node: Query) -> str | None:
    """The one value a plain word stands for (``voltaro``, ``auto's``), else None."""
    if isinstance(node, Term) and "*" not in node.text:
        sequences = term_sequences(node.text)
        if len(sequences) == 1 and len(sequences[0]) == 1:
            return sequences[0][0]
    return None


def field_key(node: Field) -> str:
    """The key a mention has when its ``lang``, ``channel``, ``country``, ``sentiment``, ``intent`` or
    ``primary`` fits."""
    value = node.value if node.name == "lang" else node.value.upper()
    return f"{FIELD_KEY}{node.name}:{value}"


def _requirements(node: Word | Phrase | Near | Or) -> list[tuple[str, ...]]:
    """Plain words an occurrence cannot do without, as alternatives: ``e-mail`` → (e, mail) or (email,)."""
    if isinstance(node, Or):
        return [need for item in node.items for need in _requirements(item)]  # type: ignore[arg-type]
    if isinstance(node, Phrase | Near):
        parts = node.words if isinstance(node, Phrase) else (node.left, node.right)
        needs: list[tuple[str, ...]] = [()]
        for part in parts:
            options = _requirements(part)
            if len(needs) * len(options) > MAX_REQUIREMENTS:
                options = [()]
            needs = [need + option for need in needs for option in options]
        return needs
    if isinstance(node, Term) and "*" not in node.text:
        return [tuple(sequence) for sequence in term_sequences(node.text)]
    return [()]


class Compiler:
    def __init__(self, topics: Mapping[str, Query]) -> None:
        self.topics = topics
        self.references: dict[str, Check] = {}
        self.gates: set[str] = set()  # keys that, when the prefilter does not see them, rule a word out

    def gate(self, key: str) -> str:
        if len(key) >= MIN_GATE:
            self.gates.add(key)
        return key

    def resolve(self, name: str) -> str:
        target = resolve_topic(name, self.topics)
        assert target is not None  # check_references ran
        return target

    # -- literal clauses --------------------------------------------------------------------------------

    def clauses(self, node: Query) -> Clauses:
        if isinstance(node, Term) and "*" not in node.text:  # e-mail: "e" and "mail" (email holds both)
            return tuple(frozenset([value]) for value in dict.fromkeys(term_sequences(node.text)[0]))
        if isinstance(node, Term | Hashtag | Handle | Url | Domain):
            return (frozenset([literal_key(_pattern(node))]),)
        if isinstance(node, Phrase):
            return tuple(clause for word in node.words for clause in self.clauses(word))
        if isinstance(node, Near):
            return self.clauses(node.left) + self.clauses(node.right)
        if isinstance(node, Title):
            return self.clauses(node.query)
        if isinstance(node, And):
            return tuple(clause for item in node.items for clause in self.clauses(item))
        if isinstance(node, Or):  # (a AND b) OR c needs (a OR c) AND (b OR c)
            product: set[frozenset[str]] = {frozenset()}
            for item in node.items:
                clauses = self.clauses(item)
                if not clauses:
                    return ()
                if len(product) * len(clauses) > MAX_CLAUSES:
                    clauses = (sorted(clauses, key=selectivity)[-1],)
                product = {have | clause for have in product for clause in clauses}
            return tuple(c for c in product if not any(other < c for other in product))
        if isinstance(node, TopicRef):
            return self.clauses(self.topics[self.resolve(node.name)])
        if isinstance(node, Field) and node.name in ("site", "author"):  # URL and author are scanned too
            return (frozenset([literal_key(node.value)]),)
        if isinstance(node, Field):
            return (frozenset([field_key(node)]),)
        return ()  # Not, other fields

    # -- exact checks -----------------------------------------------------------------------------------

    def check(self, node: Query) -> Check:
        if isinstance(node, And | Or):
            return self.boolean(node)
        if isinstance(node, Not):
            inner = self.check(node.query)
            return lambda state: not inner(state)
        if isinstance(node, TopicRef):
            name = self.resolve(node.name)
            if name not in self.references:
                self.references[name] = self.check(self.topics[name])
            return self.references[name]
        if isinstance(node, Field | Followers):
            return _field(node)
        if isinstance(node, Title):
            return self.title(node.query)
        value = simple_value(node)
        if value is not None:
            self.gate(value)
            return lambda state: state.has_value(value)
        if isinstance(node, Hashtag | Handle | Domain | Url) or (isinstance(node, Term) and "*" in node.text):
            self.gate(literal_key(_pattern(node)))
            return _word_check(node)
        return self.positional(node)

    def boolean(self, node: And | Or) -> Check:
        """Field filters first (no text needed), then plain words, then the rest."""
        values = tuple(self.gate(value) for value in map(simple_value, node.items) if value is not None)
        rest = [item for item in node.items if simple_value(item) is None]
        first = [self.check(item) for item in rest if cheap(item)]
        costly = [self.check(item) for item in rest if not cheap(item)]
        if isinstance(node, And):

            def every(state: State) -> bool:
                for check in first:
                    if not check(state):
                        return False
                for value in values:
                    if not state.has_value(value):
                        return False
                for check in costly:
                    if not check(state):
                        return False
                return True

            return every

        def some(state: State) -> bool:
            for check in first:
                if check(state):
                    return True
            for value in values:
                if state.has_value(value):
                    return True
            for check in costly:
                if check(state):
                    return True
            return False

        return some

    def title(self, query: Word | Phrase) -> Check:
        value = simple_value(query)
        if value is not None:
            return lambda state: state.title is not None and state.title.has_value(value)
        found = self.found(query)
        return lambda state: state.title is not None and found(state.tokens(state.title))

    def positional(self, node: Query) -> Check:
        """Holds in the text or in the title (never across both). Check that the words occur, then whether
        they stand plainly side by side or in one chunk; only then tokenise the whole text."""
        found = self.found(node)  # type: ignore[arg-type]
        needs = _requirements(node)  # type: ignore[arg-type]
        for need in needs:
            for value in need:
                self.gate(value)
        plainly = _plain_sequences(node)  # type: ignore[arg-type]
        spaced = tuple(f" {' '.join(words)} " for words in plainly)  # chunks that are plainly these words
        literals = tuple((" ".join(words), words) for words in plainly)  # has_phrase looks for these first
        anchor = max((value for need in needs for value in need), key=len, default=None)
        keys = _last_keys(node)  # type: ignore[arg-type]

        def check(state: State) -> bool:
            for need in needs:
                for value in need:
                    if not state.has_value(value):
                        break
                else:
                    break  # all of this alternative's words occur
            else:
                return False
            for chunks in spaced:
                if chunks in state.padded:
                    return True
            for view in state.views():
                for literal, words in literals:
                    if literal in view.text and view.has_phrase(words):
                        return True
                if anchor is not None and view.full is None:  # within one chunk: voltaro-app
                    for tokens in view.chunks_with(anchor):
                        if found(tokens):
                            return True
            for view in state.views():
                if found(state.tokens_through(view, keys)):
                    return True
            return False

        return check

    def found(self, node: Word | Phrase | Near) -> Found:
        """Whether a positional construct occurs in one tokenised text."""
        if isinstance(node, Near):
            left, right, limit = self.occurrences(node.left), self.occurrences(node.right), node.distance
            return lambda tokens: _within([left(tokens), right(tokens)], limit)
        if isinstance(node, Phrase) and node.within is not None:
            words, within = [self.occurrences(word) for word in node.words], node.within
            return lambda tokens: _within([word(tokens) for word in words], within)
        spans = self.occurrences(node)
        return lambda tokens: bool(spans(tokens))

    def occurrences(self, node: Word | Phrase | Or) -> Occurrences:
        if isinstance(node, Or):
            items = [self.occurrences(item) for item in node.items]  # type: ignore[arg-type]
            return lambda tokens: [span for item in items for span in item(tokens)]
        if isinstance(node, Phrase):
            words = [self.occurrences(word) for word in node.words]
            return lambda tokens: chain([word(tokens) for word in words])
        return _word_occurrences(node)


def _last_keys(node: Word | Phrase | Near | Or) -> tuple[str, ...]:
    """Literal keys such that the last chunk of every occurrence of ``node``'s words holds one of them."""
    if isinstance(node, Or):
        return tuple(key for item in node.items for key in _last_keys(item))  # type: ignore[arg-type]
    if isinstance(node, Phrase | Near):
        parts = node.words if isinstance(node, Phrase) else (node.left, node.right)
        return tuple(key for part in parts for key in _last_keys(part))
    if isinstance(node, Term) and "*" not in node.text:  # e-mail: e, mail or email
        return tuple(value for sequence in term_sequences(node.text) for value in sequence)
    return (literal_key(_pattern(node)),)


def _plain_sequences(node: Term | Phrase | Near) -> list[tuple[str, ...]]:
    """Plain words that, written side by side, certainly make ``node`` occur."""
    if isinstance(node, Near):
        left, right = _plain_sequences(node.left), _plain_sequences(node.right)  # type: ignore[arg-type]
        return [a + b for a in left for b in right] + [b + a for a in left for b in right]
    if isinstance(node, Phrase):
        values = [simple_value(word) for word in node.words]
        if not all(value is not None and value.isalnum() for value in values):
            return []
        if node.within is not None and node.within < len(values) - 1:
            return []
        return [tuple(values)]  # type: ignore[arg-type]
    if isinstance(node, Term) and "*" not in node.text:
        return [seq for seq in term_sequences(node.text) if all(value.isalnum() for value in seq)]
    return []


def _pattern(word: Word) -> str:
    return word.host if isinstance(word, Domain) else word.text


def cheap(node: Query) -> bool:
    """Decided from the mention's fields alone, without looking at its text."""
    if isinstance(node, Not):
        return cheap(node.query)
    if isinstance(node, And | Or):
        return all(map(cheap, node.items))
    return isinstance(node, Field | Followers)


def _same(pattern: str) -> Callable[[str], object]:
    """Equality, or for a pattern with '*', a wildcard match."""
    return wildcard_regex(pattern).fullmatch if "*" in pattern else pattern.__eq__


def _word_check(word: Term | Hashtag | Handle | Domain | Url) -> Check:
    """Words whose presence is decided from the chunks holding their literal text."""
    key, pattern = literal_key(_pattern(word)), _pattern(word)
    same = _same(pattern)
    if isinstance(word, Term):  # a wildcard
        regex = wildcard_regex(pattern)

        def wildcard(state: State) -> bool:
            return any(regex.search(tokens.lines()) for tokens in state.chunks_with(key))

        return wildcard
    if isinstance(word, Hashtag):

        def hashtag(state: State) -> bool:
            return any(same(tag) for tokens in state.chunks_with(key) for tag, _ in tokens.hashtags)

        return hashtag
    if isinstance(word, Handle):

        def handle(state: State) -> bool:
            for tokens in state.chunks_with(key):
                for found, _ in tokens.handles:
                    if same(found) or same(handle_local(found)):
                        return True
            return any(same(found) for found in state.author_handles())

        return handle
    if isinstance(word, Domain):

        def domain(state: State) -> bool:
            for tokens in state.chunks_with(key):
                for host, _, _ in tokens.domains:
                    if domain_matches(host, pattern):
                        return True
            url = state.url()
            return url is not None and domain_matches(url[1], pattern)

        return domain

    def url(state: State) -> bool:
        for tokens in state.chunks_with(key):
            for found, _, _ in tokens.urls:
                if url_matches(found, pattern):
                    return True
        url = state.url()
        return url is not None and url_matches(url[0], pattern)

    return url


def _word_occurrences(word: Word) -> Occurrences:
    if isinstance(word, Hashtag):
        body = word.text
        return lambda t: [(at, at + 1) for tag, at in t.hashtags if wildcard_match(body, tag)]
    if isinstance(word, Handle):
        pattern = word.text
        return lambda t: [
            (at, at + 1)
            for handle, at in t.handles
            if any(wildcard_match(pattern, k) for k in handle_keys(handle))
        ]
    if isinstance(word, Domain):
        host = word.host
        return lambda t: [(start, end) for d, start, end in t.domains if domain_matches(d, host)]
    if isinstance(word, Url):
        prefix = word.text
        return lambda t: [(start, end) for u, start, end in t.urls if url_matches(u, prefix)]
    if "*" in word.text:
        regex = wildcard_regex(word.text)
        return lambda t: [span for value in regex.findall(t.lines()) for span in t.spans(value)]
    sequences = term_sequences(word.text)
    if len(sequences) == 1 and len(sequences[0]) == 1:
        value = sequences[0][0]
        return lambda t: t.spans(value)
    return lambda t: [span for sequence in sequences for span in chain([t.spans(v) for v in sequence])]


def _field(node: Field | Followers) -> Check:
    if isinstance(node, Followers):
        low = -1 if node.minimum is None else node.minimum
        high = 2**63 if node.maximum is None else node.maximum
        return lambda state: (n := state.doc.followers) is not None and low <= n <= high
    value = node.value
    if node.name == "author":
        return lambda state: any(wildcard_match(value, key) for key in author_keys(state.doc))
    if node.name == "site":
        return lambda state: (url := state.url()) is not None and domain_matches(url[1], value)
    if node.name == "lang":
        return lambda s: s.doc.language is not None and f"{s.doc.language}-".lower().startswith(f"{value}-")
    if node.name == "intent":
        wanted = value.upper()
        return lambda state: any(intent.upper() == wanted for intent in state.doc.intents)
    attribute = {
        "channel": "channel", "country": "country", "sentiment": "sentiment", "primary": "primary_intent"
    }[node.name]  # fmt: skip
    return lambda state: (
        (found := getattr(state.doc, attribute)) is not None and found.upper() == value.upper()
    )


def _within(spans: list[list[Span]], limit: int) -> bool:
    """Like queries.within, pruned: pick spans one list at a time, rejecting early."""
    if not all(spans):
        return False
    return _pick(sorted(spans, key=len), 0, [], limit)


def _pick(ordered: list[list[Span]], index: int, chosen: list[Span], limit: int) -> bool:
    """Whether a span of every list from ``index`` on lies within ``limit`` of all those ``chosen``.

    A module function, not a closure calling itself: that would be a reference cycle per call, left for
    the cyclic garbage collector."""
    if index == len(ordered):
        return True
    for span in ordered[index]:
        if all(1 <= distance(span, other) <= limit for other in chosen):
            chosen.append(span)
            if _pick(ordered, index + 1, chosen, limit):
                return True
            chosen.pop()
    return False
