"""The topic query language: grammar, syntax tree, canonical printer and the reference evaluator.

A topic is a saved boolean query (``voltaro OR "volt aro" -vacature lang:nl``); docs/queries.md is the
user's guide. :func:`parse_query` turns text into a tree of frozen dataclasses, :func:`format_query` prints
the canonical text, :func:`evaluate` decides plainly whether one mention matches. Matching thousands of
topics fast is :mod:`luister.domain.matcher`'s job, and it must agree with :func:`evaluate`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import combinations, product
from types import MappingProxyType
from typing import Literal, cast

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from luister.domain.mentions import Mention
from luister.domain.text_tokens import (
    Span,
    Tokens,
    chain,
    distance,
    domain_matches,
    handle_keys,
    is_domain,
    is_url,
    normalise,
    term_sequences,
    tokenize,
    url_host,
    url_key,
    url_matches,
    wildcard_regex,
)

FieldName = Literal["author", "lang", "channel", "country", "site", "sentiment"]
FIELDS = ("author", "channel", "country", "followers", "lang", "sentiment", "site", "title", "topic")
SENTIMENTS = ("positive", "negative", "neutral", "mixed")
MAX_DISTANCE = 1000


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed. ``position`` is 0-based; ``line`` and ``column`` count from 1."""

    def __init__(self, query: str, position: int, problem: str, detail: str, expected: tuple[str, ...] = ()):
        self.query, self.position, self.expected = query, position, expected
        self.line = query.count("\n", 0, position) + 1
        self.column = position - query.rfind("\n", 0, position)
        where = f"line {self.line}, column {self.column}" if "\n" in query else f"column {self.column}"
        super().__init__(f"{problem} at {where}: {detail}")

    def caret(self) -> str:
        """The offending line of the query and, below it, a ``^`` under the position."""
        line = self.query.split("\n")[self.line - 1]
        pad = "".join(char if char == "\t" else " " for char in line[: self.column - 1])
        return f"{line}\n{pad}^"


class QueryReferenceError(ValueError):
    """A ``topic:`` names no topic, or topics refer to each other in a ``cycle``."""

    def __init__(
        self, message: str, *, topic: str, reference: str | None = None, cycle: tuple[str, ...] = ()
    ):
        super().__init__(message)
        self.topic, self.reference, self.cycle = topic, reference, cycle


# --- the syntax tree -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """A normalised word (``voltaro``), wildcard (``klant*``) or word with punctuation (``e-mail``)."""

    text: str


@dataclass(frozen=True, slots=True)
class Hashtag:
    text: str  # without '#', may hold '*'


@dataclass(frozen=True, slots=True)
class Handle:
    text: str  # without '@', may hold '*'


@dataclass(frozen=True, slots=True)
class Domain:
    host: str  # without www.


@dataclass(frozen=True, slots=True)
class Url:
    text: str  # text_tokens.url_key form: voltaro.nl/storing


Word = Term | Hashtag | Handle | Domain | Url
WORD_TYPES = (Term, Hashtag, Handle, Domain, Url)


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words in this order (``within`` None), or all within ``within`` tokens of each other in any order."""

    words: tuple[Word, ...]
    within: int | None = None


@dataclass(frozen=True, slots=True)
class Near:
    left: Word | Phrase | Or  # an Or of words and exact phrases
    right: Word | Phrase | Or
    distance: int


@dataclass(frozen=True, slots=True)
class Field:
    name: FieldName
    value: str


@dataclass(frozen=True, slots=True)
class Followers:
    minimum: int | None  # inclusive bounds
    maximum: int | None


@dataclass(frozen=True, slots=True)
class Title:
    query: Word | Phrase


@dataclass(frozen=True, slots=True)
class TopicRef:
    name: str


@dataclass(frozen=True, slots=True)
class Not:
    query: Query


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Query, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Query, ...]


Query = Word | Phrase | Near | Field | Followers | Title | TopicRef | Not | And | Or


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
            sentiment=getattr(mention, "sentiment", None),
        )


# --- parsing ---------------------------------------------------------------------------------------------

_END = r'(?![^\s()"])'  # a keyword ends where a term would
_GRAMMAR = rf"""
start: or_expr
?or_expr: and_expr (OR and_expr)*
?and_expr: not_expr (AND? not_expr)*
?not_expr: (NOT | NEG) not_expr -> negation
         | near_expr
?near_expr: atom (NEAR atom)?
?atom: LPAR or_expr RPAR -> group
     | (TERM | URL) -> word
     | PHRASE SLOP? -> phrase
     | FIELD (TERM | URL | PHRASE SLOP?) -> field
OR.3: /OR{_END}/
AND.3: /AND{_END}/
NOT.3: /NOT{_END}/
NEAR.3: /NEAR(\/[^\s()"]*)?{_END}/
NEG.3: /-(?=[^\s)])/
URL.4: /[hH][tT][tT][pP][sS]?:\/\/[^\s()"]+/
FIELD.3: /[A-Za-z_]+:/
PHRASE: /"[^"]*"/
SLOP: /~[^\s()"]*/
TERM: /(?!(AND|OR|NOT|NEAR(\/[^\s()"]*)?){_END})[^\s()"~:\-][^\s()"~]*/
LPAR: "("
RPAR: ")"
%ignore /\s+/
"""
_LABELS = {
    "TERM": "a term",
    "PHRASE": "a phrase",
    "FIELD": "a field",
    "LPAR": "'('",
    "NOT": "NOT",
    "RPAR": "')'",
    "AND": "AND",
    "OR": "OR",
    "NEAR": "NEAR/n",
    "$END": "the end of the query",
}
_OPERAND = ("a term", "a phrase", "'('")
_EDGE = re.compile(r"^[^\w*]+|[^\w*]+$")
_HASHTAG = re.compile(r"[\w*]*\w[\w*]*")
_HANDLE = re.compile(r"(?=\S*\w)[\w*]+(?:[-.@][\w*]+)*")
_WILDCARD = re.compile(r"(?=.*\w)[\w'*]+")
_FIELD_LIKE = re.compile(r"[A-Za-z_]+:")
_FOLLOWERS = re.compile(r"(>=|<=|>|<|=)?(\d{1,15})|(\d{1,15})\.\.(\d{1,15})")
_BARE_VALUE = re.compile(r"(?![-:])[\w.@*'#&+/!?,;=<>-]+")
_FIELD_VALUES = {  # name: (normalise, valid form, what to write)
    "lang": (str.lower, re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*"), "a language code: lang:nl"),
    "country": (str.upper, re.compile(r"[A-Z]{2,3}"), "a country code: country:BE"),
    "channel": (str.lower, re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}"), "a channel: channel:mastodon"),
    "site": (lambda v: url_host(url_key(normalise(v))), re.compile(r"[\w-]+(?:\.[\w-]+)+"), "a domain"),
    "author": (lambda v: " ".join(normalise(v).lstrip("@").split()), re.compile(r".*\w.*"), "a name"),
    "sentiment": (str.lower, re.compile("|".join(SENTIMENTS)), f"one of {', '.join(SENTIMENTS)}"),
}


class _FieldNameError(Exception):
    def __init__(self, token: Token) -> None:
        self.token = token


def _check_field(token: Token) -> Token:
    if token.value[:-1].lower() not in FIELDS:
        raise _FieldNameError(token)
    return token


@cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", propagate_positions=True, lexer_callbacks={"FIELD": _check_field})


def parse_query(text: str) -> Query:
    """Parse a topic query; a :class:`QuerySyntaxError` says where, and what was expected there."""
    if not text.strip():
        raise QuerySyntaxError(text, len(text), "empty query", f"expected {_join(_OPERAND)}", _OPERAND)
    _check_balance(text)
    try:
        tree = _parser().parse(text)
    except _FieldNameError as exc:
        fields = tuple(f"{name}:" for name in FIELDS)
        raise QuerySyntaxError(
            text,
            exc.token.start_pos or 0,
            f"unknown field {exc.token.value!r}",
            f"fields are {', '.join(fields)}; quote a term with a colon",
            fields,
        ) from None
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    return _Builder(text).node(tree.children[0])


def _check_balance(text: str) -> None:
    opened: list[int] = []
    quote: int | None = None
    for index, char in enumerate(text):
        if quote is not None:
            quote = None if char == '"' else quote
        elif char == '"':
            quote = index
        elif char == "(":
            opened.append(index)
        elif char == ")" and not opened:
            raise QuerySyntaxError(text, index, "unexpected ')'", "there is no '(' before it to close")
        elif char == ")":
            opened.pop()
    if quote is not None:
        raise QuerySyntaxError(text, quote, "unbalanced quote", "this phrase is never closed: expected '\"'")
    if opened:
        raise QuerySyntaxError(
            text, opened[-1], "unbalanced parenthesis", "this '(' is never closed: expected ')'"
        )


def _syntax_error(text: str, exc: UnexpectedInput) -> QuerySyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream or 0
        if text[position] == "-":
            return QuerySyntaxError(
                text, position, "unexpected '-'", "write it right before what to exclude: -vacature"
            )
        names: set[str] = exc.allowed or set()
        problem = f"unexpected {text[position]!r}"
    else:
        assert isinstance(exc, UnexpectedToken)
        token: Token = exc.token
        end = token.type == "$END"
        position = len(text.rstrip()) if end else token.start_pos or 0
        names, problem = exc.expected, "unexpected end of query" if end else f"unexpected {token.value!r}"
        if token.type == "SLOP":
            return QuerySyntaxError(text, position, problem, 'a distance follows a quoted phrase: "a b"~5')
    expected = _describe(
        names, depth=sum(p.count("(") - p.count(")") for p in text[:position].split('"')[::2])
    )
    hint = (
        " (NEAR joins two terms: a NEAR/5 b AND b NEAR/5 c)"
        if "NEAR/" in problem and "AND" in expected
        else ""
    )
    return QuerySyntaxError(text, position, problem, f"expected {_join(expected)}{hint}", expected)


def _describe(names: set[str], *, depth: int) -> tuple[str, ...]:
    if names and names <= {"TERM", "URL", "PHRASE"}:
        return ("a value",)
    skip = {"$END" if depth else "RPAR"} | ({"FIELD", "NOT"} if "TERM" in names else set())
    return tuple(label for name, label in _LABELS.items() if name in names and name not in skip)


def _join(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


class _Builder:
    """Turns lark's parse tree into the syntax tree, validating what the grammar leaves open."""

    def __init__(self, text: str) -> None:
        self.text = text

    def fail(self, position: int | None, problem: str, detail: str) -> QuerySyntaxError:
        return QuerySyntaxError(self.text, position or 0, problem, detail)

    def node(self, tree: Tree[Token] | Token) -> Query:
        assert isinstance(tree, Tree)
        kind, children = tree.data, tree.children
        tokens = [child for child in children if isinstance(child, Token)]
        if kind in ("or_expr", "and_expr"):
            items = [self.node(child) for child in children if isinstance(child, Tree)]
            return _flat(Or if kind == "or_expr" else And, items)
        if kind == "negation":
            return Not(self.node(children[1]))
        if kind == "group":
            return self.node(children[1])
        if kind == "near_expr":
            return Near(
                self.positional(children[0]), self.positional(children[2]), self.near(_token(children[1]))
            )
        if kind == "phrase":
            return self.phrase(tokens[0], tokens[1] if len(tokens) > 1 else None)
        if kind == "field":
            return self.field(*tokens)
        return self.word(tokens[0])

    def positional(self, tree: Tree[Token] | Token) -> Word | Phrase | Or:
        node = self.node(tree)
        if not _is_positional(node):
            raise self.fail(
                tree.meta.start_pos if isinstance(tree, Tree) else tree.start_pos,
                "NEAR needs a term, phrase or wildcard on both sides",
                "fields, NOT, AND and phrases with ~ cannot stand next to NEAR",
            )
        return cast(Word | Phrase | Or, node)

    def near(self, token: Token) -> int:
        if not token.value.startswith("NEAR/"):
            raise self.fail(token.start_pos, "NEAR without a distance", "write NEAR/5 (within 5 tokens)")
        return self.distance(token.value[5:], token)

    def distance(self, digits: str, token: Token) -> int:
        if not digits.isdigit() or not 1 <= int(digits) <= MAX_DISTANCE:
            raise self.fail(
                token.start_pos,
                f"bad distance {token.value!r}",
                f'expected a whole number from 1 to {MAX_DISTANCE}: NEAR/5 or "a b"~5',
            )
        return int(digits)

    def word(self, token: Token) -> Word:
        word = self.word_or_none(token.value, token.start_pos or 0)
        if word is None:
            raise self.fail(token.start_pos, f"{token.value!r} has no letters or digits", "leave it out")
        if isinstance(word, Term) and _FIELD_LIKE.match(word.text):  # it would print as a field
            raise self.fail(
                token.start_pos, f"{token.value!r} reads like a field", f'quote it: "{token.value}"'
            )
        return word

    def word_or_none(self, raw: str, position: int) -> Word | None:
        text = normalise(raw)
        if text[0] in "#@":
            body = _EDGE.sub("", text[1:]) if re.match(r"[\w*]", text[1:2]) else ""
            if text[0] == "#" and _HASHTAG.fullmatch(body):
                return Hashtag(body)
            if text[0] == "@" and _HANDLE.fullmatch(body):
                return Handle(body)
            kind = "hashtag" if text[0] == "#" else "handle"
            raise self.fail(
                position, f"bad {kind} {raw!r}", f"expected only letters, digits and _ after '{text[0]}'"
            )
        if is_url(text):
            key = url_key(text)
            return Domain(key) if key == url_host(key) and is_domain(key) else Url(key)
        text = _EDGE.sub("", text)
        if "*" in text:
            if not _WILDCARD.fullmatch(text):
                raise self.fail(position, f"bad wildcard {raw!r}", "expected one word with '*' in it: klant*")
            return Term(text)
        if not text or not tokenize(text).words:
            return None
        return Domain(text.removeprefix("www.")) if is_domain(text) else Term(text)

    def phrase(self, token: Token, slop: Token | None) -> Phrase:
        start = (token.start_pos or 0) + 1
        found = [
            self.word_or_none(m.group(), start + m.start()) for m in re.finditer(r"\S+", token.value[1:-1])
        ]
        words = tuple(word for word in found if word is not None)
        if not words:
            raise self.fail(token.start_pos, "empty phrase", "expected words between the quotes")
        return Phrase(words, None if slop is None else self.distance(slop.value[1:], slop))

    def field(self, name_token: Token, value: Token, slop: Token | None = None) -> Query:
        name = name_token.value[:-1].lower()
        if name == "title":
            return Title(self.phrase(value, slop) if value.type == "PHRASE" else self.word(value))
        if slop is not None:
            raise self.fail(
                slop.start_pos, f"unexpected {slop.value!r}", 'a distance follows a phrase: "a b"~5'
            )
        raw = value.value[1:-1].strip() if value.type == "PHRASE" else value.value
        if name == "topic" and raw:
            return TopicRef(raw)
        if name == "followers":
            return self.followers(raw, value.start_pos or 0)
        clean, valid, wanted = _FIELD_VALUES.get(name, (str, re.compile(".+"), "a topic name"))
        if not valid.fullmatch(clean(raw)):
            raise self.fail(value.start_pos, f"bad value {raw!r} for {name}:", f"expected {wanted}")
        return Field(cast(FieldName, name), clean(raw))

    def followers(self, raw: str, position: int) -> Followers:
        match = _FOLLOWERS.fullmatch(raw)
        if match is None:
            raise self.fail(
                position,
                f"bad followers comparison {raw!r}",
                "expected >1000, >=1000, <1000, <=1000, =1000 or a range 1000..5000",
            )
        operator, number, low, high = match.groups()
        if low is not None and int(low) > int(high):
            raise self.fail(position, f"empty followers range {raw!r}", "write the lower number first")
        if low is not None:
            return Followers(int(low), int(high))
        value = int(number)
        if operator == "<" and value == 0:
            raise self.fail(position, "followers:<0 can never match", "expected a number above 0")
        bounds = {">": (value + 1, None), ">=": (value, None), "<": (None, value - 1), "<=": (None, value)}
        return Followers(*bounds.get(operator or "=", (value, value)))


def _token(child: Tree[Token] | Token) -> Token:
    assert isinstance(child, Token)
    return child


def _is_positional(node: Query) -> bool:
    if isinstance(node, Or):
        return all(map(_is_positional, node.items))
    return isinstance(node, WORD_TYPES) or (isinstance(node, Phrase) and node.within is None)


def _flat(kind: type[And] | type[Or], items: list[Query]) -> Query:
    """``a AND (b AND c)`` is ``a AND b AND c``: the canonical tree has no And directly in an And."""
    flat = tuple(part for item in items for part in (item.items if isinstance(item, kind) else (item,)))
    return flat[0] if len(flat) == 1 else kind(flat)


# --- printing --------------------------------------------------------------------------------------------


def format_query(query: Query) -> str:
    """The canonical text of a query: explicit AND/OR/NOT, normalised words; ``parse_query`` gives it back."""
    return _format(query, top=True)


def _format(query: Query, *, top: bool = False) -> str:
    if isinstance(query, Or | And):
        text = (" OR " if isinstance(query, Or) else " AND ").join(_format(item) for item in query.items)
        return text if top else f"({text})"
    if isinstance(query, Not):
        return f"NOT {_format(query.query)}"
    if isinstance(query, Near):
        return f"{_format(query.left)} NEAR/{query.distance} {_format(query.right)}"
    if isinstance(query, Phrase):
        words = " ".join(map(format_word, query.words))
        return f'"{words}"' if query.within is None else f'"{words}"~{query.within}'
    if isinstance(query, Title):
        return f"title:{_format(query.query)}"
    if isinstance(query, Field):
        return f"{query.name}:{_value(query.value)}"
    if isinstance(query, TopicRef):
        return f"topic:{_value(query.name)}"
    if isinstance(query, Followers):
        low, high = query.minimum, query.maximum
        if low is not None and high is not None:
            return f"followers:{low}" if low == high else f"followers:{low}..{high}"
        return f"followers:>={low}" if high is None else f"followers:<={high}"
    return format_word(query)


def format_word(word: Word) -> str:
    if isinstance(word, Hashtag | Handle):
        return ("#" if isinstance(word, Hashtag) else "@") + word.text
    if isinstance(word, Url):
        return f"https://{word.text}"
    return word.host if isinstance(word, Domain) else word.text


def _value(value: str) -> str:
    if '"' in value:
        raise ValueError(f"{value!r} cannot be written in a query: it holds '\"'")
    keyword = value in ("AND", "OR", "NOT") or value.startswith("NEAR")
    return value if _BARE_VALUE.fullmatch(value) and not keyword else f'"{value}"'


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


def evaluate(query: Query, doc: MatchDoc, *, topics: Mapping[str, Query] = _NO_TOPICS) -> bool:
    """Whether ``doc`` matches ``query``: slow and plain, the yardstick for the compiled matcher."""
    return _Evaluation(doc, topics).holds(query, ())


def wildcard_match(pattern: str, value: str) -> bool:
    return wildcard_regex(pattern).fullmatch(value) is not None if "*" in pattern else pattern == value


def author_handle_keys(doc: MatchDoc) -> tuple[str, ...]:
    """What an ``@handle`` compares with besides the text: the author's handle and its local part."""
    return handle_keys(normalise(doc.author_handle).lstrip("@")) if doc.author_handle else ()


def author_keys(doc: MatchDoc) -> tuple[str, ...]:
    """What ``author:`` compares with: the handle, its local part and the display name."""
    name = (" ".join(normalise(doc.author_name).split()),) if doc.author_name else ()
    return (*author_handle_keys(doc), *name)


def doc_url_key(url: str | None) -> str | None:
    return url_key(normalise(url)) if url else None


class _Evaluation:
    def __init__(self, doc: MatchDoc, topics: Mapping[str, Query]) -> None:
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
