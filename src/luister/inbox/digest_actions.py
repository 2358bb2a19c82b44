"""Building and deciding department digests: every state change of ``digest``, ``digest_item`` and
``digest_item_mention``, each in one transaction with its audit row.

The source of a digest: the customers' mentions (``conversation_message`` of kind ``customer``) in the
department's conversations, written in the period (their platform time). Grouping is
:mod:`luister.inbox.digests`; every mention of a theme is linked to its item, the shown ones marked
``example``, so a decision later shows on every conversation it came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.effects import actions as effects
from luister.inbox import raci
from luister.inbox.calendar import DEFAULT_ZONE
from luister.inbox.digest_mail import digest_parts, notification_text
from luister.inbox.digest_read import detail_in, digest_scope
from luister.inbox.digests import (
    Decision,
    DigestError,
    Said,
    UnknownDigest,
    checked_period,
    ignored_words,
    last_period,
    previous_period,
    themes,
)
from luister.inbox.model import UnknownDepartment
from luister.inbox.tables import (
    conversation,
    conversation_message,
    conversation_tag,
    department,
    department_member,
    digest,
    digest_item,
    digest_item_mention,
    notification,
)
from luister.services import audit
from luister.storage.tables import mention, topic, user_account

MAX_OUTCOME = 2000
PUBLIC_URL = "http://localhost:8000"  # the settings' ``public_url`` by default: where mail links point


@dataclass(frozen=True, slots=True)
class Built:
    digest_id: int
    created: bool  # False: it was there already (building is idempotent)
    items: int


def build_digest(
    *,
    engine: Engine,
    department: str,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    actor: str = "system",
    base_url: str = PUBLIC_URL,
) -> Built:
    """The department's digest of [period_start, period_end); the one already built for exactly this
    period when there is one. Members are told in the app and sent it by e-mail (in their language):
    one e-mail effect per member, planned in the transaction that records the digest, so a digest built
    twice at once (the other insert loses) is mailed once."""
    start, end = checked_period(period_start, period_end, now)
    try:
        with engine.begin() as conn:
            dept = _department(conn, department)
            existing = _existing(conn, dept.id, start, end)
            if existing is not None:
                return existing
            built = _build(conn, dept, start, end, now, base_url)
            audit.record(conn, actor=actor, action="digest.build", target=str(built.digest_id),
                         detail={"department": department, "start": start.isoformat(),
                                 "end": end.isoformat(), "items": built.items})  # fmt: skip
            return built
    except sa.exc.IntegrityError:  # built at the same moment by another process: theirs stands
        with engine.connect() as conn:
            again = _existing(conn, _department(conn, department).id, start, end)
        if again is None:
            raise
        return again


def _department(conn: Connection, key: str) -> Any:
    row = conn.execute(sa.select(department).where(department.c.key == key)).first()
    if row is None:
        raise UnknownDepartment(f"no department {key!r}")
    return row


def _existing(conn: Connection, department_id: int, start: datetime, end: datetime) -> Built | None:
    found = conn.execute(
        sa.select(digest.c.id).where(
            digest.c.department_id == department_id,
            digest.c.period_start == start,
            digest.c.period_end == end,
        )
    ).scalar()
    if found is None:
        return None
    items = conn.execute(sa.select(sa.func.count()).where(digest_item.c.digest_id == found)).scalar_one()
    return Built(int(found), False, int(items))


def said_in(
    conn: Connection, department_id: int, start: datetime, end: datetime, informed: Sequence[str] = ()
) -> list[Said]:
    """The customers' mentions in the department's conversations written in [start, end), and in the
    conversations of the processes that keep it Informed (tagged with their keys, ``informed``)."""
    theirs = conversation.c.department_id == department_id
    if informed:
        tagged = sa.select(conversation_tag.c.conversation_id).where(conversation_tag.c.tag.in_(informed))
        theirs = sa.or_(theirs, conversation.c.id.in_(tagged))
    rows = conn.execute(
        sa.select(
            mention.c.id,
            conversation_message.c.conversation_id,
            mention.c.primary_intent,
            mention.c.text,
            conversation_message.c.at,
            mention.c.author_followers,
        )
        .join(mention, mention.c.id == conversation_message.c.mention_id)
        .join(conversation, conversation.c.id == conversation_message.c.conversation_id)
        .where(
            theirs,
            conversation_message.c.kind == "customer",
            conversation_message.c.at >= start,
            conversation_message.c.at < end,
        )
        .order_by(mention.c.id)
    )
    return [Said(r[0], r[1], r[2], r[3], r[4], r[5] or 0) for r in rows]


def _build(
    conn: Connection, dept: Any, start: datetime, end: datetime, now: datetime, base_url: str
) -> Built:
    before = previous_period(start, end)
    ignore = ignored_words(conn.scalars(sa.select(topic.c.name)))
    informed = raci.informed_processes(conn, dept.key)  # the matrix's I: those processes' themes too
    found = themes(
        said_in(conn, dept.id, start, end, informed), said_in(conn, dept.id, *before, informed), ignore=ignore
    )
    digest_id = conn.execute(
        digest.insert().values(
            department_id=dept.id, period_start=start, period_end=end, every=dept.digest_every, created_at=now
        )  # fmt: skip
    ).inserted_primary_key[0]  # type: ignore[index]
    for theme in found:
        item_id = conn.execute(
            digest_item.insert().values(
                digest_id=digest_id,
                kind=theme.kind.value,
                theme=theme.theme,
                count=theme.count,
                previous_count=theme.previous_count,
            )  # fmt: skip
        ).inserted_primary_key[0]  # type: ignore[index]
        shown = set(theme.examples)
        conn.execute(
            digest_item_mention.insert(),
            [{"item_id": item_id, "mention_id": m, "example": m in shown} for m in theme.mention_ids],
        )
    members = conn.execute(
        sa.select(user_account.c.id, user_account.c.language, user_account.c.email, user_account.c.active)
        .join(department_member, department_member.c.user_id == user_account.c.id)
        .where(department_member.c.department_id == dept.id)
        .order_by(user_account.c.id)
    ).all()
    if found and members:  # an empty digest is kept (the period is done) but bothers nobody
        conn.execute(notification.insert(), [
            {"user_id": m.id, "at": now, "kind": "digest", "conversation_id": None,
             "text": notification_text(m.language, dept.name_nl if m.language == "nl" else dept.name_en,
                                       start, end, _zone(dept.calendar), len(found), int(digest_id))}
            for m in members
        ])  # fmt: skip
        _mail(conn, int(digest_id), [m for m in members if m.active], now, base_url)
    return Built(int(digest_id), True, len(found))


def _mail(conn: Connection, digest_id: int, members: list[Any], now: datetime, base_url: str) -> None:
    """One e-mail effect per member, in the member's language (the runner's ``mail`` lane sends it)."""
    detail = detail_in(conn, digest_id=digest_id)
    parts = {lang: digest_parts(detail, language=lang, base_url=base_url) for lang in ("nl", "en")}
    for member in members:
        language = "nl" if member.language == "nl" else "en"
        subject, text, html = parts[language]
        effects.plan(
            conn, kind="email", lane="mail", body=html, origin=f"digest:{digest_id}:{member.id}",
            target={"to": [member.email], "subject": subject, "text": text, "language": language,
                    "digest": digest_id},
            actor_id=None, now=now,
        )  # fmt: skip


def decide_item(
    *,
    engine: Engine,
    item_id: int,
    decision: Decision | str,
    outcome: str,
    actor: str,
    now: datetime,
    scope: Scope = EVERYTHING,
) -> None:
    """What the department does with a theme: taken up or declined, with the outcome in words (shown on
    every conversation the theme's mentions came from). A later decision replaces the earlier one; the
    audit log keeps both."""
    try:
        chosen = Decision(decision)
    except ValueError:
        raise DigestError("decision: choose taken_up or declined") from None
    text = outcome.strip()
    if len(text) > MAX_OUTCOME:
        raise DigestError(f"the outcome has at most {MAX_OUTCOME} characters")
    with engine.begin() as conn:
        query = (
            sa.select(digest_item.c.id, digest_item.c.decision, department.c.key)
            .join(digest, digest.c.id == digest_item.c.digest_id)
            .join(department, department.c.id == digest.c.department_id)
            .where(digest_item.c.id == item_id, digest_scope(scope))
        )
        row = conn.execute(query).first()
        if row is None:
            raise UnknownDigest(f"no digest item #{item_id}")
        conn.execute(
            digest_item.update()
            .where(digest_item.c.id == item_id)
            .values(decision=chosen.value, outcome=text or None, decided_by=actor, decided_at=now)
        )
        audit.record(conn, actor=actor, action="digest.decide", target=str(item_id),
                     detail={"department": row.key, "decision": chosen.value, "before": row.decision,
                             "outcome": text})  # fmt: skip


def build_due_digests(*, engine: Engine, now: datetime, base_url: str = PUBLIC_URL) -> list[Built]:
    """For every department, its digest of the last whole period of its cadence (``digest_every``), when
    not built yet; cheap when nothing is due (one lookup per department). The listening loop's tick
    calls this through ``Runtime.inbox_tick``."""
    with engine.connect() as conn:
        departments = conn.execute(
            sa.select(department.c.key, department.c.digest_every, department.c.calendar)
        ).all()
    built: list[Built] = []
    for key, every, calendar in departments:
        start, end = last_period(every, now, _zone(calendar))
        result = build_digest(engine=engine, department=key, period_start=start, period_end=end, now=now,
                              base_url=base_url)  # fmt: skip
        if result.created:
            built.append(result)
    return built


def _zone(calendar: Any) -> str:
    return str((calendar or {}).get("zone") or DEFAULT_ZONE)
