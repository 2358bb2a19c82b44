"""How the inbox is set up, in the browser: departments with their people, business hours and SLA
policies; routing rules in order, simulated over the last 30 days before they are saved; canned responses.
Everyone signed in reads them; changing them needs ``manage`` (analysts and admins), as topics do. Each
form calls one ``inbox.setup`` function; what it refuses is shown beside the form (422)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission
from luister.domain.analysis import INTENT_LABELS, SENTIMENT_LABELS
from luister.domain.queries import QueryReferenceError, QuerySyntaxError
from luister.inbox import setup
from luister.inbox.assignment import Availability, Strategy
from luister.inbox.model import InboxError
from luister.inbox.read import list_canned, list_departments, list_policies, list_rules
from luister.inbox.rules import RuleProblem
from luister.inbox.status import PRIORITY_ORDER
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, Web
from luister.web.i18n import translations
from luister.web.pages.inbox import department_names
from luister.web.query_errors import explain, explain_reference

LISTS = ("topics", "languages", "channels", "countries")
CHOICES = {"intents": INTENT_LABELS, "sentiments": SENTIMENT_LABELS}
WEEKDAYS = range(7)
EMPTY_SHIFTS = 2  # empty rows under a department's hours, for adding a shift


def whole(text: str, name: str) -> int | None:
    """A whole number from a form field, or None when empty; anything else is a problem with ``name``."""
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise RuleProblem(name, "must be a whole number of at least 0")
    return int(text)


def rule_form(post: FormPost) -> dict[str, Any]:
    """The rule form as it was sent (to show it again), and its conditions as ``inbox.rules`` reads them."""
    form: dict[str, Any] = {
        name: post.text(name)
        for name in (
            "name",
            "department",
            "priority",
            "tags",
            "position",
            "query",
            "min_followers",
            "max_followers",
            *LISTS,
        )
    }
    form |= {name: post.texts(name) for name in CHOICES} | {"enabled": post.text("enabled") == "on"}
    return form


def conditions_of(form: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {name: form[name] for name in (*LISTS, *CHOICES) if form[name]}
    if form["query"]:
        found["query"] = form["query"]
    for name in ("min_followers", "max_followers"):
        value = whole(form[name], name)
        if value is not None:
            found[name] = value
    return found


def calendar_of(post: FormPost) -> dict[str, Any]:
    """Business hours from the form's rows (weekday, start, end); no rows: around the clock."""
    shifts = [
        [int(day), start, end]
        for day, start, end in zip(
            post.texts("weekday"), post.texts("start"), post.texts("end"), strict=False
        )
        if day.isdigit() and start.strip() and end.strip()
    ]
    calendar: dict[str, Any] = {
        "zone": post.text("zone") or "Europe/Amsterdam",
        "holidays": [c.strip().upper() for c in post.text("holidays").split(",") if c.strip()],
    }
    if shifts:
        calendar["shifts"] = shifts
    return calendar


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Manager = Annotated[FormPost, Depends(web.form(Permission.manage))]
    Reader = Annotated[Session, Depends(web.signed_in)]

    # --- departments, their people and SLA policies ---------------------------------------------------

    def _departments(
        request: Request, session: Session, *, problem: str | None = None, where: str | None = None
    ) -> Response:
        departments = list_departments(engine=engine)
        context = {
            "departments": departments,
            "names": department_names(departments, web.language(request, session)),
            "policies": list_policies(engine=engine),
            "strategies": list(Strategy),
            "availabilities": list(Availability),
            "priorities": [p.value for p in PRIORITY_ORDER],
            "weekdays": WEEKDAYS,
            "empty_shifts": EMPTY_SHIFTS,
            "problem": problem,
            "where": where,
        }
        return web.render(
            request, "inbox_departments.html", context, session=session, status=422 if problem else 200
        )

    @router.get("/inbox/departments", response_class=HTMLResponse)
    def departments_page(request: Request, session: Reader) -> Response:
        return _departments(request, session)

    def _change(request: Request, post: FormPost, where: str, change: Any) -> Response:
        try:
            change()
        except (InboxError, ValueError) as exc:
            return _departments(request, post.session, problem=str(exc), where=where)
        return RedirectResponse(f"/inbox/departments#{where}", status_code=303)

    @router.post("/inbox/departments/{key}")
    def department_save(request: Request, key: str, post: Manager) -> Response:
        def change() -> None:
            setup.save_department(
                scope=post.session.user.scope,
                engine=engine,
                actor=post.session.user.email,
                key=key,
                name_en=post.text("name_en"),
                name_nl=post.text("name_nl") or None,
                calendar=calendar_of(post),
                digest_every=post.text("digest_every"),
                assignment=post.text("assignment"),
                reclaim_minutes=whole(post.text("reclaim_minutes"), "reclaim_minutes"),
            )

        return _change(request, post, f"department-{key}", change)

    @router.post("/inbox/departments/{key}/members")
    def member_save(request: Request, key: str, post: Manager) -> Response:
        def change() -> None:
            setup.set_member(
                scope=post.session.user.scope,
                engine=engine,
                actor=post.session.user.email,
                department_key=key,
                email=post.text("email"),
                languages=post.text("languages") or "nl,en",
                capacity=whole(post.text("capacity"), "capacity") or 0,
                availability=post.text("availability") or "available",
                now=web.runtime.clock(),
            )

        return _change(request, post, f"department-{key}", change)

    @router.post("/inbox/departments/{key}/members/remove")
    def member_remove(request: Request, key: str, post: Manager) -> Response:
        return _change(
            request,
            post,
            f"department-{key}",
            lambda: setup.remove_member(
                scope=post.session.user.scope,
                engine=engine,
                actor=post.session.user.email,
                department_key=key,
                email=post.text("email"),
            ),
        )

    @router.post("/inbox/policies")
    def policy_save(request: Request, post: Manager) -> Response:
        def change() -> None:
            setup.save_policy(
                scope=post.session.user.scope,
                engine=engine,
                actor=post.session.user.email,
                department_key=post.text("department"),
                priority=post.text("priority"),
                first_response_minutes=whole(post.text("first_response_minutes"), "first_response_minutes"),
                next_response_minutes=whole(post.text("next_response_minutes"), "next_response_minutes"),
                resolution_minutes=whole(post.text("resolution_minutes"), "resolution_minutes"),
                warn_minutes=whole(post.text("warn_minutes"), "warn_minutes") or 0,
                business_hours=post.text("business_hours") == "on",
            )

        return _change(request, post, "policies", change)

    # --- routing rules ----------------------------------------------------------------------------------

    def _rules(
        request: Request,
        session: Session,
        form: dict[str, Any] | None = None,
        *,
        problem: str | None = None,
        simulation: Any = None,
        caret: str | None = None,
    ) -> Response:
        departments = list_departments(engine=engine)
        names = department_names(departments, web.language(request, session))
        context = {
            "rules": list_rules(engine=engine),
            "names": names,
            "departments": departments,
            "form": form or blank_rule(),
            "problem": problem,
            "simulation": simulation,
            "caret": caret,
            "priorities": [p.value for p in PRIORITY_ORDER],
            "choices": CHOICES,
            "lists": LISTS,
        }
        return web.render(
            request, "inbox_rules.html", context, session=session, status=422 if problem else 200
        )

    def blank_rule() -> dict[str, Any]:
        return dict.fromkeys(
            (
                "name",
                "department",
                "priority",
                "tags",
                "position",
                "query",
                "min_followers",
                "max_followers",
                *LISTS,
            ),
            "",
        ) | {"intents": [], "sentiments": [], "enabled": True}

    @router.get("/inbox/rules", response_class=HTMLResponse)
    def rules_page(request: Request, session: Reader, edit: int = 0) -> Response:
        form = None
        found = next((r for r in list_rules(engine=engine) if r.id == edit), None) if edit else None
        if found is not None:
            cond = found.conditions
            form = (
                blank_rule()
                | {name: ", ".join(cond.get(name, [])) for name in LISTS}
                | {
                    "name": found.name,
                    "department": found.department,
                    "priority": found.priority or "",
                    "tags": ", ".join(found.tags),
                    "position": str(found.position),
                    "query": cond.get("query", ""),
                    "min_followers": str(cond.get("min_followers", "")),
                    "max_followers": str(cond.get("max_followers", "")),
                    "intents": cond.get("intents", []),
                    "sentiments": cond.get("sentiments", []),
                    "enabled": found.enabled,
                }
            )
        return _rules(request, session, form)

    @router.post("/inbox/rules")
    def rule_save(request: Request, post: Manager) -> Response:
        form = rule_form(post)
        gettext = translations(web.language(request, post.session)).gettext
        try:
            conditions = conditions_of(form)
            if post.text("do") == "simulate":
                found = setup.simulate_rule(
                    engine=engine,
                    conditions=conditions,
                    department_key=form["department"],
                    now=web.runtime.clock(),
                )
                return _rules(request, post.session, form, simulation=found)
            setup.save_rule(
                engine=engine,
                actor=post.session.user.email,
                name=form["name"],
                conditions=conditions,
                department_key=form["department"],
                priority=form["priority"] or None,
                tags=form["tags"],
                position=whole(form["position"], "position"),
                enabled=form["enabled"],
            )
        except QuerySyntaxError as exc:
            return _rules(request, post.session, form, problem=explain(exc, gettext), caret=exc.caret())
        except QueryReferenceError as exc:
            return _rules(request, post.session, form, problem=explain_reference(str(exc), gettext))
        except (InboxError, RuleProblem, ValueError) as exc:
            return _rules(request, post.session, form, problem=str(exc))
        return RedirectResponse("/inbox/rules", status_code=303)

    @router.post("/inbox/rules/remove")
    def rule_remove(post: Manager) -> Response:
        try:
            setup.remove_rule(engine=engine, actor=post.session.user.email, name=post.text("name"))
        except InboxError:
            raise Refused("No such routing rule.", status=404) from None
        return RedirectResponse("/inbox/rules", status_code=303)

    # --- canned responses -------------------------------------------------------------------------------

    def _canned(
        request: Request, session: Session, form: dict[str, str] | None = None, *, problem: str | None = None
    ) -> Response:
        departments = list_departments(engine=engine)
        context = {
            "items": list_canned(engine=engine, scope=session.user.scope),
            "departments": departments,
            "problem": problem,
            "names": department_names(departments, web.language(request, session)),
            "form": form or {"name": "", "language": "nl", "body": "", "department": ""},
            "variables": setup.VARIABLES,
        }
        return web.render(
            request, "inbox_canned.html", context, session=session, status=422 if problem else 200
        )

    @router.get("/inbox/canned", response_class=HTMLResponse)
    def canned_page(request: Request, session: Reader, edit: int = 0) -> Response:
        found = (
            next((c for c in list_canned(engine=engine, scope=session.user.scope) if c.id == edit), None)
            if edit
            else None
        )
        form = (
            {
                "name": found.name,
                "language": found.language,
                "body": found.body,
                "department": found.department or "",
            }
            if found
            else None
        )
        return _canned(request, session, form)

    @router.post("/inbox/canned")
    def canned_save(request: Request, post: Manager) -> Response:
        form = {name: post.text(name) for name in ("name", "language", "body", "department")}
        try:
            setup.save_canned(
                scope=post.session.user.scope,
                engine=engine,
                actor=post.session.user.email,
                name=form["name"],
                language=form["language"],
                body=form["body"],
                # someone of a department saves their department's, as over the API
                department_key=post.session.user.scope.department or form["department"] or None,
            )
        except InboxError as exc:
            return _canned(request, post.session, form, problem=str(exc))
        return RedirectResponse("/inbox/canned", status_code=303)

    return router
