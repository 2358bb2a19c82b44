"""Alert titles as a message key and its values, so each reader gets them in their own language (pure).

The English templates are the message ids of the web app's catalogue; the stored English title is the
same template filled in, for delivery channels and the command line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

ALL_MENTIONS = "all mentions"  # the subject of a rule without a topic
TITLES: dict[str, str] = {
    "spike": "%(subject)s: %(count)s mentions in the last hour (expected about %(expected)s)",
    "negative_spike": "%(subject)s: %(count)s negative mentions in the last hour "
                      "(expected about %(expected)s)",
    "spike_peak": "%(subject)s: %(count)s mentions in an hour (expected about %(expected)s)",
    "negative_spike_peak": "%(subject)s: %(count)s negative mentions in an hour "
                           "(expected about %(expected)s)",
    "rise": "%(subject)s: mentions rising for %(hours)s hours, %(count)s in the last hour "
            "(expected about %(expected)s)",
    "negative_rise": "%(subject)s: negative mentions rising for %(hours)s hours, %(count)s in the last hour "
                     "(expected about %(expected)s)",
    "negative_share": "%(subject)s: %(share)s%% negative in the last hour (%(negative)s of %(total)s)",
    "query": "%(subject)s: %(count)s new mentions match %(query)s",
    "query_one": "%(subject)s: 1 new mention matches %(query)s",
    "intent": "%(subject)s: %(count)s new mentions with intent %(intent)s",
    "intent_one": "%(subject)s: 1 new mention with intent %(intent)s",
    "influencer": "%(subject)s: %(count)s new mentions by authors with ≥ %(followers)s followers",
    "influencer_one": "%(subject)s: 1 new mention by an author with ≥ %(followers)s followers",
    "sla_breach": "%(subject)s: conversation #%(conversation)s breached its SLA",
}  # fmt: skip
SUMMARIES: dict[str, str] = {  # values are formatted before they go in: times, ratios, percentages
    "spike": "Mentions of %(subject)s rose to %(count)s in the hour before %(at)s UTC, %(ratio)s× the usual "
             "for this hour and weekday (p = %(p)s).",
    "negative_spike": "Negative mentions of %(subject)s rose to %(count)s in the hour before %(at)s UTC, "
                      "%(ratio)s× the usual for this hour and weekday (p = %(p)s).",
    "spike_peak": "Mentions of %(subject)s peaked at %(count)s an hour between %(start)s and %(end)s UTC.",
    "negative_spike_peak": "Negative mentions of %(subject)s peaked at %(count)s an hour between %(start)s "
                           "and %(end)s UTC.",
    "negative_share": "The share of negative mentions of %(subject)s reached %(share)s (threshold "
                      "%(threshold)s).",
    "sla_breach": "Conversation #%(conversation)s (%(department)s) was not answered in time; due %(due)s "
                  "UTC.",
    "events": "%(count)s new mention(s) matched rule %(rule)s; the most-followed author has %(followers)s "
              "followers.",
    "events_of": "%(count)s new mention(s) of %(subject)s matched rule %(rule)s; the most-followed author "
                 "has %(followers)s followers.",
}  # fmt: skip
TRANSLATED_VALUES = ("intent",)  # values that are themselves words of the catalogue (intent labels)


def message(key: str, *, subject: str | None, **values: Any) -> dict[str, Any]:
    """A title as stored: its key and values; ``subject`` None means all mentions."""
    if key not in TITLES:
        raise KeyError(f"no alert title {key!r}")
    return {"key": key, "values": {"subject": subject, **values}}


def render(stored: Mapping[str, Any], gettext: Callable[[str], str] = str) -> str:
    """The title in the language of ``gettext`` (English by default)."""
    values = dict(stored["values"])
    values["subject"] = values.get("subject") or gettext(ALL_MENTIONS)
    for name in TRANSLATED_VALUES:
        if isinstance(values.get(name), str):
            values[name] = gettext(values[name])
    return gettext(TITLES[stored["key"]]) % values


def summary(key: str, **values: Any) -> str:
    """A summary in English, as stored; :func:`translate` reads it back into another language."""
    return SUMMARIES[key] % values


def translate(text: str, gettext: Callable[[str], str]) -> str:
    """A stored English title or summary (or a timeline entry holding one) in the language of
    ``gettext``: matched against the templates it was made from; any other text comes back as it is."""
    for template, pattern in _PATTERNS:
        found = pattern.fullmatch(text)
        if found is not None:
            values = found.groupdict()
            if values.get("subject") == ALL_MENTIONS:
                values["subject"] = gettext(ALL_MENTIONS)
            for name in TRANSLATED_VALUES:
                if name in values:
                    values[name] = gettext(values[name])
            return gettext(template) % values
    return text


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(%\([a-z]+\)s|%%)", template)
    return re.compile("".join(
        "%" if part == "%%" else f"(?P<{part[2:-2]}>.+?)" if part.startswith("%(") else re.escape(part)
        for part in parts
    ), re.DOTALL)  # fmt: skip


_PATTERNS = [(template, _pattern(template)) for template in (*TITLES.values(), *SUMMARIES.values())]
