"""``/exports``: mentions, conversations and a KPI's values per period, streamed as CSV, CSV for Dutch
Excel (``csv-nl``) or XLSX. The mentions are those the overview dashboard counts with the same filters."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from luister.api.auth import caller
from luister.api.kpis import PeriodQuery, RowId, problem
from luister.api.mentions import Filter, utc, visible_topic_id
from luister.api.problems import invalid, responses
from luister.api.schemas import NO_CONTROL, Sentiment
from luister.domain.accounts import Permission
from luister.domain.addressing import unknown_as_empty
from luister.inbox.read import Filters
from luister.kpis import exports, read
from luister.kpis.status import PeriodKind
from luister.runtime import Runtime
from luister.services.accounts import UserRead

FormatQuery = Annotated[
    exports.Format,
    Query(description="`csv`; `csv-nl` for Dutch Excel (`;`, decimal comma, UTF-8 BOM); `xlsx`."),
]
Since = Annotated[datetime | None, Query(description="At or after (ISO 8601).")]
Until = Annotated[datetime | None, Query(description="Before (ISO 8601).")]
Word = Annotated[str | None, Query(max_length=120, pattern=NO_CONTROL)]
ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}, exports.Format.xlsx.media_type: {}},
        "description": "The rows, streamed, with a header row.",
    }
}


def streamed(table: exports.Table, fmt: exports.Format) -> StreamingResponse:
    name = f"{table.name}.{fmt.suffix}"
    return StreamingResponse(
        exports.chunks(table, fmt),
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["exports"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]

    @router.get(
        "/exports/mentions", response_class=StreamingResponse, responses={**responses(403, 422), **ANSWER}
    )
    def export_mentions(
        user: Reader,
        format: FormatQuery = exports.Format.csv,
        topic: Annotated[
            str | None, Query(max_length=120, pattern=NO_CONTROL, description="A topic's name.")
        ] = None,
        since: Since = None,
        until: Until = None,
        channel: Filter = None,
        country: Filter = None,
        language: Filter = None,
        sentiment: Sentiment | None = None,
    ) -> StreamingResponse:
        """Every mention with the overview dashboard's filters, oldest first (as many rows as its total)."""
        start, end = utc(since, "since"), utc(until, "until")
        if start is not None and end is not None and start >= end:
            raise invalid("until: must be after since")
        filters = exports.MentionFilters(
            topic_id=visible_topic_id(engine, topic, user) if topic else None,
            since=start, until=end, channel=channel or None, country=unknown_as_empty(country),
            language=unknown_as_empty(language), sentiment=sentiment,
        )  # fmt: skip
        return streamed(exports.mentions_table(engine=engine, filters=filters), format)

    @router.get(
        "/exports/conversations",
        response_class=StreamingResponse,
        responses={**responses(403, 422), **ANSWER},
    )
    def export_conversations(
        user: Reader,
        format: FormatQuery = exports.Format.csv,
        since: Since = None,
        until: Until = None,
        department: Word = None,
        status: Word = None,
        priority: Word = None,
        intent: Word = None,
        channel: Word = None,
        tag: Word = None,
    ) -> StreamingResponse:
        """The conversations in the caller's departments opened in the period, with the inbox's filters."""
        filters = Filters(department=department, status=status, priority=priority, intent=intent,
                          channel=channel, tag=tag)  # fmt: skip
        table = exports.conversations_table(
            engine=engine,
            scope=user.scope,
            filters=filters,
            since=utc(since, "since"),
            until=utc(until, "until"),
        )
        return streamed(table, format)

    @router.get(
        "/exports/kpis/{kpi_id}",
        response_class=StreamingResponse,
        responses={**responses(403, 404), **ANSWER},
    )
    def export_kpi(
        kpi_id: RowId,
        user: Reader,
        format: FormatQuery = exports.Format.csv,
        period: PeriodQuery = "month",
        count: Annotated[int, Query(ge=1, le=120, description="How many periods, up to the current.")] = 12,
    ) -> StreamingResponse:
        """The KPI's value, interval, count and target in each of the last `count` periods."""
        try:
            table = exports.kpi_table(
                engine=engine, kpi_id=kpi_id, now=runtime.clock(), scope=user.scope,
                kind=PeriodKind(period), count=count, rates=read.Rates.of(runtime.settings),
            )  # fmt: skip
        except read.UnknownKpi as exc:
            raise problem(exc) from None
        return streamed(table, format)

    return router
