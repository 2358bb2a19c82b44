"""``domain.accounts.Scope`` as SQL, for the lists and changes of what departments own (topics, sources)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from luister.domain.accounts import Scope


def seen(department: sa.ColumnElement[Any], scope: Scope) -> sa.ColumnElement[bool]:
    """:meth:`Scope.sees` over a ``department`` column: the company's rows and the scope's department's."""
    if scope.department is None:
        return sa.true()
    return sa.or_(department.is_(None), department == "", department == scope.department)


def owned(department: sa.ColumnElement[Any], scope: Scope) -> sa.ColumnElement[bool]:
    """:meth:`Scope.owns` over a ``department`` column: what the scope may change where others rely on
    it (sources): its own department's rows only, or every row for a scope across departments."""
    if scope.department is None:
        return sa.true()
    return department == scope.department
