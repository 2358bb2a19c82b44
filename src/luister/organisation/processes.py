"""Processes and their responsibility matrix (RACI), pure: which department is Responsible (the inbox
routes the process's mentions there), Accountable (approves), Consulted (notified) and Informed (gets the
digest). A process has exactly one Responsible department and at most one Accountable one."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class Raci(StrEnum):
    responsible = "R"
    accountable = "A"
    consulted = "C"
    informed = "I"


class ProcessProblem(ValueError):
    """What is wrong with a process, in English (``str``, the API's) and Dutch (:meth:`said`, the pages')."""

    def __init__(self, field: str, problem: str, nl: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.nl = nl or problem
        super().__init__(f"{field}: {problem}")

    def said(self, language: str | None) -> str:
        """The problem in the reader's language (Dutch or English)."""
        return f"{self.field}: {self.nl if (language or '').startswith('nl') else self.problem}"


@dataclass(frozen=True, slots=True)
class Matrix:
    """One process's row of the matrix: department key → its letter."""

    roles: Mapping[str, Raci]

    def responsible(self) -> str:
        return next(d for d, r in sorted(self.roles.items()) if r is Raci.responsible)

    def having(self, role: Raci) -> list[str]:
        return sorted(d for d, r in self.roles.items() if r is role)


def clean_key(key: str) -> str:
    key = key.strip().lower()
    if not KEY.match(key):
        raise ProcessProblem(
            "key", "lower-case letters, digits and dashes, at most 40, e.g. billing-complaint",
            "kleine letters, cijfers en streepjes, hoogstens 40, bijv. factuurklacht",
        )  # fmt: skip
    return key


def clean_matrix(roles: Mapping[str, str], departments: Mapping[str, object]) -> Matrix:
    """The matrix checked against the departments there are: one R, at most one A, letters R/A/C/I."""
    parsed: dict[str, Raci] = {}
    for department, letter in roles.items():
        if department not in departments:
            raise ProcessProblem(
                "matrix", f"there is no department {department!r}", f"er is geen afdeling {department!r}"
            )
        try:
            parsed[department] = Raci(letter.strip().upper())
        except ValueError:
            raise ProcessProblem(
                "matrix", f"{department}: {letter!r} is not one of R, A, C, I",
                f"{department}: {letter!r} is niet een van R, A, C, I",
            ) from None  # fmt: skip
    count = {role: sum(1 for r in parsed.values() if r is role) for role in Raci}
    if count[Raci.responsible] != 1:
        raise ProcessProblem(
            "matrix", "exactly one department is Responsible (R)",
            "precies één afdeling is verantwoordelijk (R)",
        )  # fmt: skip
    if count[Raci.accountable] > 1:
        raise ProcessProblem(
            "matrix", "at most one department is Accountable (A)",
            "hoogstens één afdeling is eindverantwoordelijk (A)",
        )  # fmt: skip
    return Matrix(parsed)


def routing_rule_name(key: str) -> str:
    """The inbox routing rule the process keeps (its Responsible department)."""
    return f"process: {key}"


def parse_matrix(text: str) -> dict[str, str]:
    """A matrix written ``billing=R, webcare=C`` (commas or new lines), as the pages and the CLI take it."""
    found: dict[str, str] = {}
    for part in text.replace("\n", ",").split(","):
        if not part.strip():
            continue
        department, sep, letter = part.partition("=")
        if not sep or not department.strip() or not letter.strip():
            raise ProcessProblem(
                "matrix", f"{part.strip()!r}: write department=R (or A, C, I)",
                f"{part.strip()!r}: schrijf afdeling=R (of A, C, I)",
            )  # fmt: skip
        found[department.strip()] = letter.strip()
    return found
