"""Hot modules (matching, ingest, language identification) compiled to C with mypyc — never run stale.

``scripts/compile.py`` (run by ``make install``) compiles :data:`MODULES` into extension modules next to
their sources and writes :data:`STAMP`: the SHA-256 of every source it compiled. Python imports an
extension module in preference to its ``.py``; so that an edited source is never shadowed by an older
build, :func:`guard` (called when :mod:`luister` is imported, before any of these modules) checks the
stamp and, when a source changed since the build, has all of them imported from source instead, with a
warning. ``LUISTER_PURE=1`` asks for the sources too (the tests run the matcher and ingest both ways).

The compiled and the pure modules are the same code: mypyc compiles the typed Python as it is.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
from pathlib import Path
from types import ModuleType

MODULES = (  # what the ingest of a mention runs most: normalise, match, map, count
    "luister.domain.mentions",
    "luister.domain.text_tokens",
    "luister.domain.matcher_checks",
    "luister.domain.matcher",
    "luister.domain.urls",
    "luister.domain.timestamps",
    "luister.domain.rollups",
    "luister.connectors.records",
    "luister.analysis.langid_walk",  # and fast analysis's language identification
)
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the directory holding the luister package
STAMP = Path(__file__).with_name("compiled.json")
PURE_VARIABLE = "LUISTER_PURE"
log = logging.getLogger(__name__)
decided: str | None = None  # what guard() found when luister was imported


def source(module: str) -> Path:
    return PACKAGE_ROOT.joinpath(*module.split(".")).with_suffix(".py")


def source_hashes() -> dict[str, str]:
    """The SHA-256 of every compiled module's source, as the stamp records them."""
    return {module: hashlib.sha256(source(module).read_bytes()).hexdigest() for module in MODULES}


def built() -> list[Path]:
    """The extension modules of :data:`MODULES` that exist for this Python."""
    found = []
    for module in MODULES:
        base = source(module).with_suffix("")
        found += [
            base.with_name(base.name + suffix)
            for suffix in importlib.machinery.EXTENSION_SUFFIXES
            if base.with_name(base.name + suffix).exists()
        ]
    return found


def stamp_matches() -> bool:
    try:
        recorded = json.loads(STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(recorded, dict) and recorded.get("sources") == source_hashes()


def wanted() -> str:
    """``compiled`` when the extension modules are built and current, else why the sources run:
    ``pure`` (asked for), ``not built`` or ``stale``."""
    if os.environ.get(PURE_VARIABLE, "") not in ("", "0"):
        return "pure"
    if not built():
        return "not built"
    return "compiled" if stamp_matches() else "stale"


def running() -> str:
    """``compiled`` when the imported modules of :data:`MODULES` are extension modules, else ``pure``."""
    modules = [module for name in MODULES if (module := sys.modules.get(name)) is not None]
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    compiled = [str(getattr(module, "__file__", "")).endswith(suffixes) for module in modules]
    return "compiled" if compiled and all(compiled) else "pure"


class _Sources(importlib.abc.MetaPathFinder):
    """Finds :data:`MODULES` as their ``.py`` files, ahead of the extension modules beside them."""

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, source(fullname))


def guard() -> str:
    """Make the sources run unless the compiled modules are current; say which will run."""
    global decided
    state = decided = wanted()
    if state != "compiled" and not any(isinstance(finder, _Sources) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Sources())
        if state == "stale":
            log.warning(
                "the compiled modules are older than their sources: running the sources (slower); "
                "`make install` rebuilds it"
            )
    return state
