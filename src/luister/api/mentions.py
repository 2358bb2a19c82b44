"""``/mentions``: search with the topic query language and filters, read one, correct its labels."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy.engine import Engine

from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, query_problem, responses
from luister.api.schemas import (
    NO_CONTROL,
    NO_NUL,
    Intent,
    LabelsUpdate,
    MatchCountRead,
    MentionDetail,
    MentionPage,
    MentionRead,
    Sentiment,
)
from luister.api.topics import topic_queries, topics_seen
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID, unknown_as_empty
from luister.domain.mention_filter import MentionFilter
from luister.domain.queries import QueryReferenceError, QuerySyntaxError
from luister.runtime import Runtime
from luister.services.accounts import UserRead
from luister.services.corrections import CorrectionError, correct_mention
from luister.services.mentions import (
    count_matches,
    mention_detail,
    mentions_csv,
    read_cursor,
    search_mentions,
)
from luister.services.topics import UnknownTopicError, get_topic

CURSOR = r"^-?[0-9]*(\.[0-9]+)?$"  # luister.services.mentions.page_cursor: <µs since 1970>.<id>
MentionId = Annotated[int, Path(ge=1, le=MAX_ID, description="The mention's id.")]
Filter = Annotated[
    str | None, Query(max_length=32, pattern=NO_CONTROL, description="`-` for mentions without a value.")
]


def utc(value: datetime | None, name: str) -> datetime | None:
    """A filter time as aware UTC (a time without a zone is taken as UTC)."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise invalid(f"{name}: out of range") from None


def visible_topic_id(engine: Engine, name: str, user: UserRead) -> int:
    """The id of the topic ``name`` when it lies in the caller's departments (a 400 otherwise)."""
    try:
        return get_topic(engine=engine, name=name, scope=user.scope).id
    except UnknownTopicError as exc:
        raise invalid(f"topic: {exc}") from None


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        published, mention_id = read_cursor(cursor)
    except (ValueError, OverflowError):
        raise invalid("cursor: pass the `next` value of the previous page") from None
    if not 0 < mention_id <= MAX_ID or published.year < 1900:
        raise invalid("cursor: pass the `next` value of the previous page")
    return cursor


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["mentions"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Corrector = Annotated[UserRead, Depends(caller(engine, Permission.correct))]

    csv_answer: dict[int | str, dict[str, Any]] = {
        200: {"content": {"text/csv": {}}, "description": "The page as CSV with `format=csv`."}
    }

    @router.get("/mentions", response_model=MentionPage, responses={**responses(403), **csv_answer})
    def mentions_list(
        user: Reader,
        q: Annotated[
            str | None,
            Query(max_length=2000, pattern=NO_NUL, description="A query in the topic query language."),
        ] = None,
        topic: Annotated[
            str | None,
            Query(max_length=120, pattern=NO_CONTROL, description="Only mentions of this topic (its name)."),
        ] = None,
        sentiment: Sentiment | None = None,
        intent: Intent | None = None,
        primary_intent: Annotated[
            Intent | None, Query(description="Only mentions whose primary intent is this.")
        ] = None,
        channel: Filter = None,
        country: Filter = None,
        language: Filter = None,
        since: Annotated[datetime | None, Query(description="Published at or after (ISO 8601).")] = None,
        until: Annotated[datetime | None, Query(description="Published before (ISO 8601).")] = None,
        cursor: Annotated[
            str | None,
            Query(max_length=40, pattern=CURSOR, description="The `next` of the previous page."),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        format: Annotated[
            Literal["json", "csv"],
            Query(description="`csv`: the page as CSV (the next page's cursor in the `X-Next` header)."),
        ] = "json",
    ) -> MentionPage | Response:
        """Mentions, newest first, in pages of `limit`; follow `next` until it is null."""
        topic_id = visible_topic_id(engine, topic, user) if topic else None
        try:
            page = search_mentions(
                engine=engine,
                query=q or None,
                filters=MentionFilter(
                    topic_id=topic_id,
                    sentiment=sentiment,
                    intent=intent,
                    primary_intent=primary_intent,
                    channel=channel or None,
                    country=unknown_as_empty(country),
                    language=unknown_as_empty(language),
                    since=utc(since, "since"),
                    until=utc(until, "until"),
                ),
                before=decode_cursor(cursor),
                limit=limit,
                topics=topic_queries(user, engine=engine),
            )
        except QuerySyntaxError as exc:
            raise query_problem(exc) from None
        except QueryReferenceError as exc:
            raise invalid(f"q: {exc}") from None
        if format == "csv":
            headers = {"X-Next": page.next_before} if page.next_before else {}
            return Response(
                mentions_csv(page.mentions), media_type="text/csv; charset=utf-8", headers=headers
            )
        return MentionPage(
            items=[MentionRead.of(m) for m in page.mentions],
            next=page.next_before,
            scanned_out=page.scanned_out,
            index_reason=page.index_reason,
        )

    @router.get("/mentions/count", response_model=MatchCountRead, responses=responses(400, 403))
    def mentions_count(
        user: Reader,
        q: Annotated[str, Query(min_length=1, max_length=2000, pattern=NO_NUL, description="A topic query.")],
        since: Annotated[datetime | None, Query(description="Published at or after (ISO 8601).")] = None,
        until: Annotated[datetime | None, Query(description="Published before (ISO 8601).")] = None,
    ) -> MatchCountRead:
        """How many mentions published in [since, until) match `q`, over all of history through the
        search index (a query it cannot serve scans, and says so)."""
        try:
            counted = count_matches(
                engine=engine, query=q, since=utc(since, "since"), until=utc(until, "until"),
                topics=topic_queries(user, engine=engine),
            )  # fmt: skip
        except QuerySyntaxError as exc:
            raise query_problem(exc) from None
        except (QueryReferenceError, ValueError) as exc:
            raise invalid(f"q: {exc}") from None
        return MatchCountRead(count=counted.count, exact=counted.exact, index_reason=counted.index_reason)

    @router.get("/mentions/{mention_id}", response_model=MentionDetail, responses=responses(403, 404))
    def mention_read(mention_id: MentionId, user: Reader) -> MentionDetail:
        """One mention with its analysis, its raw payload, the rest of its thread and the topics it matched
        (those in the caller's departments)."""
        detail = mention_detail(
            engine=engine, mention_id=mention_id, topics_seen=topics_seen(user, engine=engine)
        )
        if detail is None:
            raise ApiError(404, f"no mention with id {mention_id}")
        return MentionDetail.of_detail(detail)

    @router.post(
        "/mentions/{mention_id}/labels", response_model=MentionDetail, responses=responses(400, 403, 404)
    )
    def mention_labels(mention_id: MentionId, labels: LabelsUpdate, user: Corrector) -> MentionDetail:
        """Correct the sentiment and/or intents (needs a role that may correct: agent, analyst, admin)."""
        if mention_detail(engine=engine, mention_id=mention_id) is None:
            raise ApiError(404, f"no mention with id {mention_id}")
        try:
            correct_mention(
                engine=engine,
                mention_id=mention_id,
                corrected_by=user.email,
                sentiment=labels.sentiment,
                intents=tuple(labels.intents) if labels.intents is not None else None,
            )
        except CorrectionError as exc:
            raise invalid(str(exc)) from None
        detail = mention_detail(
            engine=engine, mention_id=mention_id, topics_seen=topics_seen(user, engine=engine)
        )
        assert detail is not None
        return MentionDetail.of_detail(detail)

    return router
