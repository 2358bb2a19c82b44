"""Generated docs must match the code: run `make docs` when this fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from luister.docgen import GENERATED

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("relative", sorted(GENERATED))
def test_generated_docs_are_current(relative: str) -> None:
    committed = (ROOT / relative).read_text(encoding="utf-8")
    assert committed == GENERATED[relative](), f"{relative} is stale: run `make docs`"


def test_readme_names_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
