"""FastAPI app factory. Pages are thin: they call a service and render a template."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine

from luister import __version__, api
from luister.settings import Settings
from luister.web import errors, security
from luister.web.context import Refused, SignInRequired, Web, refused, sign_in_redirect
from luister.web.pages import account, alerts, auth, mentions, overview, sources, tokens, topics, users

HERE = Path(__file__).parent
PAGES = (auth, overview, mentions, alerts, topics, sources, tokens, account, users)


def create_app(*, settings: Settings, engine: Engine) -> FastAPI:
    app = FastAPI(title="luister", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json")  # fmt: skip
    security.install(app, trusted_proxies=settings.trusted_proxies)  # headers, proxies, /api/docs
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.state.settings = settings
    app.state.engine = engine
    app.add_exception_handler(SignInRequired, sign_in_redirect)
    app.add_exception_handler(Refused, refused)
    web = Web(settings=settings, engine=engine)
    for page in PAGES:
        app.include_router(page.routes(web), include_in_schema=False)
    app.include_router(api.routes(web))
    api.install(app)  # problem+json error bodies for /api paths
    errors.install(app, web)  # error pages with the layout elsewhere

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
