"""Secrets at rest: the cipher round-trips, rotates keys, refuses a wrong key and production without one,
derives a dev key (saying so once), never logs or repeats a key; credentials are masked for showing."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import BaseModel, SecretStr

from luister.inbox.credentials import MASK, VoiceError, mask, masked, plain_json, validate_credentials
from luister.settings import get_settings
from luister.storage import secrets
from luister.storage.secrets import CannotDecrypt, Cipher, SecretsUnavailable, derive_key

SECRET = "a-real-secret-key-for-these-tests-only-0123456789"


def test_round_trip_with_a_configured_key() -> None:
    key = Fernet.generate_key().decode()
    cipher = Cipher.of(get_settings(encryption_key=key))
    token = cipher.encrypt('{"access_token": "s3cr3t"}')
    assert "s3cr3t" not in token
    assert cipher.decrypt(token, what="x") == '{"access_token": "s3cr3t"}'
    assert Fernet(key.encode()).decrypt(token.encode()) == b'{"access_token": "s3cr3t"}'  # the first key


def test_rotation_the_first_key_encrypts_all_decrypt() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = Cipher.of(get_settings(encryption_key=old)).encrypt("hello")
    both = Cipher.of(get_settings(encryption_key=f" {new} , {old} "))
    assert both.decrypt(token, what="x") == "hello"
    rotated = both.rotate(token, what="x")
    only_new = Cipher.of(get_settings(encryption_key=new))
    assert only_new.decrypt(rotated, what="x") == "hello"
    with pytest.raises(CannotDecrypt):
        only_new.decrypt(token, what="x")
    assert Fernet(new.encode()).decrypt(both.encrypt("fresh").encode()) == b"fresh"


def test_a_wrong_key_says_what_and_why_without_the_token() -> None:
    token = Cipher.of(get_settings(encryption_key=Fernet.generate_key().decode())).encrypt("hello")
    other = Cipher.of(get_settings(encryption_key=Fernet.generate_key().decode()))
    with pytest.raises(CannotDecrypt) as caught:
        other.decrypt(token, what="the credentials of voice 'Voltaro' (#3)")
    assert str(caught.value) == (
        "cannot decrypt the credentials of voice 'Voltaro' (#3): was LUISTER_ENCRYPTION_KEY changed?"
    )
    assert token not in str(caught.value)
    with pytest.raises(CannotDecrypt):
        other.decrypt("not a token at all ✓", what="x")


def test_production_without_a_key_refuses_every_use_naming_the_setting() -> None:
    cipher = Cipher.of(get_settings(mode="production", secret_key=SECRET))
    assert not cipher.available
    for use in (lambda: cipher.encrypt("x"), lambda: cipher.decrypt("x", what="y")):
        with pytest.raises(SecretsUnavailable) as caught:
            use()
        assert "LUISTER_ENCRYPTION_KEY is not set" in str(caught.value)
        assert "Fernet.generate_key()" in str(caught.value)


def test_production_with_a_key_works() -> None:
    key = Fernet.generate_key().decode()
    cipher = Cipher.of(get_settings(mode="production", secret_key=SECRET, encryption_key=key))
    assert cipher.decrypt(cipher.encrypt("ok"), what="x") == "ok"


def test_a_malformed_key_is_refused_without_repeating_it() -> None:
    cipher = Cipher.of(get_settings(encryption_key="not-a-fernet-key-hunter2"))
    with pytest.raises(SecretsUnavailable) as caught:
        cipher.encrypt("x")
    assert "not a Fernet key" in str(caught.value) and "hunter2" not in str(caught.value)


def test_dev_mode_keeps_a_key_in_the_data_dir_and_says_so_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(secrets, "_said_derived", set())
    settings = get_settings(secret_key=SECRET, data_dir=tmp_path / "data")
    with caplog.at_level(logging.WARNING, logger="luister.storage.secrets"):
        first, second = Cipher.of(settings), Cipher.of(settings)
    assert caplog.text.count("LUISTER_ENCRYPTION_KEY is not set") == 1
    key_file = tmp_path / "data" / "encryption.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text() not in caplog.text and SECRET not in caplog.text
    token = first.encrypt("hello")
    assert second.decrypt(token, what="x") == "hello"
    # a restart (a new random dev secret key) still reads what was stored
    again = Cipher.of(get_settings(secret_key=SECRET + "-restarted", data_dir=tmp_path / "data"))
    assert again.decrypt(token, what="x") == "hello"
    assert Fernet(key_file.read_bytes()).decrypt(token.encode()) == b"hello"
    assert SECRET not in repr(first)
    assert derive_key(SECRET) != derive_key(SECRET + "!")


class Voice(BaseModel):
    base_url: str
    access_token: SecretStr
    app_password: SecretStr
    pin: SecretStr | None = None


def test_masking_shows_field_names_and_at_most_two_characters_of_a_token() -> None:
    model = validate_credentials(
        Voice,
        {"base_url": "https://social.example", "access_token": "abcdefghijXY", "app_password": "pw-9876543"},
    )
    assert masked(model) == {
        "base_url": "https://social.example",
        "access_token": MASK + "XY",
        "app_password": MASK,  # nothing of a password
        "pin": "",
    }
    assert mask("token", SecretStr("short")) == MASK  # too short to show any of it
    assert "abcdefghijXY" in plain_json(model) and "pw-9876543" in plain_json(model)


def test_a_bad_credential_field_is_named_without_repeating_what_was_given() -> None:
    with pytest.raises(VoiceError) as caught:
        validate_credentials(Voice, {"base_url": "x", "access_token": ["s3cr3t-in-a-list"]})
    assert caught.value.field == "credentials.access_token"
    assert "s3cr3t" not in str(caught.value)
