"""The ledger's ``mail`` lane: effects of kind ``email`` sent over SMTP with the one sender
(:func:`luister.net.mail.send_smtp`), or, in dev mode without an SMTP server, written as ``.eml`` files to a
pickup folder.

An effect's ``target`` says ``to`` (one address or a list), ``subject``, optionally ``text`` (the plain
part; else it is made from the HTML) and ``language`` (``Content-Language``); its ``body`` is the HTML.
Every message is multipart (text and HTML) and its Message-ID is derived from the effect (id and key), so
the same effect always makes the same message and a recipient's mail client can tell a copy.

SMTP cannot be asked afterwards whether a message arrived: a connection lost while the message was on
its way leaves the effect ``unknown`` (``unverifiable``) for a person to settle; see docs/mail.md.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from luister.connectors.base import Posted, ReplyDeferred, ReplyRefused, ReplyUncertain
from luister.effects.model import Outbound
from luister.net.mail import (
    MailDeferred,
    MailRefused,
    MailUncertain,
    Security,
    SmtpServer,
    address_ok,
    domain_of,
    send_smtp,
)
from luister.settings import Mode, Settings

LANE = "mail"
KIND = "email"
DEFER_SECONDS = 300.0  # a 4xx or no connection: the lane waits this long before the next try


class MailNotConfigured(Exception):
    """Production without ``mail_host``: mail waits in the ledger, saying so."""


@dataclass(frozen=True, slots=True)
class Delivered(Posted):
    """Accepted by the server; ``note`` says what the ledger should keep beside it (refused recipients,
    the pickup file)."""

    note: str | None = None


class _Text(HTMLParser):
    BREAKS = frozenset({"p", "br", "div", "h1", "h2", "h3", "h4", "li", "tr", "ul", "ol", "table"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """A readable plain-text part for an HTML body (tags dropped, blocks on their own lines)."""
    parser = _Text()
    parser.feed(html)
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(line for line in lines if line)
    return text + "\n"


def recipients_of(target: Any) -> list[str]:
    to = target.get("to") if isinstance(target, dict) else None
    found = [to] if isinstance(to, str) else list(to or [])
    if not found:
        raise ValueError("the mail has no recipient")
    return [address_ok(str(address)) for address in found]


def message_id(outbound: Outbound, sender: str) -> str:
    return f"<luister.effect.{outbound.effect_id}.{outbound.key.lower()}@{domain_of(sender)}>"


def build_message(outbound: Outbound, *, sender: str, now: datetime) -> EmailMessage:
    """The message for ``outbound``: the same effect always gives the same Message-ID."""
    target = dict(outbound.target)
    mail = EmailMessage()
    mail["Subject"] = " ".join(str(target.get("subject") or "luister").split())
    mail["From"] = sender
    mail["To"] = ", ".join(recipients_of(target))
    mail["Date"] = format_datetime(now.astimezone(UTC))
    mail["Message-ID"] = message_id(outbound, sender)
    mail["X-Luister-Effect"] = str(outbound.effect_id)
    text = target.get("text")
    mail.set_content(text if isinstance(text, str) and text else html_to_text(outbound.body))
    mail.add_alternative(outbound.body, subtype="html")
    language = target.get("language")  # after the parts: setting content clears Content-* headers
    if isinstance(language, str) and language.isalpha() and len(language) <= 8:
        mail["Content-Language"] = language
    return mail


class MailLane:
    """Sends the ``mail`` lane's effects (a :class:`luister.effects.runner.Sender`)."""

    def __init__(
        self,
        *,
        sender: str,
        server: SmtpServer | None = None,
        pickup: Path | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if (server is None) == (pickup is None):
            raise ValueError("a mail lane sends over SMTP or into a pickup folder: give one of them")
        self.sender = address_ok(sender)
        self.server = server
        self.pickup = pickup
        self.clock = clock

    @classmethod
    def of(cls, settings: Settings, *, clock: Callable[[], datetime] | None = None) -> MailLane:
        """The lane the settings describe; :class:`MailNotConfigured` in production without a server."""
        now = clock or (lambda: datetime.now(UTC))
        if settings.mail_host:
            password = settings.mail_password.get_secret_value() if settings.mail_password else None
            server = SmtpServer(settings.mail_host, settings.mail_port, Security(settings.mail_security),
                                settings.mail_username, password, settings.mail_timeout)  # fmt: skip
            return cls(sender=settings.mail_from, server=server, clock=now)
        if settings.mode is Mode.production:
            raise MailNotConfigured("mail is not configured: set LUISTER_MAIL_HOST and LUISTER_MAIL_FROM")
        pickup = settings.mail_pickup_dir or settings.data_dir / "mail"
        return cls(sender=settings.mail_from, pickup=pickup, clock=now)

    async def send_outbound(self, outbound: Outbound) -> Posted:
        try:
            mail = build_message(outbound, sender=self.sender, now=self.clock())
        except ValueError as exc:
            raise ReplyRefused("invalid", f"cannot make the mail: {exc}") from None
        ident = str(mail["Message-ID"])
        if self.pickup is not None:
            path = await asyncio.to_thread(_write_pickup, self.pickup, outbound, mail)
            return Delivered(external_id=ident, note=f"written to {path}")
        assert self.server is not None
        try:
            refused = await asyncio.to_thread(send_smtp, self.server, mail)
        except MailDeferred as exc:
            raise ReplyDeferred(str(exc), retry_after=DEFER_SECONDS) from None
        except MailRefused as exc:
            code = "credentials" if "login" in str(exc) else "invalid"
            raise ReplyRefused(code, str(exc)) from None
        except MailUncertain as exc:
            raise ReplyUncertain(str(exc)) from None
        if refused:
            said = "; ".join(f"{address}: {code} {text}" for address, (code, text) in refused.items())
            return Delivered(external_id=ident, note=f"accepted; the server refused {said}")
        return Delivered(external_id=ident)


def _write_pickup(folder: Path, outbound: Outbound, mail: EmailMessage) -> Path:
    """One file per effect, written whole (a temporary file renamed): a second write of the same effect
    finds it there and keeps it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"effect-{outbound.effect_id}-{outbound.key.lower()}.eml"
    if path.exists():
        return path
    part = path.with_suffix(".part")
    part.write_bytes(mail.as_bytes())
    os.replace(part, path)
    return path
