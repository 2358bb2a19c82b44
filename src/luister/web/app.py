"""FastAPI app factory. Pages are thin: they call a service and render a template."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from luister import __version__
from luister.services import stats
from luister.services.alerts import list_alerts
from luister.services.mentions import latest_mentions
from luister.settings import Settings

HERE = Path(__file__).parent


def create_app(*, settings: Settings, engine: Engine) -> FastAPI:
    app = FastAPI(title="luister", version=__version__, docs_url="/api/docs", openapi_url="/api/openapi.json")
    templates = Jinja2Templates(directory=HERE / "templates")  # autoescape is on for .html
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.state.settings = settings
    app.state.engine = engine

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        result = stats.collect_stats(engine=engine, days=60)
        peak = max((n for _, n in result.by_day), default=1)
        return templates.TemplateResponse(
            request,
            "overview.html",
            {
                "stats": result,
                "peak": peak,
                "latest": latest_mentions(engine=engine, limit=25),
                "alerts": list_alerts(engine=engine, limit=5),
                "version": __version__,
            },
        )

    return app
