"""The RACI gate: what the inbox asks the responsibility matrix about a conversation (read-only, inside the
caller's transaction). A conversation belongs to a process when it carries the process's key as a tag (the
process's routing rule tags what it routes, see :mod:`luister.organisation.processes_actions`); when
several processes apply, the first in the matrix's order counts.

- **R** routes (the inbox's own routing rule ``process: <key>``).
- **A** approves: :func:`process_of` names the Accountable department; a reply in such a conversation waits
  for one of its approvers.
- **C** is consulted: its people are notified when a conversation of the process is opened or escalated.
- **I** is informed: :func:`informed_of` gives the processes whose conversations a department's digest
  takes in, so their themes reach it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.organisation.policy_tables import process, process_raci
from luister.organisation.processes import Raci


@dataclass(frozen=True, slots=True)
class ProcessRoles:
    key: str
    name_nl: str
    name_en: str
    accountable: str | None  # a department key
    consulted: tuple[str, ...]
    informed: tuple[str, ...]

    def name(self, language: str | None) -> str:
        return self.name_nl if (language or "").startswith("nl") else self.name_en


def process_of(conn: Connection, tags: Iterable[str]) -> ProcessRoles | None:
    """The process of a conversation with ``tags`` (its key among them), with its A, C and I; None: none."""
    wanted = sorted(set(tags))
    if not wanted:
        return None
    found = conn.execute(
        sa.select(process.c.id, process.c.key, process.c.name_nl, process.c.name_en)
        .where(process.c.key.in_(wanted))
        .order_by(process.c.position, process.c.key)
        .limit(1)
    ).first()
    if found is None:
        return None
    letters: dict[str, list[str]] = {r.value: [] for r in Raci}
    for department, role in conn.execute(
        sa.select(process_raci.c.department, process_raci.c.role)
        .where(process_raci.c.process_id == found.id)
        .order_by(process_raci.c.department)
    ):
        letters.setdefault(role, []).append(department)
    accountable = letters[Raci.accountable.value]
    return ProcessRoles(
        found.key, found.name_nl, found.name_en, accountable[0] if accountable else None,
        tuple(letters[Raci.consulted.value]), tuple(letters[Raci.informed.value]),
    )  # fmt: skip


def informed_of(conn: Connection, department: str) -> list[str]:
    """The keys of the processes that keep ``department`` Informed (their themes go into its digest)."""
    return list(
        conn.scalars(
            sa.select(process.c.key)
            .join(process_raci, process_raci.c.process_id == process.c.id)
            .where(process_raci.c.department == department, process_raci.c.role == Raci.informed.value)
            .order_by(process.c.position, process.c.key)
        )
    )
