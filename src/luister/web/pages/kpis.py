"""Goals and KPIs in the browser.

``/goals``: the goal tree, each KPI as a card (value with unit and interval, target, status as colour and
text, forecast to the period's end, owner), with forms to add a goal, a KPI and a target for people who
may manage. ``/kpis/{id}``: the KPI's values per period as a chart with a table under it, the formula in
words with its version, the link to what each value counts, the targets, and for an imported series a
CSV import form whose problems are shown with their lines."""

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from luister.domain.accounts import Permission
from luister.kpis import actions, projects, read, report_render
from luister.kpis.formulas import Estimate, Unit
from luister.kpis.library import FORMULAS
from luister.kpis.series import UnitMismatch
from luister.kpis.status import PeriodKind
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, RowId, Web
from luister.web.i18n import translations

REFUSALS = (read.UnknownGoal, read.UnknownKpi, read.UnknownSeries, actions.KpiProblem, UnitMismatch)
SIGNS = {
    "en": {"percent": " %", "points": " pp", "hours": " h", "days": " d", "eur": "€ "},
    "nl": {"percent": "%", "points": " pp", "hours": " u", "days": " d", "eur": "€ "},
}
COLOURS = {"on_track": "#1b7f3b", "at_risk": "#b45309", "off_track": "#b3261e"}
MAX_UPLOAD = 20 * 1024 * 1024


def quantity(value: float | None, unit: str, lang: str = "en") -> str:
    """A value with its unit as people write it: ``45.2 %``, ``€ 12``, ``3.5 h`` (Dutch ``3,5 u``)."""
    if value is None:
        return "–"
    digits = "#,##0" if abs(value) >= 100 or unit == Unit.count else "#,##0.##"
    text = format_decimal(value, format=digits, locale=lang)
    sign = SIGNS.get(lang, SIGNS["en"]).get(unit, "")
    return sign + text if sign.startswith("€") else text + sign


def interval(e: Estimate, unit: str, lang: str = "en") -> str:
    if e.low is None or e.high is None:
        return ""
    return f"{quantity(e.low, unit, lang)} – {quantity(e.high, unit, lang)}"


def chart(values: list[read.SeriesValue], unit: str, name: str, target_label: str) -> dict[str, Any]:
    """A Plotly figure (data + layout) of the values per period with their intervals and the targets; each
    point carries the address of what it counts in ``customdata``."""
    labels = [v.period.label() for v in values]
    ys = [v.value.value for v in values]
    bars: dict[str, Any] = {
        "type": "scatter",
        "mode": "lines+markers",
        "x": labels,
        "y": ys,
        "name": name,
        "line": {"color": "#0f766e"},
        "customdata": [v.drill for v in values],
    }
    if any(v.value.low is not None for v in values):
        bars["error_y"] = {
            "type": "data",
            "symmetric": False,
            "color": "#94a3b8",
            "array": [
                None if v.value.high is None or v.value.value is None else v.value.high - v.value.value
                for v in values
            ],
            "arrayminus": [
                None if v.value.low is None or v.value.value is None else v.value.value - v.value.low
                for v in values
            ],
        }
    data = [bars]
    if any(v.target is not None for v in values):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": labels,
                "y": [v.target for v in values],
                "name": target_label,
                "marker": {"symbol": "line-ew-open", "size": 18, "color": "#c2410c", "line": {"width": 3}},
            }
        )
    layout = {
        "margin": {"l": 48, "r": 12, "t": 8, "b": 36},
        "height": 280,
        "font": {"size": 12},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"type": "category"},
        "yaxis": {"title": {"text": unit}, "rangemode": "tozero"},
    }
    return {"values": {"data": data, "layout": layout}}


def _flat(tree: list[read.GoalNode], depth: int = 0) -> list[tuple[int, read.GoalNode]]:
    return [row for g in tree for row in [(depth, g), *_flat(g.children, depth + 1)]]


def _words(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(text: str, field: str) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise actions.KpiProblem(field, f"{field}: a number") from None


def _report_days(now: datetime) -> tuple[str, str]:
    """The download form's default days: last week, Monday to Sunday."""
    first, end = report_render.last_week(now)
    return first.isoformat(), (end - timedelta(days=1)).isoformat()


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Reader = Annotated[Session, Depends(web.signed_in)]
    Manager = Annotated[FormPost, Depends(web.form(Permission.manage))]

    def rates() -> read.Rates:
        return read.Rates.of(web.settings)

    def kind_of(request: Request) -> PeriodKind:
        try:
            return PeriodKind(request.query_params.get("period") or "month")
        except ValueError:
            raise Refused("No such period.", status=400) from None

    def goals_page(
        request: Request,
        session: Session,
        *,
        kind: PeriodKind = PeriodKind.month,
        error: str = "",
        status: int = 200,
    ) -> Response:
        scope = session.user.scope
        tree = read.goal_tree(engine=engine, now=web.runtime.clock(), scope=scope, kind=kind, rates=rates())
        lang = web.language(request, session)
        rows = _flat(tree)
        context = {
            "rows": rows,
            "kind": kind.value,
            "kinds": [k.value for k in PeriodKind],
            "error": error,
            "kpis": [c for _, g in rows for c in g.kpis],
            "formulas": FORMULAS,
            "units": [u.value for u in Unit],
            "colours": COLOURS,
            "q": lambda value, unit: quantity(value, unit, lang),
            "ci": lambda e, unit: interval(e, unit, lang),
            "report_days": _report_days(web.runtime.clock()),
            "lang": lang,
        }
        return web.render(request, "goals.html", context, session=session, status=status)

    @router.get("/goals", response_class=HTMLResponse)
    def goals_view(request: Request, session: Reader) -> Response:
        return goals_page(request, session, kind=kind_of(request))

    @router.post("/goals")
    def goal_add(request: Request, post: Manager) -> Response:
        user = post.session.user
        try:
            parent = post.text("parent").strip()
            actions.create_goal(
                engine=engine,
                name=post.text("name"),
                description=post.text("description"),
                owner=post.text("owner").strip() or None,
                department=post.text("department").strip() or None,
                parent_id=int(parent) if parent.isdigit() else None,
                actor=user.email,
                scope=user.scope,
            )
        except REFUSALS as exc:
            return goals_page(request, post.session, error=str(exc), status=400)
        return RedirectResponse("/goals", status_code=303)

    @router.post("/goals/kpis")
    def kpi_add(request: Request, post: Manager) -> Response:
        user = post.session.user
        formula, _, variant = post.text("formula").partition(":")
        params: dict[str, Any] = {
            "topics": _words(post.text("topics")),
            "competitors": _words(post.text("competitors")),
            "department": post.text("for_department").strip(),
            "variant": variant,
        }
        try:
            goal = post.text("goal")
            spend = _number(post.text("spend"), "spend")
            params = {k: v for k, v in params.items() if v} | ({"spend": spend} if spend is not None else {})
            series = post.text("series").strip() or None
            kpi_id = actions.create_kpi(
                engine=engine,
                goal_id=int(goal) if goal.isdigit() else 0,
                key=post.text("key").strip(),
                name=post.text("name"),
                formula=None if series else formula or None,
                params={} if series else params,
                series=series,
                unit=(post.text("unit") or None) if series else None,
                direction=post.text("direction") or "up",
                baseline=_number(post.text("baseline"), "baseline"),
                owner=post.text("owner").strip() or None,
                department=post.text("department").strip() or None,
                actor=user.email,
                scope=user.scope,
            )
        except REFUSALS as exc:
            return goals_page(request, post.session, error=str(exc), status=400)
        return RedirectResponse(f"/kpis/{kpi_id}", status_code=303)

    @router.post("/kpis/targets")
    def target_set(request: Request, post: Manager) -> Response:
        user = post.session.user
        kpi = post.text("kpi")
        kpi_id = int(kpi) if kpi.isdigit() else 0
        back = f"/kpis/{kpi_id}" if post.text("back") == "kpi" else "/goals"
        try:
            try:
                start = date.fromisoformat(post.text("period_start"))
            except ValueError:
                raise actions.KpiProblem("period_start", "period: the first day, e.g. 2026-12-01") from None
            actions.set_target(
                engine=engine,
                kpi_id=kpi_id,
                period_kind=post.text("period_kind") or "month",
                period_start=start,
                value=post.text("value"),
                actor=user.email,
                scope=user.scope,
            )
        except REFUSALS as exc:
            if back == "/goals":
                return goals_page(request, post.session, error=str(exc), status=400)
            return kpi_page(request, post.session, kpi_id, error=str(exc), status=400)
        return RedirectResponse(back, status_code=303)

    def kpi_page(
        request: Request,
        session: Session,
        kpi_id: int,
        *,
        kind: PeriodKind = PeriodKind.month,
        error: str = "",
        imported: actions.Imported | None = None,
        status: int = 200,
    ) -> Response:
        scope, now = session.user.scope, web.runtime.clock()
        try:
            card = read.kpi_detail(
                engine=engine, kpi_id=kpi_id, now=now, scope=scope, kind=kind, rates=rates()
            )
            values = read.kpi_series(
                engine=engine, kpi_id=kpi_id, now=now, scope=scope, kind=kind, rates=rates()
            )
            targets = read.kpi_targets(engine=engine, kpi_id=kpi_id, scope=scope)
        except read.UnknownKpi:
            raise Refused("No such KPI.", status=404) from None
        lang = web.language(request, session)
        unit = card.kpi.unit.value
        target_label = translations(lang).gettext("Target value")
        context = {
            "c": card,
            "d": card.kpi,
            "movers": projects.projects_for_kpi(engine=engine, scope=scope, kpi_id=kpi_id),
            "values": values,
            "targets": targets,
            "kind": kind.value,
            "kinds": [k.value for k in PeriodKind],
            "error": error,
            "imported": imported,
            "text": card.kpi.formula.text.get(lang) or card.kpi.formula.text.get("en", ""),
            "charts": chart(values, unit, card.kpi.name, target_label),
            "colours": COLOURS,
            "q": lambda value, u=unit: quantity(value, u, lang),
            "ci": lambda e, u=unit: interval(e, u, lang),
        }
        return web.render(request, "kpi.html", context, session=session, status=status)

    @router.get("/reports/{template}.pdf")
    def report_download(request: Request, template: str, session: Reader) -> Response:
        """The report over the chosen days as a PDF (the button on /goals), over the person's departments."""
        params, now = request.query_params, web.runtime.clock()
        first, end = report_render.last_week(now)
        try:
            first = date.fromisoformat(params["from"]) if params.get("from") else first
            end = date.fromisoformat(params["to"]) + timedelta(days=1) if params.get("to") else end
        except ValueError:
            raise Refused("from/to: a day as YYYY-MM-DD", status=400) from None
        language = params.get("lang") or web.language(request, session)
        try:
            document = report_render.render_pdf(
                engine=engine, template=template, start=first, end=end, language=language, now=now,
                scope=session.user.scope, rates=rates(),
            )  # fmt: skip
        except report_render.ReportProblem as exc:
            raise Refused(str(exc), status=400) from None
        name = f"{template}-{first.isoformat()}.pdf"
        return Response(document, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

    @router.get("/kpis/{kpi_id}", response_class=HTMLResponse)
    def kpi_view(request: Request, kpi_id: RowId, session: Reader) -> Response:
        return kpi_page(request, session, kpi_id, kind=kind_of(request))

    @router.post("/kpis/{kpi_id}/import", response_class=HTMLResponse)
    async def kpi_import(request: Request, kpi_id: RowId, post: Manager) -> Response:
        user = post.session.user
        upload = post.form.get("file")
        data = await upload.read(MAX_UPLOAD + 1) if isinstance(upload, UploadFile) else b""
        if len(data) > MAX_UPLOAD:
            return kpi_page(request, post.session, kpi_id, error="at most 20 MB per import", status=400)
        try:
            d = read.kpi_detail(
                engine=engine, kpi_id=kpi_id, now=web.runtime.clock(), scope=user.scope, rates=rates()
            ).kpi
            if d.series_key is None:
                raise actions.KpiProblem("series", "this KPI is computed by luister, not imported")
            done = actions.import_points(
                engine=engine,
                key=d.series_key,
                data=data,
                actor=user.email,
                now=web.runtime.clock(),
                scope=user.scope,
                source=(upload.filename or "upload") if isinstance(upload, UploadFile) else "upload",
            )
        except read.UnknownKpi:
            raise Refused("No such KPI.", status=404) from None
        except REFUSALS as exc:
            return kpi_page(request, post.session, kpi_id, error=str(exc), status=400)
        return kpi_page(request, post.session, kpi_id, imported=done, status=200 if done.stored else 400)

    return router
