"""The words a mention-list query looks for, marked in the mentions it found (escaped first, then marked)."""

from __future__ import annotations

import re

from markupsafe import escape

from luister.domain.mentions import fold
from luister.domain.queries import (
    And,
    Handle,
    Hashtag,
    Near,
    Or,
    Phrase,
    Query,
    QuerySyntaxError,
    Term,
    Title,
    parse_query,
)


def _words(query: Query) -> list[str]:
    """Regular expressions of the words and phrases ``query`` looks for (not those it excludes)."""
    if isinstance(query, And | Or):
        return [word for item in query.items for word in _words(item)]
    if isinstance(query, Near):
        return _words(query.left) + _words(query.right)
    if isinstance(query, Title):
        return _words(query.query)
    if isinstance(query, Phrase):
        parts = [_words(word) for word in query.words]
        return [r"\W+".join(p[0] for p in parts)] if all(parts) and query.within is None else sum(parts, [])
    if isinstance(query, Term | Hashtag | Handle):
        prefix = {Hashtag: "#", Handle: "@"}.get(type(query), "")
        return [re.escape(prefix) + r"\w*".join(re.escape(part) for part in query.text.split("*"))]
    return []  # Not, fields, domains, addresses, followers, topic references: nothing to mark in the text


def highlight_terms(query: str) -> re.Pattern[str] | None:
    """A pattern finding what ``query`` looks for in folded text (None: nothing to mark)."""
    try:
        words = _words(parse_query(query)) if query.strip() else []
    except (QuerySyntaxError, RecursionError):
        return None
    if not words:
        return None
    longest_first = sorted(set(words), key=len, reverse=True)
    return re.compile(r"(?<![\w#@])(?:" + "|".join(longest_first) + r")(?!\w)")


def mark(text: str, pattern: re.Pattern[str] | None) -> str:
    """``text`` escaped, with what ``pattern`` finds in <mark>. The search runs on the folded text (case
    and accents as the query language folds them) where folding keeps every character one character."""
    if pattern is None:
        return str(escape(text))
    folded = [fold(char) for char in text]
    searched = "".join(folded) if all(len(char) == 1 for char in folded) else text.lower()
    out, last = [], 0
    for found in pattern.finditer(searched):
        if found.end() > found.start():
            out += [
                str(escape(text[last : found.start()])),
                f"<mark>{escape(text[found.start() : found.end()])}</mark>",
            ]
            last = found.end()
    return "".join([*out, str(escape(text[last:]))])
