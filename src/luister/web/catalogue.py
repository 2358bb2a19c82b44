"""Building the Dutch catalogue (``scripts/i18n.py``): every text a person may see, from the templates
and the modules that hold texts shown translated. Tooling, kept apart from :mod:`luister.web.i18n` so that
serving pages never imports the pages that it collects texts from."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from luister.web.i18n import EXTRA_MESSAGES, catalog_path, read_catalog


def template_messages() -> list[str]:
    """Every ``_("…")`` text of the templates, and the values shown through ``_()``."""
    from babel.messages.extract import extract_from_dir

    found = [message for _, _, message, _, _ in extract_from_dir(
        str(Path(__file__).parent / "templates"), method_map=[("**.html", "jinja2")],
    ) if isinstance(message, str)]  # fmt: skip
    from luister.alerts.texts import SUMMARIES, TITLES
    from luister.web.errors import HEADINGS
    from luister.web.pages.alert_setup import channel_texts
    from luister.web.pages.organisation import PARTS
    from luister.web.pages.sources import connector_texts
    from luister.web.query_errors import MESSAGES

    pages = {text for pair in HEADINGS.values() for text in pair} | connector_texts() | set(MESSAGES)
    pages |= channel_texts()
    pages |= {text for _, title, what, _ in PARTS for text in (title, what)}
    return sorted(set(found) | set(EXTRA_MESSAGES) | set(TITLES.values()) | set(SUMMARIES.values()) | pages)


def update_catalog(language: str, messages: list[str]) -> list[str]:
    """Make ``messages.po`` hold exactly ``messages``, keeping translations from every ``.po`` file beside
    it (which are then folded in and removed); return the untranslated ones."""
    from babel.messages.pofile import write_po

    path = catalog_path(language)
    old = {str(m.id): str(m.string) for m in read_catalog(language) if m.id}
    for other in path.parent.glob("*.po"):  # an area's translations are folded in, never dropped
        if other != path:
            with other.open("rb") as handle:
                messages = [*messages, *(str(m.id) for m in read_po(handle) if m.id and m.string)]
    messages = sorted(set(messages))
    catalog = Catalog(locale=language, project="luister", charset="utf-8")
    for message in messages:
        catalog.add(message, old.get(message, ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=110, omit_header=True, sort_output=True)
    for other in path.parent.glob("*.po"):  # folded into the one catalog
        if other != path:
            other.unlink()
    return [message for message in messages if not old.get(message)]
