"""The replies' refusals in the person's language (Dutch or English), the way the organisation's gates give
theirs (:func:`luister.organisation.belt_gate.belt_refusal`): chosen by the account's language, so the pages
show Dutch to a Dutch reader; people without one read English."""

from __future__ import annotations

from typing import Any

TEXTS = {
    "viewer": ("viewers do not reply", "kijkers antwoorden niet"),
    "approve": (
        "only approvers (analysts and admins) approve replies",
        "alleen goedkeurders (analisten en beheerders) keuren antwoorden goed",
    ),
    "reject": (
        "only approvers (analysts and admins) reject replies",
        "alleen goedkeurders (analisten en beheerders) keuren antwoorden af",
    ),
    "own": (
        "nobody approves their own reply: ask a colleague to approve it",
        "niemand keurt zijn eigen antwoord goed: vraag een collega het goed te keuren",
    ),
    "withdraw": ("only its author withdraws a reply", "alleen wie het schreef trekt een antwoord in"),
}


def said(user: Any, key: str) -> str:
    """The refusal ``key`` of :data:`TEXTS` in ``user``'s language."""
    en, nl = TEXTS[key]
    return nl if (getattr(user, "language", None) or "").startswith("nl") else en
