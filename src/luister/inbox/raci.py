"""The responsibility matrix in the inbox: the one module that asks the organisation's RACI gate
(:mod:`luister.organisation.raci_gate`) about a conversation, inside the caller's transaction.

- **A**: a reply in a conversation of a process with an Accountable department waits for approval by that
  department's approvers (its analysts and admins; an admin of no department may stand in): the reason
  and the department are stored with the draft (:func:`accountable`), and :func:`not_accountable` refuses
  anyone else.
- **C**: :func:`consult` tells the Consulted departments' people (in the bell) that a conversation of the
  process was opened or escalated, once per person and conversation.
- **I**: :func:`informed_processes` names the processes whose conversations a department's digest takes in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Permission, Role, Scope, can
from luister.inbox.tables import conversation_tag, department, department_member, notification, reply_draft
from luister.organisation.raci_gate import ProcessRoles, informed_of, process_of
from luister.storage.tables import user_account

CONSULTED = "consulted"  # the notification's kind


@dataclass(frozen=True, slots=True)
class Accountable:
    process: str  # the process's key
    department: str  # the Accountable department's key
    reason: str  # why the reply waits (stored with the draft, shown on the conversation and the queue)


def roles_of(
    conn: Connection, conversation_id: int, tags: Iterable[str] | None = None
) -> ProcessRoles | None:
    """The process of the conversation (through its tags, or ``tags`` when given) with its A, C and I."""
    if tags is None:
        tags = conn.scalars(
            sa.select(conversation_tag.c.tag).where(conversation_tag.c.conversation_id == conversation_id)
        )
    return process_of(conn, tags)


def accountable(conn: Connection, conversation_id: int) -> Accountable | None:
    """The approval the matrix asks of a reply in this conversation; None: the matrix asks none."""
    roles = roles_of(conn, conversation_id)
    if roles is None or roles.accountable is None:
        return None
    return Accountable(
        roles.key, roles.accountable,
        f"process {roles.key}: approval by {roles.accountable} (accountable)",
    )  # fmt: skip


def approval(reasons: tuple[str, ...], matrix: Accountable | None) -> dict[str, Any] | None:
    """What a held draft stores: why it waits and, when the matrix holds it, the Accountable department."""
    if not reasons:
        return None
    return {"reasons": list(reasons)} | ({"accountable": matrix.department} if matrix else {})


def scope_for(engine: Engine, draft_id: int, scope: Scope) -> Scope:
    """The scope to decide a draft in: the Accountable department's people see the drafts held for it,
    whatever department the conversation is in (otherwise ``scope`` as it is)."""
    if scope.department is None:
        return scope
    with engine.connect() as conn:
        held = conn.execute(sa.select(reply_draft.c.approval).where(reply_draft.c.id == draft_id)).scalar()
    return EVERYTHING if accountable_of(held) == scope.department else scope


def people(conn: Connection, department_key: str, *, approvers: bool = False) -> list[int]:
    """The active people of a department (its members, or whose department it is); ``approvers``: only
    those who may approve (analysts and admins)."""
    members = (
        sa.select(department_member.c.user_id)
        .join(department, department.c.id == department_member.c.department_id)
        .where(department.c.key == department_key)
    )
    query = sa.select(user_account.c.id).where(
        user_account.c.active,
        sa.or_(user_account.c.department == department_key, user_account.c.id.in_(members)),
    )
    if approvers:
        query = query.where(user_account.c.role.in_([r.value for r in Role if can(r, Permission.manage)]))
    return sorted(int(i) for i in conn.scalars(query))


def approvers_of(conn: Connection, department_key: str, exclude: int) -> list[int]:
    """Who is asked to approve for the Accountable department: its approvers, else the admins."""
    found = [i for i in people(conn, department_key, approvers=True) if i != exclude]
    if found:
        return found
    admins = sa.select(user_account.c.id).where(
        user_account.c.active, user_account.c.role == Role.admin.value, user_account.c.id != exclude
    )
    return sorted(int(i) for i in conn.scalars(admins))


def accountable_of(approval: Any) -> str | None:
    """The Accountable department stored with a draft's approval (None: the matrix asked none)."""
    if isinstance(approval, dict) and isinstance(approval.get("accountable"), str):
        return str(approval["accountable"])
    return None


def not_accountable(conn: Connection, user: Any, approval: Any) -> str | None:
    """Why ``user`` (an approver) may not decide a draft the matrix holds for its Accountable department
    (in the user's language), or None. Admins of no department may stand in."""
    wanted = accountable_of(approval)
    if wanted is None or user.id in people(conn, wanted, approvers=True):
        return None
    if user.role == Role.admin.value and not user.department:
        return None
    if (getattr(user, "language", None) or "").startswith("nl"):
        return f"dit antwoord wacht op goedkeuring door {wanted}, de afdeling die verantwoording draagt (A)"
    return f"this reply waits for approval by {wanted}, the accountable department (A)"


def _text(language: str | None, roles: ProcessRoles, conversation_id: int, why: str) -> str:
    name = roles.name(language)
    if (language or "").startswith("nl"):
        what = "geopend" if why == "opened" else "geëscaleerd"
        return f"gesprek #{conversation_id} ({name}) is {what}: je afdeling wordt geraadpleegd (C)"
    what = "opened" if why == "opened" else "escalated"
    return f"conversation #{conversation_id} ({name}) was {what}: your department is consulted (C)"


def consult(
    conn: Connection, conversation_id: int, *, now: datetime, why: str, tags: Iterable[str] | None = None
) -> list[int]:
    """Notify the Consulted departments' people that the conversation was ``why`` ("opened" or
    "escalated"), each once per conversation; returns whom it notified now."""
    roles = roles_of(conn, conversation_id, tags)
    if roles is None or not roles.consulted:
        return []
    wanted = {i for d in roles.consulted for i in people(conn, d)}
    told = set(
        conn.scalars(
            sa.select(notification.c.user_id).where(
                notification.c.conversation_id == conversation_id, notification.c.kind == CONSULTED
            )
        )
    )
    new = sorted(wanted - told)
    if new:
        languages: dict[int, str | None] = {
            int(r.id): r.language
            for r in conn.execute(
                sa.select(user_account.c.id, user_account.c.language).where(user_account.c.id.in_(new))
            )
        }
        conn.execute(
            notification.insert(),
            [
                {"user_id": uid, "at": now, "kind": CONSULTED, "conversation_id": conversation_id,
                 "text": _text(languages.get(uid), roles, conversation_id, why)}
                for uid in new
            ],
        )  # fmt: skip
    return new


def informed_processes(conn: Connection, department_key: str) -> list[str]:
    """The processes that keep the department Informed: their conversations are in its digest."""
    return informed_of(conn, department_key)
