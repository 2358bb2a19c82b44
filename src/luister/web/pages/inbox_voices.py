"""Voices in the browser (``/inbox/voices``): the accounts the company speaks from, their connector and
their credentials, masked; adding, changing, checking and removing them takes ``manage``. Secret fields
are never filled in again: left empty they keep what is stored. Each form calls one
:mod:`luister.inbox.voices` function; what it refuses is shown beside the form (422)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import SecretBytes, SecretStr

from luister.connectors.base import Capability, can
from luister.domain.accounts import Permission
from luister.inbox import voices
from luister.inbox.read import list_departments
from luister.web.auth import Session
from luister.web.context import FormPost, RowId, Web
from luister.web.pages.inbox import department_names

FIELDS = ("channel", "handle", "name", "connector", "department")


def credential_fields(connectors: dict[str, type[Any]]) -> dict[str, list[dict[str, Any]]]:
    """Per connector that can reply, the fields of its voice settings: name, secret or not, required."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, kind in sorted(connectors.items()):
        if not can(kind, Capability.reply):
            continue
        found[name] = [
            {
                "name": field,
                "secret": any(s.__name__ in str(info.annotation) for s in (SecretStr, SecretBytes)),
                "required": info.is_required(),
                "help": info.description or "",
            }
            for field, info in kind.voice_model.model_fields.items()
        ]
    return found


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    runtime = web.runtime
    Reader = Annotated[Session, Depends(web.signed_in)]
    Manager = Annotated[FormPost, Depends(web.form(Permission.manage))]

    def _page(
        request: Request,
        session: Session,
        form: dict[str, Any] | None = None,
        *,
        problem: str | None = None,
        checked: tuple[int, voices.VoiceCheck] | None = None,
        status: int = 200,
    ) -> Response:
        departments = list_departments(engine=engine)
        scope = session.user.scope
        context = {
            "items": voices.list_voices(
                engine=engine, scope=scope, connectors=runtime.connectors(), cipher=runtime.cipher
            ),
            "departments": [d for d in departments if scope.owns(d.key)],
            "names": department_names(departments, web.language(request, session)),
            "kinds": credential_fields(runtime.connectors()),
            "form": form or dict.fromkeys(FIELDS, "") | {"id": "", "active": True, "credentials": {}},
            "problem": problem,
            "checked": checked,
            "key_refusal": runtime.cipher.refusal,
        }
        return web.render(request, "inbox_voices.html", context, session=session, status=status)

    @router.get("/inbox/voices", response_class=HTMLResponse)
    def voices_page(request: Request, session: Reader, edit: int = 0) -> Response:
        form = None
        if edit:
            try:
                found = voices.voice_detail(engine=engine, voice_id=edit, scope=session.user.scope)
            except voices.UnknownVoice:
                found = None
            if found is not None:
                form = {
                    "id": str(found.id), "channel": found.channel, "handle": found.handle,
                    "name": found.name, "connector": found.connector or "",
                    "department": found.department or "", "active": found.active, "credentials": {},
                }  # fmt: skip
        return _page(request, session, form)

    @router.post("/inbox/voices")
    def voice_save(request: Request, post: Manager) -> Response:
        form: dict[str, Any] = {name: post.text(name) for name in (*FIELDS, "id")}
        form["active"] = post.text("active") == "on" or not form["id"]
        connector = form["connector"] or None
        credentials = None
        if connector:
            prefix = f"cred.{connector}."
            given = {
                k[len(prefix) :]: v
                for k, v in post.form.items()
                if k.startswith(prefix) and isinstance(v, str)
            }
            credentials = {k: v.strip() for k, v in given.items() if v.strip()}
        common: dict[str, Any] = {
            "engine": engine, "actor": post.session.user.email, "scope": post.session.user.scope,
            "connectors": runtime.connectors(), "cipher": runtime.cipher,
        }  # fmt: skip
        try:
            if form["id"].isdigit():
                voices.update_voice(
                    voice_id=int(form["id"]), now=runtime.clock(), name=form["name"], connector=connector,
                    credentials=credentials if credentials else None, keep_blank=True,
                    department_key=form["department"] or None, active=form["active"], **common,
                )  # fmt: skip
            else:
                voices.add_voice(
                    channel=form["channel"], handle=form["handle"], name=form["name"] or form["handle"],
                    connector=connector, credentials=credentials or ({} if connector else None),
                    department_key=form["department"] or None, **common,
                )  # fmt: skip
        except voices.VoiceError as exc:
            return _page(request, post.session, form | {"credentials": {}}, problem=str(exc), status=422)
        return RedirectResponse("/inbox/voices", status_code=303)

    @router.post("/inbox/voices/{voice_id}/check")
    async def voice_check(request: Request, voice_id: RowId, post: Manager) -> Response:
        try:
            async with runtime.http() as http:
                found = await voices.check_voice(
                    engine=engine, voice_id=voice_id, scope=post.session.user.scope,
                    connectors=runtime.connectors(), cipher=runtime.cipher, http=http,
                )  # fmt: skip
        except voices.VoiceError as exc:
            return _page(request, post.session, problem=str(exc), status=404)
        return _page(request, post.session, checked=(voice_id, found))

    @router.post("/inbox/voices/{voice_id}/remove")
    def voice_remove(request: Request, voice_id: RowId, post: Manager) -> Response:
        try:
            voices.delete_voice(
                engine=engine, actor=post.session.user.email, voice_id=voice_id, scope=post.session.user.scope
            )
        except voices.VoiceError as exc:
            return _page(request, post.session, problem=str(exc), status=409)
        return RedirectResponse("/inbox/voices", status_code=303)

    return router
