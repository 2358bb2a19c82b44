"""The REST API, ``/api/v1/…``: thin routers over the services, authenticated with API tokens.

Errors are problem details (:mod:`luister.api.problems`); :func:`install` registers their handlers on the
app, for ``/api`` paths only. The API takes what it needs from the runtime, never from the web pages.
"""

from fastapi import APIRouter

from luister.api import (
    alert_setup,
    alerts,
    analytics,
    effects,
    exports,
    inbox,
    inbox_replies,
    inbox_reports,
    inbox_voices,
    ingest,
    kpis,
    mention_tags,
    mentions,
    organisation_knowledge,
    organisation_maturity,
    organisation_policy,
    organisation_training,
    privacy,
    problems,
    projects,
    report_schedules,
    reports,
    sources,
    topics,
)
from luister.runtime import Runtime

install = problems.install


def routes(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/v1", generate_unique_id_function=lambda route: route.name)
    router.include_router(mentions.routes(runtime))
    router.include_router(mention_tags.routes(runtime))
    router.include_router(topics.routes(runtime))
    router.include_router(sources.routes(runtime))
    router.include_router(alerts.routes(runtime))
    router.include_router(alert_setup.routes(runtime))
    router.include_router(analytics.routes(runtime))
    router.include_router(ingest.routes(runtime))
    router.include_router(privacy.routes(runtime))
    router.include_router(inbox.routes(runtime))
    router.include_router(inbox_reports.routes(runtime))
    router.include_router(inbox_voices.routes(runtime))
    router.include_router(inbox_replies.routes(runtime))
    router.include_router(effects.routes(runtime))
    router.include_router(projects.routes(runtime))
    router.include_router(kpis.routes(runtime))
    router.include_router(exports.routes(runtime))
    router.include_router(organisation_training.routes(runtime))
    router.include_router(organisation_knowledge.routes(runtime))
    router.include_router(organisation_policy.routes(runtime))
    router.include_router(organisation_maturity.routes(runtime))
    router.include_router(reports.routes(runtime))
    router.include_router(report_schedules.routes(runtime))
    return router


__all__ = ["install", "routes"]
