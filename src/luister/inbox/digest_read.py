"""Reading department digests: the list per department, one digest with its items and examples, and
every mention behind an item (with its conversation). No writes; department scope applied here: someone
of a department sees their department's digests only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox.calendar import DEFAULT_ZONE
from luister.inbox.digests import UnknownDigest
from luister.inbox.tables import conversation_message, department, digest, digest_item, digest_item_mention
from luister.storage.tables import mention


@dataclass(frozen=True, slots=True)
class DigestRead:
    id: int
    department: str
    department_en: str
    department_nl: str
    period_start: datetime
    period_end: datetime
    every: str
    created_at: datetime
    items: int
    decided: int
    zone: str  # the department's business-hours zone: the period's days are its days

    def first_day(self) -> date:
        return self.period_start.astimezone(ZoneInfo(self.zone)).date()

    def last_day(self) -> date:
        """The period's last day (its end is exclusive)."""
        return (self.period_end - timedelta(microseconds=1)).astimezone(ZoneInfo(self.zone)).date()

    def department_name(self, language: str) -> str:
        return self.department_nl if language == "nl" else self.department_en


@dataclass(frozen=True, slots=True)
class MentionRead:
    mention_id: int
    conversation_id: int | None
    author: str | None
    text: str
    at: datetime
    url: str | None
    example: bool


@dataclass(frozen=True, slots=True)
class ItemRead:
    id: int
    kind: str
    theme: str  # "" = everything else
    count: int
    previous_count: int
    decision: str | None
    outcome: str | None
    decided_by: str | None
    decided_at: datetime | None
    examples: list[MentionRead] = field(default_factory=list)
    digest_id: int = 0

    @property
    def trend(self) -> int:
        return self.count - self.previous_count


@dataclass(frozen=True, slots=True)
class DigestDetail:
    digest: DigestRead
    items: list[ItemRead]


def digest_scope(scope: Scope) -> sa.ColumnElement[bool]:
    """Digests ``scope`` sees: its own department's (all of them across departments)."""
    return sa.true() if scope.department is None else department.c.key == scope.department


def _digests() -> sa.Select[Any]:
    counts = (
        sa.select(
            digest_item.c.digest_id,
            sa.func.count().label("items"),
            sa.func.count(digest_item.c.decision).label("decided"),
        )
        .group_by(digest_item.c.digest_id)
        .subquery()
    )
    return (
        sa.select(digest, department.c.key, department.c.name_en, department.c.name_nl, department.c.calendar,
                  sa.func.coalesce(counts.c["items"], 0).label("n_items"),
                  sa.func.coalesce(counts.c.decided, 0).label("n_decided"))
        .join(department, department.c.id == digest.c.department_id)
        .outerjoin(counts, counts.c.digest_id == digest.c.id)
    )  # fmt: skip


def _read(r: sa.Row[Any]) -> DigestRead:
    m = r._mapping
    return DigestRead(m["id"], m["key"], m["name_en"], m["name_nl"], m["period_start"], m["period_end"],
                      m["every"], m["created_at"], int(m["n_items"]), int(m["n_decided"]),
                      str((m["calendar"] or {}).get("zone") or DEFAULT_ZONE))  # fmt: skip


def list_digests(
    *, engine: Engine, scope: Scope = EVERYTHING, department_key: str | None = None, limit: int = 100
) -> list[DigestRead]:
    """The newest digests first."""
    query = _digests().where(digest_scope(scope))
    if department_key:
        query = query.where(department.c.key == department_key)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(digest.c.period_end.desc(), department.c.id).limit(limit))
        return [_read(r) for r in rows]


def _mentions(item_ids: list[int], *, examples_only: bool) -> sa.Select[Any]:
    query = (
        sa.select(digest_item_mention.c.item_id, digest_item_mention.c.example, mention.c.id,
                  conversation_message.c.conversation_id, mention.c.author_handle, mention.c.text,
                  mention.c.published_at, mention.c.url)
        .join(mention, mention.c.id == digest_item_mention.c.mention_id)
        .outerjoin(conversation_message, conversation_message.c.mention_id == mention.c.id)
        .where(digest_item_mention.c.item_id.in_(item_ids))
        .order_by(digest_item_mention.c.item_id, mention.c.published_at.desc(), mention.c.id)
    )  # fmt: skip
    return query.where(digest_item_mention.c.example.is_(True)) if examples_only else query


def digest_detail(*, engine: Engine, digest_id: int, scope: Scope = EVERYTHING) -> DigestDetail:
    """One digest with its items (complaints, ideas, questions; biggest first) and their examples."""
    with engine.connect() as conn:
        return detail_in(conn, digest_id=digest_id, scope=scope)


def detail_in(conn: Connection, *, digest_id: int, scope: Scope = EVERYTHING) -> DigestDetail:
    """:func:`digest_detail` inside ``conn``'s transaction (the digest being built is mailed from it)."""
    row = conn.execute(_digests().where(digest.c.id == digest_id, digest_scope(scope))).first()
    if row is None:
        raise UnknownDigest(f"no digest #{digest_id}")
    kind_rank = sa.case({"complaint": 0, "idea": 1, "question": 2}, value=digest_item.c.kind)
    items = conn.execute(
        sa.select(digest_item)
        .where(digest_item.c.digest_id == digest_id)
        .order_by(kind_rank, (digest_item.c.theme == "").asc(), digest_item.c.count.desc(), digest_item.c.id)
    ).all()
    examples: dict[int, list[MentionRead]] = {}
    if items:
        for m in conn.execute(_mentions([i.id for i in items], examples_only=True)):
            examples.setdefault(m[0], []).append(MentionRead(m[2], m[3], m[4], m[5], m[6], m[7], m[1]))
    return DigestDetail(_read(row), [_item(i, examples.get(i.id, [])) for i in items])


def item_mentions(
    *, engine: Engine, item_id: int, scope: Scope = EVERYTHING
) -> tuple[ItemRead, list[MentionRead]]:
    """An item and every mention behind it (the drill-down of its count)."""
    with engine.connect() as conn:
        item = conn.execute(
            sa.select(digest_item)
            .join(digest, digest.c.id == digest_item.c.digest_id)
            .join(department, department.c.id == digest.c.department_id)
            .where(digest_item.c.id == item_id, digest_scope(scope))
        ).first()
        if item is None:
            raise UnknownDigest(f"no digest item #{item_id}")
        found = [MentionRead(m[2], m[3], m[4], m[5], m[6], m[7], m[1])
                 for m in conn.execute(_mentions([item_id], examples_only=False))]  # fmt: skip
    return _item(item, []), found


def _item(i: sa.Row[Any], examples: list[MentionRead]) -> ItemRead:
    m = i._mapping  # ``count`` is also a method of a row
    return ItemRead(m["id"], m["kind"], m["theme"], m["count"], m["previous_count"], m["decision"],
                    m["outcome"], m["decided_by"], m["decided_at"], examples, m["digest_id"])  # fmt: skip
