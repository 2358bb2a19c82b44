"""The belt gate: the one function the inbox asks before a reply is drafted, sent without an approver, or
approved (:func:`belt_refusal`). The mapping it applies is :data:`luister.organisation.belts.GATES`.

How belts apply to existing users: the gate is **off until training is switched on** for the organisation
(``luister org training gates on``, or the training page), so installations and tests that never use
training keep working unchanged. When it is on, **admins are exempt** (someone must be able to act while the
team earns its belts); everyone else needs the belt the action asks. Roles still apply first: a belt never
lets a viewer reply or an agent approve."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from luister.domain.accounts import Role
from luister.organisation import belts
from luister.organisation.belts import Action
from luister.organisation.training_read import belt_of, gates_query
from luister.storage.tables import user_account

_DOING = {
    Action.reply_draft: ("write replies", "antwoorden te schrijven"),
    Action.reply_send: ("send replies without an approver", "antwoorden zonder goedkeurder te versturen"),
    Action.reply_approve: ("approve or reject replies", "antwoorden goed of af te keuren"),
    Action.inbox_work: ("work conversations", "gesprekken te behandelen"),
}
_BELT_NL = {"white": "witte", "yellow": "gele", "orange": "oranje", "green": "groene", "blue": "blauwe",
            "black": "zwarte"}  # fmt: skip
_BELT_NAME_NL = {"white": "wit", "yellow": "geel", "orange": "oranje", "green": "groen", "blue": "blauw",
                 "black": "zwart"}  # fmt: skip


def belt_refusal(
    conn: Connection, *, user_id: int, action: str, context: Mapping[str, object], now: datetime
) -> str | None:
    """Why ``user_id`` may not do ``action`` (an :class:`~luister.organisation.belts.Action` value) in a
    conversation described by ``context`` (``intent``, ``department``, ``tags``) at ``now``; None: allowed.
    Read inside the caller's transaction, so the decision and the action commit together."""
    wanted = Action(action)
    need = belts.needed(wanted, context)
    if need is None:
        return None
    found = conn.execute(  # one query while the gates are off
        sa.select(user_account.c.role, user_account.c.language, gates_query().label("on")).where(
            user_account.c.id == user_id
        )
    ).first()
    if found is None or not found.on or found.role == Role.admin:
        return None
    belt = belt_of(conn, user_id, now)
    if belt is not None and belt >= need:
        return None
    sensitive = belts.sensitive(context)
    if (found.language or "").startswith("nl"):
        where = " in crisis- en juridische gesprekken" if sensitive else ""
        having = (
            f"je band is {_BELT_NAME_NL[belt.name]}"
            if belt is not None
            else "je hebt nog geen band (of hij is verlopen)"
        )
        return (
            f"een {_BELT_NL[need.name]} band is nodig om{where} {_DOING[wanted][1]}: {having}; "
            "haal hem met de trainingsmodules op de trainingspagina"
        )
    where = " in crisis and legal conversations" if sensitive else ""
    having = f"your belt is {belt.name}" if belt is not None else "you have no belt yet (or it expired)"
    return (
        f"a {need.name} belt is needed to {_DOING[wanted][0]}{where}: {having}; "
        "pass the training modules on the training page to earn it"
    )
