"""How many mentions the mention list's query and filters match, capped so a huge result stays quick."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.domain.mention_filter import NO_FILTER, MentionFilter
from luister.services.mentions import (
    _candidates,
    _checker,
    _counting_hint,
    _hinted,
    _index_plan,
    _parse,
    filter_conditions,
)
from luister.storage.tables import mention

COUNT_CAP = 10_000  # past this the list says "10 000+"
SCAN_CAP = 200_000  # rows a query the index cannot decide looks through before it says "at least"


@dataclass(frozen=True, slots=True)
class ListCount:
    """``count`` mentions match; ``capped``: more than ``count`` (COUNT_CAP) do; ``partial``: the query
    looked through SCAN_CAP rows and stopped, so at least ``count`` do."""

    count: int
    capped: bool = False
    partial: bool = False


def count_list(
    *,
    engine: Engine,
    query: str | None = None,
    filters: MentionFilter = NO_FILTER,
    topics: Mapping[str, str] | None = None,
    cap: int = COUNT_CAP,
) -> ListCount:
    """The count of ``search_mentions`` with the same arguments (raises as it does). Served by the search
    index where it can; counting stops at ``cap`` + 1 either way."""
    from luister.services.matching import MATCH_COLUMNS

    parsed, known = _parse(query, topics)
    where = filter_conditions(filters)
    with engine.connect() as conn:
        plan, _reason = _index_plan(conn, parsed, known)
        if plan is not None:
            where.append(_candidates(conn, plan))
        hint = _counting_hint(conn, plan)
        if parsed is None or (plan is not None and plan.exact):
            ids = _hinted(sa.select(mention.c.id).where(*where).limit(cap + 1), hint)
            assert isinstance(ids, sa.Select | sa.TextualSelect)
            found = int(conn.execute(sa.select(sa.func.count()).select_from(ids.subquery())).scalar_one())
            return ListCount(min(found, cap), capped=found > cap)
        matches = _checker(parsed, known)
        listed = sa.select(*MATCH_COLUMNS).where(*where)
        count = seen = 0
        for row in conn.execute(_hinted(listed.limit(None if plan else SCAN_CAP), hint)):
            seen += 1
            count += matches(row)
            if count > cap:
                return ListCount(cap, capped=True)
    return ListCount(count, partial=plan is None and seen >= SCAN_CAP)
