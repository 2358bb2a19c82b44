"""bench/inbox.py keeps working: its fixture builds at a tiny size on both databases, and what the inbox
reads there is right (every tab's count is the length of its list, pages follow the order, the long
conversation comes back whole)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.inbox import read
from luister.inbox.read import (
    ABOUT_TO_BREACH,
    ConversationRow,
    Filters,
    View,
    conversation_detail,
    list_conversations,
)
from luister.inbox.status import PRIORITY_ORDER

BENCH = Path(__file__).resolve().parents[2] / "bench" / "inbox.py"
LIVE = {"new", "open", "waiting_customer", "waiting_department", "reopened"}
RANK = {p.value: n for n, p in enumerate(PRIORITY_ORDER)}
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # bench/inbox.py's


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_inbox", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def _urgency(row: ConversationRow) -> tuple[int, bool, datetime | None, datetime, int]:
    return (RANK[row.priority], row.sla_due_at is None, row.sla_due_at, row.last_customer_at, row.id)


def _belongs(view: View, row: ConversationRow, *, agent: str, department: str | None, now: datetime) -> bool:
    if view is View.snoozed:
        return row.status == "snoozed"
    if row.status not in LIVE:
        return False
    if view is View.mine:
        return row.assignee == agent
    if view is View.unassigned:
        return row.assignee is None
    if view is View.departments:
        return department is None or row.department == department
    if view is View.breaching:
        due_soon = row.sla_due_at is not None and row.sla_due_at <= now + ABOUT_TO_BREACH
        return row.sla_state in ("warning", "breached") or due_soon
    return True


def _walk(engine: Engine, *, view: View, scope: Scope, user_id: int | None) -> list[int]:
    """A view's ids page by page, each page after the last one's cursor (keyset paging)."""
    walked: list[int] = []
    after = None
    while True:
        found = list_conversations(
            engine=engine, view=view, scope=scope, user_id=user_id, now=NOW, per_page=9, after=after
        )
        walked += [r.id for r in found.rows]
        if found.next_after is None:
            return walked
        after = found.next_after


@pytest.mark.parametrize("walk", [False, True], ids=["sorted", "index order"])
def test_the_inbox_bench_builds_and_reads_right(
    engine: Engine, bench: ModuleType, walk: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages of a big view are read in the order's index, of a small one sorted: both, on any view, agree
    monkeypatch.setattr(read, "_walk_in_order", lambda size, unresolved, depth: walk)
    fixture = bench.build(engine, open_count=200, resolved_count=40)
    now = bench.NOW
    for scope in (Scope(fixture.agent_department), EVERYTHING):
        everything = list_conversations(
            engine=engine, view=View.all, scope=scope, user_id=fixture.agent_id, now=now, per_page=1000
        )
        for view in (View.mine, View.unassigned, View.departments, View.all, View.breaching, View.snoozed):
            whole = list_conversations(
                engine=engine, view=view, scope=scope, user_id=fixture.agent_id, now=now, per_page=1000
            )
            assert len(whole.rows) == whole.total == whole.counts[view.value] == everything.counts[view.value]
            assert all(
                _belongs(view, r, agent=fixture.agent_email, department=scope.department, now=now)
                for r in whole.rows
            ), view
            if scope.department is not None:
                assert all(r.department in (None, scope.department) for r in whole.rows)
            if view is not View.snoozed:
                assert [r.id for r in whole.rows] == [r.id for r in sorted(whole.rows, key=_urgency)]
            paged = [
                r.id
                for page in (1, 2, 3, 4, 5)
                for r in list_conversations(
                    engine=engine, view=view, scope=scope, user_id=fixture.agent_id, now=now, page=page,
                    per_page=7,
                ).rows
            ]  # fmt: skip
            assert paged == [r.id for r in whole.rows[:35]]
            assert _walk(engine, view=view, scope=scope, user_id=fixture.agent_id) == [
                r.id for r in whole.rows
            ]
        assert everything.counts["all"] + everything.counts["snoozed"] <= fixture.open_conversations
    resolved = list_conversations(engine=engine, view=View.resolved, now=now, per_page=1000)
    assert resolved.total == len(resolved.rows) == fixture.resolved_conversations
    assert _walk(engine, view=View.resolved, scope=EVERYTHING, user_id=None) == [r.id for r in resolved.rows]
    for filters in (Filters(priority="high"), Filters(tag="storing"), Filters(text="monteur"),
                    Filters(department="sales", status="waiting_customer"), Filters(intent="complaint"),
                    Filters(assignee=fixture.agent_email)):  # fmt: skip
        found = list_conversations(engine=engine, view=View.all, filters=filters, now=now, per_page=1000)
        assert found.total == len(found.rows) > 0, filters
        assert [r.id for r in found.rows] == [r.id for r in sorted(found.rows, key=_urgency)]

    detail = conversation_detail(
        engine=engine, conversation_id=fixture.long_conversation, scope=Scope(fixture.agent_department)
    )
    assert len(detail.messages) == bench.BIG_MESSAGES
    assert [m.at for m in detail.messages] == sorted(m.at for m in detail.messages)
    assert detail.events and "vip" in detail.tags and detail.outcomes
    assert detail.author.mentions and 0 < len(detail.author.conversations) <= 5
    assert all(m.url for m in detail.messages if m.kind == "customer")
