"""The problems of a plugin's options (alert channels: pydantic's messages and the option models' own)
in the reader's language: a known message is looked up in the catalogue; one with a number or an address
in it is read back against its template (:data:`TEMPLATES`) and translated with its values put back. A
message that matches nothing is shown as it is, in English, rather than not at all."""

from __future__ import annotations

import re
from collections.abc import Callable

Gettext = Callable[[str], str]
FIXED = (  # the option models' own messages (alerts/channels/email.py, webhook.py) and pydantic's
    "choose ssl (port 465) or starttls (port 587), not both",
    "give username and password together",
    "a password needs ssl or starttls: it would cross the network in clear",
    "must be an http:// or https:// URL with a host",
    "an address may not contain line breaks",
    "Input should be a valid integer, unable to parse string as an integer",
    "Input should be a valid number, unable to parse string as a number",
    "Input should be a valid boolean, unable to interpret input",
    "not valid JSON",
)
TEMPLATES = {  # a message's pattern → its catalogue text, with %(value)s for what the pattern found
    r"(?P<value>'.*') is not an email address": "%(value)s is not an email address",
    r"Input should be less than or equal to (?P<value>[\d.]+)": "at most %(value)s",
    r"Input should be less than (?P<value>[\d.]+)": "less than %(value)s",
    r"Input should be greater than or equal to (?P<value>[\d.]+)": "at least %(value)s",
    r"Input should be greater than (?P<value>[\d.]+)": "more than %(value)s",
    r"List should have at least (?P<value>\d+) items? after validation, not \d+": "at least %(value)s items",
}


def texts() -> set[str]:
    """What the catalogue must hold for :func:`translate`."""
    return set(FIXED) | set(TEMPLATES.values())


def translate(message: str, gettext: Gettext) -> str:
    """``message`` in the language of ``gettext``."""
    if message in FIXED:
        return gettext(message)
    for pattern, text in TEMPLATES.items():
        if found := re.fullmatch(pattern, message):
            return gettext(text) % {"value": found["value"]}
    return message
