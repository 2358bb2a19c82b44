"""Secrets at rest: what luister must keep but never show (voices' credentials, the tokens and passwords in
sources' and alert channels' options), encrypted with Fernet.

The key comes from ``encryption_key`` (``LUISTER_ENCRYPTION_KEY``): one or more Fernet keys, comma-separated;
the first encrypts, all decrypt, so a key is rotated by putting a new one first, re-encrypting
(:meth:`Cipher.rotate`) and then dropping the old one. In dev mode without a key, one is generated once
into ``data_dir/encryption.key`` (0600) and the log says so once; in production without one, every use is
refused with a message that names the setting and how to make a key. Neither keys nor plain text are
ever logged, and no error message carries them."""

from __future__ import annotations

import base64
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from luister.settings import Mode, Settings

log = logging.getLogger(__name__)
SETTING = "LUISTER_ENCRYPTION_KEY"
MAKE_A_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
_HKDF_INFO = b"luister voice credentials v1"
_said_derived: set[str] = set()  # the dev-mode notice, once per process and key file
DEV_KEY_FILE = "encryption.key"


class SecretsUnavailable(RuntimeError):
    """No usable key: production without ``encryption_key``, or a key that is not a Fernet key."""


class CannotDecrypt(ValueError):
    """A token the keys cannot open: the key was changed, or the stored value was altered."""


def derive_key(secret_key: str) -> bytes:
    """A Fernet key derived from ``secret_key`` (HKDF-SHA256): dev mode's key when none is set."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


def dev_key(settings: Settings) -> bytes:
    """Dev mode's key when none is set: generated once and kept in ``data_dir/encryption.key`` (mode 0600),
    so credentials stay readable across restarts (the dev secret key is new in every process)."""
    path = settings.data_dir / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(Fernet.generate_key())
    if str(path) not in _said_derived:
        _said_derived.add(str(path))
        log.warning(
            "%s is not set: secrets (voices' credentials, secret options) are encrypted with the dev key "
            "in %s (dev mode only; production needs the setting)", SETTING, path,
        )  # fmt: skip
    key = path.read_bytes().strip()
    try:
        Fernet(key)
    except ValueError:
        raise SecretsUnavailable(f"{path} does not hold a Fernet key: remove it to make a new one") from None
    return key


class Cipher:
    """Encrypts and decrypts text with the configured keys; :meth:`of` builds it from the settings.
    Without keys (``refusal`` set) every use raises :class:`SecretsUnavailable` with that message."""

    def __init__(self, keys: Sequence[bytes], *, refusal: str | None = None) -> None:
        self._refusal = refusal
        self._fernet: MultiFernet | None = None
        if refusal is None:
            if not keys:
                raise ValueError("a cipher needs at least one key")
            self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def of(cls, settings: Settings) -> Cipher:
        given = settings.encryption_key.get_secret_value()
        parts = [part.strip() for part in given.split(",") if part.strip()]
        if parts:
            keys: list[bytes] = []
            for number, part in enumerate(parts, start=1):
                try:
                    Fernet(part.encode())
                except ValueError:
                    return cls(
                        [],
                        refusal=f"{SETTING} holds something that is not a Fernet key (key "
                        f"{number} of {len(parts)}: 32 url-safe base64-encoded bytes); make one "
                        f"with: {MAKE_A_KEY}",
                    )
                keys.append(part.encode())
            return cls(keys)
        if settings.mode is Mode.production:
            return cls(
                [],
                refusal=f"{SETTING} is not set: production mode needs it to save or use secrets (voices' "
                f"credentials, sources' and alert channels' secret options). Make a key with: {MAKE_A_KEY}",
            )
        return cls([dev_key(settings)])

    @property
    def available(self) -> bool:
        return self._fernet is not None

    @property
    def refusal(self) -> str | None:
        """Why the cipher cannot be used (None when it can)."""
        return self._refusal

    def _ready(self) -> MultiFernet:
        if self._fernet is None:
            raise SecretsUnavailable(self._refusal or f"{SETTING} is not usable")
        return self._fernet

    def encrypt(self, text: str) -> str:
        return self._ready().encrypt(text.encode()).decode("ascii")

    def decrypt(self, token: str, *, what: str) -> str:
        """The text of ``token``; :class:`CannotDecrypt` names ``what`` (e.g. "the credentials of voice
        3") and the likely cause, never the token or a key."""
        fernet = self._ready()
        try:
            return fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError, ValueError):
            raise CannotDecrypt(f"cannot decrypt {what}: was {SETTING} changed?") from None

    def rotate(self, token: str, *, what: str) -> str:
        """``token`` encrypted again with the first key (after a new key was put first)."""
        fernet = self._ready()
        try:
            return fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError, ValueError):
            raise CannotDecrypt(f"cannot decrypt {what}: was {SETTING} changed?") from None

    def __repr__(self) -> str:  # never the keys
        return f"Cipher(available={self.available})"


SEALED = "$sealed"  # an option stored encrypted: {"$sealed": "<Fernet token>"}


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED} and isinstance(value[SEALED], str)


def seal_options(
    options: Mapping[str, Any], cipher: Cipher, *, secret: Callable[[str], bool]
) -> dict[str, Any]:
    """``options`` to store: each non-empty text under a name ``secret`` calls secret replaced by its
    encryption (values sealed already are kept). Raises :class:`SecretsUnavailable` without a key: a
    secret is never stored in clear instead."""
    return {
        name: {SEALED: cipher.encrypt(value)} if secret(name) and isinstance(value, str) and value else value
        for name, value in options.items()
    }


def open_options(stored: Mapping[str, Any], cipher: Cipher, *, what: str) -> dict[str, Any]:
    """Stored options with every sealed value decrypted, for the code that uses them (a connector, a
    channel); :class:`CannotDecrypt` names ``what`` and the option. Values stored in clear by an older
    version are returned as they are (:func:`clear_secrets` finds them)."""
    return {
        name: cipher.decrypt(value[SEALED], what=f"option {name!r} of {what}") if is_sealed(value) else value
        for name, value in stored.items()
    }


def reseal_options(
    stored: Mapping[str, Any], cipher: Cipher, *, secret: Callable[[str], bool], what: str
) -> dict[str, Any]:
    """Stored options encrypted again with the first key: after a key rotation, and for secrets an older
    version stored in clear."""
    return seal_options(open_options(stored, cipher, what=what), cipher, secret=secret)


def clear_secrets(stored: Mapping[str, Any], *, secret: Callable[[str], bool]) -> list[str]:
    """The names of secrets stored in clear (rows written before options were sealed)."""
    return [name for name, value in stored.items() if secret(name) and isinstance(value, str) and value]


def shown_options(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored options fit to show without decrypting: a sealed value reads as ``***``."""
    return {name: "***" if is_sealed(value) else value for name, value in stored.items()}
