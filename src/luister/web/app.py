"""FastAPI app factory. Pages are thin: they call a service and render a template."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from luister import __version__
from luister.domain.accounts import Permission, can
from luister.domain.analysis import INTENT_LABELS, SENTIMENT_LABELS, parse_intents
from luister.domain.queries import QuerySyntaxError
from luister.services import audit, stats
from luister.services.accounts import LoginError, authenticate, set_language
from luister.services.alerts import list_alerts
from luister.services.corrections import CorrectionError, correct_mention
from luister.services.mentions import latest_mentions, mention_detail, search_mentions
from luister.services.topics import list_topics
from luister.settings import Settings
from luister.web.auth import Session, Sessions, safe_next, same_token
from luister.web.i18n import LANGUAGES, pick_language, translations

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

    sessions = Sessions(settings.secret_key.get_secret_value(), engine)

    def render(
        request: Request, name: str, context: dict[str, Any], *, session: Session | None, status: int = 200
    ) -> Response:
        """A page in the user's language (else the browser's), with what every page needs."""
        preferred = session.user.language if session else None
        lang = pick_language(preferred, request.headers.get("accept-language"))
        base = {"_": translations(lang).gettext, "lang": lang, "version": __version__,
                "user": session.user if session else None,
                "csrf": session.csrf if session else None}  # fmt: skip
        return templates.TemplateResponse(request, name, base | context, status_code=status)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        if sessions.current(request) is not None:
            return RedirectResponse(safe_next(next), status_code=303)
        return _login_page(request, next=next, error=None, status=200)

    def _login_page(request: Request, *, next: str, error: str | None, status: int) -> Response:
        token = sessions.login_token(request)
        context = {"next": safe_next(next), "error": error, "csrf": token}
        response = render(request, "login.html", context, session=None, status=status)
        sessions.keep_login_token(request, response, token)
        return response

    @app.post("/login", response_class=HTMLResponse)
    def login(
        request: Request,
        email: str = Form(""),
        password: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        address = request.client.host if request.client else "?"
        if not same_token(csrf, request.cookies.get("luister_login_csrf")):
            return _login_page(request, next=next, error="The form expired; please try again.", status=403)
        if sessions.throttled(address):
            return _login_page(request, next=next, error="Too many attempts; wait a few minutes.", status=429)
        try:
            user = authenticate(engine=engine, email=email, password=password, ip=address)
        except LoginError as exc:
            return _login_page(request, next=next, error=str(exc), status=401)
        response = RedirectResponse(safe_next(next), status_code=303)
        sessions.start(response, request, user)
        return response

    @app.post("/logout")
    def logout(request: Request, csrf: str = Form("")) -> Response:
        session = sessions.current(request)
        if session is None or not same_token(csrf, session.csrf):
            return Response("The form expired; reload the page.", status_code=403)
        with engine.begin() as conn:
            audit.record(conn, actor=session.user.email, action="logout",
                         ip=request.client.host if request.client else None)  # fmt: skip
        response = RedirectResponse("/login", status_code=303)
        sessions.end(response)
        return response

    @app.get("/mentions", response_class=HTMLResponse)
    def mentions_page(
        request: Request, q: str = "", topic: str = "", sentiment: str = "", intent: str = "",
        before: int | None = None,
    ) -> Response:  # fmt: skip
        session = sessions.current(request)
        if session is None:
            return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
        topics = list_topics(engine=engine)
        topic_id = next((t.id for t in topics if t.name == topic), None)
        error = None
        page = None
        try:
            page = search_mentions(engine=engine, query=q or None, topic_id=topic_id,
                                   sentiment=sentiment or None, intent=intent or None,
                                   before=before)  # fmt: skip
        except QuerySyntaxError as exc:
            error = f"{exc}\n{exc.caret()}"
        filters = {"q": q, "topic": topic, "sentiment": sentiment, "intent": intent}
        more = urlencode({**filters, "before": page.next_before}) if page and page.next_before else None
        context = {
            "page": page, "error": error, "filters": filters, "topics": topics,
            "sentiments": SENTIMENT_LABELS, "intents": INTENT_LABELS, "next_query": more,
        }  # fmt: skip
        return render(request, "mentions.html", context, session=session, status=400 if error else 200)

    @app.get("/mentions/{mention_id}", response_class=HTMLResponse)
    def mention_page(request: Request, mention_id: int) -> Response:
        session = sessions.current(request)
        if session is None:
            return RedirectResponse(f"/login?next=/mentions/{mention_id}", status_code=303)
        detail = mention_detail(engine=engine, mention_id=mention_id)
        if detail is None:
            return Response("No such mention.", status_code=404)
        return render(request, "mention.html", {
            "d": detail, "sentiments": SENTIMENT_LABELS, "intents": INTENT_LABELS,
            "may_correct": can(session.user.role, Permission.correct),
            "current_intents": parse_intents(detail.mention.intents),
        }, session=session)  # fmt: skip

    @app.post("/mentions/{mention_id}/correct")
    async def correct_page(request: Request, mention_id: int) -> Response:
        session = sessions.current(request)
        form = await request.form()
        if session is None or not same_token(str(form.get("csrf", "")), session.csrf):
            return Response("The form expired; reload the page.", status_code=403)
        if not can(session.user.role, Permission.correct):
            return Response("Your role may not correct labels.", status_code=403)
        intents = tuple(str(value) for value in form.getlist("intent")) or None
        try:
            correct_mention(engine=engine, mention_id=mention_id, corrected_by=session.user.email,
                            sentiment=str(form.get("sentiment") or "") or None, intents=intents)  # fmt: skip
        except CorrectionError as exc:
            return Response(str(exc), status_code=400)
        return RedirectResponse(f"/mentions/{mention_id}?corrected=1", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> Response:
        session = sessions.current(request)
        if session is None:
            return RedirectResponse("/login?next=/", status_code=303)
        result = stats.collect_stats(engine=engine, days=60)
        peak = max((n for _, n in result.by_day), default=1)
        return render(request, "overview.html", {
            "stats": result, "peak": peak, "latest": latest_mentions(engine=engine, limit=25),
            "alerts": list_alerts(engine=engine, limit=5),
        }, session=session)  # fmt: skip

    @app.post("/language")
    def language(request: Request, language: str = Form("en"), csrf: str = Form("")) -> Response:
        session = sessions.current(request)
        if session is None or not same_token(csrf, session.csrf):
            return Response("The form expired; reload the page.", status_code=403)
        if language in LANGUAGES:
            set_language(engine=engine, email=session.user.email, language=language, actor=session.user.email)
        back = urlsplit(request.headers.get("referer", "/"))
        return RedirectResponse(
            safe_next(back.path + (f"?{back.query}" if back.query else "")), status_code=303
        )

    return app
