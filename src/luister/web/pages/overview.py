"""The overview page."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from luister.services import stats
from luister.services.alerts import list_alerts
from luister.services.mentions import latest_mentions
from luister.web.auth import Session
from luister.web.context import Web


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine

    @router.get("/", response_class=HTMLResponse)
    def overview(request: Request, session: Annotated[Session, Depends(web.signed_in)]) -> Response:
        result = stats.collect_stats(engine=engine, days=60)
        peak = max((n for _, n in result.by_day), default=1)
        return web.render(request, "overview.html", {
            "stats": result, "peak": peak, "latest": latest_mentions(engine=engine, limit=25),
            "alerts": list_alerts(engine=engine, limit=5),
        }, session=session)  # fmt: skip

    return router
