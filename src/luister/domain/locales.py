"""Language and country values as sources write them, to the codes luister stores.

``Portuguese``, ``Portugees``, ``pt-BR``, ``es-419`` and ``zh-Hant-TW`` are languages ``pt``, ``pt``, ``pt``,
``es`` and ``zh`` (a BCP-47 tag keeps its primary language); ``Netherlands``, ``Nederland`` and ``nl`` are
country ``NL``. Names are read in English and Dutch, from the CLDR data Babel ships. A value that is none
of these gives ``None``: the caller drops it and says so, and keeps the mention.
"""

from __future__ import annotations

import re
from functools import cache

_NAME_LANGUAGES = ("en", "nl")
_CAMEL_TAG = re.compile(r"([a-z]{2,3})[A-Z][A-Za-z]*$")


def language_code(value: str) -> str | None:
    """The ISO 639 code (2 or 3 letters, lower case) of a code, BCP-47 tag or language name."""
    text = value.strip()
    primary = text.replace("_", "-").split("-", 1)[0]
    if tag := _CAMEL_TAG.match(primary):  # "zhCn", as some Mastodon versions write zh-CN
        primary = tag.group(1)
    if 2 <= len(primary) <= 3 and primary.isascii() and primary.isalpha():
        code = primary.lower()
        return _language_names().get(code, code) if len(code) == 3 else code  # por → pt
    return _language_names().get(_name_key(text))


def country_code(value: str) -> str | None:
    """The ISO 3166 alpha-2 code (upper case) of a code or country name."""
    text = value.strip()
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text.upper()
    return _country_names().get(_name_key(text))  # names, and ISO alpha-3 codes (NLD → NL)


def _name_key(text: str) -> str:
    return " ".join(text.casefold().split())


@cache
def _language_names() -> dict[str, str]:
    from babel import Locale
    from babel.core import get_global

    names: dict[str, str] = {}
    for alias, code in get_global("language_aliases").items():  # three-letter codes: por, nld, dut
        if len(alias) == 3 and alias.isalpha() and code.isalpha() and len(code) == 2:
            names[alias] = code
    for shown_in in _NAME_LANGUAGES:
        for code, name in Locale(shown_in).languages.items():
            if code.isalpha() and 2 <= len(code) <= 3:
                names.setdefault(_name_key(name), code.lower())
    return names


@cache
def _country_names() -> dict[str, str]:
    from babel import Locale
    from babel.core import get_global

    names: dict[str, str] = {}
    for alias, codes in get_global("territory_aliases").items():  # alpha-3: NLD, USA
        if len(alias) == 3 and alias.isalpha() and codes and len(codes[0]) == 2:
            names[alias.casefold()] = codes[0]
    for shown_in in _NAME_LANGUAGES:
        for code, name in Locale(shown_in).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(_name_key(name), code.upper())
    return names
