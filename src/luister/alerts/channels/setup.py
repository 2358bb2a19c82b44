"""Configured alert channels: delivery plugins (email, webhook, …) built from their stored options.

Options are checked against the plugin's options model when a channel is added (``actions.add_channel``),
stored as given, and shown masked: secret-looking values (password, secret, token) keep their last two
characters, URLs only their scheme and host (Slack and Teams webhook URLs carry their secret in the path).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from luister.alerts.channels.base import AlertChannel, DeliveryError
from luister.alerts.model import AlertMessage, AlertStatus, ChannelError, RuleKind, SampleMention, Severity
from luister.domain.sources import is_secret_name, masked
from luister.net.http import FetchPolicy, SafeHttp
from luister.settings import Settings
from luister.storage.secrets import (
    CannotDecrypt,
    Cipher,
    SecretsUnavailable,
    is_sealed,
    open_options,
    shown_options,
)
from luister.storage.tables import alert_channel

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")


def channel_kinds() -> dict[str, type[Any]]:
    """The installed alert channel plugins by name."""
    from luister.plugins import installed

    return installed().alert_channels()


def options_problems(exc: ValidationError) -> str:
    return "; ".join(f"{name or 'options'}: {problem}" for name, problem in problems_by_option(exc).items())


def problems_by_option(exc: ValidationError) -> dict[str, str]:
    """Each refused option's first problem, as pydantic (or the options model) says it."""
    problems: dict[str, str] = {}
    for error in exc.errors():
        where = ".".join(map(str, error["loc"]))
        problems.setdefault(where, str(error["msg"]).removeprefix("Value error, "))
    return problems


def is_channel_secret(name: str) -> bool:
    """Options kept encrypted at rest: secret-looking names, and URLs (a chat webhook's URL is its key)."""
    return is_secret_name(name) or "url" in name.lower()


def masked_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options fit to show: secrets masked as for sources, URLs cut to scheme and host; what is stored
    encrypted reads ``***`` (a webhook's URL too: its path is the key)."""
    shown = masked(shown_options(options))
    for key, value in shown.items():
        if "url" in key.lower() and isinstance(value, str) and not is_sealed(options.get(key)):
            parts = urlsplit(value)
            rest = parts.path.strip("/") or parts.query
            shown[key] = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/{'***' if rest else ''}"
    return shown


def build_channel(
    *, engine: Engine, name: str, http: SafeHttp, cipher: Cipher, kinds: Mapping[str, type[Any]]
) -> AlertChannel:
    """Channel ``name`` as a ready plugin instance, whether enabled or not."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(alert_channel).where(alert_channel.c.name == name)).mappings().first()
    if row is None:
        raise ChannelError(f"no alert channel named {name!r}", f"geen meldingskanaal met de naam {name!r}")
    return _instance(row, http, cipher, kinds)


def _instance(
    row: sa.RowMapping, http: SafeHttp, cipher: Cipher, kinds: Mapping[str, type[Any]]
) -> AlertChannel:
    cls = kinds.get(row["kind"])
    if cls is None:
        raise ChannelError(
            f"channel kind {row['kind']!r} of {row['name']!r} is not installed",
            f"het soort kanaal {row['kind']!r} van {row['name']!r} is niet geïnstalleerd",
        )
    try:
        opened = open_options(row["options"] or {}, cipher, what=f"alert channel {row['name']!r}")
        options = cls.options_model(**opened)
    except ValidationError as exc:
        problems = options_problems(exc)
        raise ChannelError(
            f"options of {row['name']!r} are no longer valid: {problems}",
            f"de opties van {row['name']!r} zijn niet meer geldig: {problems}",
        ) from None
    channel: AlertChannel = cls(options, http=http)
    return channel


def usable_channels(
    *, engine: Engine, http: SafeHttp, cipher: Cipher, kinds: Mapping[str, type[Any]] | None = None
) -> dict[str, AlertChannel | str]:
    """Every configured channel by name: a plugin instance, or the reason it cannot send (disabled,
    kind not installed, options no longer valid)."""
    kinds = kinds if kinds is not None else channel_kinds()
    with engine.connect() as conn:
        rows = conn.execute(sa.select(alert_channel)).mappings().all()
    usable: dict[str, AlertChannel | str] = {}
    for row in rows:
        if not row["enabled"]:
            usable[row["name"]] = f"alert channel {row['name']!r} is disabled"
            continue
        try:
            usable[row["name"]] = _instance(row, http, cipher, kinds)
        except (ChannelError, CannotDecrypt, SecretsUnavailable) as exc:
            usable[row["name"]] = str(exc)
    return usable


def sample_message(channel_name: str, *, now: datetime | None = None) -> AlertMessage:
    """A harmless sample alert (id 0) for ``luister alerts channels test``."""
    at = now or datetime.now(UTC)
    return AlertMessage(
        alert_id=0,
        rule="test",
        kind=RuleKind.query,
        severity=Severity.info,
        status=AlertStatus.open,
        title="Test alert from luister",
        summary=f"If you can read this, alert channel {channel_name!r} works.",
        topic=None,
        opened_at=at,
        updated_at=at,
        mentions=1,
        samples=(
            SampleMention(
                id=0,
                channel="test",
                author="luister",
                text="A sample mention: <b>markup</b> & other text is shown exactly as typed.",
                url=None,
                published_at=at,
            ),
        ),
        steps=("Check that this message arrived.",),
    )


def test_channel(
    *, engine: Engine, name: str, settings: Settings, kinds: Mapping[str, type[Any]] | None = None
) -> None:
    """Send a sample alert through channel ``name`` now (enabled or not); raises :class:`ChannelError`."""
    kinds = kinds if kinds is not None else channel_kinds()

    async def send() -> None:
        async with SafeHttp(FetchPolicy.of(settings)) as http:
            channel = build_channel(
                engine=engine, name=name, http=http, cipher=Cipher.of(settings), kinds=kinds
            )
            await channel.send(sample_message(name))

    try:
        asyncio.run(send())
    except DeliveryError as exc:
        raise ChannelError(f"{name}: {exc.reason}", f"{name}: niet afgeleverd: {exc.reason}") from None
    except (CannotDecrypt, SecretsUnavailable) as exc:
        raise secrets_refused(exc) from None


def secrets_refused(exc: CannotDecrypt | SecretsUnavailable) -> ChannelError:
    """A channel's secrets cannot be sealed or opened: the key is missing or was changed."""
    nl = (
        "de geheime opties kunnen niet worden ontsleuteld: is de sleutel veranderd?"
        if isinstance(exc, CannotDecrypt)
        else "geheime opties kunnen nu niet worden opgeslagen of gebruikt: er is geen bruikbare sleutel"
    )
    return ChannelError(str(exc), f"{nl} ({exc})")
