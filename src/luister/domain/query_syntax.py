"""The topic query language's grammar, parser and canonical printer.

:func:`parse_query` turns text into the syntax tree of :mod:`luister.domain.query_tree`, raising a
:class:`~luister.domain.query_tree.QuerySyntaxError` that says where and what was expected there;
:func:`format_query` prints the canonical text back. Import both from :mod:`luister.domain.queries`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import cast

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from luister.domain.analysis import INTENT_LABELS
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
    QuerySyntaxError,
    Term,
    Title,
    TopicRef,
    Url,
    Word,
)
from luister.domain.text_tokens import (
    EMOJI_CHARS,
    is_domain,
    is_url,
    normalise,
    tokenize,
    url_host,
    url_key,
)

FIELDS = (
    "author",
    "channel",
    "country",
    "followers",
    "intent",
    "lang",
    "primary",
    "sentiment",
    "site",
    "title",
    "topic",
)
SENTIMENTS = ("positive", "negative", "neutral", "mixed")
INTENTS = INTENT_LABELS
MAX_DISTANCE = 1000
MAX_DEPTH = 32  # parentheses and NOTs inside each other; deeper is a mistake, and would exhaust the stack

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
_EDGE = re.compile(f"^[^\\w*{EMOJI_CHARS}]+|[^\\w*{EMOJI_CHARS}]+$")  # emoji are terms: 😡 💔
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
    "intent": (str.lower, re.compile("|".join(INTENTS)), f"one of {', '.join(INTENTS)}"),
    "primary": (str.lower, re.compile("|".join(INTENTS)), f"one of {', '.join(INTENTS)}"),
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
    _check_depth(text, tree)
    return _Builder(text).node(tree.children[0])


def _check_depth(text: str, tree: Tree[Token]) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` at the ``(`` or NOT that goes too deep. Iterative: the
    builder, the evaluator and the matcher recurse, so this check must come before any of them."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in ("group", "negation"):
            depth += 1
            if depth > MAX_DEPTH:
                raise QuerySyntaxError(
                    text,
                    node.meta.start_pos,
                    "nested too deeply",
                    f"at most {MAX_DEPTH} levels of parentheses and NOT inside each other",
                )
        stack.extend((child, depth) for child in node.children if isinstance(child, Tree))


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
