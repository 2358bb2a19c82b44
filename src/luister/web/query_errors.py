"""Query errors in the reader's language: the parser's English messages read back against the templates
they were made from (:mod:`luister.domain.query_syntax`), then translated part by part. Text that
matches no template is shown as it is, in English, rather than not at all."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from luister.domain.queries import QuerySyntaxError

Gettext = Callable[[str], str]
AT = "%(problem)s at %(where)s: %(detail)s"
WHERE = ("column %(column)s", "line %(line)s, column %(column)s")
PROBLEMS = (
    "empty query", "unexpected ')'", "unbalanced quote", "unbalanced parenthesis", "unexpected '-'",
    "unexpected end of query", "nested too deeply", "NEAR needs a term, phrase or wildcard on both sides",
    "NEAR without a distance", "empty phrase", "followers:<0 can never match", "unexpected %(token)s",
    "unknown field %(field)s", "bad distance %(value)s", "bad followers comparison %(value)s",
    "bad value %(value)s for %(field)s", "bad wildcard %(value)s", "bad hashtag %(value)s",
    "bad handle %(value)s", "empty followers range %(value)s", "%(value)s has no letters or digits",
    "%(value)s reads like a field",
)  # fmt: skip
DETAILS = (
    "there is no '(' before it to close", "this '(' is never closed: expected ')'",
    "this phrase is never closed: expected '\"'", "write it right before what to exclude: -vacature",
    "fields, NOT, AND and phrases with ~ cannot stand next to NEAR", "write NEAR/5 (within 5 tokens)",
    "expected a number above 0", "expected one word with '*' in it: klant*",
    "expected words between the quotes", "leave it out", "write the lower number first",
    'a distance follows a phrase: "a b"~5',
    'a distance follows a quoted phrase: "a b"~5',
    "expected >1000, >=1000, <1000, <=1000, =1000 or a range 1000..5000",
    "fields are %(fields)s; quote a term with a colon",
    "at most %(levels)s levels of parentheses and NOT inside each other",
    'expected a whole number from 1 to %(most)s: NEAR/5 or "a b"~5',
    "expected only letters, digits and _ after %(sign)s", "quote it: %(quoted)s",
    "expected one of %(values)s",
)  # fmt: skip
EXPECTED = "expected %(items)s"
NEAR_HINT = " (NEAR joins two terms: a NEAR/5 b AND b NEAR/5 c)"
ITEMS = (
    "a term", "a phrase", "a field", "'('", "')'", "NOT", "AND", "OR", "NEAR/n", "the end of the query",
    "a value", "a language code: lang:nl", "a country code: country:BE", "a channel: channel:mastodon",
    "a domain", "a name", "a topic name",
)  # fmt: skip
OR = " or "
REFERENCES = (
    "the query refers to unknown topic %(name)s", "topic %(topic)s refers to unknown topic %(name)s",
    "topics refer to each other in a cycle: %(cycle)s", "unknown topic %(name)s",
)  # fmt: skip
MESSAGES = (AT, *WHERE, *PROBLEMS, *DETAILS, EXPECTED, NEAR_HINT, *ITEMS, OR, *REFERENCES)  # the catalogue's


def explain(exc: QuerySyntaxError, gettext: Gettext) -> str:
    """``str(exc)`` in the language of ``gettext``."""
    where = (gettext(WHERE[1]) if "\n" in exc.query else gettext(WHERE[0])) % {
        "line": exc.line, "column": exc.column}  # fmt: skip
    return gettext(AT) % {"problem": _translate(exc.problem, PROBLEMS, gettext), "where": where,
                          "detail": _detail(exc.detail, gettext)}  # fmt: skip


def explain_reference(message: str, gettext: Gettext) -> str:
    """A ``QueryReferenceError``'s message in the language of ``gettext``."""
    return _translate(message, REFERENCES, gettext)


def _detail(text: str, gettext: Gettext) -> str:
    translated = _translate(text, DETAILS, gettext)
    if translated is not text:
        return translated
    hint = text.endswith(NEAR_HINT)
    body = text.removesuffix(NEAR_HINT) if hint else text
    if not body.startswith("expected "):
        return text
    items = re.split(r", | or ", body.removeprefix("expected "))
    if not all(item in ITEMS for item in items):
        return text
    words = [gettext(item) for item in items]
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + gettext(OR) + words[-1]
    return gettext(EXPECTED) % {"items": joined} + (gettext(NEAR_HINT) if hint else "")


def _translate(text: str, templates: Iterable[str], gettext: Gettext) -> str:
    for template in templates:
        found = _pattern(template).fullmatch(text)
        if found is not None:
            return gettext(template) % found.groupdict() if found.groupdict() else gettext(template)
    return text


def _pattern(template: str) -> re.Pattern[str]:
    return _PATTERNS.get(template) or _PATTERNS.setdefault(template, re.compile("".join(
        f"(?P<{part[2:-2]}>.+?)" if part.startswith("%(") else re.escape(part)
        for part in re.split(r"(%\([a-z]+\)s)", template)
    ), re.DOTALL))  # fmt: skip


_PATTERNS: dict[str, re.Pattern[str]] = {}
