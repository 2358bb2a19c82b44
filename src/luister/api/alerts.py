"""``/alerts``: what the alert rules found, newest first; one alert with its playbook and timeline; working
an alert (acknowledge, tick off a playbook step, resolve) with a role that may correct."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from luister.alerts.actions import acknowledge, complete_step, resolve
from luister.alerts.model import AlertError, AlertStatus
from luister.alerts.read import AlertDetail as Detail
from luister.alerts.read import alert_detail, get_alert, list_alerts
from luister.api.auth import caller
from luister.api.problems import ApiError, responses
from luister.api.schemas import AlertDetailRead, AlertRead, ResolveNote
from luister.domain.accounts import Permission
from luister.domain.addressing import MAX_ID
from luister.runtime import Runtime
from luister.services.accounts import UserRead

AlertId = Annotated[int, Path(ge=1, le=MAX_ID, description="The alert's id.")]
Position = Annotated[int, Path(ge=1, le=1000, description="The step's number in the playbook (from 1).")]


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["alerts"])
    engine = runtime.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]
    Worker = Annotated[UserRead, Depends(caller(engine, Permission.correct))]

    def check_shown(user: UserRead, alert_id: int) -> None:
        """404 unless the alert exists and ``user`` may see it (without reading its whole detail)."""
        try:
            get_alert(engine=engine, alert_id=alert_id, scope=user.scope)
        except AlertError:
            raise ApiError(404, f"no alert with id {alert_id}") from None

    def detail_for(user: UserRead, alert_id: int) -> Detail:
        try:
            return alert_detail(engine=engine, alert_id=alert_id, scope=user.scope)
        except AlertError:  # not theirs to see, or deleted meanwhile with its rule
            raise ApiError(404, f"no alert with id {alert_id}") from None

    @router.get("/alerts", response_model=list[AlertRead], responses=responses(403))
    def alerts_list(
        user: Reader, status: AlertStatus | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[AlertRead]:
        """The newest alerts first, or only those with `status`; of the topics in the caller's departments."""
        found = list_alerts(engine=engine, status=status, limit=limit, scope=user.scope)
        return [AlertRead.of(a) for a in found]

    @router.get("/alerts/{alert_id}", response_model=AlertDetailRead, responses=responses(403, 404))
    def alert_read(alert_id: AlertId, user: Reader) -> AlertDetailRead:
        """One alert with its example mentions, playbook checklist, timeline and deliveries."""
        return AlertDetailRead.of_detail(detail_for(user, alert_id))

    def worked(user: UserRead, alert_id: int, work: Callable[[], object]) -> AlertDetailRead:
        check_shown(user, alert_id)
        try:
            work()
        except AlertError as exc:
            raise ApiError(409, str(exc)) from None
        return AlertDetailRead.of_detail(detail_for(user, alert_id))

    @router.post(
        "/alerts/{alert_id}/acknowledge", response_model=AlertDetailRead, responses=responses(403, 404, 409)
    )
    def alert_acknowledge(alert_id: AlertId, user: Worker) -> AlertDetailRead:
        """Someone is on it (an open alert only; 409 otherwise)."""
        return worked(user, alert_id, lambda: acknowledge(engine=engine, alert_id=alert_id, actor=user.email))

    @router.post(
        "/alerts/{alert_id}/steps/{position}",
        response_model=AlertDetailRead,
        responses=responses(403, 404, 409),
    )
    def alert_step(alert_id: AlertId, position: Position, user: Worker) -> AlertDetailRead:
        """Tick off playbook step `position` (409 when it is done already or there is no such step)."""
        return worked(
            user,
            alert_id,
            lambda: complete_step(engine=engine, alert_id=alert_id, position=position, actor=user.email),
        )

    @router.post(
        "/alerts/{alert_id}/resolve", response_model=AlertDetailRead, responses=responses(400, 403, 404, 409)
    )
    def alert_resolve(alert_id: AlertId, user: Worker, body: ResolveNote | None = None) -> AlertDetailRead:
        """The incident is over (409 when it was resolved already); a new firing opens a new alert."""
        note = body.note if body else None
        return worked(
            user, alert_id, lambda: resolve(engine=engine, alert_id=alert_id, actor=user.email, note=note)
        )

    return router
