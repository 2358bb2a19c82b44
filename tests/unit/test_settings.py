from pathlib import Path

import pytest
from pydantic import ValidationError

from luister.settings import Mode, get_settings


def test_defaults_are_embedded_sqlite_in_dev_mode() -> None:
    settings = get_settings()
    assert settings.database_url == "sqlite:///./luister.db"
    assert settings.mode is Mode.dev
    assert settings.is_sqlite


def test_dev_mode_generates_a_secret_per_process() -> None:
    first, second = get_settings().secret_key.get_secret_value(), get_settings().secret_key.get_secret_value()
    assert len(first) >= 40 and first != second


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUISTER_DATABASE_URL", "postgresql://luister@db/luister")
    monkeypatch.setenv("LUISTER_LOG_LEVEL", "debug")
    settings = get_settings()
    assert settings.database_url == "postgresql://luister@db/luister"
    assert settings.log_level == "DEBUG"
    assert not settings.is_sqlite


def test_toml_file_and_env_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "luister.toml").write_text(
        'database_url = "sqlite:///from-toml.db"\ningest_batch_size = 500\n'
    )
    assert get_settings().database_url == "sqlite:///from-toml.db"
    assert get_settings().ingest_batch_size == 500
    monkeypatch.setenv("LUISTER_INGEST_BATCH_SIZE", "700")
    assert get_settings().ingest_batch_size == 700


@pytest.mark.parametrize("secret", ["", "changeme", "secret"])
def test_production_refuses_insecure_secrets(secret: str) -> None:
    with pytest.raises(ValidationError, match="LUISTER_SECRET_KEY"):
        get_settings(mode="production", secret_key=secret)


def test_production_keeps_a_real_secret() -> None:
    settings = get_settings(mode="production", secret_key="x" * 48)
    assert settings.secret_key.get_secret_value() == "x" * 48
    assert "x" * 48 not in repr(settings)


@pytest.mark.parametrize("bad", [{"log_level": "LOUD"}, {"ingest_batch_size": 0}, {"unknown_option": 1}])
def test_invalid_values_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        get_settings(**bad)


def test_the_time_zone_of_spike_alerts_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_settings().zone.key == "Europe/Amsterdam"
    monkeypatch.setenv("LUISTER_TIME_ZONE", "America/New_York")
    assert get_settings().zone.key == "America/New_York"
    monkeypatch.setenv("LUISTER_TIME_ZONE", "Mars/Olympus_Mons")
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus_Mons'; use an IANA name"):
        get_settings()


def test_the_fetch_size_limit_is_a_setting_the_sources_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #24: feeds over the fixed 10 MiB could not be read; LUISTER_FETCH_MAX_BYTES raises it."""
    from luister.runtime import Runtime

    monkeypatch.setenv("LUISTER_FETCH_MAX_BYTES", str(50 * 1024 * 1024))
    settings = get_settings()
    assert settings.fetch_max_bytes == 50 * 1024 * 1024
    assert Runtime(settings).http_policy().max_bytes == 50 * 1024 * 1024
