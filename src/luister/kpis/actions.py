"""Every change to goals, KPIs, targets and external series. Keyword arguments only, an explicit
``actor`` and ``scope`` (someone of a department changes their department's goals and KPIs only; others'
are as unknown as missing ones), one transaction with its audit row."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from luister.domain.accounts import EVERYTHING, Scope
from luister.kpis.formulas import Direction, Unit
from luister.kpis.library import UnknownFormula, formula_of
from luister.kpis.read import UnknownGoal, UnknownKpi, UnknownSeries, kpi_by_id, kpi_by_key, series_unit
from luister.kpis.series import RowProblem, UnitMismatch, checked, parse_quantity, read_points
from luister.kpis.status import PeriodKind, is_period_start
from luister.kpis.tables import external_point, external_series, goal, kpi, kpi_target
from luister.services import audit
from luister.storage.tables import user_account
from luister.storage.unique import insert_new, is_unique_violation

_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")
_PARAMS = {"topics", "competitors", "department", "variant", "spend"}


class KpiProblem(ValueError):
    """Input that cannot be saved; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Taken(KpiProblem):
    """A name or key another goal, KPI or series has already."""


@dataclass(frozen=True, slots=True)
class Imported:
    series: str
    stored: int
    problems: list[RowProblem]


def _owner_id(conn: Connection, email: str | None) -> int | None:
    if not email:
        return None
    found = conn.execute(
        sa.select(user_account.c.id).where(user_account.c.email == email.strip().lower())
    ).scalar()
    if found is None:
        raise KpiProblem("owner", f"no user {email!r}")
    return int(found)


def _department(scope: Scope, department: str | None) -> str | None:
    department = (department or "").strip() or None
    if scope.department is not None:
        if department not in (None, scope.department):
            raise KpiProblem("department", f"you work for department {scope.department!r} only")
        return scope.department
    return department


def _made_at(now: datetime | None) -> dict[str, datetime]:
    """``created_at`` when the caller gives the moment (the table's default is the wall clock)."""
    return {} if now is None else {"created_at": now}


def _goal_row(conn: Connection, goal_id: int, scope: Scope) -> Any:
    row = conn.execute(sa.select(goal).where(goal.c.id == goal_id)).first()
    if row is None or not scope.sees(row.department):
        raise UnknownGoal(f"no goal #{goal_id}")
    if not scope.owns(row.department):
        raise KpiProblem("department", "this goal is the company's: someone across departments changes it")
    return row


def _name(value: str | None, field: str = "name") -> str:
    value = (value or "").strip()  # a null name (PATCH {"name": null}) is as empty as ""
    if not value or len(value) > 120:
        raise KpiProblem(field, f"{field}: 1 to 120 characters")
    return value


# --- goals ----------------------------------------------------------------------------------------------


def create_goal(
    *, engine: Engine, name: str, actor: str, description: str = "", owner: str | None = None,
    department: str | None = None, parent_id: int | None = None, scope: Scope = EVERYTHING,
    now: datetime | None = None,
) -> int:  # fmt: skip
    """A goal; ``now`` stamps when it was made (the wall clock when not given: the demo backdates it)."""
    with engine.begin() as conn:
        clean = _name(name)
        _unique(conn, goal, "name", clean)
        values = {
            "name": clean,
            "description": description.strip()[:10_000],
            "owner_id": _owner_id(conn, owner),
            "department": _department(scope, department),
            "parent_id": _goal_row(conn, parent_id, scope).id if parent_id is not None else None,
            **_made_at(now),
        }
        goal_id = _insert_unique(conn, goal.insert().values(**values).returning(goal.c.id), "name", clean)
        audit.record(
            conn, actor=actor, action="goal.create", target=str(goal_id), detail={"name": values["name"]}
        )
    return goal_id


def update_goal(
    *, engine: Engine, goal_id: int, actor: str, scope: Scope = EVERYTHING, **changes: Any
) -> None:
    """Change ``name``, ``description``, ``owner`` (an e-mail), ``department`` or ``parent_id``."""
    with engine.begin() as conn:
        row = _goal_row(conn, goal_id, scope)
        values: dict[str, Any] = {}
        if "name" in changes and changes["name"] != row.name:
            values["name"] = _name(changes["name"])
            _unique(conn, goal, "name", values["name"])
        if "description" in changes:
            values["description"] = str(changes["description"] or "").strip()[:10_000]
        if "owner" in changes:
            values["owner_id"] = _owner_id(conn, changes["owner"])
        if "department" in changes:
            values["department"] = _department(scope, changes["department"])
        if "parent_id" in changes:
            values["parent_id"] = _parent(conn, goal_id, changes["parent_id"], scope)
        if values:
            _change_unique(conn, goal.update().where(goal.c.id == goal_id).values(**values), "name",
                           str(values.get("name", "")))  # fmt: skip
        audit.record(conn, actor=actor, action="goal.update", target=str(goal_id), detail=_jsonable(values))


def _parent(conn: Connection, goal_id: int, parent_id: int | None, scope: Scope) -> int | None:
    if parent_id is None:
        return None
    at: int | None = _goal_row(conn, parent_id, scope).id
    while at is not None:  # no cycles: the new parent may not sit below this goal
        if at == goal_id:
            raise KpiProblem("parent_id", "a goal cannot sit below itself")
        at = conn.execute(sa.select(goal.c.parent_id).where(goal.c.id == at)).scalar()
    return parent_id


def delete_goal(*, engine: Engine, goal_id: int, actor: str, scope: Scope = EVERYTHING) -> None:
    """Delete a goal with its KPIs and their targets; one with sub-goals is refused."""
    with engine.begin() as conn:
        row = _goal_row(conn, goal_id, scope)
        if conn.execute(sa.select(goal.c.id).where(goal.c.parent_id == goal_id).limit(1)).first():
            raise KpiProblem("goal", "this goal has sub-goals: move or delete them first")
        conn.execute(kpi.delete().where(kpi.c.goal_id == goal_id))
        conn.execute(goal.delete().where(goal.c.id == goal_id))
        audit.record(conn, actor=actor, action="goal.delete", target=str(goal_id), detail={"name": row.name})


# --- KPIs -----------------------------------------------------------------------------------------------


def _definition(
    formula: str | None, params: dict[str, Any], series: str | None, unit: str | None
) -> tuple[Unit, dict[str, Any]]:
    if (formula is None) == (series is None):
        raise KpiProblem("formula", "a KPI is either a library formula or an external series")
    unknown = set(params) - _PARAMS
    if unknown:
        raise KpiProblem("params", f"unknown parameters: {', '.join(sorted(unknown))}")
    for name in ("topics", "competitors"):
        if not isinstance(params.get(name, []), list) or not all(
            isinstance(t, str) for t in params.get(name, [])
        ):
            raise KpiProblem("params", f"{name}: a list of topic names")
    spend = params.get("spend", 0)
    if isinstance(spend, bool) or not isinstance(spend, int | float) or not 0 <= spend < 1e15:
        raise KpiProblem("params", "spend: a number of euros, 0 or more")
    if not isinstance(params.get("department", ""), str) or not isinstance(params.get("variant", ""), str):
        raise KpiProblem("params", "department and variant: text")
    if formula is not None:
        try:
            found = formula_of(formula, str(params.get("variant", "")))
        except UnknownFormula as exc:
            raise KpiProblem("formula", str(exc)) from None
        if found.source == "mentions" and found.key != "volume" and not params.get("topics"):
            raise KpiProblem("params", f"{found.key} needs topics")
        if found.key in ("share_of_voice",) or found.variant == "gap":
            if not params.get("competitors"):
                raise KpiProblem("params", f"{found.name} needs competitor topics")
        if unit is not None and Unit(unit) is not found.unit:
            raise KpiProblem("unit", f"{found.name} is measured in {found.unit.value}, not {unit}")
        return found.unit, params | {"variant": found.variant}
    if unit is None:
        raise KpiProblem("unit", "a KPI of an external series needs a unit")
    return _unit(unit), params


def _unit(text: str) -> Unit:
    try:
        return Unit(text)
    except ValueError:
        raise KpiProblem(
            "unit", f"unknown unit {text!r}; use one of {', '.join(u.value for u in Unit)}"
        ) from None


def create_kpi(
    *, engine: Engine, goal_id: int, key: str, name: str, actor: str, formula: str | None = None,
    params: dict[str, Any] | None = None, series: str | None = None, unit: str | None = None,
    direction: str = "up", baseline: float | None = None, owner: str | None = None,
    department: str | None = None, scope: Scope = EVERYTHING, now: datetime | None = None,
) -> int:  # fmt: skip
    """A KPI of a goal. For an external series the series is created too when it does not exist yet (in the
    KPI's unit); an existing one must be in the same unit."""
    if not _KEY.match(key):
        raise KpiProblem("key", "key: lower-case letters, digits, '_', '.', '-' (at most 60)")
    kpi_unit, clean = _definition(formula, dict(params or {}), series, unit)
    try:
        way = Direction(direction)
    except ValueError:
        raise KpiProblem("direction", "direction: up or down") from None
    with engine.begin() as conn:
        _goal_row(conn, goal_id, scope)
        _unique(conn, kpi, "key", key)
        if series is not None:
            _ensure_series(conn, series, name, kpi_unit, _department(scope, department))
        values = {
            "goal_id": goal_id,
            "key": key,
            "name": _name(name),
            "formula": formula,
            "params": clean,
            "series_key": series,
            "unit": kpi_unit.value,
            "direction": way.value,
            "baseline": baseline,
            "owner_id": _owner_id(conn, owner),
            "department": _department(scope, department),
            **_made_at(now),
        }
        kpi_id = _insert_unique(conn, kpi.insert().values(**values).returning(kpi.c.id), "key", key)
        audit.record(conn, actor=actor, action="kpi.create", target=key, detail=_jsonable(values))
    return kpi_id


def update_kpi(*, engine: Engine, kpi_id: int, actor: str, scope: Scope = EVERYTHING, **changes: Any) -> None:
    """Change ``name``, ``direction``, ``baseline``, ``owner``, ``department``, ``goal_id`` or ``params``
    (the definition's parameters; the formula itself stays — a new formula is a new KPI)."""
    with engine.begin() as conn:
        d = _owned_kpi(conn, kpi_id, scope)
        values: dict[str, Any] = {}
        if "name" in changes:
            values["name"] = _name(changes["name"])
        if "direction" in changes:
            if changes["direction"] not in ("up", "down"):
                raise KpiProblem("direction", "direction: up or down")
            values["direction"] = changes["direction"]
        if "baseline" in changes:
            values["baseline"] = changes["baseline"]
        if "owner" in changes:
            values["owner_id"] = _owner_id(conn, changes["owner"])
        if "department" in changes:
            values["department"] = _department(scope, changes["department"])
        if "goal_id" in changes:
            values["goal_id"] = _goal_row(conn, changes["goal_id"], scope).id
        if "params" in changes:
            formula = None if d.series_key else d.formula.key
            _unit_, values["params"] = _definition(
                formula, dict(changes["params"] or {}), d.series_key, d.unit.value
            )
        if values:
            conn.execute(kpi.update().where(kpi.c.id == kpi_id).values(**values))
        audit.record(conn, actor=actor, action="kpi.update", target=d.key, detail=_jsonable(values))


def delete_kpi(*, engine: Engine, kpi_id: int, actor: str, scope: Scope = EVERYTHING) -> None:
    with engine.begin() as conn:
        d = _owned_kpi(conn, kpi_id, scope)
        conn.execute(kpi.delete().where(kpi.c.id == kpi_id))
        audit.record(conn, actor=actor, action="kpi.delete", target=d.key)


def _owned_kpi(conn: Connection, kpi_id: int, scope: Scope) -> Any:
    d = kpi_by_id(conn, kpi_id, scope)
    if not scope.owns(d.department):
        raise KpiProblem("department", "this KPI is the company's: someone across departments changes it")
    return d


def set_target(
    *, engine: Engine, kpi_id: int, period_kind: str, period_start: date, value: float | str, actor: str,
    unit: str | None = None, scope: Scope = EVERYTHING, now: datetime | None = None,
) -> int:  # fmt: skip
    """Set (or replace) the KPI's target for one period. ``value`` may carry its unit (``45 %``, ``€ 12``);
    a value in another unit than the KPI's is refused (:class:`UnitMismatch`)."""
    try:
        kind = PeriodKind(period_kind)
    except ValueError:
        raise KpiProblem("period_kind", "period: week, month, quarter or year") from None
    if not is_period_start(kind, period_start):
        raise KpiProblem("period_start", f"{period_start} is not the first day of a {kind.value}")
    if isinstance(value, str):
        try:
            number, sign = parse_quantity(value)
        except ValueError as exc:
            raise KpiProblem("value", str(exc)) from None
    else:
        number, sign = float(value), None
    given = sign
    if unit:
        try:
            given = Unit(unit)
        except ValueError:
            raise KpiProblem("unit", f"unknown unit {unit!r}") from None
    with engine.begin() as conn:
        d = _owned_kpi(conn, kpi_id, scope)
        checked(number, given, d.unit, f"the target {value}")
        where = (kpi_target.c.kpi_id == kpi_id, kpi_target.c.period_kind == kind.value,
                 kpi_target.c.period_start == period_start)  # fmt: skip
        conn.execute(kpi_target.delete().where(*where))
        made = insert_new(conn, kpi_target.insert().values(
            kpi_id=kpi_id, period_kind=kind.value, period_start=period_start, value=number, **_made_at(now)
        ).returning(kpi_target.c.id))  # fmt: skip
        if made is None:  # set at the same moment by someone else: this value stands
            conn.execute(kpi_target.update().where(*where).values(value=number))
            target_id = int(conn.execute(sa.select(kpi_target.c.id).where(*where)).scalar_one())
        else:
            target_id = int(made[0][0])
        audit.record(conn, actor=actor, action="kpi.target", target=d.key,
                     detail={"period": f"{kind.value} {period_start}", "value": number})  # fmt: skip
    return target_id


def delete_target(
    *, engine: Engine, kpi_id: int, target_id: int, actor: str, scope: Scope = EVERYTHING
) -> None:
    with engine.begin() as conn:
        d = _owned_kpi(conn, kpi_id, scope)
        gone = conn.execute(
            kpi_target.delete().where(kpi_target.c.id == target_id, kpi_target.c.kpi_id == kpi_id)
        )
        if not gone.rowcount:
            raise UnknownKpi(f"no target #{target_id} of KPI {d.key!r}")
        audit.record(conn, actor=actor, action="kpi.target_delete", target=d.key, detail={"id": target_id})


# --- external series ------------------------------------------------------------------------------------


def _ensure_series(conn: Connection, key: str, name: str, unit: Unit, department: str | None) -> None:
    if not _KEY.match(key):
        raise KpiProblem("series", "series key: lower-case letters, digits, '_', '.', '-' (at most 60)")
    row = conn.execute(sa.select(external_series.c.unit).where(external_series.c.key == key)).first()
    if row is None:
        made = insert_new(
            conn, external_series.insert().values(key=key, name=name, unit=unit.value, department=department)
        )
        if made is not None:
            return
        row = conn.execute(sa.select(external_series.c.unit).where(external_series.c.key == key)).one()
    if row.unit != unit.value:
        raise UnitMismatch(f"series {key!r} is in {row.unit}, not {unit.value}")


def create_series(
    *, engine: Engine, key: str, name: str, unit: str, actor: str, department: str | None = None,
    scope: Scope = EVERYTHING,
) -> None:  # fmt: skip
    """A new external series (search position, new customers, NPS, …) to import points into."""
    clean, kind = _name(name), _unit(unit)
    with engine.begin() as conn:
        if not _KEY.match(key):
            raise KpiProblem("series", "series key: lower-case letters, digits, '_', '.', '-' (at most 60)")
        _unique(conn, external_series, "key", key)
        values = {"key": key, "name": clean, "unit": kind.value, "department": _department(scope, department)}
        _insert_unique(
            conn, external_series.insert().values(**values).returning(external_series.c.id), "key", key
        )
        audit.record(conn, actor=actor, action="series.create", target=key, detail={"unit": kind.value})


def import_points(
    *, engine: Engine, key: str, data: bytes, actor: str, now: datetime, source: str = "api",
    scope: Scope = EVERYTHING,
) -> Imported:  # fmt: skip
    """Import ``period,value[,unit]`` rows into the series ``key`` (or the series of the KPI ``key``).
    Good rows are stored (a period already there gets the new value); bad ones come back with their line.
    An unknown series or KPI raises :class:`UnknownSeries`."""
    with engine.begin() as conn:
        try:
            series_id, unit = series_unit(conn, key)
        except UnknownSeries:
            try:
                d = kpi_by_key(conn, key, scope)
            except UnknownKpi:
                raise UnknownSeries(f"no external series or KPI {key!r}") from None
            if d.series_key is None:
                raise UnknownSeries(
                    f"KPI {key!r} is computed by luister ({d.formula.name}), not imported"
                ) from None
            series_id, unit = series_unit(conn, d.series_key)
            key = d.series_key
        parsed = read_points(data, unit)
        for point in parsed.points:
            conn.execute(external_point.delete().where(external_point.c.series_id == series_id,
                                                       external_point.c.period == point.period))  # fmt: skip
        if parsed.points:
            conn.execute(external_point.insert(), [
                {"series_id": series_id, "period": p.period, "value": p.value, "unit": unit.value,
                 "source": source[:120], "imported_at": now} for p in parsed.points])  # fmt: skip
        audit.record(
            conn,
            actor=actor,
            action="series.import",
            target=key,
            detail={"stored": len(parsed.points), "problems": len(parsed.problems), "source": source[:120]},
        )
    return Imported(key, len(parsed.points), parsed.problems)


# --- helpers --------------------------------------------------------------------------------------------


def _insert_unique(conn: Connection, statement: sa.Insert, column: str, value: str) -> int:
    """The new row's id; :class:`Taken` when another request took ``value`` since :func:`_unique` looked."""
    made = insert_new(conn, statement)
    if made is None:
        raise Taken(column, f"{column} {value!r} is taken")
    return int(made[0][0])


def _change_unique(conn: Connection, statement: sa.Update, column: str, value: str) -> None:
    """Run ``statement``; :class:`Taken` when a rename meets a name another request took at the same time."""
    try:
        with conn.begin_nested():
            conn.execute(statement)
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise Taken(column, f"{column} {value!r} is taken") from None


def _unique(conn: Connection, table: sa.Table, column: str, value: str) -> None:
    if conn.execute(sa.select(table.c.id).where(table.c[column] == value)).first():
        raise Taken(column, f"{column} {value!r} is taken")


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
