"""Alert titles as a message key and its values, so each reader gets them in their own language (pure).

The English templates are the message ids of the web app's catalogue; the stored English title is the
same template filled in, for delivery channels and the command line.
"""

from __future__ import annotations

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
