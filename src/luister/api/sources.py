"""``/sources``: configured connectors with their health; secrets are never shown back."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from luister.api.auth import caller
from luister.api.problems import ApiError, invalid, responses
from luister.api.schemas import NO_CONTROL, SourceCreate, SourceRead
from luister.domain.accounts import Permission
from luister.runtime import Runtime
from luister.services.accounts import UserRead
from luister.services.sources import SourceError, SourceNotYours, add_source, list_sources, remove_source

SourceName = Annotated[
    str, Path(min_length=1, max_length=120, pattern=NO_CONTROL, description="The source's name.")
]


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["sources"])
    connectors = runtime.connectors()
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Manager = Annotated[UserRead, Depends(caller(engine, Permission.manage))]

    @router.get("/sources", response_model=list[SourceRead], responses=responses(403))
    def sources_list(user: Reader) -> list[SourceRead]:
        """The sources of the caller's departments (and the company's) with their health (ok, failing,
        drifting, silent, new); secret options masked."""
        return [SourceRead.of(s) for s in list_sources(engine=engine, scope=user.scope)]

    @router.post("/sources", status_code=201, response_model=SourceRead, responses=responses(400, 403, 409))
    def source_create(body: SourceCreate, user: Manager) -> SourceRead:
        """Add a source; its options are checked against the connector's options model."""
        if any(s.name == body.name for s in list_sources(engine=engine)):
            raise ApiError(409, f"a source named {body.name!r} exists already")
        interval = timedelta(seconds=body.poll_interval_s) if body.poll_interval_s else None
        try:
            saved = add_source(
                engine=engine,
                connectors=connectors,
                cipher=runtime.cipher,
                name=body.name,
                connector=body.connector,
                options=body.options,
                poll_interval=interval,
                actor=user.email,
                department=user.scope.department or body.department,
            )
        except SourceError as exc:
            raise invalid(str(exc)) from None
        return SourceRead.of(saved)

    @router.delete(
        "/sources/{name:path}", status_code=204, response_class=Response, responses=responses(403, 404)
    )
    def source_delete(name: SourceName, user: Manager) -> Response:
        """Delete a source and its run history; its mentions stay. Someone of a department deletes only
        their department's sources (403 for the company's)."""
        try:
            remove_source(engine=engine, name=name, actor=user.email, scope=user.scope)
        except SourceNotYours as exc:
            raise ApiError(403, str(exc)) from None
        except SourceError as exc:
            raise ApiError(404, str(exc)) from None
        return Response(status_code=204)

    return router
