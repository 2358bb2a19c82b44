"""Voices on SQLite and PostgreSQL: added, changed, masked, deactivated and deleted with audit rows that
never hold a secret; their credentials encrypted at rest and turned into a working replier; presence."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.engine import Engine

from fakes.voice import CONNECTORS, TOKEN, EchoPlatform, EchoReplier
from luister.domain.accounts import Role, Scope
from luister.inbox import presence
from luister.inbox.model import UnknownConversation
from luister.inbox.setup import save_department
from luister.inbox.tables import conversation, reply_draft, voice
from luister.inbox.voices import (
    UnknownVoice,
    VoiceError,
    VoiceForbidden,
    VoiceUnusable,
    add_voice,
    check_voice,
    deactivate_voice,
    delete_voice,
    list_voices,
    rekey_voices,
    update_voice,
    voice_detail,
    voice_replier,
)
from luister.net.http import FetchPolicy, SafeHttp
from luister.services.accounts import create_user
from luister.settings import get_settings
from luister.storage.secrets import Cipher
from luister.storage.tables import audit_log

NOW = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
KEY = Fernet.generate_key().decode()


def cipher(key: str = KEY) -> Cipher:
    return Cipher.of(get_settings(encryption_key=key))


def creds(base_url: str = "http://127.0.0.1:9", token: str = TOKEN) -> dict[str, str]:
    return {"base_url": base_url, "access_token": token, "password": "correct horse battery"}


def add(engine: Engine, **given: object) -> int:
    values: dict[str, object] = {
        "channel": "echo",
        "handle": "@voltaro",
        "name": "Voltaro",
        "connector": "echo",
        "credentials": creds(),
    } | given
    return add_voice(
        engine=engine, actor="anouk@voltaro.example", connectors=CONNECTORS, cipher=cipher(), **values
    )  # type: ignore[arg-type]


def audit_text(engine: Engine) -> str:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_log.c.action, audit_log.c.detail)).all()
    return json.dumps([[r.action, r.detail] for r in rows])


def test_credentials_are_encrypted_masked_and_never_audited(engine: Engine) -> None:
    voice_id = add(engine)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(voice.c.credentials).where(voice.c.id == voice_id)).scalar_one()
    assert TOKEN not in stored and "correct horse" not in stored
    assert json.loads(cipher().decrypt(stored, what="x"))["access_token"] == TOKEN
    found = voice_detail(engine=engine, voice_id=voice_id, connectors=CONNECTORS, cipher=cipher())
    assert found.credentials == {
        "base_url": "http://127.0.0.1:9",
        "access_token": "••••XY",
        "password": "••••",
    }
    assert found.connector == "echo" and found.active and found.has_credentials
    assert list_voices(engine=engine)[0].credentials == {}  # no cipher given: nothing decrypted at all
    text = audit_text(engine)
    assert "voice.add" in text and "access_token" in text  # the fields' names ...
    assert TOKEN not in text and "correct horse" not in text  # ... never their values


def test_bad_input_is_refused_with_the_field(engine: Engine) -> None:
    with pytest.raises(VoiceError) as caught:
        add(engine, credentials={"base_url": "x"})
    assert caught.value.field == "credentials.access_token"
    with pytest.raises(VoiceError, match="connector: there is no connector 'nope'"):
        add(engine, connector="nope")
    with pytest.raises(VoiceError, match="the fake connector cannot reply"):
        add(engine, connector="fake")
    with pytest.raises(VoiceError, match="credentials: choose the connector"):
        add(engine, connector=None)
    add(engine)
    with pytest.raises(VoiceError, match="already has the voice"):
        add(engine, handle="@VOLTARO")
    with pytest.raises(VoiceError, match="department: there is no department"):
        add(engine, handle="@other", department_key="nowhere")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(voice)).scalar_one() == 1


def test_a_voice_without_a_connector_only_recognises_our_posts(engine: Engine) -> None:
    voice_id = add(engine, connector=None, credentials=None)
    found = voice_detail(engine=engine, voice_id=voice_id, connectors=CONNECTORS, cipher=cipher())
    assert found.connector is None and not found.has_credentials and found.credentials == {}
    with pytest.raises(VoiceUnusable, match="has no connector"):
        voice_replier(engine, voice_id, connectors=CONNECTORS, cipher=cipher(), http=None)


def test_update_replaces_credentials_only_when_given(engine: Engine) -> None:
    voice_id = add(engine)
    c = {
        "engine": engine,
        "actor": "anouk@voltaro.example",
        "voice_id": voice_id,
        "now": NOW,
        "connectors": CONNECTORS,
        "cipher": cipher(),
    }
    update_voice(name="Voltaro NL", **c)  # type: ignore[arg-type]
    found = voice_detail(engine=engine, voice_id=voice_id, connectors=CONNECTORS, cipher=cipher())
    assert found.name == "Voltaro NL" and found.credentials["access_token"] == "••••XY"
    update_voice(
        credentials={"base_url": "http://127.0.0.1:9", "access_token": "", "password": "new-pass"},
        keep_blank=True,
        **c,
    )  # type: ignore[arg-type]
    replier = voice_replier(engine, voice_id, connectors=CONNECTORS, cipher=cipher(), http=None)
    assert isinstance(replier, EchoReplier)
    assert replier.voice.access_token.get_secret_value() == TOKEN  # kept: left blank
    assert replier.voice.password is not None and replier.voice.password.get_secret_value() == "new-pass"
    update_voice(credentials=creds(token="another-token-AB"), **c)  # type: ignore[arg-type]
    assert (
        voice_detail(engine=engine, voice_id=voice_id, connectors=CONNECTORS, cipher=cipher()).credentials[
            "access_token"
        ]
        == "••••AB"
    )
    with pytest.raises(VoiceError) as caught:
        update_voice(credentials={"base_url": "x"}, **c)  # type: ignore[arg-type]
    assert caught.value.field == "credentials.access_token"
    update_voice(connector=None, **c)  # type: ignore[arg-type]
    found = voice_detail(engine=engine, voice_id=voice_id)
    assert found.connector is None and not found.has_credentials
    assert "another-token" not in audit_text(engine) and "new-pass" not in audit_text(engine)


def test_department_scope_decides_who_manages_a_voice(engine: Engine) -> None:
    for key in ("customer-service", "sales"):
        save_department(engine=engine, actor="cli", key=key, name_en=key)
    own = Scope("customer-service")
    voice_id = add(engine, department_key="customer-service", scope=own)
    company = add(engine, handle="@company")
    with pytest.raises(VoiceForbidden):
        add(engine, handle="@sales", department_key="sales", scope=own)
    with pytest.raises(VoiceForbidden):
        deactivate_voice(engine=engine, actor="x", voice_id=company, now=NOW, scope=own)
    with pytest.raises(UnknownVoice):
        voice_detail(engine=engine, voice_id=add(engine, handle="@s", department_key="sales"), scope=own)
    assert {v.handle for v in list_voices(engine=engine, scope=own)} == {"@voltaro", "@company"}
    deactivate_voice(engine=engine, actor="x", voice_id=voice_id, now=NOW, scope=own)
    assert not voice_detail(engine=engine, voice_id=voice_id).active
    with pytest.raises(VoiceUnusable, match="not active"):
        voice_replier(engine, voice_id, connectors=CONNECTORS, cipher=cipher(), http=None)


def test_delete_only_when_unused(engine: Engine) -> None:
    voice_id, used = add(engine), add(engine, handle="@used")
    with engine.begin() as conn:
        conversation_id = conn.execute(
            conversation.insert()
            .values(channel="echo", subject="s", route={}, cycle_started_at=NOW, last_customer_at=NOW)
            .returning(conversation.c.id)
        ).scalar_one()
        conn.execute(reply_draft.insert().values(conversation_id=conversation_id, voice_id=used, body="hi"))
    with pytest.raises(VoiceError, match="deactivate it instead"):
        delete_voice(engine=engine, actor="x", voice_id=used)
    delete_voice(engine=engine, actor="x", voice_id=voice_id)
    with pytest.raises(UnknownVoice):
        voice_detail(engine=engine, voice_id=voice_id)
    assert "voice.delete" in audit_text(engine)


def test_a_changed_key_is_a_clear_error_and_rekey_rotates(engine: Engine) -> None:
    voice_id = add(engine)
    other = Fernet.generate_key().decode()
    with pytest.raises(VoiceUnusable) as caught:
        voice_replier(engine, voice_id, connectors=CONNECTORS, cipher=cipher(other), http=None)
    assert str(caught.value) == (
        f"cannot decrypt the credentials of voice 'Voltaro' (#{voice_id}): "
        "was LUISTER_ENCRYPTION_KEY changed?"
    )
    both = cipher(f"{other},{KEY}")
    assert rekey_voices(engine=engine, actor="cli", cipher=both) == 1
    assert voice_replier(engine, voice_id, connectors=CONNECTORS, cipher=cipher(other), http=None)
    with pytest.raises(VoiceUnusable):
        voice_replier(engine, voice_id, connectors=CONNECTORS, cipher=cipher(), http=None)


def test_production_without_a_key_refuses_to_save_credentials(engine: Engine) -> None:
    refusing = Cipher.of(get_settings(mode="production", secret_key="x" * 40))
    with pytest.raises(VoiceUnusable, match="LUISTER_ENCRYPTION_KEY is not set"):
        add_voice(
            engine=engine,
            actor="x",
            channel="echo",
            handle="@v",
            name="V",
            connector="echo",
            credentials=creds(),
            connectors=CONNECTORS,
            cipher=refusing,
        )
    add_voice(
        engine=engine,
        actor="x",
        channel="echo",
        handle="@v",
        name="V",
        connectors=CONNECTORS,
        cipher=refusing,
    )  # a voice without credentials needs no key


def test_check_voice_proves_the_credentials_with_the_platform(engine: Engine) -> None:
    async def check(voice_id: int) -> tuple[bool, str]:
        async with SafeHttp(FetchPolicy(allow=frozenset({"127.0.0.1"}), retries=0, timeout=5)) as http:
            found = await check_voice(
                engine=engine, voice_id=voice_id, connectors=CONNECTORS, cipher=cipher(), http=http
            )
        return found.ok, found.message

    with EchoPlatform() as platform:
        good = add(engine, credentials=creds(platform.url))
        bad = add(engine, handle="@bad", credentials=creds(platform.url, token="wrong-token-00"))
        assert asyncio.run(check(good)) == (True, "the credentials work: replies of up to 500 characters")
        ok, message = asyncio.run(check(bad))
    assert not ok and message == "the platform refused (credentials): the access token was refused"
    assert "wrong-token" not in message


def test_presence_upserts_and_reads_who_else_is_there(engine: Engine) -> None:
    users = []
    for name in ("Anna", "Bram <b>", "Carla"):
        create_user(
            engine=engine,
            email=f"{name[:4].lower().strip()}@voltaro.example",
            name=name,
            password="a long and secret passphrase",
            role=Role.agent,
        )
    with engine.begin() as conn:
        users = [r.id for r in conn.execute(sa.text("SELECT id FROM user_account ORDER BY id"))]
        conversation_id = conn.execute(
            conversation.insert()
            .values(channel="echo", subject="s", route={}, cycle_started_at=NOW, last_customer_at=NOW)
            .returning(conversation.c.id)
        ).scalar_one()
    anna, bram, carla = users
    ping = presence.ping
    assert (
        ping(engine=engine, conversation_id=conversation_id, user_id=anna, typing=False, now=NOW).viewing
        == []
    )
    ping(engine=engine, conversation_id=conversation_id, user_id=bram, typing=True, now=NOW)
    ping(
        engine=engine,
        conversation_id=conversation_id,
        user_id=bram,
        typing=True,
        now=NOW + timedelta(seconds=1),
    )
    ping(
        engine=engine,
        conversation_id=conversation_id,
        user_id=carla,
        typing=False,
        now=NOW - timedelta(seconds=9),
    )
    seen = ping(
        engine=engine,
        conversation_id=conversation_id,
        user_id=anna,
        typing=False,
        now=NOW + timedelta(seconds=2),
    )
    assert seen == presence.Presence(viewing=["Bram <b>"], typing=["Bram <b>"])
    later = ping(
        engine=engine,
        conversation_id=conversation_id,
        user_id=bram,
        typing=False,
        now=NOW + timedelta(seconds=3),
    )
    assert later == presence.Presence(viewing=["Anna"], typing=[])
    with engine.begin() as conn:
        assert presence.sweep(conn, now=NOW + timedelta(minutes=2)) == 3
    save_department(engine=engine, actor="cli", key="sales", name_en="Sales")
    with engine.begin() as conn:
        sales = sa.text("(SELECT id FROM department WHERE key = 'sales')")
        conn.execute(conversation.update().values(department_id=sales))
    with pytest.raises(UnknownConversation):
        ping(
            engine=engine,
            conversation_id=conversation_id,
            user_id=anna,
            typing=False,
            now=NOW,
            scope=Scope("customer-service"),
        )
