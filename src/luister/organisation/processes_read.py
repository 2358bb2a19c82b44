"""Reading the processes and their matrix (department × process, R/A/C/I)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.inbox.read import department_keys
from luister.organisation.policy_tables import process, process_raci
from luister.organisation.processes import Raci


@dataclass(frozen=True, slots=True)
class ProcessRead:
    key: str
    name_nl: str
    name_en: str
    conditions: dict[str, Any]
    matrix: dict[str, str]  # department key → R, A, C or I

    def name(self, language: str) -> str:
        return self.name_nl if language == "nl" else self.name_en

    def having(self, role: Raci) -> list[str]:
        return sorted(d for d, r in self.matrix.items() if r == role.value)


@dataclass(frozen=True, slots=True)
class MatrixRead:
    departments: list[str]
    processes: list[ProcessRead]


def list_processes(*, engine: Engine) -> list[ProcessRead]:
    with engine.connect() as conn:
        roles: dict[int, dict[str, str]] = {}
        for r in conn.execute(sa.select(process_raci)):
            roles.setdefault(r.process_id, {})[r.department] = r.role
        return [
            ProcessRead(p.key, p.name_nl, p.name_en, dict(p.conditions or {}), roles.get(p.id, {}))
            for p in conn.execute(sa.select(process).order_by(process.c.position, process.c.key))
        ]


def matrix(*, engine: Engine) -> MatrixRead:
    """Every process with its letters, and the departments as the matrix's columns."""
    return MatrixRead(department_keys(engine=engine), list_processes(engine=engine))
