"""Generated docs must match the code: run `make docs` when this fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from luister.docgen import GENERATED

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"\d+(?:\.\d+)?")
# The e5 encoder's C engine computes embeddings with the CPU's own vector instructions: another
# processor gives slightly different floats, so its figures may move by a few hundredths between machines.
VARIES_BY_CPU = "(e5)"


def same_figures(committed: str, generated: str) -> bool:
    """Equal, or an e5 line whose words are equal and whose figures differ by at most 3 % (0.03)."""
    if committed == generated:
        return True
    if VARIES_BY_CPU not in committed or NUMBER.sub("#", committed) != NUMBER.sub("#", generated):
        return False
    pairs = zip(NUMBER.findall(committed), NUMBER.findall(generated), strict=True)
    return all(abs(float(a) - float(b)) <= max(0.03, 0.03 * max(float(a), float(b))) for a, b in pairs)


@pytest.mark.parametrize("relative", sorted(GENERATED))
def test_generated_docs_are_current(relative: str) -> None:
    committed = (ROOT / relative).read_text(encoding="utf-8").splitlines()
    generated = GENERATED[relative]().splitlines()
    assert len(committed) == len(generated), f"{relative} is stale: run `make docs`"
    stale = [(a, b) for a, b in zip(committed, generated, strict=True) if not same_figures(a, b)]
    assert not stale, f"{relative} is stale: run `make docs` (first difference: {stale[0]})"


def test_only_cpu_dependent_figures_may_move() -> None:
    line = "| x (test) | en | 128 | luister accurate (e5) | 0.887 | 0.781 | 0.762 |"
    assert same_figures(line, line.replace("0.781", "0.789"))
    assert not same_figures(line, line.replace("0.781", "0.881"))
    assert not same_figures(line, line.replace("en", "nl"))
    fast = line.replace("(e5)", "fast")
    assert not same_figures(fast, fast.replace("0.781", "0.789"))


def test_readme_names_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
