"""The goals' and projects' figures for the organisation's maturity assessment (read-only), as they stood
at ``until``: goals, their KPIs and targets, and the projects that ended and were evaluated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.kpis.projects_tables import project
from luister.kpis.tables import goal, kpi, kpi_target


@dataclass(frozen=True, slots=True)
class Goals:
    goals: int
    goals_with_kpis: int
    kpis: int
    kpis_with_targets: int
    departments_with_targets: int  # departments whose KPIs have targets ("" counts: the company's)


def goals(conn: Connection, *, until: datetime) -> Goals:
    g, k, t = goal.c, kpi.c, kpi_target.c
    made = int(conn.execute(sa.select(sa.func.count()).where(g.created_at < until)).scalar_one())
    kpis = k.created_at < until
    with_kpis = int(conn.execute(sa.select(sa.func.count(sa.distinct(k.goal_id))).where(kpis)).scalar_one())
    n_kpis = int(conn.execute(sa.select(sa.func.count()).select_from(kpi).where(kpis)).scalar_one())
    targeted = (
        sa.select(k.id, k.department)
        .where(kpis, sa.exists().where(t.kpi_id == k.id, t.created_at < until))
        .subquery()
    )
    with_targets, departments = conn.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(sa.func.coalesce(targeted.c.department, ""))))
    ).one()
    return Goals(made, with_kpis, n_kpis, int(with_targets), int(departments))


@dataclass(frozen=True, slots=True)
class Projects:
    ended: int  # projects whose last day lies before ``until``
    evaluated: int  # of them, evaluated before ``until``


def projects(conn: Connection, *, until: datetime) -> Projects:
    p = project.c
    ended = p.ends_on < until.date()
    evaluated = sa.and_(p.evaluated_at.is_not(None), p.evaluated_at < until)
    n_ended, n_evaluated = conn.execute(
        sa.select(sa.func.count(), sa.func.count().filter(evaluated)).select_from(project).where(ended)
    ).one()
    return Projects(int(n_ended), int(n_evaluated))
