"""Topic queries pushed to a platform's search: a few plain searches that find all a query can match.

A platform search returns the posts that hold every word of a search string. :func:`plan_searches`
turns a topic query into a small set of such strings whose results *together* include every post whose
text (or title) the query matches: an over-approximation. What they bring in beyond the topic costs
only bandwidth, because everything fetched is matched against all topics locally again.

How a query is covered (a *clause* is the words of one search, all of which a post holds):

* a word is one clause of itself; a hashtag is its word (``#voltaro`` → ``voltaro``), an @handle its
  account name, a link its host name; an exact phrase is one quoted clause;
* a phrase with ``~n``, a ``NEAR`` and a phrase with wildcards, handles or links in it: all their words;
* ``AND``: the combinations of its parts' clauses, as long as that stays within ``max_searches`` (parts
  left out only widen the net); parts without words (``NOT``, fields, followers) are left out;
* ``OR``: every part's clauses; a part without words (``voltaro OR lang:nl``) could match a post without
  any word to search for, so such a query cannot be pushed: ``searches`` is ``None`` and ``reason`` says
  why (the source then uses its own search terms);
* ``topic:`` covers as the topic it names;
* a wildcard becomes the platform's prefix form (``prefix="{}*"`` turns ``klant*`` into ``klant*``) when
  the platform has one and the ``*`` ends the word; otherwise it has no words, like a field.

Only the text is searched: a post *by* ``@voltaro``, or one whose own URL is on ``voltaro.nl``, is found
only when it also names them; such limits are listed in ``caveats``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from luister.domain.queries import (
    And,
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
    format_query,
    format_word,
    resolve_topic,
)
from luister.domain.text_tokens import handle_local, url_host

MAX_SEARCHES = 8
_NO_TOPICS: Mapping[str, Query] = MappingProxyType({})

Clause = tuple[str, ...]  # the words of one search, in query order


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """The searches covering a query, or (``clauses`` None) why it cannot be pushed to a search."""

    clauses: tuple[Clause, ...] | None
    reason: str | None = None
    caveats: tuple[str, ...] = ()

    @property
    def searches(self) -> tuple[str, ...] | None:
        """The search strings: each clause's words (quoted phrases, prefixes) separated by spaces."""
        return None if self.clauses is None else tuple(" ".join(clause) for clause in self.clauses)

    @property
    def pushable(self) -> bool:
        return self.clauses is not None


@dataclass(frozen=True, slots=True)
class _Open:
    """A part of a query that can match a post without any word to search for."""

    reason: str


_Cover = tuple[Clause, ...] | _Open


def plan_searches(
    query: Query,
    *,
    topics: Mapping[str, Query] = _NO_TOPICS,
    prefix: str | None = None,
    max_searches: int = MAX_SEARCHES,
) -> SearchPlan:
    """The plain searches whose results include every post whose text the query matches.

    ``prefix`` is the platform's prefix search as a format (``"{}*"``), ``None`` when it has none;
    ``topics`` resolves ``topic:`` references. Pure: the same query always gives the same plan."""
    planner = _Planner(topics, prefix, max(1, max_searches))
    cover = planner.cover(query, ())
    caveats = tuple(dict.fromkeys(planner.caveats))
    if isinstance(cover, _Open):
        return SearchPlan(None, cover.reason, caveats)
    return SearchPlan(cover, None, caveats)


def merge_searches(plans: Sequence[SearchPlan]) -> tuple[str, ...]:
    """The searches of several plans together, without repeats or searches another one already covers."""
    clauses = [clause for plan in plans for clause in plan.clauses or ()]
    return tuple(" ".join(clause) for clause in _minimal(clauses))


@dataclass(slots=True)
class _Planner:
    topics: Mapping[str, Query]
    prefix: str | None
    max_searches: int
    caveats: list[str] = field(default_factory=list)

    def cover(self, query: Query, stack: tuple[str, ...]) -> _Cover:
        if isinstance(query, And):
            return self.all_of([self.cover(item, stack) for item in query.items])
        if isinstance(query, Or):
            return self.any_of(query, [self.cover(item, stack) for item in query.items])
        if isinstance(query, Not):
            return _Open(f"{format_query(query)} only excludes")
        if isinstance(query, Field | Followers):
            return _Open(f"{format_query(query)} is a filter without words")
        if isinstance(query, TopicRef):
            return self.topic(query.name, stack)
        if isinstance(query, Title):
            return self.cover(query.query, stack)
        if isinstance(query, Near):
            return self.all_of([self.cover(query.left, stack), self.cover(query.right, stack)])
        if isinstance(query, Phrase):
            return self.phrase(query)
        return self.word(query)

    def all_of(self, parts: list[_Cover]) -> _Cover:
        """AND (and NEAR): the combinations of the parts' clauses; parts that would make too many
        searches are left out, which only widens the net."""
        covered = [part for part in parts if not isinstance(part, _Open)]
        if not covered:
            reasons = [part.reason for part in parts if isinstance(part, _Open)]
            return _Open("; ".join(dict.fromkeys(reasons)))
        chosen: list[int] = []
        result: tuple[Clause, ...] = ()
        for index in sorted(range(len(covered)), key=lambda i: len(covered[i])):  # fewest searches first
            combined = _product([covered[i] for i in sorted((*chosen, index))])  # words in query order
            if not chosen or len(combined) <= self.max_searches:
                chosen.append(index)
                result = combined
        return result

    def any_of(self, query: Or, parts: list[_Cover]) -> _Cover:
        covered: list[Clause] = []
        for part in parts:
            if isinstance(part, _Open):
                return _Open(f"{format_query(query)} can match without a word to search for ({part.reason})")
            covered.extend(part)
        clauses = _minimal(covered)
        if len(clauses) > self.max_searches:
            return _Open(f"{format_query(query)} needs {len(clauses)} searches (at most {self.max_searches})")
        return clauses

    def topic(self, name: str, stack: tuple[str, ...]) -> _Cover:
        target = resolve_topic(name, self.topics)
        if target is None:
            return _Open(f"topic:{name} names no topic")
        if target in stack:
            return _Open(f"topics refer to each other in a cycle: {' → '.join((*stack, target))}")
        return self.cover(self.topics[target], (*stack, target))

    def phrase(self, query: Phrase) -> _Cover:
        plain = all(
            isinstance(word, Term | Hashtag | Domain) and "*" not in _text(word) for word in query.words
        )
        if query.within is None and plain and len(query.words) > 1:
            return (('"' + " ".join(_text(word) for word in query.words) + '"',),)
        return self.all_of([self.word(word) for word in query.words])

    def word(self, word: Word) -> _Cover:
        if isinstance(word, Handle):
            self.caveats.append(f"@{word.text}: posts by the account that do not name it are not searched")
            return self.term(handle_local(word.text), f"@{word.text}")
        if isinstance(word, Domain | Url):
            self.caveats.append(
                f"{format_word(word)}: posts whose own link goes there but whose text does not name it "
                "are not searched"
            )
            return ((word.host if isinstance(word, Domain) else url_host(word.text),),)
        return self.term(word.text, format_word(word))

    def term(self, text: str, shown: str) -> _Cover:
        if "*" not in text:
            return ((text,),)
        stem = text[:-1]
        if self.prefix is None:
            return _Open(f"wildcard {shown}: the platform's search has no prefix form")
        if "*" in stem or not text.endswith("*"):
            return _Open(f"wildcard {shown}: the platform's search finds only word beginnings (klant*)")
        return ((self.prefix.format(stem),),)


def _text(word: Word) -> str:
    return word.host if isinstance(word, Domain) else word.text


def _product(parts: Sequence[tuple[Clause, ...]]) -> tuple[Clause, ...]:
    """AND of covers: one clause for every way to pick a clause of each part."""
    result: list[Clause] = [()]
    for part in parts:
        result = [
            left + tuple(word for word in right if word not in left) for left in result for right in part
        ]
    return _minimal(result)


def _minimal(clauses: Sequence[Clause]) -> tuple[Clause, ...]:
    """Without repeats, and without a clause that holds all words of another (that one finds it too)."""
    unique = list(dict.fromkeys(clauses))
    sets = [frozenset(clause) for clause in unique]
    return tuple(
        clause
        for i, (clause, words) in enumerate(zip(unique, sets, strict=True))
        if not any(other < words or (other == words and j < i) for j, other in enumerate(sets))
    )


__all__ = ["MAX_SEARCHES", "SearchPlan", "merge_searches", "plan_searches"]
