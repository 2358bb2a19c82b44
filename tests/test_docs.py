"""Generated docs must match the code: run `make docs` when this fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from luister.docgen import GENERATED

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"\d+(?:\.\d+)?")
MATRIX = re.compile(r"`[^`]*`")  # a confusion matrix: counts of texts per (true, predicted) label
# The e5 encoder's C engine computes embeddings with the CPU's own vector instructions: another
# processor gives slightly different floats, so a text or two near a boundary may change label and the
# figures move by a few hundredths between machines.
VARIES_BY_CPU = "(e5)"


def same_figures(committed: str, generated: str) -> bool:
    """Equal, or an e5 line whose words are equal, whose scores differ by at most 3 % (0.03) and whose
    confusion matrix counts by at most 2 (2 %); other whole numbers (how many texts) must be equal."""
    if committed == generated:
        return True
    if VARIES_BY_CPU not in committed or NUMBER.sub("#", committed) != NUMBER.sub("#", generated):
        return False
    counts = zip(_numbers(MATRIX.findall(committed)), _numbers(MATRIX.findall(generated)), strict=True)
    rest = zip(_numbers([MATRIX.sub("", committed)]), _numbers([MATRIX.sub("", generated)]), strict=True)
    return all(_near(int(a), int(b)) for a, b in counts) and all(_close(a, b) for a, b in rest)


def _numbers(texts: list[str]) -> list[str]:
    return [number for text in texts for number in NUMBER.findall(text)]


def _near(a: int, b: int) -> bool:
    return abs(a - b) <= max(2, 0.02 * max(a, b))


def _close(a: str, b: str) -> bool:
    if "." not in a + b:
        return a == b
    return abs(float(a) - float(b)) <= max(0.03, 0.03 * max(float(a), float(b)))


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
    assert not same_figures(line, line.replace("128", "129"))  # how many texts: never the CPU
    fast = line.replace("(e5)", "fast")
    assert not same_figures(fast, fast.replace("0.781", "0.789"))
    matrix = "- x (test) (en), luister accurate (e5): `  40    5    1 /    8   46    3`"
    assert same_figures(matrix, matrix.replace(" 8   46", " 9   45"))
    assert not same_figures(matrix, matrix.replace(" 8   46", "11   43"))
    fast_matrix = matrix.replace("(e5)", "fast")
    assert not same_figures(fast_matrix, fast_matrix.replace("46", "45"))


def test_readme_names_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
