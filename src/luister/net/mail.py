"""The one SMTP sender (standard library ``smtplib``): alert mail and the effects ledger's mail lane both
send through :func:`send_smtp`, which tells what the server certainly did from what nobody can know.

SMTP cannot be asked afterwards whether a message arrived, so the sender sorts every failure into one of
three, by *when* it happened:

* :class:`MailDeferred` — a 4xx answer, or a failure before ``DATA`` (no connection, login, ``MAIL``,
  ``RCPT``): the server certainly did not take the message; it may be tried again later.
* :class:`MailRefused` — a 5xx answer, refused credentials, TLS or an unsupported feature: certainly not
  taken, and trying again will not help until someone fixes the address or the settings.
* :class:`MailUncertain` — the connection dropped or timed out while the message itself was on its way
  (after ``DATA``, before the server's final answer): it may have been accepted.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from luister.domain.addresses import address_ok, domain_of

__all__ = ["MailDeferred", "MailError", "MailRefused", "MailUncertain", "Security", "SmtpServer",
           "address_ok", "domain_of", "send_smtp"]  # fmt: skip


class Security(StrEnum):
    starttls = "starttls"  # port 587: upgrade the connection
    ssl = "ssl"  # port 465: TLS from the start
    none = "none"  # port 25 inside a trusted network only; no password crosses it


class MailError(Exception):
    """Sending failed; ``code`` is the SMTP answer's code where the server gave one."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        self.code = code
        super().__init__(message)


class MailDeferred(MailError):
    """Certainly not taken now; may be taken later (4xx, no connection, a drop before ``DATA``)."""


class MailRefused(MailError):
    """Certainly not taken, and will not be as it is (5xx, login refused, TLS, every recipient refused)."""


class MailUncertain(MailError):
    """The connection was lost while the message was on its way: it may have been accepted."""


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int = 587
    security: Security = Security.starttls
    username: str | None = None
    password: str | None = None
    timeout: float = 20.0

    def __post_init__(self) -> None:
        if self.password is not None and self.security is Security.none:
            raise ValueError("a password needs ssl or starttls: it would cross the network in clear")

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _text(error: bytes | str) -> str:
    text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
    return " ".join(text.split())[:200]


def _answer(exc: smtplib.SMTPResponseException) -> MailError:
    kind = MailRefused if 500 <= exc.smtp_code < 600 else MailDeferred
    return kind(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}", code=exc.smtp_code)


def send_smtp(server: SmtpServer, message: EmailMessage) -> dict[str, tuple[int, str]]:
    """Send ``message`` to its To/Cc/Bcc; returns the recipients the server refused while it took the
    message for the others (empty: all took it). Raises :class:`MailDeferred`, :class:`MailRefused` or
    :class:`MailUncertain` (see the module). Blocking: run it in a thread from async code."""
    sender = parseaddr(str(message["From"] or ""))[1]
    fields = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
    recipients = [address for _, address in getaddresses(fields) if address]
    if not sender or not recipients:
        raise MailRefused("a message needs a From address and at least one recipient")
    del message["Bcc"]
    where = server.where
    try:
        smtp = _connect(server)
    except ssl.SSLError as exc:
        raise MailRefused(f"TLS with {where} failed: {exc}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailDeferred(f"SMTP {where}: cannot connect: {_text(str(exc) or type(exc).__name__)}") from None
    try:
        refused = _conversation(smtp, server, sender, recipients, message)
    finally:
        _quit(smtp)
    return refused


def _conversation(
    smtp: smtplib.SMTP, server: SmtpServer, sender: str, recipients: list[str], message: EmailMessage
) -> dict[str, tuple[int, str]]:
    where = server.where
    try:
        smtp.ehlo_or_helo_if_needed()
        if server.security is Security.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if server.username is not None and server.password is not None:
            smtp.login(server.username, server.password)
        code, answer = smtp.mail(sender)
        if code != 250:
            smtp.rset()
            raise _answer(smtplib.SMTPSenderRefused(code, answer, sender))
        refused: dict[str, tuple[int, str]] = {}
        for address in recipients:
            code, answer = smtp.rcpt(address)
            if code not in (250, 251):
                refused[address] = (code, _text(answer))
        if len(refused) == len(recipients):
            smtp.rset()
            codes = {code for code, _ in refused.values()}
            kind = MailDeferred if all(400 <= c < 500 for c in codes) else MailRefused
            said = "; ".join(f"{a}: {c} {t}" for a, (c, t) in refused.items())
            raise kind(f"SMTP refused every recipient: {said}", code=max(codes))
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailRefused(f"SMTP login refused ({exc.smtp_code})", code=exc.smtp_code) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise MailRefused(f"SMTP server {where} does not support it: {exc}") from None
    except smtplib.SMTPResponseException as exc:
        raise _answer(exc) from None
    except ssl.SSLCertVerificationError as exc:
        raise MailRefused(f"TLS certificate of {where} refused: {exc.verify_message}") from None
    except ssl.SSLError as exc:
        raise MailRefused(f"TLS with {where} failed: {exc}") from None
    except (smtplib.SMTPException, OSError) as exc:  # dropped or timed out before DATA: not taken
        raise MailDeferred(f"SMTP {where}: {_text(str(exc) or type(exc).__name__)}") from None
    try:
        code, answer = smtp.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
        if code != 250:
            raise smtplib.SMTPDataError(code, answer)
    except smtplib.SMTPResponseException as exc:  # a clear answer to DATA or to the message: not taken
        raise _answer(exc) from None
    except (smtplib.SMTPException, OSError) as exc:  # the message was on its way: it may have arrived
        detail = _text(str(exc) or type(exc).__name__)
        raise MailUncertain(f"SMTP {where}: connection lost while sending the message: {detail}") from None
    return refused


def _connect(server: SmtpServer) -> smtplib.SMTP:
    if server.security is Security.ssl:
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout, context=context)
    return smtplib.SMTP(server.host, server.port, timeout=server.timeout)


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
