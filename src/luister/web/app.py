"""The web pages on an app: static files, the sign-in and refusal handlers, and every page's routes.
Pages are thin: they call a service and render a template. ``luister.app.create_app`` mounts them."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from luister.runtime import Runtime
from luister.web.context import Refused, SignInRequired, Web, refused, sign_in_redirect
from luister.web.pages import alerts, auth, mentions, overview, privacy, sources, tokens, topics

HERE = Path(__file__).parent
PAGES = (auth, overview, mentions, alerts, topics, sources, tokens, privacy)


def install(app: FastAPI, runtime: Runtime) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(Refused, refused)
    web = Web(runtime)
    for page in PAGES:
        app.include_router(page.routes(web), include_in_schema=False)
