"""A real local SMTP server (aiosmtpd) whose answers a test chooses: accept, refuse a recipient, a 4xx or
5xx answer to the message, or a connection dropped after the message arrived (the sender cannot know)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class MailServer:
    """``answer``: the reply to a message ("250 …", "451 …", "554 …") or "drop" (keep it, then cut the
    connection before answering); ``refuse``: recipients answered 550 at RCPT."""

    port: int = 0
    answer: str = "250 Message accepted for delivery"
    refuse: set[str] = field(default_factory=set)
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answer == "drop":
            self.envelopes.append(envelope)
            assert server.transport is not None
            server.transport.abort()
            return "250 never heard"
        if self.answer.startswith("250"):
            self.envelopes.append(envelope)
        return self.answer

    def messages(self) -> list[EmailMessage]:
        found = []
        for envelope in self.envelopes:
            assert isinstance(envelope.content, bytes)
            parsed = message_from_bytes(envelope.content, policy=default_policy)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found


@contextmanager
def mail_server() -> Iterator[MailServer]:
    box = MailServer(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
