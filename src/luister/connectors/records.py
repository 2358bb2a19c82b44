"""Mapping flat or nested records (CSV rows, JSON objects, webhook bodies) onto mentions.

Columns are found by common names in English and Dutch, whatever their case or spacing (``Hit Sentence``
is ``hit_sentence``), including the exports of Meltwater, minet/gazouilloire, Pushshift, Twitter/X archives
and Mastodon outboxes; or by an explicit mapping (``text=body``, ``author_handle=user.screen_name``) given
as flags or in a small TOML/JSON file. Text that is HTML (an outbox's ``<p>…</p>``, an archive's ``&gt;``)
becomes plain text.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

from luister.connectors.html_text import html_to_text
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention, derive_external_id, new_mention
from luister.domain.timestamps import DateReading, date_flags, parse_timestamp

ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "external_id", "id", "id_str", "post_id", "status_id", "tweet_id", "guid", "uuid", "uri",
        "message_id",
    ),
    "channel": ("channel", "platform", "network", "kanaal", "medium"),
    "text": (
        "text", "content", "body", "message", "full_text", "tweet", "hit_sentence", "selftext", "snippet",
        "opening_text", "tekst", "bericht",
    ),
    "title": ("title", "headline", "subject", "titel", "onderwerp"),
    "url": ("url", "link", "permalink", "uri", "post_url"),
    "author_handle": (
        "author_handle", "handle", "username", "screen_name", "user_screen_name", "twitter_screen_name",
        "user_handle", "user", "author", "influencer", "attributedto", "auteur", "account",
    ),
    "author_name": ("author_name", "display_name", "name", "full_name", "user_name", "naam"),
    "author_followers": (
        "author_followers", "followers", "followers_count", "follower_count", "user_followers",
        "twitter_followers", "volgers",
    ),
    "published_at": (
        "published_at", "created_at", "published", "date", "datetime", "timestamp", "timestamp_utc",
        "created_utc", "created_at_utc", "created_time", "publish_date", "pubdate", "time", "posted_at",
        "datum", "tijdstip",
    ),
    "language": ("language", "lang", "taal"),
    "country": ("country", "country_code", "land"),
    "parent_id": (
        "parent_id", "in_reply_to_id", "in_reply_to_status_id_str", "in_reply_to_status_id", "in_reply_to",
        "inreplyto", "parent",
    ),
    "thread_id": ("thread_id", "conversation_id", "root_id"),
    "like_count": (
        "like_count", "likes", "favourites_count", "favorites_count", "favorite_count", "favorites",
        "reactions",
    ),
    "share_count": (
        "share_count", "shares", "reposts", "retweets", "retweet_count", "boosts", "reblogs_count",
    ),
    "reply_count": ("reply_count", "replies", "replies_count", "comments", "comment_count", "reacties"),
    "view_count": ("view_count", "views", "impressions", "weergaven"),
}  # fmt: skip
FIELDS = tuple(ALIASES)
DEFAULT_CHANNEL = "import"
REPORTED_MISSING = ("external_id", "published_at", "author_handle")
_DEFAULT_DATES = DateReading()  # the summary says when not found
_HTML_MARKUP = re.compile(  # what HTML fields hold (an outbox's <p>, an archive's &gt;); a lone <b> or
    # <img onerror=…> in a plain-text post is what someone wrote: kept as text, escaped where shown
    r"</?(?:p|br|a|span|div|ul|ol|li|blockquote|h[1-6]|pre|code)\b[^>]*>"
    r"|&(?:[a-z]{2,8}|#\d{1,7}|#x[0-9a-f]{1,6});",
    re.IGNORECASE,
)


class MappingConfigError(ValueError):
    """A column mapping names a field luister does not have, or cannot be read."""


@dataclass(frozen=True)
class FieldMapping:
    """Which record key (or dotted path) feeds each mention field; unmapped fields use :data:`ALIASES`."""

    columns: dict[str, str] = field(default_factory=dict)
    channel: str = DEFAULT_CHANNEL
    dates: DateReading = field(default_factory=DateReading)  # dates without a zone; day or month first
    _resolved: dict[tuple[str, ...], list[tuple[int, tuple[str, ...], bool]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def reading_dates(self, *, timezone: str | None, dayfirst: bool) -> FieldMapping:
        """This mapping, reading dates without a zone in ``timezone`` (an IANA name) and ``07/01/2021``
        day first or not."""
        try:
            zone: tzinfo = ZoneInfo(timezone) if timezone else UTC
        except (ZoneInfoNotFoundError, ValueError):
            raise MappingConfigError(
                f"--timezone {timezone!r}: not a time zone, e.g. Europe/Amsterdam"
            ) from None
        return FieldMapping(columns=self.columns, channel=self.channel, dates=DateReading(zone, dayfirst))

    @classmethod
    def from_pairs(
        cls, pairs: list[str], *, channel: str | None = None, base: FieldMapping | None = None
    ) -> FieldMapping:
        columns = dict(base.columns) if base else {}
        for pair in pairs:
            target, sep, source = pair.partition("=")
            if not sep or not target.strip() or not source.strip():
                raise MappingConfigError(f"--map {pair!r}: write it as FIELD=COLUMN, e.g. text=body")
            columns[target.strip()] = source.strip()
        return cls.checked(columns, channel or (base.channel if base else DEFAULT_CHANNEL))

    @classmethod
    def from_file(cls, path: Path) -> FieldMapping:
        """Read ``{"channel": "...", "fields": {"text": "body", ...}}`` from TOML or JSON."""
        try:
            content = path.read_bytes()
            data = tomllib.loads(content.decode()) if path.suffix == ".toml" else orjson.loads(content)
        except (OSError, ValueError) as exc:
            raise MappingConfigError(f"{path}: cannot read the mapping file: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("fields", {}), dict):
            raise MappingConfigError(f"{path}: expected a table with a 'fields' table of FIELD = COLUMN")
        columns = {str(k): str(v) for k, v in data.get("fields", {}).items()}
        return cls.checked(columns, str(data.get("channel", DEFAULT_CHANNEL)))

    @classmethod
    def checked(cls, columns: dict[str, str], channel: str) -> FieldMapping:
        unknown = sorted(set(columns) - set(FIELDS))
        if unknown:
            raise MappingConfigError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(FIELDS)}")
        return cls(columns=columns, channel=channel)

    def map(self, item: RawItem, fetched_at: datetime) -> Mention:
        """The mapper for :class:`~luister.services.ingest.Pipeline`: pure, raises :class:`MappingError`."""
        record = item.data
        if not isinstance(record, Mapping):
            raise MappingError("record", "expected an object")
        values: list[Any] = [None] * len(FIELDS)
        for at, sources, is_path in self._sources_for(record):
            if is_path:
                values[at] = _lookup(record, sources[0])
                continue
            for key in sources:  # the first alias with a value wins, as a person would read it
                value = record[key]
                if value is None or (type(value) is str and not value):
                    continue
                if type(value) is dict or type(value) is list:  # a nested object is not this field's value
                    continue  # (an ActivityStreams "replies" collection is not a reply count)
                values[at] = value
                break
        # in the order of FIELDS (tests/unit/test_field_mapping.py checks every field lands in its place)
        (external_id, channel, text, title, url, author_handle, author_name, author_followers, published_at,
         language, country, parent_id, thread_id, like_count, share_count, reply_count, view_count,
         ) = values  # fmt: skip
        channel = channel or self.channel
        if type(text) is str and ("<" in text or "&" in text) and _HTML_MARKUP.search(text):
            text = html_to_text(text)
        if type(title) is str and ("<" in title or "&" in title) and _HTML_MARKUP.search(title):
            title = html_to_text(title)
        if external_id is None or external_id == "":
            # a post's link stays when its text is edited: the same post exported twice is one mention
            parts = (url,) if url else (url, author_handle, published_at, text)
            external_id = derive_external_id(channel, *parts)
        flags = date_flags(published_at) if type(published_at) is str else 0
        if flags and self.dates != _DEFAULT_DATES:  # a zone or order to apply (else new_mention reads it)
            published_at = parse_timestamp(published_at, reading=self.dates)
        # every field by name: compiled, this is a direct call (a ``**values`` call parses 20 keywords)
        mention = new_mention(
            channel=channel, external_id=external_id, text=text, published_at=published_at,
            fetched_at=fetched_at, raw=item.raw, url=url, title=title, author_handle=author_handle,
            author_name=author_name, author_followers=author_followers, language=language, country=country,
            parent_id=parent_id, thread_id=thread_id, like_count=like_count, share_count=share_count,
            reply_count=reply_count, view_count=view_count,
        )  # fmt: skip
        if flags:
            mention.extra["date_flags"] = flags  # counted for the summary (luister.services.ingest)
        return mention

    def _sources_for(self, record: Mapping[str, Any]) -> list[tuple[int, tuple[str, ...], bool]]:
        """Per field (by its place in :data:`FIELDS`): the mapped path, or the columns this record has
        for its aliases (``Hit Sentence`` for ``hit_sentence``); cached per set of keys."""
        keys = tuple(record)
        found = self._resolved.get(keys)
        if found is None:
            by_name = _columns_by_name(keys)
            found = []
            for at, name in enumerate(FIELDS):
                if name in self.columns:
                    found.append((at, (self.columns[name],), True))
                elif columns := tuple(by_name[alias] for alias in ALIASES[name] if alias in by_name):
                    found.append((at, columns, False))
            if len(self._resolved) < 1024:
                self._resolved[keys] = found
        return found

    def describe(self, columns: Iterable[str]) -> dict[str, str]:
        """``{field: column}`` as records with these ``columns`` are mapped (the first alias found)."""
        keys = tuple(columns)
        return {
            FIELDS[at]: sources[0]
            for at, sources, is_path in self._sources_for(dict.fromkeys(keys))
            if is_path or sources
        }


def _columns_by_name(keys: Iterable[str]) -> dict[str, str]:
    """Each column under its alias form, lower case with ``_`` for spaces and dashes; an exact name
    wins over one that only matches so."""
    by_name: dict[str, str] = {}
    for key in keys:
        name = "_".join(str(key).strip().lower().replace("-", " ").split())
        if name not in by_name or key == name:
            by_name[name] = key
    return by_name


def _lookup(record: Mapping[str, Any], path: str) -> Any:
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
