"""The sources pages: the list with health, a source's runs, adding one from its connector's options form,
pausing and removing."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.domain.accounts import Permission
from luister.plugins import installed
from luister.services import source_admin
from luister.services.sources import (
    SourceError,
    SourceNotYours,
    SourceRead,
    add_source,
    get_source,
    list_sources,
    remove_source,
)
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, Web

MAX_NAME = 120  # the column's length


def installed_connectors() -> dict[str, type[Any]]:
    """The connectors of the installed plugins, loaded once per process (``plugins.installed``)."""
    return installed().connectors()


def connector_summary(cls: type[Any]) -> str:
    return " ".join((cls.__doc__ or "").strip().split("\n\n")[0].replace("``", "").split())


def connector_texts() -> set[str]:
    """The help texts of the installed connectors, for the catalogue (they are shown translated)."""
    texts = set()
    for cls in installed_connectors().values():
        texts.add(connector_summary(cls))
        texts |= {f.description for f in source_admin.option_fields(cls.options_model) if f.description}
    return texts


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    installed_connectors = web.runtime.connectors

    def find(name: str, session: Session) -> SourceRead | None:
        try:
            return get_source(engine=engine, name=name, scope=session.user.scope)
        except SourceError:
            return None

    def add_form(
        request: Request, session: Session, connector: str, *, values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None, status: int = 200,
    ) -> Response:  # fmt: skip
        connectors = installed_connectors()
        cls = connectors.get(connector)
        context: dict[str, Any] = {
            "connectors": [(name, connector_summary(c)) for name, c in sorted(connectors.items())],
            "connector": connector if cls else "", "values": values or {}, "errors": errors or {},
        }  # fmt: skip
        if cls is not None:
            context |= {"fields": source_admin.option_fields(cls.options_model),
                        "summary": connector_summary(cls), "example": getattr(cls, "example", ""),
                        "default_minutes": max(1, round(cls.poll_interval / 60))}  # fmt: skip
        return web.render(request, "source_new.html", context, session=session, status=status)

    @router.get("/sources", response_class=HTMLResponse)
    def sources_page(
        request: Request, session: Annotated[Session, Depends(web.signed_in)], removed: int = 0
    ) -> Response:
        now = datetime.now(UTC)
        context = {
            "sources": list_sources(engine=engine, now=now, scope=session.user.scope),
            "removed": bool(removed),
            "now": now,
        }
        return web.render(request, "sources.html", context, session=session)

    @router.get("/sources/new", response_class=HTMLResponse)
    def new_source_page(
        request: Request, session: Annotated[Session, Depends(web.allowed(Permission.manage))],
        connector: str = "",
    ) -> Response:  # fmt: skip
        return add_form(request, session, connector)

    @router.post("/sources/new", response_class=HTMLResponse)
    def new_source(
        request: Request, post: Annotated[FormPost, Depends(web.form(Permission.manage))]
    ) -> Response:
        connector = post.text("connector")
        cls = installed_connectors().get(connector)
        if cls is None:
            return add_form(request, post.session, "", errors={"connector": "choose a connector"}, status=400)
        fields = source_admin.option_fields(cls.options_model)
        values = {f.name: post.text(f"option.{f.name}") for f in fields}
        options, errors = source_admin.read_option_form(cls.options_model, values)
        name = post.text("name")
        if not name:
            errors["name"] = "a source needs a name"
        elif len(name) > MAX_NAME:
            errors["name"] = "the name is too long (at most 120 characters)"
        elif find(name, post.session) is not None:
            errors["name"] = "a source with this name exists already"
        minutes = post.text("interval")
        if minutes and (not minutes.isdigit() or not 1 <= int(minutes) <= 7 * 24 * 60):
            errors["interval"] = "give a whole number of minutes, at least 1"
        if not errors:
            try:
                interval = timedelta(minutes=int(minutes)) if minutes else None
                added = add_source(engine=engine, connectors=installed_connectors(),
                                   cipher=web.runtime.cipher, name=name, connector=connector, options=options,
                                   poll_interval=interval,
                                   actor=post.session.user.email,
                                   department=post.session.user.scope.department)  # fmt: skip
            except SourceError as exc:
                errors[""] = str(exc)
            else:
                return RedirectResponse(f"/sources/{quote(added.name)}?added=1", status_code=303)
        secret = {f.name for f in fields if f.kind == "secret"}
        shown = {key: value for key, value in values.items() if key not in secret}  # never sent back
        shown |= {"name": name, "interval": minutes}
        return add_form(request, post.session, connector, values=shown, errors=errors, status=400)

    @router.get("/sources/{name:path}/remove", response_class=HTMLResponse)
    def remove_page(
        request: Request, name: str, session: Annotated[Session, Depends(web.allowed(Permission.manage))]
    ) -> Response:
        found = find(name, session)
        if found is None:
            raise Refused("No such source.", status=404)
        return web.render(request, "source_remove.html", {"source": found}, session=session)

    @router.post("/sources/{name:path}/remove")
    def remove(name: str, post: Annotated[FormPost, Depends(web.form(Permission.manage))]) -> Response:
        try:
            remove_source(
                engine=engine, name=name, actor=post.session.user.email, scope=post.session.user.scope
            )
        except SourceNotYours as exc:
            raise Refused(str(exc)) from None
        except SourceError:
            raise Refused("No such source.", status=404) from None
        return RedirectResponse("/sources?removed=1", status_code=303)

    @router.post("/sources/{name:path}/enabled")
    def switch(name: str, post: Annotated[FormPost, Depends(web.form(Permission.manage))]) -> Response:
        try:
            source_admin.set_source_enabled(engine=engine, name=name, enabled=post.text("enabled") == "true",
                                            actor=post.session.user.email,
                                            scope=post.session.user.scope)  # fmt: skip
        except SourceNotYours as exc:
            raise Refused(str(exc)) from None
        except SourceError:
            raise Refused("No such source.", status=404) from None
        return RedirectResponse(f"/sources/{quote(name)}", status_code=303)

    @router.get("/sources/{name:path}", response_class=HTMLResponse)
    def source_page(
        request: Request, name: str, session: Annotated[Session, Depends(web.signed_in)], added: int = 0
    ) -> Response:
        found = find(name, session)
        if found is None:
            raise Refused("No such source.", status=404)
        runs = source_admin.recent_runs(engine=engine, source_id=found.id)
        context = {"source": found, "runs": runs, "added": bool(added), "now": datetime.now(UTC),
                   "installed": found.connector in installed_connectors()}  # fmt: skip
        return web.render(request, "source.html", context, session=session)

    return router
