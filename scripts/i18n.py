"""Refresh the Dutch catalog from the templates: new texts are added untranslated, gone ones dropped.

    python scripts/i18n.py          # then translate the empty msgstr entries in the .po file

tests/web/test_i18n.py fails while any text of the templates lacks a Dutch translation.
"""

from __future__ import annotations

from luister.web.catalogue import template_messages, update_catalog
from luister.web.i18n import catalog_path

if __name__ == "__main__":
    path = catalog_path("nl")
    missing = update_catalog("nl", template_messages())
    print(f"wrote {path}; untranslated: {len(missing)}")
    for message in missing:
        print(f"  {message!r}")
