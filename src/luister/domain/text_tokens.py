"""Tokenisation shared by the topic query parser, the reference evaluator and the compiled matcher.

Texts are normalised first (:func:`normalise`: case and diacritics folded, typographic apostrophes made
plain) and then cut into *positions*. Every position has one primary value (what a plain query term
compares with); some positions carry more:

* ``auto's``, ``m'n``, ``zo'n`` stay one token; ``Voltaro's`` also offers ``voltaro`` (a *prefix*).
* ``e-mail`` gives the positions ``e`` and ``mail`` and also the *join* ``email`` spanning both.
* ``#voltaro`` is a position whose value is ``voltaro``, recorded as a hashtag; ``@voltaro`` and
  ``@voltaro@mastodon.social`` likewise, recorded as handles.
* ``voltaro.nl`` gives the positions ``voltaro`` and ``nl`` and records the domain; a URL (``https://…``,
  ``www.…`` or ``host.tld/path``) gives the positions of its host name and records the domain and the
  URL; the path is no words.
* an emoji is a position of its own, also glued to a word (``enerlux😤`` is ``enerlux`` then ``😤``);
  a ZWJ sequence or a flag is one emoji, a skin tone stays on its emoji (``👍🏽``, which also offers
  ``👍`` as a prefix), variation selectors are dropped by :func:`normalise`. Other symbols separate
  tokens and take no position.

Every value is a substring of the normalised text once hyphens are removed from it: the matcher's
Aho–Corasick prefilter relies on that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from luister.domain.mentions import fold

Span = tuple[int, int]  # [start, end) in positions

_APOSTROPHES = ("\u2019", "\u2018", "\u02bc")
# Emoji: pictographs and the older symbol blocks people type as emoji (☀ ❤ ✨ ⚡), not arrows or dashes
EMOJI_CHARS = "\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001faff"
_EMOJI_BASE = f"[{EMOJI_CHARS}]"
_EMOJI_MODIFIER = "[\U0001f3fb-\U0001f3ff]"  # skin tones: part of the emoji before them
_EMOJI = (
    f"[\U0001f1e6-\U0001f1ff]{{2}}"  # a flag: two regional indicators
    f"|{_EMOJI_BASE}{_EMOJI_MODIFIER}*(?:\u200d{_EMOJI_BASE}{_EMOJI_MODIFIER}*)*"  # ZWJ sequences
)
_EMOJI_MODIFIERS = re.compile(_EMOJI_MODIFIER)
# Never part of a token nor the start of one: stripping them off a chunk leaves its tokens as they were.
_EDGE_PUNCTUATION = "!\"$%&'()*+,-./:;<=>?[\\]^`{|}~\u2026\u201c\u201d\u2018\u2019\u00ab\u00bb\u2013\u2014"
_TOKEN = re.compile(
    r"""
      (?:https?://|www\.)[^\s<>"]+               # URL with a scheme or www.
    | (?:\w+(?:-\w+)*\.)+[^\W\d_]{2,}/[^\s<>"]*  # host.tld/path
    | \#\w+                                      # hashtag
    | @\w+(?:[-.@]\w+)*                          # @handle, @user@instance, @name.bsky.social
    | \w+(?:[-'.@]\w+)*                          # word, auto's, e-mail, voltaro.nl, info@voltaro.nl
    | """
    + _EMOJI,  # an emoji (see the module documentation)
    re.VERBOSE,
)
_URL = re.compile(r"(?:https?://|www\.)\S+|(?:\w+(?:-\w+)*\.)+[^\W\d_]{2,}/\S*")
_DOUBLE_JOINER = re.compile(r"['-]['-]")
_HOST_WORD = re.compile(r"\w+(?:[-']\w+)*")
_URL_TAIL = ".,;:!?)]}'\""
_KEY_SPLIT = re.compile(f"[^\\w'.@\u200d{EMOJI_CHARS}]+")
_NON_SPACE = re.compile(r"\S+")


def normalise(text: str) -> str:
    """Fold case and diacritics (``Café`` → ``cafe``), make typographic apostrophes plain and drop emoji
    variation selectors (``❤️`` is ``❤``)."""
    folded = fold(text)
    if folded.isascii():
        return folded
    for apostrophe in _APOSTROPHES:
        if apostrophe in folded:
            folded = folded.replace(apostrophe, "'")
    if "\ufe0f" in folded:
        folded = folded.replace("\ufe0f", "")
    return folded


def prefilter_text(normalised: str) -> str:
    """The text the matcher's prefilter scans: hyphens removed, so ``e-mail`` contains ``email``."""
    return normalised.replace("-", "") if "-" in normalised else normalised


def literal_key(value: str) -> str:
    """The longest literal piece of a query value that every matching text must contain."""
    return max(_KEY_SPLIT.split(value), key=len)


class Tokens:
    """The positions of one normalised text, with lazily built lookups for the compiled matcher."""

    __slots__ = (
        "words",
        "prefixes",
        "joins",
        "hashtags",
        "handles",
        "domains",
        "urls",
        "_values",
        "_lines",
        "_positions",
    )

    def __init__(self) -> None:
        self.words: list[str] = []  # the primary value of every position
        self.prefixes: list[tuple[str, int]] = []  # voltaro's → (voltaro, position)
        self.joins: list[tuple[str, int, int]] = []  # e-mail → (email, start, end)
        self.hashtags: list[tuple[str, int]] = []  # (body, position)
        self.handles: list[tuple[str, int]] = []  # (handle without '@', position)
        self.domains: list[tuple[str, int, int]] = []  # (host without www., start, end)
        self.urls: list[tuple[str, int, int]] = []  # (url_key, start, end)
        self._values: frozenset[str] | None = None
        self._lines: str | None = None
        self._positions: dict[str, list[Span]] | None = None

    def values(self) -> frozenset[str]:
        """Every value a plain term can match somewhere in the text."""
        if self._values is None:
            values = set(self.words)
            if self.prefixes:
                values.update(value for value, _ in self.prefixes)
            if self.joins:
                values.update(value for value, _, _ in self.joins)
            self._values = frozenset(values)
        return self._values

    def lines(self) -> str:
        """The values one per line, for wildcard regexes (``(?m)^klant[^\\n]*$``)."""
        if self._lines is None:
            self._lines = "\n".join(self.values())
        return self._lines

    def spans(self, value: str) -> list[Span]:
        """Where ``value`` occurs, as position spans (remembered per value)."""
        if self._positions is None:
            self._positions = {}
        found = self._positions.get(value)
        if found is None:
            words, found, at = self.words, [], -1
            for _ in range(words.count(value)):  # list.count and list.index: no loop over every word here
                at = words.index(value, at + 1)
                found.append((at, at + 1))
            if self.prefixes:
                found += [(at, at + 1) for prefix, at in self.prefixes if prefix == value]
            if self.joins:
                found += [(start, end) for join, start, end in self.joins if join == value]
            self._positions[value] = found
        return found


class ChunkView:
    """Questions about ``tokenize(text)`` answered from the chunks that matter, without tokenising it all.

    A chunk is a run of non-white-space; no token spans two, so whether a word occurs is decided by the
    chunks that contain its literal text (for joins like ``e-mail`` → ``email``: once hyphens are removed),
    and only phrases need the whole text tokenised. Chunks are tokenised on demand and remembered.
    """

    __slots__ = ("text", "full", "_chunks", "_found", "_hyphenated", "_spaced")

    def __init__(self, text: str, chunks: dict[str, Tokens] | None = None) -> None:
        self.text = text
        self.full: Tokens | None = None  # set once somebody tokenised the whole text
        self._chunks: dict[str, Tokens] = {} if chunks is None else chunks  # may be shared between texts
        self._found: dict[str, list[Tokens]] = {}
        self._hyphenated: tuple[str, list[str] | None] | None = None  # text without hyphens, chunks with
        self._spaced: bool | None = None  # whether plain spaces are its only white space

    def has_value(self, value: str) -> bool:
        """``value in tokenize(text).values()`` for a value of word characters and apostrophes."""
        if self.full is not None:
            return value in self.full.values()
        text = self.text
        at = text.find(value)
        # an emoji needs no white space or punctuation around it: its edge is a token's edge anyway
        left_edge, right_edge = _is_word(value[0]), _is_word(value[-1])
        while at >= 0:
            end = at + len(value)
            if (not left_edge or at == 0 or not _is_word(text[at - 1])) and (
                not right_edge or end == len(text) or not _is_word(text[end])
            ):
                left, right = self._bounds(at, end)
                chunk = text[left:right]
                known = _chunk_has(chunk, value)
                if known or (known is None and value in self._tokens(chunk).values()):
                    return True
            at = text.find(value, at + 1)
        if "-" not in text:
            return False
        return any(value in self._tokens(chunk).values() for chunk in self._hyphen_chunks(value))

    def has_phrase(self, words: Sequence[str]) -> bool:
        """Whether plain words (letters and digits) stand in the text in this order, one space apart.

        True means the phrase occurs; False only that it is not written that plainly.
        """
        literal, text = " ".join(words), self.text
        at = text.find(literal)
        while at >= 0:
            end = at + len(literal)
            left, right = self._bounds(at, at + 1)[0], self._bounds(end - 1, end)[1]
            first, last = text[left : at + len(words[0])], text[end - len(words[-1]) : right]
            if first.strip(_EDGE_PUNCTUATION) == words[0] and last.strip(_EDGE_PUNCTUATION) == words[-1]:
                return True
            at = text.find(literal, at + 1)
        return False

    def chunks_with(self, key: str) -> list[Tokens]:
        """The tokens of every chunk that holds ``key`` (also once its hyphens are removed)."""
        if self.full is not None:
            return [self.full]
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = [self._tokens(chunk) for chunk in self._anchors(key)]
        return found

    def _anchors(self, key: str) -> list[str]:
        """The chunks that hold ``key``, in order, then those that hold it once hyphens are removed."""
        text, found = self.text, []
        at = text.find(key)
        while at >= 0:
            left, right = self._bounds(at, at + len(key))
            found.append(text[left:right])
            at = text.find(key, right)
        if "-" in text:
            found.extend(chunk for chunk in self._hyphen_chunks(key) if key not in chunk)
        return found

    def _bounds(self, start: int, end: int) -> tuple[int, int]:
        """Where the chunk around ``text[start:end]`` starts and ends."""
        text = self.text
        if self._spaced is None:
            self._spaced = text.isprintable()
        if self._spaced:
            right = text.find(" ", end)
            return text.rfind(" ", 0, start) + 1, len(text) if right < 0 else right
        left = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
        right, newline = text.find(" ", end), text.find("\n", end)
        if right < 0 or 0 <= newline < right:
            right = len(text) if newline < 0 else newline
        if text[left:right].isprintable():  # no other white space in it
            return left, right
        found = next(m for m in _NON_SPACE.finditer(text) if m.start() <= start < m.end())
        return found.start(), found.end()

    def _tokens(self, chunk: str) -> Tokens:
        tokens = self._chunks.get(chunk)
        if tokens is None:
            tokens = self._chunks[chunk] = tokenize(chunk)
        return tokens

    def _hyphen_chunks(self, key: str) -> list[str]:
        """Chunks with a hyphen that hold ``key`` once their hyphens are removed (joins, handles)."""
        text = self.text
        if self._hyphenated is None:
            self._hyphenated = (text.replace("-", ""), None)
        flat, chunks = self._hyphenated
        if key not in flat:
            return []
        if chunks is None:
            chunks = []
            at = text.find("-")
            while at >= 0:
                left, right = self._bounds(at, at + 1)
                chunks.append(text[left:right])
                at = text.find("-", right)
            self._hyphenated = (flat, chunks)
        return [chunk for chunk in chunks if key in chunk.replace("-", "")]


def _chunk_has(chunk: str, value: str) -> bool | None:
    """Whether a chunk's tokens offer ``value``, when that is plain to see; None when it is not."""
    if not value.isalnum():
        return None
    core = chunk.strip(_EDGE_PUNCTUATION)
    if core == value or (core[1:] == value and core[0] in "#@"):
        return True
    if core.replace("'", "").replace("-", "").isalnum() and not _DOUBLE_JOINER.search(core):
        parts = core.split("-")
        if value in parts:  # value has no apostrophe: a part that is it is a word
            return True
        if "'" in core and value in {part.split("'", 1)[0] for part in parts}:
            return True
        return value == core.replace("-", "")
    return None


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def tokenize(text: str) -> Tokens:
    """Cut a :func:`normalise`-d text into positions (see the module documentation)."""
    tokens = Tokens()
    words = tokens.words
    for chunk in text.split():  # no token spans white space; most chunks are one plain word
        if chunk.isalnum():
            words.append(chunk)
            continue
        core = chunk.strip(_EDGE_PUNCTUATION)
        if core.isalnum():
            words.append(core)
        elif not core:
            continue
        elif core[0] in "#@" and core[1:].isalnum():
            (tokens.hashtags if core[0] == "#" else tokens.handles).append((core[1:], len(words)))
            words.append(core[1:])
        elif core.replace("'", "").replace("-", "").isalnum() and not _DOUBLE_JOINER.search(core):
            _add_compound(tokens, core)  # auto's, e-mail
        else:
            _add_chunk(tokens, chunk)
    return tokens


_SPACE = re.compile(r"\s")


def chunks_through(text: str, keys: tuple[str, ...]) -> str | None:
    """``text`` up to the end of the last chunk holding one of ``keys``, when that is shorter; else None.

    The tokens of that part are the first tokens of the whole text (no token spans two chunks), and every
    occurrence of a word whose literal keys these are lies in it: enough to find where such words stand.
    Hyphens hide keys (``volt-aro`` holds ``voltaro`` only as a join), so a text with one is kept whole.
    """
    if "-" in text or "" in keys:
        return None
    ends = [at + len(key) for key in keys if (at := text.rfind(key)) >= 0]
    if not ends:
        return ""  # none of the words occurs
    space = _SPACE.search(text, max(ends))  # where that chunk ends
    return None if space is None else text[: space.start()]


def tokenize_chunked(text: str, known: dict[str, Tokens]) -> Tokens:
    """:func:`tokenize`, with the tokens of chunks that are not one plain word taken from ``known``.

    A chunk's tokens do not depend on the chunks around it, so they are tokenised once (and added to
    ``known``) and only shifted to where the chunk stands: ``e-mail``, ``auto's`` and ``#voltaro`` recur.
    """
    tokens = Tokens()
    chunks = text.split()
    # the chunks that are not one plain word (those are the words as they are); compiled, a native loop
    others = [place for place, chunk in enumerate(chunks) if not chunk.isalnum()]
    if not others:
        tokens.words = chunks
        return tokens
    words = tokens.words
    done = 0  # chunks up to here are in words
    for place in others:
        if done < place:
            words += chunks[done:place]
        done = place + 1
        chunk = chunks[place]
        part = known.get(chunk)
        if part is None:
            part = known[chunk] = tokenize(chunk)
        at = len(words)
        words += part.words
        if part.prefixes:
            tokens.prefixes += [(value, at + index) for value, index in part.prefixes]
        if part.joins:
            tokens.joins += [(value, at + start, at + end) for value, start, end in part.joins]
        if part.hashtags:
            tokens.hashtags += [(value, at + index) for value, index in part.hashtags]
        if part.handles:
            tokens.handles += [(value, at + index) for value, index in part.handles]
        if part.domains:
            tokens.domains += [(value, at + start, at + end) for value, start, end in part.domains]
        if part.urls:
            tokens.urls += [(value, at + start, at + end) for value, start, end in part.urls]
    if done < len(chunks):
        words += chunks[done:]
    return tokens


def _add_chunk(tokens: Tokens, chunk: str) -> None:
    words = tokens.words
    for token in _TOKEN.findall(chunk):
        if token.isalnum():
            words.append(token)
            continue
        first = token[0]
        if first == "#":
            tokens.hashtags.append((token[1:], len(words)))
            words.append(token[1:])
        elif first == "@":
            tokens.handles.append((token[1:], len(words)))
            words.append(handle_local(token[1:]).replace("-", ""))
        elif not _is_word(first):  # an emoji: the rest of _TOKEN's shapes start with a word character
            if _EMOJI_MODIFIERS.search(token) and "\u200d" not in token:  # 👍🏽 is also a 👍
                tokens.prefixes.append((_EMOJI_MODIFIERS.sub("", token), len(words)))
            words.append(token)
        elif "/" in token or token.startswith("www."):
            _add_url(tokens, token)
        else:
            for part in token.split("@"):
                _add_dotted(tokens, part)


def handle_local(handle: str) -> str:
    """``jan@mastodon.social`` → ``jan``; ``voltaro.bsky.social`` → ``voltaro``."""
    return re.split(r"[.@]", handle, maxsplit=1)[0]


def handle_keys(handle: str) -> tuple[str, str]:
    """What a handle query compares with: the whole handle and its local part."""
    return (handle, handle_local(handle))


def url_key(url: str) -> str:
    """``https://www.voltaro.nl/storing/`` → ``voltaro.nl/storing``: scheme, www., user, port dropped."""
    rest = url.split("://", 1)[-1].rstrip(_URL_TAIL)
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    return _host(rest[:cut]) + rest[cut:].rstrip("/")


def url_host(key: str) -> str:
    """The host part of a :func:`url_key`."""
    return re.split(r"[/?#]", key, maxsplit=1)[0]


def is_url(text: str) -> bool:
    """Whether a normalised query word is a URL: ``https://…``, ``www.…`` or ``host.tld/path``."""
    return _URL.fullmatch(text) is not None


def _host(netloc: str) -> str:
    host = netloc.rpartition("@")[2].partition(":")[0].strip(".")
    return host[4:] if host.startswith("www.") else host


def _add_url(tokens: Tokens, token: str) -> None:
    key = url_key(token)
    host = url_host(key)
    start = len(tokens.words)
    for label in _HOST_WORD.findall(host):
        _add_compound(tokens, label)
    if len(tokens.words) > start:
        tokens.domains.append((host, start, len(tokens.words)))
        tokens.urls.append((key, start, len(tokens.words)))


def _add_dotted(tokens: Tokens, part: str) -> None:
    labels = part.split(".")
    if len(labels) == 1:
        _add_compound(tokens, part)
        return
    if labels[0] == "www" and len(labels) > 2:
        del labels[0]
    start = len(tokens.words)
    for label in labels:
        _add_compound(tokens, label)
    if labels[-1].isalpha() and len(labels[-1]) >= 2:
        tokens.domains.append((".".join(labels), start, len(tokens.words)))


def _add_compound(tokens: Tokens, label: str) -> None:
    if "-" not in label:
        _add_word(tokens, label)
        return
    parts = label.split("-")
    start = len(tokens.words)
    for part in parts:
        _add_word(tokens, part)
    tokens.joins.append(("".join(parts), start, len(tokens.words)))


def _add_word(tokens: Tokens, word: str) -> None:
    if "'" in word:
        tokens.prefixes.append((word.split("'", 1)[0], len(tokens.words)))
    tokens.words.append(word)


def is_domain(host: str) -> bool:
    """Whether a normalised query word is a host name: one :func:`tokenize` domain covering all of it."""
    tokens = tokenize(host)
    return len(tokens.domains) == 1 and tokens.domains[0] == (host, 0, len(tokens.words))


def domain_matches(domain: str, host: str) -> bool:
    """``mijn.voltaro.nl`` is (a subdomain of) ``voltaro.nl``."""
    return domain == host or domain.endswith("." + host)


def url_matches(url: str, prefix: str) -> bool:
    """``voltaro.nl/storing/123`` starts with ``voltaro.nl/storing`` (whole path segments only)."""
    return url == prefix or (url.startswith(prefix) and url[len(prefix)] in "/?#")


def term_sequences(term: str) -> list[tuple[str, ...]]:
    """The value sequences a plain (non-wildcard) query term matches: ``e-mail`` → ``e mail`` or ``email``."""
    tokens = tokenize(term)
    sequences = [tuple(tokens.words)]
    if len(tokens.words) > 1:
        sequences.extend(
            (join,) for join, start, end in tokens.joins if (start, end) == (0, len(tokens.words))
        )
    return sequences


def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """``klant*`` → a regex matching one whole value per line; ``*`` is any run of characters in a token."""
    body = "[^\n]*".join(re.escape(piece) for piece in pattern.split("*"))
    return re.compile(f"^{body}$", re.MULTILINE)


def chain(occurrences: Sequence[Iterable[Span]]) -> list[Span]:
    """Spans where the occurrences follow each other directly (an exact phrase)."""
    current = list(occurrences[0])
    for following in occurrences[1:]:
        by_start: dict[int, list[int]] = {}
        for start, end in following:
            by_start.setdefault(start, []).append(end)
        current = [(start, end2) for start, end in current for end2 in by_start.get(end, ())]
        if not current:
            break
    return current


def distance(first: Span, second: Span) -> int:
    """Tokens from one span to the other: 1 for neighbours, 0 for overlapping spans."""
    return max(second[0] - first[1], first[0] - second[1], -1) + 1
