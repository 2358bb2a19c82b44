"""``/alerts``: what the alert rules found, newest first."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from luister.api.auth import caller
from luister.api.problems import responses
from luister.api.schemas import AlertRead
from luister.domain.accounts import Permission
from luister.domain.alerting import AlertStatus
from luister.services.accounts import UserRead
from luister.services.alerts import list_alerts
from luister.web.context import Web


def routes(web: Web) -> APIRouter:
    router = APIRouter(tags=["alerts"])
    engine = web.engine
    Reader = Annotated[UserRead, Depends(caller(engine, Permission.view))]

    @router.get("/alerts", response_model=list[AlertRead], responses=responses(403))
    def alerts_list(
        _user: Reader, status: AlertStatus | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50
    ) -> list[AlertRead]:
        """The newest alerts first, or only those with `status`."""
        return [AlertRead.of(a) for a in list_alerts(engine=engine, status=status, limit=limit)]

    return router
