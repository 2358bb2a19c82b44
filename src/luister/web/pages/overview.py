"""The overview dashboard: a topic (or everything) over a period, with charts that open their mentions."""

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import plotly
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.engine import Engine

from luister.alerts.read import list_alerts
from luister.domain.analysis import SENTIMENT_LABELS
from luister.domain.periods import (
    MAX_DAYS,
    PeriodError,
    RangeError,
    checked_days,
    checked_period,
    local_today,
    picked_range,
)
from luister.services.analytics import Scope, default_scope, overview
from luister.services.mentions import search_mentions, top_engaging
from luister.services.topics import TopicRead
from luister.services.trends import top_authors, trending_terms
from luister.web.auth import Session
from luister.web.charts import figures, scope_drill
from luister.web.context import Web
from luister.web.drill import DrillError, read_drill
from luister.web.i18n import translations
from luister.web.ranges import changes, compared_with, shown_days, spell_scope

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PERIODS = (1, 7, 30, 90)  # days offered in the period menu
PANEL_CACHE_SECONDS = 300.0  # authors, terms and engagement read mentions (seconds at millions): kept a while
PANEL_CACHE_SIZE = 256
SLOW_PANELS: dict[str, Callable[[Engine, Scope], object]] = {
    "authors": lambda engine, scope: top_authors(engine=engine, start=scope.since, end=scope.until,
                                                 topic_id=scope.topic_id or None, limit=10),
    "terms": lambda engine, scope: trending_terms(engine=engine, now=scope.counted_until, hours=24, limit=15,
                                                  topic_id=scope.topic_id or None),
    "engaging": lambda engine, scope: top_engaging(engine=engine, topic_id=scope.topic_id or None,
                                                   since=scope.since, until=scope.until, limit=8),
}  # fmt: skip
PANEL_VALUES = {"authors": "authors", "terms": "trends", "engaging": "mentions"}


class ScopeError(ValueError):
    """An address the overview cannot show: ``text`` (English, the key of its translation) % ``values``."""

    def __init__(self, text: str, **values: object) -> None:
        super().__init__(text % values)
        self.text, self.values = text, values

    def translated(self, gettext: Callable[[str], str]) -> str:
        """In the reader's language; a field's ``name`` too (``from`` is ``van`` in Dutch)."""
        values = {key: gettext(value) if key == "name" and isinstance(value, str) else value
                  for key, value in self.values.items()}  # fmt: skip
        return gettext(self.text) % values


def read_scope(web: Web, request: Request, topics: list[TopicRead]) -> tuple[Scope, str, int]:
    """The dashboard's scope from the address: ``topic``, ``days``, a range of dates ``from``/``to`` (whole
    days in the time zone of the people listened to, both included) or ``since``/``until`` (UTC), filters."""
    params = dict(request.query_params)
    try:
        drill = read_drill(params)
    except DrillError as exc:
        raise ScopeError("a filter in the address cannot be read: %(detail)s", detail=str(exc)) from None
    try:
        days = checked_days(int(params.get("days") or 30))
    except ValueError:  # PeriodError is a ValueError
        raise ScopeError("days: choose a number of days between 1 and %(n)s", n=MAX_DAYS) from None
    topic_id = 0
    if drill.topic:
        topic_id = next((t.id for t in topics if t.name == drill.topic), -1)
        if topic_id < 0:
            raise ScopeError("there is no topic %(name)s", name=repr(drill.topic))
    scope = default_scope(engine=web.engine, days=days, topic_id=topic_id)
    first, last = (params.get(name, "").strip() for name in ("from", "to"))
    if first or last:
        zone = web.settings.zone
        try:
            today = local_today(scope.now or scope.until, zone)
            since, until = picked_range(first, last, days=days, today=today, zone=zone)
        except RangeError as exc:
            raise ScopeError(exc.text, **exc.values) from None
        scope = Scope(since=since, until=until, topic_id=topic_id, now=scope.now, zone=web.settings.time_zone)
    elif drill.since or drill.until:
        since = drill.since or (drill.until or scope.until) - timedelta(days=days)
        until = drill.until or since + timedelta(days=days)
        try:
            since, until = checked_period(since, until)
        except PeriodError as exc:
            raise ScopeError("the period cannot be shown: %(detail)s", detail=str(exc)) from None
        scope = Scope(since=since, until=until, topic_id=topic_id, now=scope.now)
    scope = Scope(since=scope.since, until=scope.until, topic_id=topic_id, channel=drill.channel,
                  country=drill.country, language=drill.language, sentiment=drill.sentiment,
                  now=scope.now, zone=scope.zone)  # fmt: skip
    return scope, drill.topic, days


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    cache: dict[tuple[str, str], tuple[float, object]] = {}  # the slow panels, per scope, for a while

    @router.get("/vendor/plotly.min.js")
    def plotly_js() -> Response:
        """Plotly's bundle from the installed package: no CDN (luister runs without internet)."""
        return FileResponse(PLOTLY_JS, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip

    @router.get("/", response_class=HTMLResponse)
    def overview_page(request: Request, session: Annotated[Session, Depends(web.signed_in)]) -> Response:
        topics = web.topics_for(session)
        lang = web.language(request, session)
        gettext = translations(lang).gettext
        try:
            scope, topic, days = read_scope(web, request, topics)
        except ScopeError as exc:
            picked = [request.query_params.get(name, "")[:40] for name in ("from", "to")]
            context: dict[str, Any] = {"error": exc.translated(gettext), "topics": topics, "ov": None,
                                       "periods": PERIODS, "days": 30, "custom_period": False,
                                       "picked": picked}  # fmt: skip
            return web.render(request, "overview.html", context, session=session, status=400)
        result = overview(engine=engine, scope=scope)
        query = request.url.query
        custom = any(request.query_params.get(name) for name in ("since", "until", "from", "to"))
        shown = shown_days(scope)
        context = {
            "ov": result, "topics": topics, "topic": topic, "days": days, "periods": PERIODS,
            "charts": figures(result, topic=topic, gettext=gettext, lang=lang),
            "sentiments": SENTIMENT_LABELS,
            "drill": scope_drill(scope, topic),
            "alerts": list_alerts(engine=engine, limit=5, topic_id=scope.topic_id or None,
                                  scope=session.user.scope),  # those of the reader's departments
            "panel_query": query, "error": None, "custom_period": custom,
            "picked": [d.isoformat() for d in shown] if custom else ["", ""],
            "spelled": spell_scope(scope, lang), "compared_with": compared_with(scope, gettext),
            "changes": changes(result),
        }  # fmt: skip
        return web.render(request, "overview.html", context, session=session)

    @router.get("/overview/panel/{name}", response_class=HTMLResponse)
    def panel(request: Request, name: str, session: Annotated[Session, Depends(web.signed_in)]) -> Response:
        """The slower parts of the overview (they read mentions, not rollups), fetched after the page."""
        topics = web.topics_for(session)
        try:
            scope, topic, _days = read_scope(web, request, topics)
        except ScopeError as exc:
            return Response(str(exc), status_code=400)
        topic_id = scope.topic_id or None
        drill = scope_drill(scope, topic)
        context: dict[str, object] = {"name": name, "drill": drill}
        if name == "latest":
            filters = drill.mention_filter(topic_id)
            context["mentions"] = search_mentions(engine=engine, filters=filters, limit=8).mentions
        elif name in SLOW_PANELS:
            key = (name, str(request.url.query))
            found = cache.get(key)
            if found is None or time.monotonic() - found[0] > PANEL_CACHE_SECONDS:
                found = (time.monotonic(), SLOW_PANELS[name](engine, scope))
                cache[key] = found
                while len(cache) > PANEL_CACHE_SIZE:
                    cache.pop(next(iter(cache)))
            context[PANEL_VALUES[name]] = found[1]
        else:
            return Response("No such panel.", status_code=404)
        return web.render(request, "_overview_panel.html", context, session=session)

    return router
