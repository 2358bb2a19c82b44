"""Saved searches (a person's named mention-list addresses) and tags on mentions: pure rules."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

KEPT = (
    "q",
    "topic",
    "sentiment",
    "intent",
    "channel",
    "country",
    "language",
    "since",
    "until",
    "tag",
    "sort",
)
MAX_NAME = 120
MAX_QUERY = 4000
MAX_PER_PERSON = 100
MAX_TAG = 40


class SavedSearchError(ValueError):
    """A saved search cannot be stored; the message says why (in English; ``code`` names it)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class TagError(SavedSearchError):
    """A tag cannot be renamed, merged or deleted; ``code`` says why: ``unknown_tag`` (no mention has
    it), ``tag_taken`` (a rename onto a tag in use: merge instead), ``same_tag``."""


def check_tag_change(tag: str, to: str, *, to_exists: bool, merging: bool) -> None:
    """Whether ``tag`` may become ``to`` (both cleaned): a rename needs a new name, a merge a tag in use."""
    if tag == to:
        raise TagError("a tag cannot become itself", "same_tag")
    if to_exists and not merging:
        raise TagError(f"the tag {to!r} is in use: merge into it instead", "tag_taken")
    if merging and not to_exists:
        raise TagError(f"no mention has the tag {to!r}", "unknown_tag")


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise SavedSearchError("give the search a name", "no_name")
    if len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise SavedSearchError(f"a name has at most {MAX_NAME} printable characters", "bad_name")
    return name


def clean_tag(tag: str) -> str:
    """A tag as stored: its words joined by single spaces, at most MAX_TAG printable characters."""
    tag = " ".join(tag.split())
    if not tag:
        raise SavedSearchError("give a tag", "no_tag")
    if len(tag) > MAX_TAG or any(ord(c) < 32 or ord(c) == 127 for c in tag):
        raise SavedSearchError(f"a tag has at most {MAX_TAG} printable characters", "bad_tag")
    return tag


def clean_query(query_string: str) -> str:
    """The list's filters, sort and query of ``query_string``, in a fixed order, without the page cursor
    or anything else (so opening it always starts at the first page)."""
    values = dict(parse_qsl(query_string.lstrip("?"), keep_blank_values=False))
    kept = urlencode([(name, values[name]) for name in KEPT if values.get(name, "").strip()])
    if len(kept) > MAX_QUERY:
        raise SavedSearchError(f"a saved search is at most {MAX_QUERY} characters", "too_long")
    return kept
