"""``create_app(runtime)``: the web pages and the REST API mounted side by side on one FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from luister import __version__, api, web
from luister.runtime import Runtime


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(title="luister", version=__version__, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.runtime = runtime
    web.install(app, runtime)
    app.include_router(api.routes(runtime))
    api.install(app)  # problem+json error bodies for /api paths

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
