"""Alert channels: configured delivery plugins (email, webhook, …) with their options.

Options are checked against the plugin's options model when a channel is added, stored as given, and
shown masked: secret-looking values (password, secret, token) keep their last two characters, URLs
only their scheme and host (Slack and Teams webhook URLs carry their secret in the path).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine

from luister.alert_channels.base import AlertChannel, DeliveryError
from luister.domain.alerting import AlertMessage, AlertStatus, RuleKind, SampleMention, Severity
from luister.domain.sources import masked
from luister.net.http import FetchPolicy, SafeHttp
from luister.settings import Settings
from luister.storage.tables import alert_channel, alert_delivery, alert_rule

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")


class ChannelError(ValueError):
    """A channel cannot be saved, found, built or reached; the message says why."""


@dataclass(frozen=True, slots=True)
class ChannelRead:
    id: int
    name: str
    kind: str
    options: dict[str, Any]  # secrets masked
    enabled: bool
    created_at: datetime
    pending: int  # deliveries waiting
    failed: int  # deliveries that failed for good
    last_sent_at: datetime | None


def channel_kinds() -> dict[str, type[Any]]:
    """The installed alert channel plugins by name."""
    from luister.plugins import installed

    return installed().alert_channels()


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors())


def add_channel(
    *,
    engine: Engine,
    name: str,
    kind: str,
    options: Mapping[str, Any],
    kinds: Mapping[str, type[Any]] | None = None,
) -> ChannelRead:
    """Validate ``options`` against the plugin's options model and save the channel."""
    kinds = kinds if kinds is not None else channel_kinds()
    if not NAME.match(name):
        raise ChannelError(
            f"invalid channel name {name!r}: letters, digits, '.', '_' and '-', at most 120 characters"
        )
    cls = kinds.get(kind)
    if cls is None:
        raise ChannelError(f"unknown channel kind {kind!r}; installed: {', '.join(sorted(kinds)) or 'none'}")
    try:
        parsed = cls.options_model(**options)
    except ValidationError as exc:
        raise ChannelError(f"invalid options for {kind}: {_problems(exc)}") from None
    with engine.begin() as conn:
        if conn.execute(sa.select(alert_channel.c.id).where(alert_channel.c.name == name)).first():
            raise ChannelError(f"an alert channel named {name!r} exists already")
        conn.execute(
            alert_channel.insert().values(
                name=name, kind=kind, options=parsed.model_dump(mode="json"), enabled=True
            )
        )
    return get_channel(engine=engine, name=name)


def get_channel(*, engine: Engine, name: str) -> ChannelRead:
    for found in list_channels(engine=engine):
        if found.name == name:
            return found
    raise ChannelError(f"no alert channel named {name!r}")


def list_channels(*, engine: Engine) -> list[ChannelRead]:
    """Every channel with masked options and its deliveries: pending, failed, last sent."""
    d = alert_delivery.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(alert_channel).order_by(alert_channel.c.name)).mappings().all()
        stats = {
            r.channel: r
            for r in conn.execute(
                sa.select(
                    d.channel,
                    sa.func.sum(sa.case((d.status == "pending", 1), else_=0)).label("pending"),
                    sa.func.sum(sa.case((d.status == "failed", 1), else_=0)).label("failed"),
                    sa.func.max(d.sent_at).label("last_sent_at"),
                ).group_by(d.channel)
            )
        }
    return [
        ChannelRead(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            options=masked_options(row["options"] or {}),
            enabled=row["enabled"],
            created_at=row["created_at"],
            pending=int(stats[row["name"]].pending or 0) if row["name"] in stats else 0,
            failed=int(stats[row["name"]].failed or 0) if row["name"] in stats else 0,
            last_sent_at=stats[row["name"]].last_sent_at if row["name"] in stats else None,
        )
        for row in rows
    ]


def masked_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options fit to show: secrets masked as for sources, URLs cut to scheme and host."""
    shown = masked(options)
    for key, value in shown.items():
        if "url" in key.lower() and isinstance(value, str):
            parts = urlsplit(value)
            rest = parts.path.strip("/") or parts.query
            shown[key] = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/{'***' if rest else ''}"
    return shown


def remove_channel(*, engine: Engine, name: str) -> list[str]:
    """Delete the channel; its deliveries stay (pending ones will fail, naming the missing channel).
    Returns the rules that still name it, so the caller can warn."""
    with engine.begin() as conn:
        if not conn.execute(alert_channel.delete().where(alert_channel.c.name == name)).rowcount:
            raise ChannelError(f"no alert channel named {name!r}")
        rules = conn.execute(sa.select(alert_rule.c.name, alert_rule.c.channels)).all()
    return sorted(rule.name for rule in rules if name in (rule.channels or []))


def build_channel(
    *, engine: Engine, name: str, http: SafeHttp, kinds: Mapping[str, type[Any]]
) -> AlertChannel:
    """Channel ``name`` as a ready plugin instance, whether enabled or not."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(alert_channel).where(alert_channel.c.name == name)).mappings().first()
    if row is None:
        raise ChannelError(f"no alert channel named {name!r}")
    return _instance(row, http, kinds)


def _instance(row: sa.RowMapping, http: SafeHttp, kinds: Mapping[str, type[Any]]) -> AlertChannel:
    cls = kinds.get(row["kind"])
    if cls is None:
        raise ChannelError(f"channel kind {row['kind']!r} of {row['name']!r} is not installed")
    try:
        options = cls.options_model(**(row["options"] or {}))
    except ValidationError as exc:
        raise ChannelError(f"options of {row['name']!r} are no longer valid: {_problems(exc)}") from None
    channel: AlertChannel = cls(options, http=http)
    return channel


def usable_channels(
    *, engine: Engine, http: SafeHttp, kinds: Mapping[str, type[Any]] | None = None
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
            usable[row["name"]] = _instance(row, http, kinds)
        except ChannelError as exc:
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
        policy = FetchPolicy(allow=frozenset(settings.fetch_allow), timeout=settings.fetch_timeout)
        async with SafeHttp(policy) as http:
            await build_channel(engine=engine, name=name, http=http, kinds=kinds).send(sample_message(name))

    try:
        asyncio.run(send())
    except DeliveryError as exc:
        raise ChannelError(f"{name}: {exc.reason}") from None
