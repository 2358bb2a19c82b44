"""``/topics``: saved queries. Saving one matches the stored mentions again in the background."""

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Response
from sqlalchemy.engine import Engine

from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, query_problem, responses
from luister.api.schemas import NO_CONTROL, QueryTest, QueryTrialRead, TopicCreate, TopicRead, TopicUpdate
from luister.domain.accounts import Permission
from luister.domain.queries import QueryReferenceError, QuerySyntaxError
from luister.runtime import Runtime
from luister.services import topics as topic_service
from luister.services.accounts import UserRead
from luister.services.matching import rematch
from luister.services.topics import (
    TopicError,
    TopicNameTaken,
    UnknownTopicError,
    create_topic,
    get_topic,
    list_topics,
    remove_topic,
    try_query,
    update_topic,
)

TopicName = Annotated[
    str, Path(min_length=1, max_length=120, pattern=NO_CONTROL, description="The topic's name.")
]


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["topics"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(caller(engine, Permission.manage))]

    def found(name: str, user: UserRead) -> topic_service.TopicRead:
        """The topic, when it exists in the caller's departments (404 otherwise: not theirs to see)."""
        try:
            return get_topic(engine=engine, name=name, scope=user.scope)
        except UnknownTopicError as exc:
            raise ApiError(404, str(exc)) from None

    def save(
        name: str, body: TopicCreate | TopicUpdate, user: UserRead, background: BackgroundTasks
    ) -> TopicRead:
        own = user.scope.department  # a department's people keep to it
        given = body.model_fields_set  # a field left out of a PUT keeps its value
        try:
            if isinstance(body, TopicCreate):
                saved = create_topic(engine=engine, name=name, kind=body.kind, query=body.query,
                                     description=body.description, department=own or body.department or "",
                                     actor=user.email, scope=user.scope)  # fmt: skip
            else:
                saved = update_topic(
                    engine=engine, name=name, kind=body.kind, query=body.query,
                    description=(body.description or "") if "description" in given else None,
                    department=own or ((body.department or "") if "department" in given else None),
                    actor=user.email, scope=user.scope,
                )  # fmt: skip
        except QuerySyntaxError as exc:
            raise query_problem(exc, field="query") from None
        except UnknownTopicError as exc:
            raise ApiError(404, str(exc)) from None
        except TopicNameTaken as exc:
            raise ApiError(409, f"{exc}; PUT changes it") from None
        except TopicError as exc:
            raise invalid(f"{exc.field}: {exc}") from None
        except QueryReferenceError as exc:
            raise invalid(f"query: {exc}") from None
        background.add_task(rematch, engine=engine, topic_ids=[saved.id])
        return TopicRead.of(saved)

    @router.get("/topics", response_model=list[TopicRead], responses=responses(403))
    def topics_list(user: Reader) -> list[TopicRead]:
        """Every topic of the caller's departments with how many stored mentions it matches."""
        return [TopicRead.of(t) for t in list_topics(engine=engine, scope=user.scope)]

    @router.post("/topics/test", response_model=QueryTrialRead, responses=responses(400, 403))
    def topic_test(body: QueryTest, user: Reader) -> QueryTrialRead:
        """Try a query without saving it: on every mention published in [since, until) (all of history
        when not given) through the search index, or, for a query the index cannot serve, on the newest
        `sample` of them (``topic:`` names a topic of the caller's departments)."""
        since, until = (
            None if t is None else t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
            for t in (body.since, body.until)
        )
        try:
            trial = try_query(engine=engine, query=body.query, sample=body.sample, examples=body.examples,
                              scope=user.scope, since=since, until=until)  # fmt: skip
        except QuerySyntaxError as exc:
            raise query_problem(exc, field="query") from None
        except QueryReferenceError as exc:
            raise invalid(f"query: {exc}") from None
        return QueryTrialRead.of(trial)

    @router.post("/topics", status_code=201, response_model=TopicRead, responses=responses(400, 403, 409))
    def topic_create(body: TopicCreate, user: Manager, background: BackgroundTasks) -> TopicRead:
        """Save a new topic; stored mentions are matched against it in the background."""
        return save(body.name, body, user, background)

    @router.get("/topics/{name:path}", response_model=TopicRead, responses=responses(403, 404))
    def topic_read(name: TopicName, user: Reader) -> TopicRead:
        return TopicRead.of(found(name, user))

    @router.put("/topics/{name:path}", response_model=TopicRead, responses=responses(400, 403, 404))
    def topic_update(
        name: TopicName, body: TopicUpdate, user: Manager, background: BackgroundTasks
    ) -> TopicRead:
        """Change a topic's query, kind, description or department (a field left out keeps its value);
        stored mentions are matched again afterwards."""
        found(name, user)
        return save(name, body, user, background)

    @router.delete(
        "/topics/{name:path}", status_code=204, response_class=Response, responses=responses(403, 404, 409)
    )
    def topic_delete(name: TopicName, user: Manager) -> Response:
        """Delete a topic and its matches (refused while another topic's query refers to it)."""
        found(name, user)
        try:
            remove_topic(engine=engine, name=name, actor=user.email)
        except UnknownTopicError as exc:
            raise ApiError(404, str(exc)) from None
        except QueryReferenceError as exc:
            raise ApiError(409, str(exc)) from None
        return Response(status_code=204)

    return router


def topics_seen(user: UserRead, *, engine: Engine) -> set[str]:
    """The names of the topics in the caller's departments."""
    return {t.name for t in topic_service.list_topics(engine=engine, scope=user.scope)}


def topic_queries(user: UserRead, *, engine: Engine) -> dict[str, str]:
    """The queries of the topics in the caller's departments, by name: what a ``topic:`` may name."""
    return {t.name: t.query for t in topic_service.list_topics(engine=engine, scope=user.scope)}
