"""``create_app(runtime)``: the web pages and the REST API mounted side by side on one FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from luister import __version__, api
from luister.runtime import Runtime
from luister.web import app as web_app


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(title="luister", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json")  # fmt: skip
    app.state.runtime = runtime
    web = web_app.install(app, runtime)
    app.include_router(api.routes(runtime))
    api.install(app)  # problem+json error bodies for /api paths
    web_app.install_error_pages(app, web)  # error pages with the layout elsewhere

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
