"""The web pages on an app: security headers, static files, the sign-in and refusal handlers, every page's
routes, and error pages with the layout. Pages are thin: they call a service and render a template.
``luister.app.create_app`` mounts them beside the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from luister.runtime import Runtime
from luister.web import errors, security
from luister.web.context import Refused, SignInRequired, Web, refused, sign_in_redirect
from luister.web.pages import (
    account,
    alert_setup,
    alerts,
    auth,
    inbox,
    inbox_conversation,
    inbox_presence,
    inbox_replies,
    inbox_reports,
    inbox_setup,
    inbox_voices,
    kpis,
    mention_tags,
    mentions,
    organisation,
    organisation_knowledge,
    organisation_maturity,
    organisation_policy,
    organisation_training,
    overview,
    privacy,
    projects,
    reports,
    sources,
    tokens,
    topics,
    users,
)

HERE = Path(__file__).parent
# the inbox's fixed paths (/inbox/rules, /inbox/reports, /inbox/digests) before /inbox/{id}
PAGES = (auth, overview, inbox, inbox_setup, inbox_voices, inbox_reports, inbox_presence, inbox_replies,
         inbox_conversation, mention_tags, mentions,  # /mentions/tags before /mentions/{id}
         alert_setup, alerts,  # /alerts/rules and /alerts/channels before /alerts/{id}
         kpis, projects, topics, sources, tokens, account, users,
         privacy, reports, organisation, organisation_training, organisation_knowledge, organisation_policy,
         organisation_maturity)  # fmt: skip


def install(app: FastAPI, runtime: Runtime) -> Web:
    """Before the API: headers and proxies for every answer, then the pages."""
    security.install(app, trusted_proxies=runtime.settings.trusted_proxies)  # headers, proxies, /api/docs
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(Refused, refused)
    web = Web(runtime)
    for page in PAGES:
        app.include_router(page.routes(web), include_in_schema=False)
    return web


def install_error_pages(app: FastAPI, web: Web) -> None:
    """After the API's handlers (which keep problem+json for /api paths): error pages elsewhere."""
    errors.install(app, web)
