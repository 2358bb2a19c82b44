"""What the app sends besides the page: security headers on every response, the client's real address and
scheme behind a trusted proxy, and the API's documentation served from an installed package.

The Content-Security-Policy allows scripts only from this site: the pages have no inline scripts or event
handlers (data for charts travels in ``<script type="application/json">``, which is never run). Styles
may be inline because Plotly styles its charts through ``style`` attributes and ``<style>`` elements.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from luister import __version__

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
    "font-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
    "form-action 'self'", "frame-ancestors 'none'",
))  # fmt: skip
HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),  # for browsers that predate frame-ancestors
    (b"referrer-policy", b"same-origin"),  # the language switch reads the Referer of our own pages
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")
DOCS_ASSETS = "/api/docs/assets"


class SecurityHeaders:
    """Adds ``HEADERS`` to every response (and HSTS over HTTPS), unless the route set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS + ((HSTS,) if scope.get("scheme") == "https" else ())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, *, trusted_proxies: list[str]) -> None:
    """Headers, proxies and the API docs on ``app`` (create it with ``docs_url=None``)."""
    app.add_middleware(SecurityHeaders)
    if trusted_proxies:  # X-Forwarded-For/-Proto believed from these only: Secure cookies behind TLS proxies
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxies)
    _api_docs(app)


def _api_docs(app: FastAPI) -> None:
    from swagger_ui_bundle import swagger_ui_path

    app.mount(DOCS_ASSETS, StaticFiles(directory=Path(swagger_ui_path)), name="swagger-ui")
    app.mount("/api/docs/start", StaticFiles(directory=Path(__file__).parent / "static" / "api-docs"),
              name="api-docs")  # fmt: skip

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(DOCS_PAGE)


DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>luister {__version__} — API</title>
<link rel="stylesheet" href="{DOCS_ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="/api/openapi.json"></div>
<script src="{DOCS_ASSETS}/swagger-ui-bundle.js"></script>
<script src="/api/docs/start/start.js"></script>
</body>
</html>
"""
