"""An effect's key (pure): 13 characters of base32-sortable time, the format of an AT Protocol TID.
Made by the effects ledger, read back by the repliers (the key's time bounds a search for a reply).

One format serves every platform: Mastodon takes it as ``Idempotency-Key``, Bluesky as the record key
(``rkey``) of the post, so that after a crash ``getRecord`` on it says whether the post exists; platforms
without keys recognise the reply by its text instead."""

from __future__ import annotations

import re
from datetime import UTC, datetime

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
KEY_PATTERN = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def new_key(now: datetime, clock_id: int) -> str:
    """The key for an effect planned at ``now``; ``clock_id`` (0-1023) tells apart keys made in the same
    microsecond (the ledger draws it at random and retries on the rare collision)."""
    if not 0 <= clock_id < 1024:
        raise ValueError("clock_id is 10 bits: 0-1023")
    micros = int(now.timestamp() * 1_000_000)
    value = (micros << 10) | clock_id
    chars = []
    for _ in range(13):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_key(text: str) -> bool:
    return bool(KEY_PATTERN.match(text))


def key_time(key: str) -> datetime | None:
    """The moment an effect key was made (its first 53 bits are microseconds), or None when ``key`` is
    not a TID."""
    if not is_key(key):
        return None
    value = 0
    for char in key:
        value = (value << 5) | ALPHABET.index(char)
    try:
        return datetime.fromtimestamp((value >> 10) / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
