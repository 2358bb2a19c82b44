"""Compile the hot modules (``luister.compiled.MODULES``) with mypyc when they changed.

    python scripts/compile.py          # build when needed (``make install`` runs it)
    python scripts/compile.py --force  # build anyway

The extension modules land next to their sources (ignored by git); ``src/luister/compiled.json`` records
the SHA-256 of the sources they were built from, which ``luister.compiled.guard`` checks at import.
Needs a C compiler and the Python headers. ``LUISTER_PURE=1`` skips the build: the sources then run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
# importing luister checks the build; that a stale one runs the sources is news to others, not to us
logging.getLogger("luister.compiled").setLevel(logging.ERROR)

from luister import compiled  # noqa: E402  (after the path is set)


def build() -> None:
    from mypyc.build import mypycify
    from setuptools import setup

    build_dir = ROOT / ".cache" / "mypyc"
    paths = [str(compiled.source(module).relative_to(compiled.PACKAGE_ROOT)) for module in compiled.MODULES]
    os.chdir(compiled.PACKAGE_ROOT)  # module names and in-place targets are relative to the package root
    extensions = mypycify(
        paths, opt_level="3", target_dir=str(build_dir / "c"), group_name="luister.compiled_matcher"
    )
    setup(
        name="luister-compiled",
        ext_modules=extensions,
        script_args=[
            "--quiet",
            "build_ext",
            "--inplace",
            "--build-temp",
            str(build_dir / "temp"),
            "--build-lib",
            str(build_dir / "lib"),
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
    if os.environ.get(compiled.PURE_VARIABLE, "") not in ("", "0"):
        print(f"{compiled.PURE_VARIABLE} is set: not compiling; the sources run")
        return 0
    if not args.force and compiled.built() and compiled.stamp_matches():
        return 0
    started = time.monotonic()
    hashes = compiled.source_hashes()
    compiled.STAMP.unlink(missing_ok=True)
    build()
    compiled.STAMP.write_text(json.dumps({"sources": hashes}, indent=2) + "\n", encoding="utf-8")
    print(f"compiled {len(compiled.MODULES)} modules with mypyc in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
