"""Typed settings, read from ``LUISTER_*`` environment variables and an optional ``luister.toml``.

Build them with :func:`get_settings`; nothing here runs at import time, so tests build their own.
"""

from __future__ import annotations

import secrets
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from luister.domain.addresses import address_ok, domain_of

INSECURE_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "luister"})


class Mode(StrEnum):
    dev = "dev"
    production = "production"


class AnalysisSetting(StrEnum):
    fast = "fast"
    accurate = "accurate"
    off = "off"


class Settings(BaseSettings):
    """All of luister's configuration. Every field can be set as ``LUISTER_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="LUISTER_",
        toml_file="luister.toml",
        extra="forbid",
        validate_default=True,
    )

    mode: Mode = Field(Mode.dev, description="`dev` or `production`; production refuses insecure defaults.")
    database_url: str = Field(
        "sqlite:///./luister.db",
        description="SQLAlchemy URL: `sqlite:///path.db` (default) or `postgresql+psycopg://user@host/db`.",
    )
    database_schema: str | None = Field(
        None, description="PostgreSQL schema to use (created if missing); ignored for SQLite."
    )
    data_dir: Path = Field(Path("./data"), description="Where luister keeps files (imports, exports).")
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Signs sessions and tokens. Generated per process in dev mode; required in production.",
    )
    encryption_key: SecretStr = Field(
        SecretStr(""),
        description="Encrypts secrets at rest (voices' credentials; sources' and alert channels' tokens, "
        "passwords and webhook URLs): one or more Fernet keys, comma-separated; the first encrypts, all "
        "decrypt (to rotate: put a new key first, run `luister secrets rekey`, then drop the old key; the "
        "same command seals secrets an older version stored in clear)."
        ' Make one with `python -c "from '
        'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`. Unset in dev mode: '
        "a key generated once into `data_dir/encryption.key`; required in production to save or use "
        "secrets.",
    )
    log_level: str = Field("INFO", description="Python logging level: DEBUG, INFO, WARNING, ERROR.")
    ingest_batch_size: int = Field(
        10_000,
        ge=1,
        le=50_000,
        description="Mentions per write batch. A batch rewrites the index pages it touches: bigger "
        "batches write each page once for more mentions (a listening source's pages are smaller anyway).",
    )
    import_workers: int | None = Field(
        None,
        ge=0,
        le=64,
        description="Processes that parse, map, analyse and match beside the writer in `luister import`; "
        "unset: one per core on Linux (none on one core or elsewhere); 0: everything in one process.",
    )
    fetch_allow: list[str] = Field(
        default_factory=list,
        description="Hosts or CIDRs that outbound fetches may reach although private or loopback "
        '(JSON list, e.g. `["127.0.0.1", "10.1.2.0/24"]`); everything private is refused otherwise.',
    )
    trusted_proxies: list[str] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"],
        description="Addresses of reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are "
        'believed (JSON list, e.g. `["10.0.0.5"]`; `[]`: none): behind a TLS proxy, cookies get `Secure` '
        "and sign-in throttling counts the real client address.",
    )
    fetch_timeout: float = Field(20.0, gt=0, le=300, description="Seconds per outbound request.")
    fetch_max_bytes: int = Field(
        10 * 1024 * 1024,
        ge=1024,
        description="Largest response body a source may fetch (bytes); a larger one fails the run saying so "
        "(raise it for big feeds).",
    )
    listen_idle_seconds: int = Field(10, ge=1, description="How long `luister listen` waits between passes.")
    time_zone: str = Field(
        "Europe/Amsterdam",
        description="The time zone of the people luister listens to (IANA name). Spike alerts compare an "
        "hour with the same local hour on other days, so the daily rhythm survives daylight saving "
        "changes, and tell weekdays from weekends.",
    )
    analysis: AnalysisSetting = Field(
        AnalysisSetting.fast,
        description="Sentiment and intent at ingest: `fast` (linear models, for any volume), `accurate` "
        "(every mention through the sentence encoder + trained heads: better, and ingest runs at the "
        "encoder's speed) or `off`. Each mention's `analysis_model` names the model that labelled it; "
        "`luister analyse --accurate` upgrades a fast-labelled backlog, and with `--follow` keeps "
        "upgrading fast ingest labels as mentions arrive.",
    )
    analysis_encoder: str = Field(
        "e5",
        pattern="^(e5|use)$",
        description="Sentence encoder of accurate mode: `e5` (multilingual-e5-small: most accurate, ~20 "
        "texts/s per core) or `use` (Universal Sentence Encoder: ~500 texts/s per core).",
    )
    analysis_languages: list[str] = Field(
        default_factory=lambda: ["nl", "en", "de", "fr", "es"],
        description="Languages the language detector chooses from (ISO 639-1); others come out as `und`.",
    )
    retention_mentions_days: int | None = Field(
        None, ge=1, description="Delete mentions published longer ago than this (their counts stay in the "
        "dashboards); a source's own `retention_days` may be shorter. Unset: keep them. See docs/privacy.md.",
    )  # fmt: skip
    retention_raw_days: int | None = Field(
        None, ge=1, description="Empty the raw payloads of mentions older than this (the mention stays; "
        "raw is only needed to map it again). Must not exceed `retention_mentions_days`.",
    )  # fmt: skip
    retention_quarantine_days: int | None = Field(
        None, ge=1, description="Delete quarantined (rejected) input older than this."
    )
    retention_runs_days: int | None = Field(
        None, ge=1, description="Delete source run history older than this."
    )
    retention_deliveries_days: int | None = Field(
        None, ge=1, description="Delete sent or failed alert deliveries older than this (pending ones stay)."
    )
    retention_audit_days: int | None = Field(
        None, ge=1, description="Delete audit log entries older than this."
    )
    kpi_cost_per_contact_eur: float = Field(
        6.0, ge=0, description="KPIs: what one customer contact costs (EUR), for service-cost deflection."
    )
    kpi_deflection_rate_direct: float = Field(
        0.6,
        ge=0,
        le=1,
        description="KPIs: share of questions answered in public that would otherwise "
        "have been a contact (direct deflection).",
    )
    kpi_deflection_readers_per_answer: float = Field(
        10.0, ge=0, description="KPIs: people who read a public answer besides the one who asked."
    )
    kpi_deflection_rate_indirect: float = Field(
        0.02,
        ge=0,
        le=1,
        description="KPIs: share of those readers who then did not contact us (indirect deflection).",
    )
    kpi_sales_department: str = Field(
        "sales", max_length=40, description="KPIs: the department whose lead conversations count as leads."
    )

    mail_host: str | None = Field(
        None,
        description="SMTP server for luister's own mail (digests, scheduled reports), e.g. "
        "`smtp.example.nl`. Unset: in dev mode each mail is written as an `.eml` file to `mail_pickup_dir`; "
        "in production mail waits in the effects ledger, saying it is not configured.",
    )
    mail_port: int = Field(587, ge=1, le=65535, description="SMTP port: 587 (starttls), 465 (ssl) or 25.")
    mail_security: str = Field(
        "starttls", pattern="^(starttls|ssl|none)$",
        description="`starttls` (587), `ssl` (465) or `none` (a relay in a trusted network; no password).",
    )  # fmt: skip
    mail_username: str | None = Field(None, description="SMTP login, when the server asks for one.")
    mail_password: SecretStr | None = Field(
        None, description="SMTP password (never shown; give it with `LUISTER_MAIL_PASSWORD`)."
    )
    mail_from: str = Field(
        "luister@localhost", description="Sender of luister's mail, e.g. `luister <luister@example.nl>`; "
        "production needs a real address when `mail_host` is set.",
    )  # fmt: skip
    mail_timeout: float = Field(20.0, gt=0, le=300, description="Seconds per SMTP operation.")
    mail_pickup_dir: Path | None = Field(
        None, description="Dev mode without `mail_host`: where mail is written as `.eml` files (default "
        "`data_dir/mail`). Ignored when `mail_host` is set.",
    )  # fmt: skip
    public_url: str = Field(
        "http://localhost:8000", description="Where people reach luister: links in mail point here."
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Europe/Amsterdam"
            ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return level

    @model_validator(mode="after")
    def _raw_not_longer_than_mentions(self) -> Settings:
        raw, mentions = self.retention_raw_days, self.retention_mentions_days
        if raw is not None and mentions is not None and raw > mentions:
            raise ValueError(
                f"retention_raw_days ({raw}) must not exceed retention_mentions_days ({mentions})"
            )
        return self

    @model_validator(mode="after")
    def _mail(self) -> Settings:
        try:
            address_ok(self.mail_from)
        except ValueError as exc:
            raise ValueError(f"mail_from: {exc}") from None
        if (self.mail_username is None) != (self.mail_password is None):
            raise ValueError("mail_username and mail_password: give both or neither")
        if self.mode is Mode.production and self.mail_host and domain_of(self.mail_from) == "localhost":
            raise ValueError("mail_from: production mail needs a real sender, e.g. luister@example.nl")
        if self.mail_password is not None and self.mail_security == "none":
            raise ValueError("mail_password needs mail_security starttls or ssl: it would cross in clear")
        return self

    @model_validator(mode="after")
    def _secure_outside_dev(self) -> Settings:
        insecure = self.secret_key.get_secret_value().strip().lower() in INSECURE_SECRETS
        if self.mode is Mode.production and insecure:
            raise ValueError(
                "LUISTER_SECRET_KEY is empty or a well-known default; production mode needs a real secret "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
        if insecure:
            object.__setattr__(self, "secret_key", SecretStr(secrets.token_urlsafe(48)))
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls), file_secret_settings)


def get_settings(**overrides: Any) -> Settings:
    """Build settings from arguments, then ``LUISTER_*`` variables, then ``luister.toml``, then defaults."""
    return Settings(**overrides)
