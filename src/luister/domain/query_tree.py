"""The syntax tree of the topic query language, and its errors.

Frozen dataclasses, one per construct; :func:`luister.domain.query_syntax.parse_query` builds them and
:func:`luister.domain.query_syntax.format_query` prints them. Import them from :mod:`luister.domain.queries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldName = Literal["author", "lang", "channel", "country", "site", "sentiment", "intent", "primary"]


class QuerySyntaxError(ValueError):
    """A query that cannot be parsed. ``position`` is 0-based; ``line`` and ``column`` count from 1."""

    def __init__(self, query: str, position: int, problem: str, detail: str, expected: tuple[str, ...] = ()):
        self.query, self.position, self.expected = query, position, expected
        self.problem, self.detail = problem, detail  # apart, for readers in another language
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
