"""What a voice is, apart from the database: its errors, its read model, and its credentials — checked
against the connector's ``voice_model``, turned into the JSON that is encrypted, and masked for showing
(field names, ``••••`` and at most a token's last two characters; nothing of a password). Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Final

from pydantic import BaseModel, SecretBytes, SecretStr, ValidationError
from pydantic_core import to_jsonable_python

from luister.connectors.base import Capability, CapabilityMissing, Replying, require
from luister.inbox.model import InboxError

MASK: Final = "••••"
_PASSWORD_WORDS = ("password", "passphrase", "passwd")
_SHOW_TAIL_FROM = 8  # a token shorter than this shows nothing of itself


class Unset(Enum):
    unset = "unset"


UNSET: Final = Unset.unset


class VoiceError(InboxError):
    """A change to a voice that is refused; ``field`` names what is wrong (for a form or a 422)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class UnknownVoice(VoiceError):
    """No such voice, or one outside the caller's departments."""


class VoiceForbidden(VoiceError):
    """The caller's department may not change this voice (the API answers 403)."""


class VoiceUnusable(VoiceError):
    """The voice cannot reply: no connector, no credentials, no key, or a key that cannot decrypt them."""


@dataclass(frozen=True, slots=True)
class VoiceRead:
    id: int
    channel: str
    handle: str
    name: str
    connector: str | None
    active: bool
    department: str | None
    credentials: dict[str, str]  # field -> its masked value; empty when none are stored
    has_credentials: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class VoiceCheck:
    ok: bool
    message: str
    limit: int | None = None


# --- credentials: validate, store, mask -----------------------------------------------------------------


def _is_password(name: str) -> bool:
    return any(word in name.lower() for word in _PASSWORD_WORDS)


def mask(name: str, value: Any) -> str:
    """What a page may show of one credential field: a secret as ``••••`` (a token's last two
    characters after it when it is long enough; nothing of a password), anything else as it is."""
    if isinstance(value, SecretStr | SecretBytes):
        plain = value.get_secret_value()
        text = plain.decode(errors="replace") if isinstance(plain, bytes) else plain
        if _is_password(name) or len(text) < _SHOW_TAIL_FROM:
            return MASK
        return MASK + text[-2:]
    if value is None:
        return ""
    return str(to_jsonable_python(value))


def masked(model: BaseModel) -> dict[str, str]:
    return {name: mask(name, getattr(model, name)) for name in type(model).model_fields}


def unwrap(value: Any) -> Any:
    if isinstance(value, SecretStr | SecretBytes):
        plain = value.get_secret_value()
        return plain.decode() if isinstance(plain, bytes) else plain
    if isinstance(value, dict):
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [unwrap(item) for item in value]
    return value


def plain_json(model: BaseModel) -> str:
    """The model as JSON with its secrets in plain text: what is encrypted, never what is shown."""
    return json.dumps(to_jsonable_python(unwrap(model.model_dump())), separators=(",", ":"))


def validate_credentials(model_type: type[BaseModel], data: Mapping[str, Any]) -> BaseModel:
    """``data`` as the connector's ``voice_model``; a :class:`VoiceError` names the first bad field
    (the message never repeats what was given)."""
    try:
        return model_type.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors(include_input=False, include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "credentials"
        raise VoiceError(f"credentials.{where}: {first['msg']}", field=f"credentials.{where}") from None


def replying_connector(connectors: Mapping[str, type[Any]], name: str) -> type[Replying]:
    """The connector ``name`` as one that replies, or a :class:`VoiceError` saying why not."""
    found = connectors.get(name)
    if found is None:
        known = ", ".join(sorted(connectors)) or "none"
        raise VoiceError(f"connector: there is no connector {name!r} (installed: {known})", field="connector")
    try:
        return require(found, Capability.reply)
    except CapabilityMissing as exc:
        raise VoiceError(f"connector: {exc}", field="connector") from None
