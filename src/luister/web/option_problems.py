"""The problems of a plugin's options (alert channels: pydantic's messages and the option models' own),
and the alert rule check's rarer refusals (:data:`RULE_FIXED`, :data:`RULE_TEMPLATES`), in the reader's
language: a known message is looked up in the catalogue; one with a number or an address
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
RULE_FIXED = (  # what luister.alerts.rules and .actions refuse when the form's own checks let it through
    "a rule needs a name",
    "min_count and cooldown_minutes must be at least 1",
    "an influencer rule needs --min-followers, e.g. 10000",
    "a negative_share rule needs --threshold between 0 and 1, e.g. 0.6",
)
RULE_TEMPLATES = {
    r"no topic named (?P<value>'.*')": "no topic named %(value)s",
    r"no alert channel named (?P<value>.*); add it first": "no alert channel named %(value)s; add it first",
    r"an intent rule needs --intent, one of (?P<value>.*)": (
        "an intent rule needs an intent, one of %(value)s"
    ),
    r"sensitivity is a p-value between 0 and 1, e\.g\. 0\.0001; got (?P<value>.*)": (
        "sensitivity is a p-value between 0 and 1, e.g. 0.0001; got %(value)s"
    ),
}


def texts() -> set[str]:
    """What the catalogue must hold for :func:`translate` and :func:`translate_rule`."""
    return set(FIXED) | set(TEMPLATES.values()) | set(RULE_FIXED) | set(RULE_TEMPLATES.values())


def translate_rule(message: str, gettext: Gettext) -> str:
    """The rule check's ``message`` in the language of ``gettext``."""
    return translate(message, gettext, RULE_FIXED, RULE_TEMPLATES)


def translate(
    message: str, gettext: Gettext, fixed: tuple[str, ...] = FIXED, templates: dict[str, str] = TEMPLATES
) -> str:
    """``message`` in the language of ``gettext``."""
    if message in fixed:
        return gettext(message)
    for pattern, text in templates.items():
        if found := re.fullmatch(pattern, message):
            return gettext(text) % {"value": found["value"]}
    return message
