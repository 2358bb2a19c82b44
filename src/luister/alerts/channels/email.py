"""Alert mail over SMTP (standard library ``smtplib``, run in a thread).

One multipart message per alert: plain text and HTML, in which every piece of alert and mention text is
escaped (mention text is hostile) and only http(s) links become links. The first message about an alert
gets the Message-ID ``<luister.alert.<id>.<opened, YYYYmmddHHMMSS>@<sender domain>>``; updates say
``update:`` in the subject and point at it with ``In-Reply-To`` and ``References``, so mail clients
thread them. Every message carries ``X-Luister-Alert: <id>`` for filters.

Sent with :func:`luister.net.mail.send_smtp` (the one SMTP sender, shared with the effects ledger's mail
lane). SMTP answers 4xx, time-outs and lost connections are retried by the outbox; 5xx answers, refused
credentials and TLS failures are not (they need someone to fix the channel).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from luister.alerts.channels.base import DeliveryError, headline, is_web_link, one_line
from luister.alerts.model import AlertMessage
from luister.net.http import SafeHttp
from luister.net.mail import (
    MailError,
    MailRefused,
    Security,
    SmtpServer,
    address_ok,
    domain_of,
    send_smtp,
)

SUBJECT_PREFIX = "[luister]"


_address = address_ok


class EmailOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = Field(description="SMTP server, e.g. `smtp.example.nl`.")
    port: int = Field(587, ge=1, le=65535, description="SMTP port: 587 (STARTTLS), 465 (TLS) or 25.")
    from_address: str = Field(description="Sender, e.g. `luister <alerts@example.nl>`.")
    to: list[str] = Field(min_length=1, description="Recipients: a JSON list or comma-separated.")
    starttls: bool = Field(True, description="Upgrade the connection with STARTTLS (port 587).")
    ssl: bool = Field(False, description="Connect with TLS from the start (port 465).")
    username: str | None = Field(None, description="SMTP login, when the server asks for one.")
    password: str | None = Field(None, description="SMTP password (shown masked).")
    timeout: float = Field(20.0, gt=0, le=300, description="Seconds per SMTP operation.")

    @field_validator("to", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return (
            [part for part in (p.strip() for p in value.split(",")) if part]
            if isinstance(value, str)
            else value
        )

    @field_validator("to")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        return [_address(item) for item in value]

    @field_validator("from_address")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _address(value)

    @model_validator(mode="after")
    def _secure(self) -> EmailOptions:
        if self.ssl and self.starttls:
            raise ValueError("choose ssl (port 465) or starttls (port 587), not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("give username and password together")
        if self.password is not None and not (self.ssl or self.starttls):
            raise ValueError("a password needs ssl or starttls: it would cross the network in clear")
        return self


_domain = domain_of


def thread_id(message: AlertMessage, domain: str) -> str:
    """The Message-ID of the first mail about this alert, rebuilt from the alert alone."""
    return f"<luister.alert.{message.alert_id}.{message.opened_at.astimezone(UTC):%Y%m%d%H%M%S}@{domain}>"


def build_email(message: AlertMessage, options: EmailOptions, *, now: datetime | None = None) -> EmailMessage:
    """The mail for ``message``: headers, a plain-text body and an escaped HTML alternative."""
    domain = _domain(options.from_address)
    root = thread_id(message, domain)
    mail = EmailMessage()
    mail["Subject"] = f"{SUBJECT_PREFIX} {headline(message)}"
    mail["From"] = options.from_address
    mail["To"] = ", ".join(options.to)
    mail["Date"] = format_datetime(now or datetime.now(UTC))
    mail["X-Luister-Alert"] = str(message.alert_id)
    if message.update:
        mail["Message-ID"] = make_msgid(idstring=f"luister.alert.{message.alert_id}", domain=domain)
        mail["In-Reply-To"] = root
        mail["References"] = root
    else:
        mail["Message-ID"] = root
    mail.set_content(plain_text(message))
    mail.add_alternative(html_body(message), subtype="html")
    return mail


def _facts(message: AlertMessage) -> list[tuple[str, str]]:
    counted = f"{message.mentions:,}"
    if message.expected is not None:
        counted += f" (expected {message.expected:,.1f})"
    facts = [("Severity", message.severity.value), ("Status", message.status.value), ("Mentions", counted)]
    if message.topic:
        facts.append(("Topic", message.topic))
    facts += [
        ("Rule", f"{message.rule} ({message.kind.value})"),
        ("Opened", f"{message.opened_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"),
        ("Last seen", f"{message.updated_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"),
    ]
    return facts


def plain_text(message: AlertMessage) -> str:
    lines = [headline(message), "", message.summary, ""]
    lines += [f"{name}: {value}" for name, value in _facts(message)]
    if message.samples:
        lines += ["", "Sample mentions:"]
        for sample in message.samples:
            who = f"{sample.author} on {sample.channel}" if sample.author else sample.channel
            lines += ["", f"- {who}, {sample.published_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC:"]
            lines += [f"  {line}" for line in sample.text.splitlines() or [""]]
            if is_web_link(sample.url):
                lines.append(f"  {sample.url}")
    if message.steps:
        lines += ["", "First steps:"] + [f"{n}. {step}" for n, step in enumerate(message.steps, 1)]
    links = [(label, url) for label, url in message.links.items() if is_web_link(url)]
    if links:
        lines += [""] + [f"{label}: {url}" for label, url in links]
    return "\n".join(lines) + "\n"


_COLOURS = {"critical": "#b42318", "warning": "#b54708", "info": "#175cd3"}


def html_body(message: AlertMessage) -> str:
    """The HTML part. Everything that comes from the alert or its mentions goes through ``escape``."""
    colour = _COLOURS.get(message.severity.value, "#344054")
    rows = "".join(
        f'<tr><th align="left" style="padding:2px 12px 2px 0">{escape(k)}</th><td>{escape(v)}</td></tr>'
        for k, v in _facts(message)
    )
    parts = [
        '<!DOCTYPE html><html><body style="font-family:sans-serif;color:#101828">',
        f'<p style="color:{colour};font-weight:bold;text-transform:uppercase">'
        f"{'update · ' if message.update else ''}{escape(message.severity.value)}</p>",
        f"<h2>{escape(one_line(message.title, 300))}</h2>",
        f"<p>{escape(message.summary)}</p>",
        f"<table>{rows}</table>",
    ]
    if message.samples:
        parts.append("<h3>Sample mentions</h3>")
        for sample in message.samples:
            who = escape(f"{sample.author} on {sample.channel}" if sample.author else sample.channel)
            when = escape(f"{sample.published_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
            link = (
                f' · <a href="{escape(str(sample.url), quote=True)}">open</a>'
                if is_web_link(sample.url)
                else ""
            )
            parts.append(
                f'<p style="margin-bottom:2px;color:#475467">{who}, {when}{link}</p>'
                f'<blockquote style="margin:0 0 12px 0;padding-left:8px;border-left:3px solid #d0d5dd">'
                f"{escape(sample.text)}</blockquote>"
            )
    if message.steps:
        parts.append(
            "<h3>First steps</h3><ol>" + "".join(f"<li>{escape(s)}</li>" for s in message.steps) + "</ol>"
        )
    links = [(label, url) for label, url in message.links.items() if is_web_link(url)]
    if links:
        parts.append(
            "<p>"
            + " · ".join(f'<a href="{escape(url, quote=True)}">{escape(label)}</a>' for label, url in links)
            + "</p>"
        )
    parts.append(
        f'<p style="color:#667085;font-size:small">luister alert {message.alert_id}</p></body></html>'
    )
    return "".join(parts)


class EmailChannel:
    """Mail each alert to a list of recipients over SMTP, as plain text and escaped HTML; updates thread
    under the first mail."""

    name: ClassVar[str] = "email"
    options_model: ClassVar[type[BaseModel]] = EmailOptions
    example: ClassVar[str] = (
        "luister alerts channels add team-mail email -o host=smtp.example.nl -o port=587 \\\n"
        "  -o from_address=alerts@example.nl -o to=webcare@example.nl,pr@example.nl \\\n"
        "  -o username=alerts@example.nl -o password=…"
    )

    def __init__(self, options: Any, *, http: SafeHttp | None = None) -> None:
        self.options: EmailOptions = options if isinstance(options, EmailOptions) else EmailOptions(**options)

    async def send(self, message: AlertMessage) -> None:
        mail = build_email(message, self.options)
        await asyncio.to_thread(self._send_sync, mail)

    def _send_sync(self, mail: EmailMessage) -> None:
        options = self.options
        security = Security.ssl if options.ssl else Security.starttls if options.starttls else Security.none
        server = SmtpServer(options.host, options.port, security, options.username, options.password,
                            options.timeout)  # fmt: skip
        try:
            refused = send_smtp(server, mail)
        except MailRefused as exc:
            raise DeliveryError(str(exc), retryable=False) from None
        except MailError as exc:  # deferred, or uncertain: an alert mail twice beats none
            raise DeliveryError(str(exc)) from None
        if refused:
            raise DeliveryError(f"SMTP refused some recipients: {', '.join(refused)}", retryable=False)
