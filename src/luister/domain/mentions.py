"""The mention: one thing somebody said somewhere, normalised so that sources compare.

``new_mention`` is the single door into the model: it validates, normalises (Unicode NFC, white space,
canonical URLs, UTC timestamps) and fingerprints. Connectors' pure mappers call it.
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from luister.domain.errors import MappingError
from luister.domain.locales import country_code, language_code
from luister.domain.timestamps import parse_timestamp, to_utc
from luister.domain.urls import canonical_url

MAX_TEXT_CHARS = 1_000_000
MAX_ID_CHARS = 512  # external_id, parent_id, thread_id: the columns' width (PostgreSQL enforces it)
MAX_NAME_CHARS = 255  # author_handle, author_name
_LONG_ID_KEEP = 200  # an over-long id keeps this much of itself before its hash: readable, and unique
MAX_FUTURE_SKEW = timedelta(days=1)
FINGERPRINT_MIN_TOKENS = 4
_CHANNEL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u2028\u2029\ufeff]")
_INLINE_SPACE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")  # only what is not already a single space
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
# Bidirectional controls (U+202E turns "moc.elgoog" into "google.com" on screen): never part of a name.
_BIDI_CONTROL = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BIDI_OVERRIDE = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Something a reader can see: not white space, not a joiner, mark or bidi control on its own.
_VISIBLE = re.compile(
    r"[^\s\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)
_MANY_NEWLINES = re.compile(r"\n{3,}")
_FINGERPRINT_NOISE = re.compile(r"(?:https?://|www\.|@)\S*")  # links and handles differ between copies
_PUNCTUATION_TO_SPACE = str.maketrans(dict.fromkeys(string.punctuation + "‘’‚‛“”„‟«»‹›–—―…·•¡¿", " "))
_REPOST_MARKERS = frozenset({b"rt", b"boost", b"repost"})
# For ASCII texts, the same as bytes (a table lookup per byte). \x1c-\x1f are white space to str.split()
# and to \s in a str pattern, not to bytes: they become spaces first, so both ways cut words alike.
_ASCII_SEPARATORS = bytes.maketrans(b"\x1c\x1d\x1e\x1f", b"    ")
_ASCII_NOISE = re.compile(rb"(?:https?://|www\.|@)\S*")
_ASCII_PUNCTUATION = bytes.maketrans(string.punctuation.encode(), b" " * len(string.punctuation))
_ASCII_BOTH = bytes.maketrans(
    b"\x1c\x1d\x1e\x1f" + string.punctuation.encode(), b" " * (4 + len(string.punctuation))
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:([.,\s])\d{3})(?:\1\d{3})*$")
_SCALES = {"k": 1_000, "m": 1_000_000}
GENERATED_ID_PREFIX = "h:"  # ids luister derived because the source gave none


@dataclass(slots=True)
class Mention:
    """A normalised mention. ``(channel, external_id)`` identifies it; ``raw`` is what the platform sent."""

    channel: str
    external_id: str
    text: str
    published_at: datetime
    fetched_at: datetime
    raw: str
    url: str | None = None
    title: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    author_followers: int | None = None
    language: str | None = None
    country: str | None = None
    parent_id: str | None = None
    thread_id: str | None = None
    like_count: int | None = None
    share_count: int | None = None
    reply_count: int | None = None
    view_count: int | None = None
    source_id: int | None = None
    fingerprint: int | None = None
    topic_ids: tuple[int, ...] = ()
    sentiment: str | None = None  # set by the analysers (luister.analysis), see luister.domain.analysis
    sentiment_score: float | None = None
    sentiment_confidence: float | None = None
    intents: tuple[str, ...] = ()
    intent_scores: dict[str, float] | None = None
    analysis_model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    date_known: bool = True  # False: the source gave no date; ``published_at`` is then when it was fetched
    primary_intent: str | None = None  # the most urgent of ``intents`` (luister.domain.analysis)

    def __init__(
        self,
        channel: str,
        external_id: str,
        text: str,
        published_at: datetime,
        fetched_at: datetime,
        raw: str,
        url: str | None = None,
        title: str | None = None,
        author_handle: str | None = None,
        author_name: str | None = None,
        author_followers: int | None = None,
        language: str | None = None,
        country: str | None = None,
        parent_id: str | None = None,
        thread_id: str | None = None,
        like_count: int | None = None,
        share_count: int | None = None,
        reply_count: int | None = None,
        view_count: int | None = None,
        source_id: int | None = None,
        fingerprint: int | None = None,
        topic_ids: tuple[int, ...] = (),
        sentiment: str | None = None,
        sentiment_score: float | None = None,
        sentiment_confidence: float | None = None,
        intents: tuple[str, ...] = (),
        intent_scores: dict[str, float] | None = None,
        analysis_model: str | None = None,
        extra: dict[str, Any] | None = None,
        date_known: bool = True,
        primary_intent: str | None = None,
    ) -> None:
        """Written out, not generated by ``dataclass``: compiled (``luister.compiled``), a mention is
        made natively, at a third of the cost (each is made twice on the way in: mapped, then received
        by the writer)."""
        self.channel = channel
        self.external_id = external_id
        self.text = text
        self.published_at = published_at
        self.fetched_at = fetched_at
        self.raw = raw
        self.url = url
        self.title = title
        self.author_handle = author_handle
        self.author_name = author_name
        self.author_followers = author_followers
        self.language = language
        self.country = country
        self.parent_id = parent_id
        self.thread_id = thread_id
        self.like_count = like_count
        self.share_count = share_count
        self.reply_count = reply_count
        self.view_count = view_count
        self.source_id = source_id
        self.fingerprint = fingerprint
        self.topic_ids = topic_ids
        self.sentiment = sentiment
        self.sentiment_score = sentiment_score
        self.sentiment_confidence = sentiment_confidence
        self.intents = intents
        self.intent_scores = intent_scores
        self.analysis_model = analysis_model
        self.extra = {} if extra is None else extra
        self.date_known = date_known
        self.primary_intent = primary_intent

    def __reduce__(self) -> tuple[type[Mention], tuple[Any, ...]]:
        """Pickled as its fields in order (far cheaper than the state of a compiled class)."""
        return (Mention, self.astuple())

    def astuple(self) -> tuple[Any, ...]:
        """Every field in order, as ``Mention(*fields)`` takes them back (a shallow copy)."""
        return (
            self.channel, self.external_id, self.text, self.published_at, self.fetched_at, self.raw,
            self.url, self.title, self.author_handle, self.author_name, self.author_followers,
            self.language, self.country, self.parent_id, self.thread_id, self.like_count,
            self.share_count, self.reply_count, self.view_count, self.source_id, self.fingerprint,
            self.topic_ids, self.sentiment, self.sentiment_score, self.sentiment_confidence,
            self.intents, self.intent_scores, self.analysis_model, self.extra, self.date_known,
            self.primary_intent,
        )  # fmt: skip

    @property
    def followers(self) -> int | None:
        """The author's followers, under the name the query language gives them (``followers:>1000``)."""
        return self.author_followers

    @property
    def key(self) -> tuple[str, str]:
        """The dedup key: unique per channel and the platform's own id."""
        return (self.channel, self.external_id)


def normalise_text(value: str) -> str:
    """NFC, no control characters, one space between words, at most one blank line between paragraphs."""
    text = _nfc(value)
    if text.isprintable():  # the common case: no white space but plain spaces, no control characters
        return " ".join(text.split()) if "  " in text else text.strip()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _INLINE_SPACE.sub(" ", text)
    if "\n" in text:
        text = _MANY_NEWLINES.sub("\n\n", "\n".join(line.strip() for line in text.split("\n")))
    return text.strip()


def normalise_inline(value: str | None) -> str | None:
    """Like :func:`normalise_text` but on one line; empty becomes ``None``."""
    if value is None:
        return None
    if type(value) is str and value.isascii() and value.isprintable() and "  " not in value:
        return value.strip() or None
    text = _nfc(str(value))
    if not text.isprintable():
        text = _CONTROL.sub("", text)
    return " ".join(text.split()) or None


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Case- and diacritic-insensitive form: ``Café`` and ``cafe`` fold alike."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


def text_fingerprint(text: str) -> int | None:
    """A signed 64-bit hash of the text without links, handles, case, accents and punctuation.

    Reposts and copy-pasted headlines with another link share it. Very short texts get ``None``:
    "Thanks!" repeated is not a duplicate.
    """
    folded = fold(text)
    if folded.isascii():
        return _ascii_fingerprint(folded.encode())
    if "http" in folded or "www." in folded or "@" in folded:
        folded = _FINGERPRINT_NOISE.sub(" ", folded)
    return _words_fingerprint([word.encode() for word in folded.translate(_PUNCTUATION_TO_SPACE).split()])


def _ascii_fingerprint(data: bytes) -> int | None:
    """:func:`text_fingerprint` of an ASCII text, as bytes: the same words, so the same hash, faster."""
    if b"http" in data or b"www." in data or b"@" in data:
        data = _ASCII_NOISE.sub(b" ", data.translate(_ASCII_SEPARATORS)).translate(_ASCII_PUNCTUATION)
    else:
        data = data.translate(_ASCII_BOTH)
    return _words_fingerprint(data.split())


def _words_fingerprint(words: list[bytes]) -> int | None:
    if words and words[0] in _REPOST_MARKERS:
        del words[0]
    if len(words) < FINGERPRINT_MIN_TOKENS:
        return None
    digest = hashlib.blake2b(b" ".join(words), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def derive_external_id(*parts: object) -> str:
    """A stable id for items that come without one (CSV exports): the same content gives the same id."""
    joined = "\x1f".join("" if part is None else str(part) for part in parts)
    return GENERATED_ID_PREFIX + hashlib.blake2b(joined.encode(), digest_size=12).hexdigest()


def new_mention(
    *,
    channel: object,
    external_id: object,
    text: object,
    published_at: object,
    fetched_at: datetime,
    raw: str,
    url: object = None,
    title: object = None,
    author_handle: object = None,
    author_name: object = None,
    author_followers: object = None,
    language: object = None,
    country: object = None,
    parent_id: object = None,
    thread_id: object = None,
    like_count: object = None,
    share_count: object = None,
    reply_count: object = None,
    view_count: object = None,
    source_id: int | None = None,
) -> Mention:
    """Validate and normalise one mention. Raises :class:`MappingError` naming the field at fault."""
    fetched = to_utc(fetched_at)
    clean_text = normalise_text(_as_str("text", text)) if text is not None else ""
    clean_title = normalise_inline(_as_str("title", title)) if title is not None else None
    if clean_text and not clean_text[0].isalnum() and not _VISIBLE.search(clean_text):
        clean_text = ""  # only joiners, marks and bidi controls: nothing anybody said
    if clean_title and not clean_title[0].isalnum() and not _VISIBLE.search(clean_title):
        clean_title = None
    if not clean_text and not clean_title:
        raise MappingError("text", "mention has no text and no title")
    if len(clean_text) > MAX_TEXT_CHARS:
        raise MappingError("text", f"text is {len(clean_text):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    date_known = (
        published_at is not None
        and published_at != ""
        and not (type(published_at) is str and published_at.isspace())
    )
    published = parse_timestamp(published_at) if date_known else fetched  # never silently: date_known says
    if published - fetched > MAX_FUTURE_SKEW:
        raise MappingError("published_at", f"{published.isoformat()} lies in the future")
    ext_id = normalise_inline(_as_str("external_id", external_id)) if external_id is not None else None
    if not ext_id:
        raise MappingError("external_id", "missing")
    if len(ext_id) > MAX_ID_CHARS:
        ext_id = shorten_id(ext_id)
    dropped: list[str] = []  # optional values that are not what they claim: left out, and said so
    return Mention(
        channel=normalise_channel(channel),
        external_id=ext_id,
        text=clean_text,
        title=clean_title,
        published_at=published,
        fetched_at=fetched,
        raw=raw,
        url=canonical_url(_optional_str(url)),
        author_handle=_name(author_handle, handle=True),
        author_name=_name(author_name, handle=False),
        author_followers=_count("author_followers", author_followers),
        language=_code("language", language, dropped),
        country=_code("country", country, dropped),
        parent_id=_reference(parent_id),
        thread_id=_reference(thread_id),
        like_count=_count("like_count", like_count),
        share_count=_count("share_count", share_count),
        reply_count=_count("reply_count", reply_count),
        view_count=_count("view_count", view_count),
        source_id=source_id,
        fingerprint=text_fingerprint(full_text(clean_title, clean_text)),
        extra={"dropped": dropped} if dropped else None,
        date_known=date_known,
    )


def shorten_id(value: str) -> str:
    """An id longer than the database holds (:data:`MAX_ID_CHARS`): its start and a hash of all of it.

    Stable, so the same item maps to the same id at every fetch, and a reply's ``parent_id`` that
    names it is shortened alike; two different long ids keep different hashes."""
    digest = hashlib.blake2b(value.encode(errors="surrogatepass"), digest_size=16).hexdigest()
    return f"{value[:_LONG_ID_KEEP]}…#{digest}"


def _reference(value: object) -> str | None:
    """``parent_id`` or ``thread_id``: another item's id, shortened as that item's own id is."""
    text = normalise_inline(_optional_str(value))
    return shorten_id(text) if text is not None and len(text) > MAX_ID_CHARS else text


def _name(value: object, *, handle: bool) -> str | None:
    """An author's handle or name on one line, without bidi controls (a handle has none; in a name
    the overrides and isolates go, which only spoof), cut at :data:`MAX_NAME_CHARS` with an ellipsis
    that shows it was cut."""
    text = normalise_inline(_optional_str(value))
    if text is None:
        return None
    if not text.isascii():
        pattern = _BIDI_CONTROL if handle else _BIDI_OVERRIDE
        text = pattern.sub("", text).strip() or None
        if text is None:
            return None
    if len(text) > MAX_NAME_CHARS:
        text = text[: MAX_NAME_CHARS - 1] + "…"
    return text


def full_text(title: str | None, text: str) -> str:
    """Title and text as one text, for fingerprints, analysis and trends."""
    return f"{title}\n{text}" if title else text


def normalise_channel(value: object) -> str:
    channel = str(value or "").strip().lower()
    if not _CHANNEL.match(channel):
        raise MappingError("channel", f"{value!r} is not a channel name (a-z, 0-9, '_', '-', '.'; ≤ 32)")
    return channel


def _as_str(name: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise MappingError(name, f"expected text, got {type(value).__name__}")


def _optional_str(value: object) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def _count(name: str, value: object) -> int | None:
    if type(value) is int and 0 <= value < 2**62:
        return value
    if value is None or value == "":
        return None
    try:
        number = _parse_count(value.strip()) if isinstance(value, str) else int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise MappingError(name, f"expected a whole number, got {value!r}") from None
    if number < 0:
        raise MappingError(name, f"must not be negative, got {number}")
    return min(number, 2**62)


def _parse_count(text: str) -> int:
    """``1234``, ``1.234`` / ``1,234`` (thousands), ``12.0``, ``1.2k``, ``3M``."""
    if _THOUSANDS.match(text):
        return int(re.sub(r"[.,\s]", "", text))
    scale = _SCALES.get(text[-1:].lower())
    if scale:
        return round(float(text[:-1].replace(",", ".")) * scale)
    return int(float(text))


def _code(name: str, value: object, dropped: list[str]) -> str | None:
    """A language (ISO 639, lower case) or country (ISO 3166 alpha-2, upper case) from a code, a BCP-47
    tag or a name in English or Dutch; anything else is noted in ``dropped`` and left out."""
    if type(value) is str and len(value) == 2 and value.isascii() and value.isalpha():
        return value.lower() if name == "language" else value.upper()
    text = normalise_inline(_optional_str(value))
    if text is None:
        return None
    code = language_code(text) if name == "language" else country_code(text)
    if code is None:
        dropped.append(f"{name} {text[:40]!r}")
    return code
