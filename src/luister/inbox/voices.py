"""Voices: the accounts the company speaks from, per channel. Every voice is recognised when its posts are
fetched back (they are our replies); a voice with a ``connector`` that can reply and its ``credentials``
also answers from the inbox.

Credentials are the connector's ``voice_model`` as JSON, encrypted at rest (:mod:`luister.storage.secrets`);
they are validated against that model when given, decrypted only to build the voice's replier, and shown
only masked (field names, ``••••`` and at most a token's last two characters; nothing of a password).
Every change is one transaction with its audit row, which names the credentials' fields, never their
values. Managing voices needs ``manage``; a voice of a department is changed only by that department's
people (or someone across departments), a voice of the whole company only across departments."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.engine import Connection, Engine

from luister.connectors.base import ConnectorError, Replier, ReplyDeferred, ReplyRefused, ReplyUncertain
from luister.domain.accounts import EVERYTHING, Scope
from luister.effects.tables import effect
from luister.inbox.credentials import (
    UNSET,
    UnknownVoice,
    Unset,
    VoiceCheck,
    VoiceError,
    VoiceForbidden,
    VoiceRead,
    VoiceUnusable,
    masked,
    plain_json,
    replying_connector,
    unwrap,
    validate_credentials,
)
from luister.inbox.tables import department, reply_draft, voice
from luister.services import audit
from luister.storage.secrets import CannotDecrypt, Cipher, SecretsUnavailable
from luister.storage.unique import insert_new

__all__ = [
    "UNSET",
    "UnknownVoice",
    "VoiceCheck",
    "VoiceError",
    "VoiceForbidden",
    "VoiceRead",
    "VoiceUnusable",
    "add_voice",
    "check_voice",
    "deactivate_voice",
    "delete_voice",
    "list_voices",
    "rekey_voices",
    "update_voice",
    "voice_detail",
    "voice_replier",
]


def _stored(cipher: Cipher, row: Any, connector_type: type[Any]) -> BaseModel:
    """A voice's stored credentials, decrypted and validated (raises :class:`VoiceUnusable`)."""
    what = f"the credentials of voice {row.name!r} (#{row.id})"
    try:
        text = cipher.decrypt(row.credentials, what=what)
    except (CannotDecrypt, SecretsUnavailable) as exc:
        raise VoiceUnusable(str(exc)) from None
    try:
        return validate_credentials(connector_type.voice_model, json.loads(text))
    except (VoiceError, ValueError) as exc:
        raise VoiceUnusable(f"{what} no longer fit the {row.connector} connector: {exc}") from None


# --- reads ------------------------------------------------------------------------------------------------


def _query() -> sa.Select[Any]:
    return sa.select(voice, department.c.key.label("department_key")).select_from(
        voice.outerjoin(department, department.c.id == voice.c.department_id)
    )


def _read(row: Any, connectors: Mapping[str, type[Any]], cipher: Cipher | None) -> VoiceRead:
    shown: dict[str, str] = {}
    if row.credentials and row.connector and cipher is not None and cipher.available:
        try:
            kind = replying_connector(connectors, row.connector)
            shown = masked(_stored(cipher, row, kind))
        except VoiceError:
            shown = {}  # unreadable: the page says "cannot be read"; the check says why
    return VoiceRead(
        id=row.id,
        channel=row.channel,
        handle=row.handle,
        name=row.name,
        connector=row.connector,
        active=bool(row.active),
        department=row.department_key,
        credentials=shown,
        has_credentials=bool(row.credentials),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def list_voices(
    *,
    engine: Engine,
    scope: Scope = EVERYTHING,
    connectors: Mapping[str, type[Any]] | None = None,
    cipher: Cipher | None = None,
) -> list[VoiceRead]:
    """The voices the scope sees (its department's and the company's), by channel and handle; credentials
    masked (shown only when ``connectors`` and ``cipher`` are given)."""
    with engine.connect() as conn:
        rows = conn.execute(_query().order_by(voice.c.channel, voice.c.handle)).all()
    return [_read(r, connectors or {}, cipher) for r in rows if scope.sees(r.department_key)]


def voice_detail(
    *,
    engine: Engine,
    voice_id: int,
    scope: Scope = EVERYTHING,
    connectors: Mapping[str, type[Any]] | None = None,
    cipher: Cipher | None = None,
) -> VoiceRead:
    with engine.connect() as conn:
        row = conn.execute(_query().where(voice.c.id == voice_id)).first()
    if row is None or not scope.sees(row.department_key):
        raise UnknownVoice(f"there is no voice #{voice_id}")
    return _read(row, connectors or {}, cipher)


# --- actions ----------------------------------------------------------------------------------------------


def _department(conn: Connection, key: str | None) -> int | None:
    if not key:
        return None
    found = conn.execute(sa.select(department.c.id).where(department.c.key == key)).scalar()
    if found is None:
        raise VoiceError(f"department: there is no department {key!r}", field="department")
    return int(found)


def _own(scope: Scope, key: str | None) -> None:
    if not scope.owns(key):
        raise VoiceForbidden(
            f"only people of {key or 'every department'} (or across departments) may change this voice"
        )


def _text(value: str, name: str, limit: int) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise VoiceError(f"{name}: must not be empty", field=name)
    if len(cleaned) > limit or any(ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        raise VoiceError(f"{name}: at most {limit} characters, no control characters", field=name)
    return cleaned


def _encrypt(cipher: Cipher, model: BaseModel) -> str:
    try:
        return cipher.encrypt(plain_json(model))
    except SecretsUnavailable as exc:
        raise VoiceUnusable(str(exc), field="credentials") from None


def _fields(model: BaseModel | None) -> list[str]:
    return sorted(type(model).model_fields) if model is not None else []


def add_voice(
    *,
    engine: Engine,
    actor: str,
    channel: str,
    handle: str,
    name: str,
    connector: str | None = None,
    credentials: Mapping[str, Any] | None = None,
    department_key: str | None = None,
    active: bool = True,
    scope: Scope = EVERYTHING,
    connectors: Mapping[str, type[Any]],
    cipher: Cipher,
) -> int:
    """A new voice; with a ``connector`` its ``credentials`` are validated against the connector's
    ``voice_model`` and stored encrypted. Returns the voice's id."""
    channel = _text(channel, "channel", 32).lower()
    handle = _text(handle, "handle", 255)
    name = _text(name, "name", 120)
    _own(scope, department_key or None)
    model = None
    if connector:
        kind = replying_connector(connectors, connector)
        model = validate_credentials(kind.voice_model, credentials or {})
    elif credentials:
        raise VoiceError("credentials: choose the connector they are for", field="connector")
    token = _encrypt(cipher, model) if model is not None else None
    with engine.begin() as conn:
        department_id = _department(conn, department_key)
        clash = conn.execute(
            sa.select(voice.c.id).where(
                voice.c.channel == channel, sa.func.lower(voice.c.handle) == handle.lower()
            )
        ).first()
        taken = VoiceError(f"handle: {channel} already has the voice {handle!r}", field="handle")
        if clash is not None:
            raise taken
        added = insert_new(
            conn,
            voice.insert()
            .values(
                channel=channel,
                handle=handle,
                name=name,
                connector=connector or None,
                credentials=token,
                active=active,
                department_id=department_id,
            )
            .returning(voice.c.id),
        )
        if added is None:  # added by another request since the look-up above
            raise taken
        voice_id = added[0].id
        detail = {
            "channel": channel,
            "handle": handle,
            "connector": connector or None,
            "department": department_key or None,
            "credentials": _fields(model),
        }
        audit.record(conn, actor=actor, action="voice.add", target=f"voice:{voice_id}", detail=detail)
    return int(voice_id)


def _row(conn: Connection, voice_id: int, scope: Scope) -> Any:
    row = conn.execute(_query().where(voice.c.id == voice_id)).first()
    if row is None or not scope.sees(row.department_key):
        raise UnknownVoice(f"there is no voice #{voice_id}")
    _own(scope, row.department_key)
    return row


def update_voice(
    *,
    engine: Engine,
    actor: str,
    voice_id: int,
    now: datetime,
    name: str | None = None,
    connector: str | None | Unset = UNSET,
    credentials: Mapping[str, Any] | None = None,
    keep_blank: bool = False,
    department_key: str | None | Unset = UNSET,
    active: bool | None = None,
    scope: Scope = EVERYTHING,
    connectors: Mapping[str, type[Any]],
    cipher: Cipher,
) -> None:
    """Change what is given. ``credentials`` replace the stored ones (validated against the connector's
    ``voice_model``); with ``keep_blank`` a field left empty keeps its stored value (the web form).
    Choosing another connector needs its credentials; no connector (None) drops them."""
    with engine.begin() as conn:
        row = _row(conn, voice_id, scope)
        values: dict[str, Any] = {"updated_at": now}
        changed: list[str] = []
        if name is not None and _text(name, "name", 120) != row.name:
            values["name"] = _text(name, "name", 120)
            changed.append("name")
        if department_key is not UNSET and (department_key or None) != row.department_key:
            _own(scope, department_key or None)
            values["department_id"] = _department(conn, department_key or None)
            changed.append("department")
        if active is not None and active != bool(row.active):
            values["active"] = active
            changed.append("active")
        target = row.connector if connector is UNSET else (connector or None)
        fields: list[str] = []
        if target is None:
            if row.connector is not None or row.credentials is not None:
                values |= {"connector": None, "credentials": None}
                changed.append("connector")
            if credentials:
                raise VoiceError("credentials: choose the connector they are for", field="connector")
        else:
            kind = replying_connector(connectors, target)
            if target != row.connector:
                changed.append("connector")
                if credentials is None:
                    raise VoiceError(
                        f"credentials: give the {target} connector's credentials", field="credentials"
                    )
                values["connector"] = target
            if credentials is not None:
                given = dict(credentials)
                if keep_blank and row.credentials and target == row.connector:
                    stored = unwrap(_stored(cipher, row, kind).model_dump())
                    given = stored | {k: v for k, v in given.items() if v not in ("", None)}
                model = validate_credentials(kind.voice_model, given)
                values["credentials"] = _encrypt(cipher, model)
                fields = _fields(model)
                changed.append("credentials")
        conn.execute(voice.update().where(voice.c.id == voice_id).values(**values))
        audit.record(
            conn,
            actor=actor,
            action="voice.update",
            target=f"voice:{voice_id}",
            detail={"changed": changed, "credentials": fields},
        )


def deactivate_voice(
    *, engine: Engine, actor: str, voice_id: int, now: datetime, scope: Scope = EVERYTHING
) -> None:
    """The voice no longer replies (its posts are still recognised as ours); its drafts stay."""
    with engine.begin() as conn:
        _row(conn, voice_id, scope)
        conn.execute(voice.update().where(voice.c.id == voice_id).values(active=False, updated_at=now))
        audit.record(conn, actor=actor, action="voice.deactivate", target=f"voice:{voice_id}")


def delete_voice(*, engine: Engine, actor: str, voice_id: int, scope: Scope = EVERYTHING) -> None:
    """Remove a voice nothing refers to yet (no reply drafts, no effects); else deactivate it."""
    with engine.begin() as conn:
        row = _row(conn, voice_id, scope)
        drafts = conn.execute(
            sa.select(sa.func.count()).select_from(reply_draft).where(reply_draft.c.voice_id == voice_id)
        ).scalar_one()
        effects = conn.execute(
            sa.select(sa.func.count()).select_from(effect).where(effect.c.lane == f"voice:{voice_id}")
        ).scalar_one()
        if drafts or effects:
            raise VoiceError(
                f"voice {row.name!r} has replies ({drafts + effects}); deactivate it instead", field="voice"
            )
        conn.execute(voice.delete().where(voice.c.id == voice_id))
        audit.record(
            conn,
            actor=actor,
            action="voice.delete",
            target=f"voice:{voice_id}",
            detail={"channel": row.channel, "handle": row.handle},
        )


def rekey_voices(*, engine: Engine, actor: str, cipher: Cipher) -> int:
    """Encrypt every voice's credentials again with the first key (after a new one was put first);
    returns how many. A voice the keys cannot open stops it all, naming the voice."""
    with engine.begin() as conn:
        rows = conn.execute(sa.select(voice.c.id, voice.c.name, voice.c.credentials)).all()
        done = 0
        for row in rows:
            if not row.credentials:
                continue
            try:
                token = cipher.rotate(
                    row.credentials, what=f"the credentials of voice {row.name!r} (#{row.id})"
                )
            except (CannotDecrypt, SecretsUnavailable) as exc:
                raise VoiceUnusable(str(exc)) from None
            conn.execute(voice.update().where(voice.c.id == row.id).values(credentials=token))
            done += 1
        audit.record(conn, actor=actor, action="voice.rekey", detail={"voices": done})
    return done


# --- replying -------------------------------------------------------------------------------------------


def voice_replier(
    conn_or_engine: Connection | Engine,
    voice_id: int,
    *,
    connectors: Mapping[str, type[Any]],
    cipher: Cipher,
    http: Any,
) -> Replier:
    """The voice's :class:`~luister.connectors.base.Replier`: its connector (asked for
    ``Capability.reply``), its credentials decrypted and validated. :class:`VoiceUnusable` says why not."""
    query = sa.select(voice).where(voice.c.id == voice_id)
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            row = conn.execute(query).first()
    else:
        row = conn_or_engine.execute(query).first()
    if row is None:
        raise UnknownVoice(f"there is no voice #{voice_id}")
    if not row.active:
        raise VoiceUnusable(f"voice {row.name!r} is not active")
    if not row.connector:
        raise VoiceUnusable(f"voice {row.name!r} has no connector to reply with")
    if not row.credentials:
        raise VoiceUnusable(f"voice {row.name!r} has no credentials")
    try:
        kind = replying_connector(connectors, row.connector)
    except VoiceError as exc:
        raise VoiceUnusable(f"voice {row.name!r}: {exc}") from None
    return kind.replier(_stored(cipher, row, kind), http=http)


async def check_voice(
    *,
    engine: Engine,
    voice_id: int,
    scope: Scope = EVERYTHING,
    connectors: Mapping[str, type[Any]],
    cipher: Cipher,
    http: Any,
) -> VoiceCheck:
    """Whether the voice's credentials work: its replier asks the platform for its text limit."""
    voice_detail(engine=engine, voice_id=voice_id, scope=scope)  # unknown or unseen: UnknownVoice
    try:
        replier = voice_replier(engine, voice_id, connectors=connectors, cipher=cipher, http=http)
        limit = await replier.limit()
    except VoiceUnusable as exc:
        return VoiceCheck(False, str(exc))
    except ReplyRefused as exc:
        return VoiceCheck(False, f"the platform refused ({exc.code}): {exc}")
    except ReplyDeferred as exc:
        return VoiceCheck(False, f"the platform asks to wait {exc.retry_after:.0f} s: {exc}")
    except (ReplyUncertain, ConnectorError) as exc:
        return VoiceCheck(False, f"the platform could not be reached: {exc}")
    return VoiceCheck(True, f"the credentials work: replies of up to {limit} characters", limit)
