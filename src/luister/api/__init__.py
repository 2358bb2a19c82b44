"""The REST API, ``/api/v1/…``: thin routers over the services, authenticated with API tokens.

Errors are problem details (:mod:`luister.api.problems`); :func:`install` registers their handlers on the
app, for ``/api`` paths only.
"""

from fastapi import APIRouter

from luister.api import alerts, analytics, ingest, mentions, privacy, problems, sources, topics
from luister.plugins import load_plugins
from luister.web.context import Web

install = problems.install


def routes(web: Web) -> APIRouter:
    router = APIRouter(prefix="/api/v1", generate_unique_id_function=lambda route: route.name)
    connectors = load_plugins().connectors()
    router.include_router(mentions.routes(web))
    router.include_router(topics.routes(web))
    router.include_router(sources.routes(web, connectors=connectors))
    router.include_router(alerts.routes(web))
    router.include_router(analytics.routes(web))
    router.include_router(ingest.routes(web, connectors=connectors))
    router.include_router(privacy.routes(web))
    return router


__all__ = ["install", "routes"]
