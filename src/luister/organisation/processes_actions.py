"""Changing the processes and their responsibility matrix. Saving a process keeps the inbox's routing
rule ``process: <key>`` pointing at its Responsible department (through the inbox's own set-up,
:func:`luister.inbox.setup.save_rule`, which checks the conditions and audits the rule), so changing the
matrix changes where the process's mentions land."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.inbox import setup
from luister.inbox.read import department_keys
from luister.organisation.policy_tables import process, process_raci
from luister.organisation.processes import ProcessProblem, clean_key, clean_matrix, routing_rule_name
from luister.services import audit
from luister.storage.unique import put_row


class UnknownProcess(LookupError):
    pass


def _name(field: str, value: str) -> str:
    value = " ".join(value.split())
    if not 0 < len(value) <= 120:
        raise ProcessProblem(field, "a name of 1 to 120 characters", "een naam van 1 tot 120 tekens")
    return value


def save_process(
    *,
    engine: Engine,
    key: str,
    name_nl: str,
    name_en: str,
    conditions: Mapping[str, Any],
    matrix: Mapping[str, str],
    actor: str,
    now: datetime,
) -> int:
    """Create or replace the process ``key`` with its matrix (one R, at most one A; departments that
    exist). Its mentions (``conditions``, as an inbox routing rule's) are routed to the R department."""
    key = clean_key(key)
    name_nl, name_en = _name("name_nl", name_nl), _name("name_en", name_en)
    if not conditions:
        raise ProcessProblem(
            "conditions", "say how a mention of this process is recognised (query, intents …)",
            "zeg waaraan een vermelding van dit proces te herkennen is (zoekvraag, intenties …)",
        )  # fmt: skip
    parsed = clean_matrix(matrix, dict.fromkeys(department_keys(engine=engine)))
    setup.save_rule(
        engine=engine, actor=actor, name=routing_rule_name(key), conditions=conditions,
        department_key=parsed.responsible(), tags=[key],
    )  # fmt: skip
    with engine.begin() as conn:
        position = conn.execute(sa.select(sa.func.coalesce(sa.func.max(process.c.position), 0))).scalar_one()
        put_row(
            conn, process, key={"key": key},
            values={"name_nl": name_nl, "name_en": name_en, "conditions": dict(conditions),
                    "updated_at": now},
            on_insert={"position": int(position) + 10},
        )  # fmt: skip
        process_id = int(conn.execute(sa.select(process.c.id).where(process.c.key == key)).scalar_one())
        before = dict(
            conn.execute(
                sa.select(process_raci.c.department, process_raci.c.role).where(
                    process_raci.c.process_id == process_id
                )
            ).all()
        )
        conn.execute(process_raci.delete().where(process_raci.c.process_id == process_id))
        conn.execute(
            process_raci.insert(),
            [
                {"process_id": process_id, "department": d, "role": r.value}
                for d, r in sorted(parsed.roles.items())
            ],
        )
        audit.record(
            conn, actor=actor, action="process.save", target=key,
            detail={"matrix": {d: r.value for d, r in parsed.roles.items()}, "before": before},
        )  # fmt: skip
    return process_id


def remove_process(*, engine: Engine, key: str, actor: str) -> None:
    """Remove the process, its matrix and the routing rule it kept."""
    with engine.begin() as conn:
        if not conn.execute(process.delete().where(process.c.key == key)).rowcount:
            raise UnknownProcess(f"there is no process {key!r}")
        audit.record(conn, actor=actor, action="process.remove", target=key)
    try:
        setup.remove_rule(engine=engine, actor=actor, name=routing_rule_name(key))
    except ValueError:  # the rule was already removed by hand
        pass
