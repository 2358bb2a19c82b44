"""Belts and what they allow (pure): the ladder, the gate table, quiz scoring and certificates.

A belt is earned when every module of it and of the belts below it has a passing attempt; a pass counts for
:data:`VALID_MONTHS` months, so a belt (its certificate) expires with the oldest pass it rests on and the
permission drops with it. Everything here is a function of its inputs and ``now``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

PASS_MARK = 80  # percent of a quiz's questions answered right
VALID_MONTHS = 12
SOON = timedelta(days=30)  # a certificate expiring within this is shown as expiring soon
SENSITIVE_INTENTS = frozenset({"crisis"})
SENSITIVE_DEPARTMENTS = frozenset({"legal", "privacy"})
SENSITIVE_TAGS = frozenset({"crisis", "legal", "juridisch", "datalek"})


class Belt(IntEnum):
    """The ladder, lowest first; a person without any belt holds none (``None``)."""

    white = 1
    yellow = 2
    orange = 3
    green = 4
    blue = 5
    black = 6


class Action(StrEnum):
    """What the inbox asks the gate about (see :func:`luister.organisation.belt_gate.belt_refusal`)."""

    reply_draft = "reply.draft"  # write a reply that waits for an approver
    reply_send = "reply.send"  # a reply that goes out without an approver
    reply_approve = "reply.approve"  # approve or reject a colleague's reply
    inbox_work = "inbox.work"  # assign, transfer, status, notes, tags, priority, merge, withdraw: not gated


@dataclass(frozen=True, slots=True)
class Gate:
    """The lowest belt an action needs: in ordinary conversations, and in crisis and legal ones."""

    ordinary: Belt | None
    sensitive: Belt | None


# The mapping, as data (shown on the training page and walked by the permission test).
GATES: Mapping[Action, Gate] = {
    Action.reply_draft: Gate(Belt.white, Belt.orange),
    Action.reply_send: Gate(Belt.green, Belt.blue),
    Action.reply_approve: Gate(Belt.black, Belt.black),
    Action.inbox_work: Gate(None, None),
}


DESCRIBED: Mapping[Action, str] = {  # in words, for the pages (translated there)
    Action.reply_draft: "write a reply that waits for an approver",
    Action.reply_send: "send a reply without an approver",
    Action.reply_approve: "approve or reject a colleague's reply",
    Action.inbox_work: "work conversations: assign, transfer, status, notes, tags, priority, merge, withdraw",
}


def sensitive(context: Mapping[str, object]) -> bool:
    """Whether a conversation is a crisis or legal one: its intent, its department or one of its tags."""
    tags = context.get("tags") or ()
    return (
        context.get("intent") in SENSITIVE_INTENTS
        or context.get("department") in SENSITIVE_DEPARTMENTS
        or (isinstance(tags, Iterable) and not isinstance(tags, str) and bool(SENSITIVE_TAGS & set(tags)))
    )


def needed(action: Action, context: Mapping[str, object]) -> Belt | None:
    gate = GATES[action]
    return gate.sensitive if sensitive(context) else gate.ordinary


def allows(belt: Belt | None, action: Action, context: Mapping[str, object]) -> bool:
    need = needed(action, context)
    return need is None or (belt is not None and belt >= need)


def plus_months(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later; the month's last day where that day does not exist (29 February)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")  # pragma: no cover


def expires(passed_at: datetime) -> datetime:
    return plus_months(passed_at, VALID_MONTHS)


@dataclass(frozen=True, slots=True)
class Score:
    correct: int
    total: int
    right: tuple[bool, ...]

    @property
    def percent(self) -> int:
        return 0 if not self.total else (100 * self.correct) // self.total

    @property
    def passed(self) -> bool:
        return self.total > 0 and 100 * self.correct >= PASS_MARK * self.total


def score(answers: Sequence[int | None], key: Sequence[int], pass_mark: int = PASS_MARK) -> Score:
    """Answers (the chosen option per question, None: unanswered) against the key."""
    right = tuple(i < len(answers) and answers[i] == k for i, k in enumerate(key))
    return Score(sum(right), len(key), right)


@dataclass(frozen=True, slots=True)
class Certificate:
    belt: Belt
    earned_at: datetime  # the newest pass it rests on
    expires_at: datetime  # the oldest pass it rests on, plus VALID_MONTHS

    def expiring(self, now: datetime) -> bool:
        return now < self.expires_at <= now + SOON


def valid_passes(passes: Iterable[tuple[str, datetime]], now: datetime) -> dict[str, datetime]:
    """The newest pass per module that has happened by ``now`` and not yet expired."""
    found: dict[str, datetime] = {}
    for module, at in passes:
        if at <= now < expires(at) and (module not in found or at > found[module]):
            found[module] = at
    return found


def certificates(
    modules: Mapping[Belt, Sequence[str]], passes: Iterable[tuple[str, datetime]], now: datetime
) -> list[Certificate]:
    """The belts held at ``now``, lowest first: each needs every module of itself and the belts below it
    passed within the last :data:`VALID_MONTHS` months. A belt without modules cannot be earned."""
    valid = valid_passes(passes, now)
    held: list[Certificate] = []
    resting: list[datetime] = []
    for belt in Belt:
        needed_modules = modules.get(belt, ())
        if not needed_modules or any(m not in valid for m in needed_modules):
            break
        resting += [valid[m] for m in needed_modules]
        held.append(Certificate(belt, max(resting), expires(min(resting))))
    return held


def belt_at(
    modules: Mapping[Belt, Sequence[str]], passes: Iterable[tuple[str, datetime]], now: datetime
) -> Belt | None:
    held = certificates(modules, passes, now)
    return held[-1].belt if held else None


def shares(belts: Iterable[Belt | None]) -> dict[Belt | None, float]:
    """The share of people per belt (None: no belt yet); the shares add up to 1 for anyone counted."""
    counted = list(belts)
    if not counted:
        return {}
    return {b: counted.count(b) / len(counted) for b in [None, *Belt] if b in counted}
