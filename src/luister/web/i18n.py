"""Dutch and English for the web pages (Babel catalogs; English is the source language).

Only the ``.po`` files are committed: they are compiled in memory when first needed. A test checks that
every text in the templates has a Dutch translation.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("en", "nl")
LOCALES = Path(__file__).parent / "locales"


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "messages.po"


def read_catalog(language: str) -> Catalog:
    """``messages.po`` and any other ``.po`` file beside it (areas may keep their own), as one catalog."""
    merged = Catalog(locale=language, project="luister", charset="utf-8")
    for path in sorted(catalog_path(language).parent.glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string:
                    merged.add(message.id, message.string)
    return merged


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language not in LANGUAGES or language == "en":
        return gettext.NullTranslations()
    catalog = read_catalog(language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled)


def pick_language(preferred: str | None, accept_language: str | None) -> str:
    """The user's own choice, else the browser's first supported language, else English."""
    if preferred in LANGUAGES:
        return str(preferred)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


EXTRA_MESSAGES = (  # texts that reach the templates as values: roles, labels, statuses, service errors
    "community", "webcare_pilot", "mentions", "reach", "engagement",  # project kinds, KPI measures
    "linear", "time_decay", "position", "shapley", "causal",
    "admin", "analyst", "agent", "viewer",
    "negative", "neutral", "positive",
    "complaint", "question", "praise", "lead", "churn", "feedback", "crisis", "other",
    "info", "warning", "critical", "open", "acknowledged", "resolved",
    "wrong e-mail address or password", "Too many attempts; try again in a moment ({seconds} s).",
    "The form expired; please try again.",
    "a password needs at least 12 characters", "a password must not contain the e-mail name",
    "a password needs more different characters", "a password has at most 200 characters",
    "this password is too easy to guess (a common password or pattern); choose a longer passphrase",
    "the new passwords differ", "the current password is not right",
    "Your role may not do this.", "The form expired; reload the page.", "There is no such account.",
    "No such token.", "No such mention.", "No such topic.", "No such source.", "No such alert.",
    "No such project.",
    "No such alert rule.", "No such alert channel.",
    "brand", "competitor", "campaign",  # topic kinds
    "country", "language", "since", "until",  # filter names on the mention list
    "a source needs a name", "a source with this name exists already", "a topic needs a name",
    "a topic needs a query", "a topic with this name exists already", "choose a connector",
    "choose what the topic is about", "give a whole number of minutes, at least 1",
    "other topics refer to this name; change their queries first",
    "the name is too long (at most 120 characters)",
    "This schedule is the whole company's: someone who works across departments changes it.",
    "None of this schedule's recipients may receive its report now; change the recipients first.",
)  # fmt: skip
