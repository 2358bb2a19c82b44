"""E-mail addresses (pure): one check for every place that takes one (settings, alert channels, report
schedules, the mail lane)."""

from __future__ import annotations

from email.utils import parseaddr


def address_ok(value: str) -> str:
    """``value`` when it is one e-mail address (a display name allowed); ValueError saying why not."""
    if "\r" in value or "\n" in value:
        raise ValueError("an address may not contain line breaks")
    _, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain and domain != "localhost":
        raise ValueError(f"{value!r} is not an email address")
    return value.strip()


def domain_of(address: str) -> str:
    """The domain of ``address`` (``luister.local`` when it has none), for Message-IDs."""
    return parseaddr(address)[1].rpartition("@")[2].lower() or "luister.local"
