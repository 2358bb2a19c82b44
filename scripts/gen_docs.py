"""Regenerate the generated reference pages in docs/ (run by `make docs`)."""

from pathlib import Path

from luister.docgen import write_all

for path in write_all(Path(__file__).resolve().parents[1]):
    print(f"wrote {path}")
